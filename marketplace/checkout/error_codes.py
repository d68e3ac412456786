from __future__ import annotations

from enum import Enum


class CheckoutErrorCode(Enum):
    INVALID = "INVALID"
    REQUIRED = "REQUIRED"
    NOT_FOUND = "NOT_FOUND"
    PERMISSION_DENIED = "PERMISSION_DENIED"
    INVALID_QUANTITY = "INVALID_QUANTITY"
    INSUFFICIENT_STOCK = "INSUFFICIENT_STOCK"
    VARIANT_NOT_AVAILABLE = "VARIANT_NOT_AVAILABLE"
    WRONG_TOWN = "WRONG_TOWN"
    DELIVERY_METHOD_NOT_OFFERED = "DELIVERY_METHOD_NOT_OFFERED"
    EMPTY_CHECKOUT = "EMPTY_CHECKOUT"
    EMAIL_REQUIRED = "EMAIL_REQUIRED"
    DUPLICATED_INPUT = "DUPLICATED_INPUT"
    # More than the town lets one checkout hold (governance settings).
    CHECKOUT_LIMIT_EXCEEDED = "CHECKOUT_LIMIT_EXCEEDED"
    # Too many checkouts created by one client in a short time.
    RATE_LIMITED = "RATE_LIMITED"
    # Raised by payments.charges.payment_start_for_order when the payment provider cannot be reached.
    GATEWAY_ERROR = "GATEWAY_ERROR"
