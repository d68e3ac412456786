"""`{{ moment|in_town_tz:town }}`: an aware datetime in the town's own timezone."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django import template

register = template.Library()


@register.filter
def in_town_tz(moment: datetime | None, town: Any) -> datetime | None:
    if moment is None:
        return None
    return moment.astimezone(ZoneInfo(getattr(town, "timezone", None) or "Europe/Paris"))
