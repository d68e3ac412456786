"""Who may reach a checkout: a logged-in user's checkout is only theirs; a guest checkout is
reached by its unguessable UUID."""

from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from marketplace.accounts.requester import Requester
from marketplace.checkout.error_codes import CheckoutErrorCode
from marketplace.checkout.models import Checkout
from marketplace.core.compiled import Slot, compiled_query


def not_found(field: str = "id") -> ValidationError:
    return ValidationError(
        {field: ValidationError(_("Checkout not found."), code=CheckoutErrorCode.NOT_FOUND.value)}
    )


def parse_checkout_id(value: Any) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (TypeError, ValueError) as error:
        raise not_found() from error


def check_checkout_access(checkout: Checkout, user: Requester | None) -> None:
    if checkout.user_id is None:
        return
    if user is None or not user.is_authenticated or user.pk != checkout.user_id:
        raise PermissionDenied(_("This checkout is not yours."))


def checkout_get(
    *, checkout_id: Any, user: Requester, queryset: QuerySet[Checkout] | None = None
) -> Checkout:
    """The checkout if it exists and the user may touch it; coded errors otherwise."""
    pk = parse_checkout_id(checkout_id)
    if queryset is None:  # every cart page asks: compiled once per process
        found: list[Checkout] = compiled_query(("checkout_get",), _checkout_query).run(pk=pk)
        checkout = found[0] if found else None
    else:
        checkout = queryset.filter(pk=pk).first()
    if checkout is None:
        raise not_found()
    check_checkout_access(checkout, user)
    return checkout


def _checkout_query() -> QuerySet[Checkout]:
    return Checkout.objects.select_related("town").filter(pk=Slot("pk", Checkout._meta.pk))
