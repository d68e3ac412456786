"""A visitor without an account applies to open a shop: the account and the pending shop are
created together, or neither."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from marketplace.accounts.models import User
from marketplace.accounts.registration import account_register
from vendors.models import Vendor
from vendors.profile import vendor_apply


def vendor_apply_with_account(
    *,
    email: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
    language: str = "fr",
    town_id: int,
    data: dict[str, Any],
) -> tuple[User, Vendor]:
    """Registers the account (its errors on `email`/`password`) then applies for the shop with
    it as owner (`vendor_apply`'s errors); one transaction."""
    with transaction.atomic():
        user = account_register(
            email=email,
            password=password,
            first_name=first_name,
            last_name=last_name,
            language=language,
        )
        vendor = vendor_apply(user=user, town_id=town_id, data=data)
    return user, vendor
