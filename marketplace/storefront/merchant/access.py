"""Which shop a page is about: the member's own, from the URL, or 404 (never another's data)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.urls import reverse

from vendors.models import Vendor, VendorMember, VendorRole


@dataclass(frozen=True)
class ShopAccess:
    vendor: Vendor
    role: str

    @property
    def is_owner(self) -> bool:
        return self.role == VendorRole.OWNER

    @property
    def base_url(self) -> str:
        """The shop's back-office root, `/commercant/<town>/<shop>/` (rows link from it)."""
        return reverse(
            "merchant:shop", kwargs={"town": self.vendor.town.slug, "shop": self.vendor.slug}
        )


def member_shop(request: HttpRequest, town: str, shop: str) -> ShopAccess:
    """The shop `town/shop` when the logged-in user is one of its members; 404 otherwise (one
    query: the membership with its shop and town)."""
    user: Any = request.user
    if not user.is_authenticated:
        raise Http404
    membership = (
        VendorMember.objects.select_related("vendor__town")
        .filter(user_id=user.pk, vendor__town__slug=town, vendor__slug=shop)
        .first()
    )
    if membership is None:
        raise Http404
    return ShopAccess(vendor=membership.vendor, role=membership.role)


def is_htmx(request: HttpRequest) -> bool:
    """Whether htmx made the request (django-htmx's middleware sets `request.htmx`)."""
    return bool(getattr(request, "htmx", False))


def member_shops(user: Any) -> list[Vendor]:
    """Every shop the user is a member of, by town then name."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(
        Vendor.objects.filter(members__user_id=user.pk)
        .select_related("town")
        .order_by("town__name", "name")
    )


def shop_view(*, owner_only: bool = False) -> Any:
    """Decorator: login required, the shop resolved from the URL (`town`, `shop`) and passed
    as `access`; a staff member on an owner-only page gets 403 (it is their own shop)."""

    def decorator(view: Any) -> Any:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, town: str, shop: str, *args: Any, **kwargs: Any) -> Any:
            access = member_shop(request, town, shop)
            if owner_only and not access.is_owner:
                raise PermissionDenied
            return view(request, access, *args, **kwargs)

        return wrapper

    return decorator
