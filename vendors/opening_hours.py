"""Opening hours: {"mon": "09:00-12:00,14:00-19:00", ..., "sun": null} (null or "" = closed)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_NAMES = {
    "mon": gettext_lazy("Monday"),
    "tue": gettext_lazy("Tuesday"),
    "wed": gettext_lazy("Wednesday"),
    "thu": gettext_lazy("Thursday"),
    "fri": gettext_lazy("Friday"),
    "sat": gettext_lazy("Saturday"),
    "sun": gettext_lazy("Sunday"),
}
_RANGE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")


def opening_hours_day_problems(
    value: Any, *, day_codes: bool = False
) -> list[tuple[str | None, str]]:
    """(day code, problem) for each problem with an opening-hours value, the day None for a
    problem of the whole value; empty when the value is valid. Each problem names its day in the
    current language ("Mardi : …"), or by its code (`day_codes`, for a file keyed by them)."""
    if not isinstance(value, dict):
        return [(None, _("Opening hours must be an object keyed by day (mon..sun)."))]
    problems: list[tuple[str | None, str]] = [
        (None, _("Unknown day %(day)r; use %(days)s.") % {"day": key, "days": ", ".join(DAYS)})
        for key in value
        if key not in DAYS
    ]
    for day in DAYS:
        hours = value.get(day)
        name = day if day_codes else str(DAY_NAMES[day])
        if hours is None or hours == "":
            continue
        if not isinstance(hours, str):
            problems.append((day, _('%(day)s: expected "HH:MM-HH:MM" or null.') % {"day": name}))
            continue
        previous_end = -1
        for part in hours.split(","):
            words = {"day": name, "part": part.strip()}
            match = _RANGE.match(part.strip())
            if not match:
                problems.append((day, _("%(day)s: %(part)r is not HH:MM-HH:MM.") % words))
                continue
            start = int(match[1]) * 60 + int(match[2])
            end = int(match[3]) * 60 + int(match[4])
            if end > 24 * 60 or start >= end:
                problems.append((day, _("%(day)s: %(part)r must end after it starts.") % words))
            elif start < previous_end:
                problems.append((day, _("%(day)s: %(part)r overlaps the previous range.") % words))
            previous_end = end
    return problems


def opening_hours_problems(value: Any) -> list[str]:
    """Human-readable problems with an opening-hours value of a data file (days named by their
    codes, as its keys are); empty when it is valid."""
    return [problem for _day, problem in opening_hours_day_problems(value, day_codes=True)]


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
