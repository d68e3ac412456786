"""factory_boy factories shared by every test package."""

from __future__ import annotations

import uuid
from decimal import Decimal
from itertools import count
from typing import Any

import factory
from django.db import transaction
from factory.django import DjangoModelFactory

from marketplace.accounts.models import User
from marketplace.catalog.models import Category
from marketplace.orders.models import Order, OrderLine, ShopOrder
from marketplace.towns.models import Town, TownStaff, TownStaffRole
from vendors.models import (
    FulfilmentMethod,
    FulfilmentMethodName,
    Product,
    Stock,
    Variant,
    Vendor,
    VendorMember,
    VendorRole,
    VendorStatus,
)

PASSWORD = "correct-horse-battery-staple"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    first_name = "Camille"
    password = factory.django.Password(PASSWORD)


class TownFactory(DjangoModelFactory):
    class Meta:
        model = Town
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"town-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").title())
    currency = "EUR"
    center_latitude = 43.6108
    center_longitude = 3.8767


class TownStaffFactory(DjangoModelFactory):
    class Meta:
        model = TownStaff

    town = factory.SubFactory(TownFactory)
    user = factory.SubFactory(UserFactory)
    role = TownStaffRole.ADMIN


class CategoryFactory(DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"category-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.title())
    vat_rate = Decimal("20.00")


class VendorFactory(DjangoModelFactory):
    class Meta:
        model = Vendor
        skip_postgeneration_save = True

    town = factory.SubFactory(TownFactory)
    slug = factory.Sequence(lambda n: f"shop-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").title())
    email = factory.LazyAttribute(lambda o: f"{o.slug}@shops.example")
    status = VendorStatus.APPROVED
    street = "1 rue de la Loge"
    postal_code = "34000"
    city = "Montpellier"
    latitude = 43.61
    longitude = 3.88
    opening_hours = factory.LazyFunction(lambda: {"mon": "09:00-19:00", "sun": None})

    @factory.post_generation
    def methods(self, create: bool, extracted: dict[str, Decimal] | None, **kwargs: object) -> None:
        """VendorFactory(methods={"pickup": Decimal("0"), "local_delivery": Decimal("4.90")})."""
        if not create:
            return
        for method, fee in (extracted or {FulfilmentMethodName.PICKUP: Decimal("0.00")}).items():
            FulfilmentMethod.objects.create(vendor=self, method=method, fee=fee)


class VendorMemberFactory(DjangoModelFactory):
    class Meta:
        model = VendorMember

    vendor = factory.SubFactory(VendorFactory)
    user = factory.SubFactory(UserFactory)
    role = VendorRole.OWNER


class ProductFactory(DjangoModelFactory):
    class Meta:
        model = Product

    vendor = factory.SubFactory(VendorFactory)
    slug = factory.Sequence(lambda n: f"product-{n}")
    name = factory.Sequence(lambda n: f"Produit {n}")
    description = "Un bon produit du coin."
    category = factory.SubFactory(CategoryFactory)


class VariantFactory(DjangoModelFactory):
    """A variant with its stock row: VariantFactory(stock=10)."""

    class Meta:
        model = Variant
        skip_postgeneration_save = True

    product = factory.SubFactory(ProductFactory)
    vendor = factory.LazyAttribute(lambda o: o.product.vendor)
    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    name = ""
    price = Decimal("10.00")

    @factory.post_generation
    def stock(self, create: bool, extracted: int | None, **kwargs: object) -> None:
        if create:
            Stock.objects.create(variant=self, quantity=10 if extracted is None else extracted)


_order_numbers = count(1)


class OrderFactory(DjangoModelFactory):
    """An unpaid order, as checkoutComplete leaves it: the one order builder of the tests.

    `OrderFactory(town=town, shops=[(vendor, goods, fee, commission), ...])` adds one shop order
    per shop, each with one line of 2 allocated units (`shops__quantity`) of a fresh variant
    (stock 10), and sets the order's totals. Without `shops` the order is bare: give it shop
    orders with `ShopOrderFactory(order=...)` (or build one with its order:
    `ShopOrderFactory(order__town=town, vendor=shop, subtotal=..., commission=...)`)."""

    class Meta:
        model = Order
        skip_postgeneration_save = True

    number = factory.LazyFunction(lambda: f"MP-{next(_order_numbers):06d}-{uuid.uuid4().hex[:4]}")
    checkout_token = factory.LazyFunction(uuid.uuid4)
    town = factory.SubFactory(TownFactory)
    email = "client@example.org"
    currency = factory.LazyAttribute(lambda o: o.town.currency)
    subtotal = Decimal("0.00")
    delivery_total = Decimal("0.00")
    total = Decimal("0.00")

    @factory.post_generation
    def shops(
        self,
        create: bool,
        extracted: list[tuple[Any, str, str, str]] | None,
        quantity: int = 2,
        **kwargs: object,
    ) -> None:
        if not create or not extracted:
            return
        with transaction.atomic():
            for vendor, goods, fee, commission in extracted:
                goods_d, fee_d = Decimal(goods), Decimal(fee)
                shop_order = ShopOrderFactory(
                    order=self,
                    vendor=vendor,
                    subtotal=goods_d,
                    delivery_fee=fee_d,
                    commission=Decimal(commission),
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
            self.subtotal = sum((Decimal(part[1]) for part in extracted), Decimal("0.00"))
            self.delivery_total = sum((Decimal(part[2]) for part in extracted), Decimal("0.00"))
            self.total = self.subtotal + self.delivery_total
            self.save(update_fields=["subtotal", "delivery_total", "total"])


class ShopOrderFactory(DjangoModelFactory):
    """One shop's part of an order, without lines (its order built too unless given)."""

    class Meta:
        model = ShopOrder

    order = factory.SubFactory(OrderFactory)
    vendor = factory.SubFactory(VendorFactory, town=factory.SelfAttribute("..order.town"))
    currency = factory.LazyAttribute(lambda o: o.order.currency)
    subtotal = Decimal("20.00")
    delivery_method = "pickup"
    delivery_fee = Decimal("0.00")
    commission = Decimal("1.00")
    payout = factory.LazyAttribute(lambda o: o.subtotal + o.delivery_fee - o.commission)
