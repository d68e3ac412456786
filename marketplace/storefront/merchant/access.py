"""Which shop a page is about: the member's own, from the URL, or 404 (never another's data)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, wraps
from typing import Concatenate, ParamSpec, TypeAlias, TypeVar

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Subquery
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse

from marketplace.accounts.requester import Requester
from marketplace.governance.shop_standing import ShopStanding, vendor_standing
from vendors.models import Vendor, VendorMember, VendorRole


@dataclass(frozen=True)
class ShopAccess:
    vendor: Vendor
    role: str
    # How many shops the user is a member of (the nav offers switching only when more than one).
    shop_count: int = 1

    @property
    def is_owner(self) -> bool:
        return self.role == VendorRole.OWNER

    @cached_property
    def standing(self) -> ShopStanding | None:
        """Where the shop stands with the association, for the layout's notice (None once
        approved, read without a query)."""
        return vendor_standing(vendor=self.vendor)

    @property
    def base_url(self) -> str:
        """The shop's back-office root, `/commercant/<town>/<shop>/` (rows link from it)."""
        return reverse(
            "merchant:shop", kwargs={"town": self.vendor.town.slug, "shop": self.vendor.slug}
        )


def member_shop(request: HttpRequest, town: str, shop: str) -> ShopAccess:
    """The shop `town/shop` when the logged-in user is one of its members; 404 otherwise (one
    query: the membership with its shop and town, and how many shops the user belongs to)."""
    user = request.user
    if not user.is_authenticated:
        raise Http404
    user_shops = (
        VendorMember.objects.filter(user_id=user.pk)
        .order_by()
        .values("user_id")
        .annotate(count=Count("pk"))
        .values("count")
    )
    membership = (
        VendorMember.objects.select_related("vendor__town")
        .filter(user_id=user.pk, vendor__town__slug=town, vendor__slug=shop)
        .annotate(shop_count=Subquery(user_shops))
        .first()
    )
    if membership is None:
        raise Http404
    return ShopAccess(
        vendor=membership.vendor, role=membership.role, shop_count=membership.shop_count
    )


def is_htmx(request: HttpRequest) -> bool:
    """Whether htmx made the request (django-htmx's middleware sets `request.htmx`)."""
    return bool(getattr(request, "htmx", False))


def member_shops(user: Requester) -> list[Vendor]:
    """Every shop the user is a member of, by town then name."""
    if not user.is_authenticated:
        return []
    return list(
        Vendor.objects.filter(members__user_id=user.pk)
        .select_related("town")
        .order_by("town__name", "name")
    )


_Request = TypeVar("_Request", bound=HttpRequest)
_Params = ParamSpec("_Params")
ShopView: TypeAlias = Callable[Concatenate[_Request, ShopAccess, _Params], HttpResponse]
# What the URLconf calls: the view with the shop's `town` and `shop` slugs in place of `access`.
UrlView: TypeAlias = Callable[..., HttpResponse]


def shop_view(*, owner_only: bool = False) -> Callable[[ShopView[_Request, _Params]], UrlView]:
    """Decorator: login required, the shop resolved from the URL (`town`, `shop`) and passed
    as `access`; a staff member on an owner-only page gets 403 (it is their own shop)."""

    def decorator(view: ShopView[_Request, _Params]) -> UrlView:
        @login_required
        @wraps(view)
        def wrapper(
            request: _Request, town: str, shop: str, *args: _Params.args, **kwargs: _Params.kwargs
        ) -> HttpResponse:
            access = member_shop(request, town, shop)
            if owner_only and not access.is_owner:
                raise PermissionDenied
            return view(request, access, *args, **kwargs)

        return wrapper

    return decorator
