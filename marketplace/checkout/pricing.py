"""Money of a checkout, computed by the server: lines grouped by shop, delivery, VAT, totals.

Prices are tax-included. VAT included in a TTC amount = amount x rate / (100 + rate), half-up to
the cent, computed per line; a shop's VAT breakdown sums its lines per rate.

Delivery fees are an accessory of the goods they carry, so in France they take the goods' VAT
rate; with goods at several rates, the fee is split between the rates in proportion to the goods'
amounts before tax. A shop's VAT and its breakdown cover
goods and delivery: the breakdown's totals add up to the shop's total.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import BooleanField, QuerySet
from django.db.models.expressions import RawSQL

from marketplace.checkout.models import Checkout, CheckoutDelivery, CheckoutLine
from marketplace.core.compiled import Slot, Slots, compiled_query
from marketplace.core.money import ZERO, money_round
from vendors.models import FulfilmentMethod, FulfilmentMethodName, Variant, Vendor

DEFAULT_VAT_RATE = Decimal("20.00")


def vat_included(amount: Decimal, rate: Decimal) -> Decimal:
    """The VAT inside a tax-included amount."""
    return money_round(amount * rate / (Decimal(100) + rate))


def variant_vat_rate(variant: Variant) -> Decimal:
    """variant.vat_rate, else its category's (needs product__category loaded)."""
    if variant.vat_rate is not None:
        return variant.vat_rate
    category = variant.product.category
    return category.vat_rate if category is not None else DEFAULT_VAT_RATE


def default_method(methods: dict[str, Decimal]) -> str | None:
    """Pickup if the shop offers it, else its cheapest method."""
    if not methods:
        return None
    if FulfilmentMethodName.PICKUP in methods:
        return str(FulfilmentMethodName.PICKUP)
    return min(methods.items(), key=lambda item: (item[1], item[0]))[0]


@dataclass
class LineSummary:
    line: CheckoutLine
    variant: Variant
    quantity: int
    unit_price: Decimal
    total: Decimal
    vat_rate: Decimal
    vat: Decimal


