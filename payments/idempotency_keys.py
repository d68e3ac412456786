"""The idempotency keys of the calls that a retry may repeat (refunds and transfers).

Each row keeps its key's version and when that key was first sent. Stripe forgets a key 24 hours
after its first use, so a retry later than KEY_WINDOW first looks the object up at the provider (an
earlier try may have gone through); when it is not there, the next version of the key is used, as
a new call that nothing can mistake for the first.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.utils import timezone

from payments.models import Refund, Transfer

# Stripe keeps an idempotency key 24 hours; past this, a retry may not be recognised.
KEY_WINDOW = timedelta(hours=23)


def idempotency_key(base: str, version: int) -> str:
    """The key of a call's `version`: the first is the base itself (`…-v2` and so on after)."""
    return base if version <= 1 else f"{base}-v{version}"


def key_window_check(row: Refund | Transfer, *, find: Callable[[], object]) -> str | None:
    """Before (re)sending `row`'s call: past the key's window, `find()` looks the object up and
    its id is returned when found; otherwise the row moves to the next key version. The first use
    of the row's (new) key is recorded. Returns None when the call is to be sent."""
    now = timezone.now()
    if row.key_first_sent_at is not None and now - row.key_first_sent_at > KEY_WINDOW:
        found = find()
        if found:
            return str(found)
        row.key_version += 1
        row.key_first_sent_at = None
    if row.key_first_sent_at is None:
        row.key_first_sent_at = now
        type(row).objects.filter(pk=row.pk).update(
            key_version=row.key_version, key_first_sent_at=now, updated_at=now
        )
    return None
