"""A customer's data rights: export everything about them, delete their account.

An account that is the only owner of a shop or the last administrator of a town cannot be
deleted until it hands over. Deleting an account anonymises its orders (email replaced, user unlinked) instead of deleting them:
orders, shop orders and the payments ledger are the town's accounting and stay whole. Memberships,
staff roles and open checkouts go with the account (database cascades).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.accounts.error_codes import AccountErrorCode
from marketplace.accounts.models import User
from marketplace.checkout.models import Checkout
from marketplace.governance.audit import jsonable
from marketplace.orders.models import Order, ShopOrder
from marketplace.towns.models import TownStaff, TownStaffRole
from vendors.models import VendorMember, VendorRole

ANONYMISED_EMAIL = "anonyme@supprime.invalid"


def _orders_of(user: User) -> Any:
    """Orders placed with the account. Guest orders under the same email are not included: an
    account's email is not proof of owning the guest orders placed with it."""
    return Order.objects.filter(user=user)


def account_data_export(*, user: User) -> dict[str, Any]:
    """Everything the marketplace holds about the user, as JSON-ready data."""
    orders = (
        _orders_of(user)
        .select_related("town")
        .prefetch_related(
            Prefetch(
                "shop_orders",
                queryset=ShopOrder.objects.select_related("vendor").prefetch_related("lines"),
            )
        )
        .order_by("created_at", "id")
    )
    return jsonable(
        {
            "exported_at": timezone.now(),
            "profile": {
                "email": user.email,
                "first_name": user.first_name,
                "last_name": user.last_name,
                "language": user.language,
                "date_joined": user.date_joined,
                "last_login": user.last_login,
            },
            "orders": [
                {
                    "number": order.number,
                    "town": order.town.slug,
                    "customer_name": order.customer_name,
                    "email": order.email,
                    "phone": order.phone,
                    "delivery_address": order.delivery_address,
                    "status": order.status,
                    "currency": order.currency,
                    "subtotal": order.subtotal,
                    "delivery_total": order.delivery_total,
                    "total": order.total,
                    "created_at": order.created_at,
                    "paid_at": order.paid_at,
                    "shop_orders": [
                        {
                            "shop": shop_order.vendor.name,
                            "status": shop_order.status,
                            "subtotal": shop_order.subtotal,
                            "delivery_method": shop_order.delivery_method,
                            "delivery_fee": shop_order.delivery_fee,
                            "refunded_amount": shop_order.refunded_amount,
                            "lines": [
                                {
                                    "product": line.product_name,
                                    "variant": line.variant_name,
                                    "sku": line.sku,
                                    "quantity": line.quantity,
                                    "unit_price": line.unit_price,
                                    "total": line.total,
                                    "vat_rate": line.vat_rate,
                                }
                                for line in shop_order.lines.all()
                            ],
                        }
                        for shop_order in order.shop_orders.all()
                    ],
                }
                for order in orders
            ],
            "checkouts": [
                {"id": str(row["id"]), "town": row["town__slug"], "created_at": row["created_at"]}
                for row in Checkout.objects.filter(user=user)
                .order_by("created_at")
                .values("id", "town__slug", "created_at")
            ],
            "shop_memberships": [
                {
                    "shop": row["vendor__name"],
                    "town": row["vendor__town__slug"],
                    "role": row["role"],
                }
                for row in VendorMember.objects.filter(user=user)
                .order_by("id")
                .values("vendor__name", "vendor__town__slug", "role")
            ],
            "town_roles": [
                {"town": row["town__slug"], "role": row["role"]}
                for row in TownStaff.objects.filter(user=user)
                .order_by("id")
                .values("town__slug", "role")
            ],
        }
    )


def _refuse_if_last_in_charge(user: User) -> None:
    """A shop must keep an owner and a town an administrator: hand over first, then delete."""
    owned = VendorMember.objects.filter(user=user, role=VendorRole.OWNER).values("vendor_id")
    alone = (
        VendorMember.objects.filter(vendor_id__in=owned, role=VendorRole.OWNER)
        .values("vendor_id")
        .annotate(owners=Count("pk"))
        .filter(owners=1)
    )
    if alone.exists():
        raise ValidationError(
            _(
                "You are the only owner of a shop: transfer its ownership before deleting your account."
            ),
            code=AccountErrorCode.LAST_OWNER.value,
        )
    administered = TownStaff.objects.filter(user=user, role=TownStaffRole.ADMIN).values("town_id")
    last_admin = (
        TownStaff.objects.filter(town_id__in=administered, role=TownStaffRole.ADMIN)
        .values("town_id")
        .annotate(admins=Count("pk"))
        .filter(admins=1)
    )
    if last_admin.exists():
        raise ValidationError(
            _(
                "You are the last administrator of a town: name another one before deleting your account."
            ),
            code=AccountErrorCode.LAST_ADMIN.value,
        )


def account_delete(*, user: User, password: str) -> int:
    """Deletes the account after checking its password; returns how many orders were anonymised."""
    if not user.check_password(password):
        raise ValidationError(
            {
                "password": ValidationError(
                    _("The password is not correct."),
                    code=AccountErrorCode.INVALID_CREDENTIALS.value,
                )
            }
        )
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        _refuse_if_last_in_charge(locked)
        order_ids = sorted(_orders_of(locked).values_list("pk", flat=True))
        list(Order.objects.select_for_update().filter(pk__in=order_ids).order_by("pk").values("pk"))
        anonymised = Order.objects.filter(pk__in=order_ids).update(
            user=None,
            email=ANONYMISED_EMAIL,
            customer_name="",
            phone="",
            delivery_address="",
            updated_at=timezone.now(),
        )
        locked.delete()
    return anonymised
