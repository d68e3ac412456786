"""factory_boy factories shared by every test package."""

from __future__ import annotations

from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from marketplace.accounts.models import User
from marketplace.catalog.models import Category
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
