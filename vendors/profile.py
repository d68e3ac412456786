"""A shop's application and public profile."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from marketplace.accounts.models import User
from marketplace.towns.models import Town
from search.indexing import mark_vendor_dirty
from vendors.error_codes import VendorErrorCode
from vendors.models import (
    FulfilmentMethod,
    Vendor,
    VendorMember,
    VendorRole,
    VendorStatus,
)
from vendors.validation import (
    check_fulfilment_methods,
    check_location,
    check_opening_hours,
    check_phone,
    check_text,
    field_error,
)

PROFILE_FIELDS = ("name", "slug", "description", "email", "phone", "opening_hours")


def _check_slug(*, town_id: int, slug: Any, vendor_id: int | None = None) -> str:
    value = str(slug or "").strip()
    if not value or slugify(value) != value or len(value) > 80:
        raise field_error(
            "slug",
            _("Use lowercase letters, digits and hyphens (at most 80)."),
            VendorErrorCode.INVALID,
        )
    taken = Vendor.objects.filter(town_id=town_id, slug=value)
    if vendor_id is not None:
        taken = taken.exclude(pk=vendor_id)
    if taken.exists():
        raise field_error(
            "slug", _("Another shop of this town already uses this slug."), VendorErrorCode.UNIQUE
        )
    return value


def _check_email(value: Any) -> str:
    email = str(value or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError as error:
        raise field_error(
            "email", _("Enter a valid email address."), VendorErrorCode.INVALID
        ) from error
    return email


def _profile_changes(vendor: Vendor, data: dict[str, Any], currency: str) -> dict[str, Any]:
    """Validated model values for the keys present in `data` (None values are skipped)."""
    changes: dict[str, Any] = {}
    if data.get("name") is not None:
        changes["name"] = check_text("name", data["name"], max_length=160)
    if data.get("slug") is not None:
        changes["slug"] = _check_slug(
            town_id=vendor.town_id, slug=data["slug"], vendor_id=vendor.pk or None
        )
    if data.get("description") is not None:
        changes["description"] = check_text(
            "description", data["description"], max_length=5000, required=False
        )
    if data.get("email") is not None:
        changes["email"] = _check_email(data["email"])
    if data.get("phone") is not None:
        changes["phone"] = check_phone("phone", data["phone"])
    address = data.get("address")
    if address is not None:
        changes["street"] = check_text(
            "address.street", address.get("street"), max_length=200, required=False
        )
        changes["postal_code"] = check_text(
            "address.postal_code", address.get("postal_code"), max_length=16, required=False
        )
        changes["city"] = check_text(
            "address.city", address.get("city"), max_length=100, required=False
        )
        country = str(address.get("country") or "FR").strip().upper()
        if len(country) != 2 or not country.isalpha():
            raise field_error(
                "address.country", _("Use a two-letter country code."), VendorErrorCode.INVALID
            )
        changes["country"] = country
    location = data.get("location")
    if location is not None:
        changes["latitude"], changes["longitude"] = check_location(
            "location", location.get("latitude"), location.get("longitude")
        )
    if data.get("opening_hours") is not None:
        changes["opening_hours"] = check_opening_hours("opening_hours", data["opening_hours"])
    return changes


def _replace_methods(vendor: Vendor, methods: dict[str, Decimal]) -> None:
    FulfilmentMethod.objects.filter(vendor=vendor).exclude(method__in=list(methods)).delete()
    existing = {m.method: m for m in FulfilmentMethod.objects.filter(vendor=vendor)}
    for method, fee in methods.items():
        current = existing.get(method)
        if current is None:
            FulfilmentMethod.objects.create(vendor=vendor, method=method, fee=fee)
        elif current.fee != fee:
            current.fee = fee
            current.save(update_fields=["fee"])


def vendor_apply(*, user: User, town_id: int, data: dict[str, Any]) -> Vendor:
    """A logged-in user applies for a shop: a *pending* shop with the applicant as owner."""
    town = Town.objects.filter(pk=town_id).first()
    if town is None:
        raise field_error("town", _("Unknown town."), VendorErrorCode.NOT_FOUND)
    if not data.get("name"):
        raise field_error("name", _("This field is required."), VendorErrorCode.REQUIRED)
    payload = dict(data)
    if not payload.get("slug"):
        payload["slug"] = slugify(str(data["name"]))[:80]
    if not payload.get("email"):
        payload["email"] = user.email
    vendor = Vendor(town=town, status=VendorStatus.PENDING)
    changes = _profile_changes(vendor, payload, town.currency)
    methods = check_fulfilment_methods(
        "fulfilment_methods",
        data.get("fulfilment_methods") or [{"method": "pickup", "fee": Decimal("0")}],
        currency=town.currency,
    )
    for name, value in changes.items():
        setattr(vendor, name, value)
    try:
        with transaction.atomic():
            vendor.save()
            VendorMember.objects.create(vendor=vendor, user=user, role=VendorRole.OWNER)
            _replace_methods(vendor, methods)
    except IntegrityError as error:
        raise field_error(
            "slug", _("Another shop of this town already uses this slug."), VendorErrorCode.UNIQUE
        ) from error
    return vendor


def vendor_update(*, vendor_id: int, data: dict[str, Any]) -> Vendor:
    """Change a shop's profile; `fulfilment_methods`, when given, replaces the whole set."""
    try:
        with transaction.atomic():
            vendor = Vendor.objects.select_for_update().select_related("town").get(pk=vendor_id)
            changes = _profile_changes(vendor, data, vendor.town.currency)
            methods = None
            if data.get("fulfilment_methods") is not None:
                if not data["fulfilment_methods"]:
                    raise field_error(
                        "fulfilment_methods",
                        _("Offer at least one fulfilment method."),
                        VendorErrorCode.REQUIRED,
                    )
                methods = check_fulfilment_methods(
                    "fulfilment_methods", data["fulfilment_methods"], currency=vendor.town.currency
                )
            changed = [name for name, value in changes.items() if getattr(vendor, name) != value]
            for name in changed:
                setattr(vendor, name, changes[name])
            if changed:
                vendor.save(update_fields=[*changed, "updated_at"])
            if methods is not None:
                _replace_methods(vendor, methods)
            mark_vendor_dirty(vendor_id=vendor.pk)
    except IntegrityError as error:
        raise field_error(
            "slug", _("Another shop of this town already uses this slug."), VendorErrorCode.UNIQUE
        ) from error
    return vendor
