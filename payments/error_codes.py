"""Error codes of the payments domain."""

from __future__ import annotations

import enum


class PaymentErrorCode(enum.Enum):
    INVALID = "INVALID"
    NOT_FOUND = "NOT_FOUND"
    PERMISSION_DENIED = "PERMISSION_DENIED"
    INVALID_AMOUNT = "INVALID_AMOUNT"
    AMOUNT_TOO_LARGE = "AMOUNT_TOO_LARGE"
    NOT_PAID = "NOT_PAID"
    NOT_REFUNDABLE = "NOT_REFUNDABLE"
    GATEWAY_ERROR = "GATEWAY_ERROR"
