from __future__ import annotations

from enum import Enum


class SearchErrorCode(Enum):
    INVALID = "INVALID"
    TOWN_NOT_FOUND = "TOWN_NOT_FOUND"
    NEAR_REQUIRED = "NEAR_REQUIRED"
    SEARCH_UNAVAILABLE = "SEARCH_UNAVAILABLE"