@dataclass
class ShopGroup:
    vendor: Vendor
    lines: list[LineSummary] = field(default_factory=list)
    methods: dict[str, Decimal] = field(default_factory=dict)
    delivery_method: str | None = None
    delivery_fee: Decimal = ZERO

    @property
    def subtotal(self) -> Decimal:
        return sum((line.total for line in self.lines), ZERO)

    @property
    def vat(self) -> Decimal:
        """VAT included in the shop's total: goods and delivery."""
        return sum((vat for _total, vat in self._totals_by_rate().values()), ZERO)

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.delivery_fee

    def vat_breakdown(self) -> dict[str, dict[str, str]]:
        """{"20.00": {"base": "10.00", "vat": "2.00", "total": "12.00"}}: goods and delivery."""
        return {
            f"{rate:.2f}": {"base": f"{t - v:.2f}", "vat": f"{v:.2f}", "total": f"{t:.2f}"}
            for rate, (t, v) in sorted(self._totals_by_rate().items())
        }

    def _totals_by_rate(self) -> dict[Decimal, tuple[Decimal, Decimal]]:
        """rate -> (total tax included, VAT included) of the goods and their part of the fee."""
        goods: dict[Decimal, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
        for line in self.lines:
            goods[line.vat_rate][0] += line.total
            goods[line.vat_rate][1] += line.vat
        fee_parts = delivery_fee_by_rate(
            self.delivery_fee, {rate: total - vat for rate, (total, vat) in goods.items()}
        )
        return {
            rate: (
                total + fee_parts.get(rate, ZERO),
                vat + vat_included(fee_parts.get(rate, ZERO), rate),
            )
            for rate, (total, vat) in goods.items()
        }


def delivery_fee_by_rate(
    fee: Decimal, goods_base_by_rate: dict[Decimal, Decimal]
) -> dict[Decimal, Decimal]:
    """The delivery fee split between the goods' VAT rates, pro rata of their amounts before tax.

    Rounded on the running total, so that no part is negative and the parts add up to the fee.
    """
    rates = sorted(goods_base_by_rate)
    base = sum(goods_base_by_rate.values(), ZERO)
    if fee <= ZERO or not rates:
        return {}
    if base <= ZERO:
        return {rates[-1]: fee}
    parts: dict[Decimal, Decimal] = {}
    running = given = ZERO
    for rate in rates:
        running += goods_base_by_rate[rate]
        upto = fee if running == base else money_round(fee * running / base)
        parts[rate] = upto - given
        given = upto
    return parts


@dataclass
class CheckoutSummary:
    checkout: Checkout
    currency: str
    groups: list[ShopGroup]

    @property
    def lines(self) -> list[LineSummary]:
        return [line for group in self.groups for line in group.lines]

    @property
    def subtotal(self) -> Decimal:
        return sum((group.subtotal for group in self.groups), ZERO)

    @property
    def delivery_total(self) -> Decimal:
        return sum((group.delivery_fee for group in self.groups), ZERO)

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.delivery_total

    @property
    def vat(self) -> Decimal:
        return sum((group.vat for group in self.groups), ZERO)


def _chosen_by(checkout: Slot) -> RawSQL:
    """On a FulfilmentMethod row: whether it is the choice for its shop of the checkout bound to
    the compiled query's slot `checkout` (marketplace.core.compiled). Raw SQL: the same as an
    Exists subquery cost about 1 ms of Python to build and compile per summary."""
    quote = connection.ops.quote_name
    method = quote(FulfilmentMethod._meta.db_table)
    return RawSQL(  # noqa: S611 (identifiers quoted, the value as a parameter)
        f"EXISTS (SELECT 1 FROM {quote(CheckoutDelivery._meta.db_table)} d"  # noqa: S608
        f" WHERE d.{quote('checkout_id')} = %s AND d.{quote('vendor_id')} = {method}.{quote('vendor_id')}"
        f" AND d.{quote('method')} = {method}.{quote('method')})",
        [checkout],
        output_field=BooleanField(),
    )


def _lines_query() -> QuerySet[CheckoutLine]:
    return (
        CheckoutLine.objects.filter(checkout_id=Slot("checkout", Checkout._meta.pk))
        .select_related("variant__product__category", "variant__vendor")
        .order_by("pk")
    )


def _methods_query(count: int) -> QuerySet[FulfilmentMethod, tuple[int, str, Decimal, bool]]:
    """The methods of `count` shops (slots v0…), each flagged when it is the checkout's choice."""
    return (
        FulfilmentMethod.objects.filter(
            vendor_id__in=Slots("v", count, FulfilmentMethod._meta.get_field("vendor"))
        )
        .annotate(chosen=_chosen_by(Slot("checkout", Checkout._meta.pk)))
        .values_list("vendor_id", "method", "fee", "chosen")
    )


def checkout_summary(*, checkout: Checkout) -> CheckoutSummary:
    """Lines grouped by shop (in order of first appearance) with delivery and totals.

    Two queries: lines with their variants, the shops' methods with the delivery choices.
    `checkout.town` should be loaded (select_related) by the caller.
    """
    # Both queries are compiled once per process (per number of shops): marketplace.core.compiled.
    lines = compiled_query(("checkout_summary_lines",), _lines_query).run(checkout=checkout.pk)
    groups: dict[int, ShopGroup] = {}
    for line in lines:
        variant = line.variant
        group = groups.get(variant.vendor_id)
        if group is None:
            group = groups[variant.vendor_id] = ShopGroup(vendor=variant.vendor)
        total = variant.price * line.quantity
        rate = variant_vat_rate(variant)
        group.lines.append(
            LineSummary(
                line=line,
                variant=variant,
                quantity=line.quantity,
                unit_price=variant.price,
                total=total,
                vat_rate=rate,
                vat=vat_included(total, rate),
            )
        )
    if groups:
        # One query: the shops' methods, each flagged when it is the checkout's choice (a choice
        # the shop no longer offers flags none: the default applies).
        chosen: dict[int, str] = {}
        count = len(groups)
        methods = compiled_query(
            ("checkout_summary_methods", count), lambda: _methods_query(count)
        ).run(checkout=checkout.pk, **{f"v{i}": pk for i, pk in enumerate(groups)})
        for vendor_id, method, fee, is_chosen in methods:
            groups[vendor_id].methods[method] = fee
            if is_chosen:
                chosen[vendor_id] = method
        for vendor_id, group in groups.items():
            choice: str | None = chosen.get(vendor_id)
            if choice not in group.methods:
                choice = default_method(group.methods)
            group.delivery_method = choice
            group.delivery_fee = group.methods.get(choice, ZERO) if choice else ZERO
    return CheckoutSummary(
        checkout=checkout, currency=checkout.town.currency, groups=list(groups.values())
    )
