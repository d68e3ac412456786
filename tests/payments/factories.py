"""Orders built directly (as checkoutComplete would), for the payments tests."""

from __future__ import annotations

import uuid
from decimal import Decimal
from itertools import count
from typing import Any

from django.db import transaction

from marketplace.orders.models import Order, OrderLine, ShopOrder
from payments.models import ConnectedAccount
from tests.factories import VariantFactory
from vendors.models import Stock

_numbers = count(1)


def payable(vendor: Any, account_id: str = "") -> ConnectedAccount:
    """The shop's connected account, able to receive transfers."""
    return ConnectedAccount.objects.create(
        vendor=vendor,
        gateway="stripe",
        account_id=account_id or f"acct_test_{vendor.pk}",
        charges_enabled=True,
        payouts_enabled=True,
        details_submitted=True,
    )


def make_order(
    town: Any,
    parts: list[tuple[Any, str, str, str]],
    *,
    user: Any = None,
    email: str = "client@example.org",
    quantity: int = 2,
) -> Order:
    """parts: (vendor, subtotal, delivery_fee, commission). One line per shop order, holding
    `quantity` allocated units of a fresh variant (stock 10)."""
    subtotal = sum((Decimal(p[1]) for p in parts), Decimal("0.00"))
    delivery = sum((Decimal(p[2]) for p in parts), Decimal("0.00"))
    with transaction.atomic():
        order = Order.objects.create(
            number=f"MP-{next(_numbers):06d}-{uuid.uuid4().hex[:4]}",
            checkout_token=uuid.uuid4(),
            town=town,
            user=user,
            email=email,
            currency=town.currency,
            subtotal=subtotal,
            delivery_total=delivery,
            total=subtotal + delivery,
        )
        for vendor, goods, fee, commission in parts:
            goods_d, fee_d, commission_d = Decimal(goods), Decimal(fee), Decimal(commission)
            shop_order = ShopOrder.objects.create(
                order=order,
                vendor=vendor,
                currency=town.currency,
                subtotal=goods_d,
                delivery_method="pickup",
                delivery_fee=fee_d,
                commission=commission_d,
                payout=goods_d + fee_d - commission_d,
            )
            variant = VariantFactory(
                product__vendor=vendor, vendor=vendor, price=goods_d / quantity, stock=10
            )
            Stock.objects.filter(variant=variant).update(quantity_allocated=quantity)
            OrderLine.objects.create(
                shop_order=shop_order,
                variant=variant,
                product_name=variant.product.name,
                sku=variant.sku,
                category_slug=variant.product.category.slug,
                quantity=quantity,
                unit_price=goods_d / quantity,
                total=goods_d,
                vat_rate=Decimal("20.00"),
                vat_amount=(goods_d / 6).quantize(Decimal("0.01")),
                quantity_allocated=quantity,
            )
    return order


def start_payment(order: Order) -> Any:
    """payment_start inside a transaction, as checkoutComplete does."""
    from payments.charges import payment_start_for_order as payment_start

    with transaction.atomic():
        return payment_start(order=order)
