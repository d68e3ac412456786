"""Opening hours: {"mon": "09:00-12:00,14:00-19:00", ..., "sun": null} (null or "" = closed)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_RANGE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")


def opening_hours_problems(value: Any) -> list[str]:
    """Human-readable problems with an opening-hours value; empty when it is valid."""
    if not isinstance(value, dict):
        return [_("Opening hours must be an object keyed by day (mon..sun).")]
    problems = [
        _("Unknown day %(day)r; use %(days)s.") % {"day": key, "days": ", ".join(DAYS)}
        for key in value
        if key not in DAYS
    ]
    for day in DAYS:
        hours = value.get(day)
        if hours is None or hours == "":
            continue
        if not isinstance(hours, str):
            problems.append(_('%(day)s: expected "HH:MM-HH:MM" or null.') % {"day": day})
            continue
        previous_end = -1
        for part in hours.split(","):
            match = _RANGE.match(part.strip())
            if not match:
                problems.append(
                    _("%(day)s: %(part)r is not HH:MM-HH:MM.") % {"day": day, "part": part.strip()}
                )
                continue
            start = int(match[1]) * 60 + int(match[2])
            end = int(match[3]) * 60 + int(match[4])
            if end > 24 * 60 or start >= end:
                problems.append(
                    _("%(day)s: %(part)r must end after it starts.")
                    % {"day": day, "part": part.strip()}
                )
            elif start < previous_end:
                problems.append(
                    _("%(day)s: %(part)r overlaps the previous range.")
                    % {"day": day, "part": part.strip()}
                )
            previous_end = end
    return problems


def normalize_opening_hours(value: dict[str, Any]) -> dict[str, str | None]:
    return {
        day: (",".join(p.strip() for p in value[day].split(",")) if value.get(day) else None)
        for day in DAYS
    }


def opening_hours_open_at(*, opening_hours: dict[str, Any], at: datetime) -> bool:
    """Whether the shop is open at `at` (a datetime in the shop's town's timezone)."""
    hours = (opening_hours or {}).get(DAYS[at.weekday()])
    if not isinstance(hours, str) or not hours:
        return False
    minute = at.hour * 60 + at.minute
    for part in hours.split(","):
        match = _RANGE.match(part.strip())
        if match:
            start = int(match[1]) * 60 + int(match[2])
            end = int(match[3]) * 60 + int(match[4])
            if start <= minute < end:
                return True
    return False
