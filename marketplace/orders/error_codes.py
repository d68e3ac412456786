from __future__ import annotations

from enum import Enum


class OrderErrorCode(Enum):
    INVALID = "INVALID"
    NOT_FOUND = "NOT_FOUND"
    REQUIRED = "REQUIRED"
    INVALID_TRANSITION = "INVALID_TRANSITION"
    PERMISSION_DENIED = "PERMISSION_DENIED"
    ORDER_UNPAID = "ORDER_UNPAID"
    ALREADY_PAID = "ALREADY_PAID"
