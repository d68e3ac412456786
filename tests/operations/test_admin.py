"""The superusers' admin: every page opens; it shows the data but never changes by hand what only
a service may change: money, orders, stock, the catalogue, towns and their governance, carts, the
side effects queued (marketplace/core/admin.py). Users and a shop's members stay editable."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib import admin
from django.test import Client, RequestFactory
from django.urls import reverse

from marketplace.accounts.models import User
from marketplace.catalog.models import Category
from marketplace.checkout.models import Checkout, Reservation
from marketplace.core.models import OutboxMessage
from marketplace.governance.models import AuditEntry, CommissionRule, TownSettings
from marketplace.orders.models import Order, OrderLine, ShopOrder
from marketplace.towns.models import Town, TownStaff
from payments.models import LedgerEntry, Payment
from search.models import IndexQueue
from tests.factories import OrderFactory, TownFactory, UserFactory, VendorFactory
from vendors.models import Product, Stock, StockMovement, Variant, Vendor, VendorMember

pytestmark = pytest.mark.django_db


def test_every_admin_page_opens_for_a_platform_superuser(client):
    client.force_login(UserFactory(email="root@example.org", is_staff=True, is_superuser=True))

    statuses = {
        model._meta.label: client.get(
            reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        ).status_code
        for model in admin.site._registry
    }

    assert set(statuses.values()) == {200}, statuses
    assert {"payments.LedgerEntry", "towns.Town", "vendors.Stock", "orders.ShopOrder"} <= set(
        statuses
    )


def test_the_ledger_cannot_be_edited_by_hand(client):
    client.force_login(UserFactory(email="root@example.org", is_staff=True, is_superuser=True))

    assert client.get(reverse("admin:payments_ledgerentry_add")).status_code == 403


READ_ONLY = (
    Order, OrderLine, ShopOrder, Payment, LedgerEntry,
    Vendor, Product, Variant, Stock, StockMovement,
    Town, TownStaff, Category, CommissionRule, TownSettings, AuditEntry,
    Checkout, Reservation, OutboxMessage, IndexQueue,
)  # fmt: skip


@pytest.fixture
def superuser() -> User:
    return UserFactory(email="root@example.org", is_staff=True, is_superuser=True)


def _url(obj: object, view: str) -> str:
    meta = type(obj)._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=[obj.pk])


@pytest.mark.parametrize("model", READ_ONLY, ids=lambda model: model.__name__)
def test_what_a_service_changes_is_shown_but_never_added_changed_or_deleted(superuser, model):
    request = RequestFactory().get("/admin/")
    request.user = superuser
    model_admin = admin.site._registry[model]
    for shown in (model_admin, *model_admin.get_inline_instances(request)):
        assert shown.has_view_permission(request)
        assert not shown.has_change_permission(request)
        assert not shown.has_delete_permission(request)
    assert not model_admin.has_add_permission(request)
    for inline in model_admin.get_inline_instances(request):
        assert not inline.has_add_permission(request, None)


def test_a_superuser_sees_an_order_and_its_stock_but_cannot_change_them_by_hand(superuser):
    # given a paid-for order of 46.00 with its stock allocated, and a superuser on the admin
    town = TownFactory()
    order = OrderFactory(town=town, shops=[(VendorFactory(town=town), "40.00", "6.00", "2.00")])
    stock = Stock.objects.get(variant__vendor__shop_orders__order=order)
    client = Client()
    client.force_login(superuser)
    # when they open the order, its shop order, line, shop, product, stock and town (each shown
    # with its inlines, read-only), then try to change and delete them
    shop_order = ShopOrder.objects.get(order=order)
    line = OrderLine.objects.get(shop_order=shop_order)
    shown = [order, shop_order, line, shop_order.vendor, stock.variant.product, stock, town]
    assert [client.get(_url(obj, "change")).status_code for obj in shown] == [200] * len(shown)
    changed = client.post(_url(order, "change"), {"total": "0.00", "status": "paid"})
    emptied = client.post(_url(stock, "change"), {"quantity": "0", "quantity_allocated": "0"})
    deleted = client.post(_url(order, "delete"), {"post": "yes"})
    # then every write is refused, and nothing changed
    assert (changed.status_code, emptied.status_code, deleted.status_code) == (403, 403, 403)
    order.refresh_from_db()
    stock.refresh_from_db()
    assert (order.total, order.status) == (Decimal("46.00"), "unpaid")
    assert (stock.quantity, stock.quantity_allocated) == (10, 2)


@pytest.mark.parametrize("model", (User, VendorMember), ids=lambda model: model.__name__)
def test_users_and_a_shops_members_stay_editable(superuser, model):
    request = RequestFactory().get("/admin/")
    request.user = superuser
    model_admin = admin.site._registry[model]
    assert model_admin.has_change_permission(request)
    assert model_admin.has_add_permission(request)
