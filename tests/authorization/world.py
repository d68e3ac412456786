"""The people and things the authorization matrix acts on, built once per test module.

One town (Montpellier) with shop A (its owner and a staff member), shop B (another owner), a
pending and a suspended shop, the association (a moderator, an administrator, a second
moderator to revoke), a commission rule, a private audit entry; a customer with orders of shop A
in every state a shop-order mutation needs, a checkout, and a guest's order and checkout; a
second town with its own administrator; a platform superuser.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.db import connection, models, transaction
from django.utils import timezone
from graphql_relay import to_global_id

from marketplace.accounts.tokens import create_refresh_token
from marketplace.checkout.lines import LineInput, checkout_create
from marketplace.governance.models import AuditAction, AuditEntry
from marketplace.orders.lifecycle import shop_order_accept, shop_order_mark_ready
from marketplace.orders.models import ShopOrder
from marketplace.towns.models import TownStaffRole
from tests.factories import (
    CategoryFactory,
    OrderFactory,
    ProductFactory,
    TownFactory,
    TownStaffFactory,
    UserFactory,
    VariantFactory,
    VendorFactory,
    VendorMemberFactory,
)
from tests.governance.factories import CommissionRuleFactory
from tests.payments.factories import start_payment
from vendors.models import VendorInvitation, VendorRole, VendorStatus

# The actors of the matrix, in the order of its columns.
ACTORS = (
    "anonymous",
    "customer",  # logged in, nothing to do with anything below
    "buyer",  # the customer of the orders (and owner of the checkout)
    "owner",  # owner of shop A, the shop of the orders
    "staff",  # staff member of shop A (a member, not an owner)
    "other_shop",  # owner of shop B, same town
    "moderator",  # the town's moderator
    "admin",  # the town's administrator
    "other_admin",  # another town's administrator
    "superuser",  # platform superuser
)


@dataclass
class World:
    users: dict[str, Any]
    ids: dict[str, str] = field(default_factory=dict)  # global ids and other handles
    values: dict[str, Any] = field(default_factory=dict)  # tokens, emails, slugs


def _gid(kind: str, pk: Any) -> str:
    return to_global_id(kind, pk)


def _paid_shop_order(town: Any, shop: Any, buyer: Any) -> ShopOrder:
    order = OrderFactory(
        town=town, shops=[(shop, "20.00", "0.00", "1.00")], user=buyer, email=buyer.email
    )
    start_payment(order)  # the dummy gateway: paid at once
    shop_order = ShopOrder.objects.get(order=order)
    assert shop_order.status == "paid", shop_order.status
    return shop_order


def build_world() -> World:
    town = TownFactory(slug="montpellier", name="Montpellier")
    other_town = TownFactory(slug="nancy", name="Nancy")
    category = CategoryFactory(slug="fromages", name="Fromages")
    shop_a = VendorFactory(town=town, slug="fromagerie", name="Fromagerie")
    shop_b = VendorFactory(town=town, slug="boulangerie", name="Boulangerie")
    pending = VendorFactory(town=town, slug="en-attente", status=VendorStatus.PENDING)
    suspended = VendorFactory(town=town, slug="suspendue", status=VendorStatus.SUSPENDED)

    users = {
        "customer": UserFactory(email="customer@example.org"),
        "buyer": UserFactory(email="buyer@example.org"),
        "owner": UserFactory(email="owner-a@example.org"),
        "staff": UserFactory(email="staff-a@example.org"),
        "other_shop": UserFactory(email="owner-b@example.org"),
        "moderator": UserFactory(email="modo@asso.example"),
        "admin": UserFactory(email="admin@asso.example"),
        "other_admin": UserFactory(email="admin@nancy.example"),
        "superuser": UserFactory(email="root@platform.example", is_superuser=True, is_staff=True),
    }
    VendorMemberFactory(vendor=shop_a, user=users["owner"], role=VendorRole.OWNER)
    staff_member = VendorMemberFactory(vendor=shop_a, user=users["staff"], role=VendorRole.STAFF)
    staff2 = VendorMemberFactory(
        vendor=shop_a, user=UserFactory(email="staff2-a@example.org"), role=VendorRole.STAFF
    )
    VendorMemberFactory(vendor=shop_b, user=users["other_shop"], role=VendorRole.OWNER)
    # Co-owners, so that an owner may delete their account (a shop keeps an owner).
    for shop in (shop_a, shop_b):
        VendorMemberFactory(vendor=shop, user=UserFactory(email=f"co-owner@{shop.slug}.example"))
    VendorMemberFactory(vendor=pending, user=UserFactory(email="applicant@example.org"))
    TownStaffFactory(town=town, user=users["moderator"], role=TownStaffRole.MODERATOR)
    TownStaffFactory(town=town, user=users["admin"], role=TownStaffRole.ADMIN)
    TownStaffFactory(town=other_town, user=users["other_admin"], role=TownStaffRole.ADMIN)
    TownStaffFactory(
        town=town, user=UserFactory(email="modo2@asso.example"), role=TownStaffRole.MODERATOR
    )
    # Second administrators, so that an administrator may delete their account.
    for place in (town, other_town):
        TownStaffFactory(town=place, user=UserFactory(email=f"admin2@{place.slug}.example"))

    product = ProductFactory(vendor=shop_a, name="Tomme", category=category)
    variant = VariantFactory(product=product, sku="TOMME", price=Decimal("10.00"), stock=50)
    rule = CommissionRuleFactory(
        town=town, percentage=Decimal("5.000"), valid_from=timezone.now() - timedelta(days=30)
    )
    AuditEntry.objects.create(
        town=town,
        actor=users["admin"],
        actor_role="admin",
        action=AuditAction.TOWN_STAFF_GRANT,
        object_type="TownStaff",
        object_id=1,
        is_public=False,
    )
    VendorInvitation.objects.create(
        vendor=shop_a, email=users["customer"].email, token="matrix-invitation"
    )

    paid = _paid_shop_order(town, shop_a, users["buyer"])
    accepted = _paid_shop_order(town, shop_a, users["buyer"])
    shop_order_accept(shop_order_id=accepted.pk)
    ready = _paid_shop_order(town, shop_a, users["buyer"])
    shop_order_accept(shop_order_id=ready.pk)
    shop_order_mark_ready(shop_order_id=ready.pk)
    unpaid = OrderFactory(
        town=town,
        shops=[(shop_a, "20.00", "0.00", "1.00")],
        user=users["buyer"],
        email="buyer@example.org",
    )
    guest_unpaid = OrderFactory(
        town=town, shops=[(shop_a, "20.00", "0.00", "1.00")], email="guest@example.org"
    )

    with transaction.atomic():
        checkout = checkout_create(
            town_slug=town.slug,
            email=None,
            lines=[LineInput(variant_id=variant.pk, quantity=1)],
            user=users["buyer"],
        )
        guest_checkout = checkout_create(
            town_slug=town.slug,
            email="guest@example.org",
            lines=[LineInput(variant_id=variant.pk, quantity=1)],
            user=AnonymousUser(),
        )

    world = World(users=users)
    world.ids.update(
        town=_gid("Town", town.pk),
        shop_a=_gid("Vendor", shop_a.pk),
        shop_b=_gid("Vendor", shop_b.pk),
        pending=_gid("Vendor", pending.pk),
        suspended=_gid("Vendor", suspended.pk),
        product=_gid("Product", product.pk),
        variant=_gid("Variant", variant.pk),
        staff_member=_gid("VendorMember", staff_member.pk),
        staff2=_gid("VendorMember", staff2.pk),
        rule=_gid("CommissionRule", rule.pk),
        paid=_gid("ShopOrder", paid.pk),
        accepted=_gid("ShopOrder", accepted.pk),
        ready=_gid("ShopOrder", ready.pk),
        paid_order=_gid("Order", paid.order_id),
        unpaid_order=_gid("Order", unpaid.pk),
        guest_order=_gid("Order", guest_unpaid.pk),
        checkout=_gid("Checkout", checkout.pk),
        checkout_line=_gid("CheckoutLine", checkout.lines.get().pk),
        guest_checkout=_gid("Checkout", guest_checkout.pk),
        guest_checkout_line=_gid("CheckoutLine", guest_checkout.lines.get().pk),
    )
    world.values.update(
        paid_order_token=str(paid.order.token),
        guest_order_token=str(guest_unpaid.token),
        refresh_token=create_refresh_token(users["customer"]),
        new_email=f"new-{uuid.uuid4().hex[:8]}@example.org",
    )
    return world


# Every table of the project's own apps: a refused operation must leave all of them unchanged.
_OWN_APPS = ("marketplace.", "vendors", "payments", "search")


def watched_models() -> list[type[models.Model]]:
    return sorted(
        (
            model
            for model in apps.get_models()
            if model.__module__.startswith(_OWN_APPS) and not model._meta.proxy
        ),
        key=lambda model: model._meta.label,
    )


def snapshot() -> dict[str, str]:
    """A digest of every row of every watched table (one query, computed by PostgreSQL)."""
    parts = []
    for model in watched_models():
        table = connection.ops.quote_name(model._meta.db_table)
        pk = connection.ops.quote_name(model._meta.pk.column)
        parts.append(
            f"SELECT '{model._meta.label}', md5(coalesce(string_agg(t::text, '|' ORDER BY t.{pk}), ''))"
            f" FROM {table} t"
        )
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts))
        return dict(cursor.fetchall())


def changed_tables(before: dict[str, str], after: dict[str, str]) -> list[str]:
    return [label for label in before if before[label] != after[label]]
