"""Looking up the town/shop/rule an operation names, and who may act on it."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from graphql_relay import from_global_id

from marketplace.accounts.models import User
from marketplace.accounts.requester import Requester
from marketplace.catalog.models import Category
from marketplace.governance.error_codes import GovernanceErrorCode
from marketplace.graphql.core.ids import decode_id
from marketplace.towns.access import is_town_staff
from marketplace.towns.models import Town, TownStaffRole
from vendors.models import Vendor

ADMIN_ONLY: tuple[str, ...] = (TownStaffRole.ADMIN,)
ANY_STAFF: tuple[str, ...] = tuple(TownStaffRole)


def _not_found(field: str, message: str) -> ValidationError:
    return ValidationError(
        {field: ValidationError(message, code=GovernanceErrorCode.NOT_FOUND.value)}
    )


def _global_pk(value: str, type_name: str) -> int | None:
    try:
        kind, raw = from_global_id(value)
        return int(raw) if kind == type_name else None
    except (ValueError, TypeError, UnicodeDecodeError):
        return None


def town_from_input(value: str, *, field: str = "town") -> Town:
    """A town by its slug or its global id."""
    pk = _global_pk(value, "Town")
    town = (
        Town.objects.filter(pk=pk).first()
        if pk is not None
        else Town.objects.filter(slug=value).first()
    )
    if town is None:
        raise _not_found(field, _("No such town."))
    return town


def category_id_from_input(value: str | None, *, field: str = "category") -> int | None:
    """A category by its slug or its global id."""
    if not value:
        return None
    pk = _global_pk(value, "Category")
    queryset = (
        Category.objects.filter(pk=pk) if pk is not None else Category.objects.filter(slug=value)
    )
    found = queryset.values_list("pk", flat=True).first()
    if found is None:
        raise _not_found(field, _("No such category."))
    return int(found)


def vendor_from_input(value: str, *, field: str = "id") -> Vendor:
    pk = decode_id(value, "Vendor", field=field)
    vendor = Vendor.objects.filter(pk=pk).first()
    if vendor is None:
        raise _not_found(field, _("No such shop."))
    return vendor


def require_town_staff(info: Any, town_id: int, *, roles: tuple[str, ...]) -> Any:
    """The logged-in user if they hold one of `roles` in the town (or are a superuser)."""
    user = info.context.user
    if not is_town_staff(user, town_id, roles=roles):
        if roles == ADMIN_ONLY:
            raise PermissionDenied(_("Only the town's administrators may do this."))
        raise PermissionDenied(_("Only the town's association staff may do this."))
    return user


def require_login(info: Any) -> User:
    user: Requester | None = info.context.user
    if user is None or not user.is_authenticated:
        raise PermissionDenied(_("Log in first."))
    return user
