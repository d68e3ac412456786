"""Human order numbers: MP-<year>-<XXXXX>-<XXXXX>, known before the order is inserted.

After the year come 50 random bits in Crockford's base32 (digits and capitals without I, L, O, U:
read aloud or typed back without confusion). Drawn rather than counted, the number is written by
the order's INSERT itself (no second statement) and tells no one how many orders a town takes.
The column is unique: a number drawn twice (about one chance in 10^15 per pair of orders) is
refused by the database, and checkoutComplete draws again.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from django.conf import settings

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base32
RANDOM_CHARS = 10  # 5 bits each


def order_number(*, at: datetime) -> str:
    prefix = getattr(settings, "ORDER_NUMBER_PREFIX", "MP")
    bits = secrets.randbits(5 * RANDOM_CHARS)
    chars = "".join(ALPHABET[(bits >> (5 * i)) & 31] for i in reversed(range(RANDOM_CHARS)))
    half = RANDOM_CHARS // 2
    return f"{prefix}-{at:%Y}-{chars[:half]}-{chars[half:]}"
