"""What the back office reads (no decision here): the town dashboard's figures and lists.

Days are the town's days (its timezone). Failed money movements are read from the payments
models' states: a transfer not sent whose last attempt failed at the provider, a transfer
waiting for the shop's payment account; the refunds payments says need a person (one that
failed and is not asked again yet, or whose last attempt failed).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from marketplace.core.money import MoneySum
from marketplace.orders.models import Order, OrderStatus, ShopOrder, ShopOrderStatus
from marketplace.towns.models import Town
from payments import refunds
from payments.models import Refund, Transfer, TransferStatus
from vendors.models import Vendor, VendorStatus

# An order counts once it is paid (cancelled before payment and unpaid ones do not).
COUNTED_ORDERS = (OrderStatus.PAID, OrderStatus.CLOSED)


@dataclass(frozen=True)
class DayCount:
    day: dt.date
    orders: int


@dataclass(frozen=True)
class CategorySales:
    name: str
    shop_orders: int
    goods: Decimal


def town_zone(town: Town) -> ZoneInfo:
    return ZoneInfo(town.timezone or "Europe/Paris")


def orders_per_day(*, town: Town, days: int = 14) -> list[DayCount]:
    """Paid orders placed on each of the last `days` days (today included), oldest first."""
    zone = town_zone(town)
    today = timezone.now().astimezone(zone).date()
    first = today - dt.timedelta(days=days - 1)
    start = dt.datetime.combine(first, dt.time.min, tzinfo=zone)
    counts = dict(
        Order.objects.filter(town=town, created_at__gte=start, status__in=COUNTED_ORDERS)
        .annotate(day=TruncDate("created_at", tzinfo=zone))
        .order_by()
        .values_list("day")
        .annotate(n=Count("pk"))
        .values_list("day", "n")
    )
    return [
        DayCount(
            day=first + dt.timedelta(days=i), orders=counts.get(first + dt.timedelta(days=i), 0)
        )
        for i in range(days)
    ]


def top_categories(*, town: Town, days: int = 30, limit: int = 5) -> list[CategorySales]:
    """Goods sold (tax included) by the shops' main category over the last `days` days."""
    since = timezone.now() - dt.timedelta(days=days)
    rows = (
        ShopOrder.objects.filter(
            order__town=town, order__status__in=COUNTED_ORDERS, created_at__gte=since
        )
        .order_by()
        .values("vendor__category__name")
        .annotate(n=Count("pk"), goods=MoneySum("subtotal"))
        .order_by("-goods", "vendor__category__name")[:limit]
    )
    return [
        CategorySales(
            name=row["vendor__category__name"] or "", shop_orders=row["n"], goods=row["goods"]
        )
        for row in rows
    ]


def active_shops(*, town: Town) -> int:
    return Vendor.objects.filter(town=town, status=VendorStatus.APPROVED).count()


def waiting_applications(*, town: Town) -> QuerySet[Vendor]:
    return Vendor.objects.filter(town=town, status=VendorStatus.PENDING).order_by("created_at")


def transfers_needing_a_person(*, town: Town) -> QuerySet[Transfer]:
    return (
        Transfer.objects.filter(vendor__town=town)
        .filter(
            Q(status=TransferStatus.WAITING)
            | (Q(status=TransferStatus.PENDING) & ~Q(last_error=""))
        )
        .select_related("vendor", "shop_order__order")
        .order_by("created_at")
    )


def refunds_needing_a_person(*, town: Town) -> QuerySet[Refund]:
    """The town's refunds that payments says need a person (`refunds.refunds_needing_a_person`)."""
    return (
        refunds.refunds_needing_a_person()
        .filter(shop_order__order__town=town)
        .select_related("shop_order__vendor", "shop_order__order")
        .order_by("created_at")
    )


# A paid shop order its shop has neither accepted nor refused after this long is shown to the
# staff: the customer is waiting (the dashboard's list; nothing happens to the order by it).
WAITING_TOO_LONG = dt.timedelta(days=1)


def shop_orders_waiting_too_long(*, town: Town) -> QuerySet[ShopOrder]:
    """The town's shop orders paid more than WAITING_TOO_LONG ago and still neither accepted nor
    refused by their shop, the longest waiting first."""
    return (
        ShopOrder.objects.filter(
            order__town=town,
            status=ShopOrderStatus.PAID,
            order__paid_at__lt=timezone.now() - WAITING_TOO_LONG,
        )
        .select_related("order", "vendor")
        .order_by("order__paid_at", "pk")
    )


def town_orders(*, town: Town, search: str = "") -> QuerySet[Order]:
    """The town's orders, newest first; with `search`, those whose number or customer's email
    holds it."""
    orders = Order.objects.filter(town=town)
    if search:
        orders = orders.filter(Q(number__icontains=search) | Q(email__icontains=search))
    return orders.order_by("-created_at", "-pk")


def latest_shop_orders(*, town: Town, limit: int = 10) -> QuerySet[ShopOrder]:
    """The newest shop orders with the commission each one was charged (and under which rule)."""
    return (
        ShopOrder.objects.filter(order__town=town)
        .select_related("order", "vendor", "commission_rule")
        .order_by("-created_at", "-pk")[:limit]
    )
