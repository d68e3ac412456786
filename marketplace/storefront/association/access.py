"""Which town's back office a user may open: a town's staff see their own town only (404 otherwise)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone

from marketplace.accounts.requester import Requester
from marketplace.core.collation import FrenchOrder
from marketplace.towns.access import is_town_staff
from marketplace.towns.models import Town, TownStaffRole

ADMIN_ONLY: tuple[str, ...] = (TownStaffRole.ADMIN,)
ANY_STAFF: tuple[str, ...] = tuple(TownStaffRole)


def staff_town(user: Requester, slug: str, *, roles: tuple[str, ...] = ANY_STAFF) -> Town:
    """The town of `slug` if `user` holds one of `roles` there; 404 for any other town or role."""
    town = Town.objects.filter(slug=slug).first()
    if town is None or not is_town_staff(user, town.pk, roles=roles):
        raise Http404
    return town


def staff_towns(user: Requester) -> QuerySet[Town]:
    """The towns whose back office `user` may open (every town for a platform superuser)."""
    if not user.is_authenticated:
        return Town.objects.none()
    if user.is_superuser:
        return Town.objects.order_by(FrenchOrder("name"))
    return Town.objects.filter(staff__user_id=user.pk).distinct().order_by(FrenchOrder("name"))


def is_admin(user: Requester, town: Town) -> bool:
    return is_town_staff(user, town.pk, roles=ADMIN_ONLY)


def town_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A back-office view of one town: logged in, staff of that town (else 404), and the town's
    timezone active while the form is parsed and the page rendered. The view gets the Town."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, town: str, **kwargs: Any) -> HttpResponse:
        current = staff_town(request.user, town)
        with timezone.override(ZoneInfo(current.timezone or "Europe/Paris")):
            return view(request, current, **kwargs)

    return wrapped


def require_admin(request: HttpRequest, town: Town) -> None:
    """Rules, settings and roles are the administrators' (a moderator gets a 404 on writing)."""
    if not is_admin(request.user, town):
        raise Http404
