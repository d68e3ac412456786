"""Who may run the merchant mutations, and the id lookups they share."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from marketplace.graphql.core.ids import decode_id
from vendors.access import is_vendor_member
from vendors.error_codes import VendorErrorCode
from vendors.models import Product, Variant, Vendor, VendorMember
from vendors.validation import field_error


def require_user(info: Any) -> Any:
    user = info.context.user
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied(_("Log in first."))
    return user


def require_member(info: Any, vendor_id: int, *, owner_only: bool = False) -> Any:
    """The user, when they are a member (or an owner) of that shop; PermissionDenied otherwise."""
    user = require_user(info)
    if not is_vendor_member(user, vendor_id, owner_only=owner_only):
        if owner_only:
            raise PermissionDenied(_("Only the shop's owner can do this."))
        raise PermissionDenied(_("Only the shop's members can do this."))
    return user


def _missing(field: str) -> Exception:
    return field_error(field, _("Not found."), VendorErrorCode.NOT_FOUND)


def vendor_id_of(global_id: str, *, field: str = "vendor") -> int:
    pk = decode_id(global_id, "Vendor", field=field)
    if not Vendor.objects.filter(pk=pk).exists():
        raise _missing(field)
    return pk


def product_vendor_id(global_id: str, *, field: str = "id") -> tuple[int, int]:
    """(product pk, its shop's pk)."""
    pk = decode_id(global_id, "Product", field=field)
    vendor_id = Product.objects.filter(pk=pk).values_list("vendor_id", flat=True).first()
    if vendor_id is None:
        raise _missing(field)
    return pk, vendor_id


def variant_vendor_id(global_id: str, *, field: str = "variant") -> tuple[int, int]:
    pk = decode_id(global_id, "Variant", field=field)
    vendor_id = Variant.objects.filter(pk=pk).values_list("vendor_id", flat=True).first()
    if vendor_id is None:
        raise _missing(field)
    return pk, vendor_id


def member_vendor_id(global_id: str, *, field: str = "id") -> tuple[int, int, int]:
    """(membership pk, its shop's pk, its user's pk)."""
    pk = decode_id(global_id, "VendorMember", field=field)
    row = VendorMember.objects.filter(pk=pk).values_list("vendor_id", "user_id").first()
    if row is None:
        raise _missing(field)
    return pk, row[0], row[1]


def enum_value(value: Any) -> Any:
    """Graphene 3 passes enum inputs as enum members: their value."""
    return getattr(value, "value", value)
