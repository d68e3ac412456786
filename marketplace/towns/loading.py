"""Loading a `towns.json` file (format "commons-marketplace-towns/1").

The whole file is validated first; on any bad record nothing is written and every problem is
reported with its path (`towns[1].vendors[3].products[0].variants[0].price`). Loading is
idempotent: records are matched by their natural keys (category slug, town slug, shop slug in its
town, product slug in its shop, SKU in its shop) and only what differs is written. Stock is taken
from the file when a variant is created; afterwards it belongs to the shop.

A town's record: `slug`, `name`, `center` {lat, lon}, optional `region`, `country`, `currency` and
`contact_email` (where people write to the town's association: `"association@ville.example"`, or
`""` for none; a file without the key keeps the address the association's staff set), and its
`vendors`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Model
from django.utils import translation

from marketplace.catalog.models import Category
from marketplace.core.money import ZERO, money_round
from marketplace.towns.contact import town_contact_email_clean
from marketplace.towns.models import Town
from search.indexing import mark_products_dirty
from vendors.models import (
    FulfilmentMethod,
    FulfilmentMethodName,
    Product,
    StockMovementReason,
    Variant,
    Vendor,
    VendorStatus,
)
from vendors.opening_hours import normalize_opening_hours, opening_hours_problems
from vendors.stock import stocks_create

FORMAT = "commons-marketplace-towns/1"
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
CURRENCY = re.compile(r"^[A-Z]{3}$")
DEFAULT_FEES = {
    FulfilmentMethodName.PICKUP: ZERO,
    FulfilmentMethodName.LOCAL_DELIVERY: Decimal("4.90"),
    FulfilmentMethodName.SHIPPING: Decimal("6.90"),
}
# French VAT: 5.5 % on food (alcohol excepted) and books; 20 % otherwise.
REDUCED_VAT_ROOTS = {"alimentation", "librairie"}
STANDARD_VAT_EXCEPTIONS = {"cave"}


class TownsFileError(Exception):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s) in the towns file:\n" + "\n".join(problems))


@dataclass
class LoadReport:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str, created: bool, changed: bool) -> None:
        if created:
            self.created[kind] = self.created.get(kind, 0) + 1
        elif changed:
            self.updated[kind] = self.updated.get(kind, 0) + 1

    @property
    def changed_anything(self) -> bool:
        return bool(self.created or self.updated)


# --- Validation -----------------------------------------------------------------------------------


class _Checker:
    def __init__(self) -> None:
        self.problems: list[str] = []

    def fail(self, path: str, message: str) -> None:
        self.problems.append(f"{path}: {message}")

    def text(
        self,
        record: dict[str, Any],
        key: str,
        path: str,
        *,
        required: bool = True,
        max_length: int = 200,
    ) -> None:
        value = record.get(key)
        if value is None or value == "":
            if required:
                self.fail(f"{path}.{key}", "is required")
            return
        if not isinstance(value, str):
            self.fail(f"{path}.{key}", "must be a string")
        elif len(value) > max_length:
            self.fail(f"{path}.{key}", f"is longer than {max_length} characters")

    def slug(self, record: dict[str, Any], key: str, path: str) -> None:
        value = record.get(key)
        if not isinstance(value, str) or not SLUG.match(value) or len(value) > 80:
            self.fail(f"{path}.{key}", f"{value!r} is not a slug (a-z, 0-9, hyphens)")

    def point(self, value: Any, path: str) -> None:
        if not isinstance(value, dict):
            self.fail(path, "must be an object {lat, lon}")
            return
        for key, bound in (("lat", 90), ("lon", 180)):
            number = value.get(key)
            if isinstance(number, bool) or not isinstance(number, int | float):
                self.fail(f"{path}.{key}", "must be a number")
            elif not -bound <= number <= bound:
                self.fail(f"{path}.{key}", f"must be between -{bound} and {bound}")


def parse_price(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    try:
        price = Decimal(str(value))
    except InvalidOperation:
        return None
    if not price.is_finite() or price <= 0 or price.as_tuple().exponent < -2 or price >= 10**8:  # type: ignore[operator]
        return None
    return money_round(price)


def validate_towns_file(data: Any) -> None:
    """Raises TownsFileError listing every problem, each with its path."""
    check = _Checker()
    if not isinstance(data, dict):
        raise TownsFileError(["$: the file must hold a JSON object"])
    if data.get("format") != FORMAT:
        check.fail("format", f"must be {FORMAT!r}")
    default_currency = data.get("currency", "EUR")
    if not isinstance(default_currency, str) or not CURRENCY.match(default_currency):
        check.fail("currency", "must be a 3-letter ISO currency code")
    categories = data.get("categories")
    category_slugs: set[str] = set(Category.objects.values_list("slug", flat=True))
    if not isinstance(categories, list):
        check.fail("categories", "must be a list")
        categories = []
    for index, category in enumerate(categories):
        path = f"categories[{index}]"
        if not isinstance(category, dict):
            check.fail(path, "must be an object")
            continue
        check.slug(category, "slug", path)
        check.text(category, "name", path, max_length=128)
        category_slugs.add(category.get("slug"))  # type: ignore[arg-type]
    for index, category in enumerate(categories):
        if isinstance(category, dict) and category.get("parent") not in (None, *category_slugs):
            check.fail(
                f"categories[{index}].parent", f"unknown category {category.get('parent')!r}"
            )
    towns = data.get("towns")
    if not isinstance(towns, list) or not towns:
        check.fail("towns", "must be a non-empty list")
        towns = []
    seen_towns: set[str] = set()
    # A town's prices, fees, commission rules and ledger are all in its currency: it is set when
    # the town is created and never changes (the amounts would silently be read in another one).
    currencies = dict(Town.objects.values_list("slug", "currency"))
    for t_index, town in enumerate(towns):
        path = f"towns[{t_index}]"
        if not isinstance(town, dict):
            check.fail(path, "must be an object")
            continue
        check.slug(town, "slug", path)
        if town.get("slug") in seen_towns:
            check.fail(f"{path}.slug", f"duplicate town {town.get('slug')!r}")
        seen_towns.add(town.get("slug"))  # type: ignore[arg-type]
        check.text(town, "name", path, max_length=128)
        currency = town.get("currency", default_currency)
        if not isinstance(currency, str) or not CURRENCY.match(currency):
            check.fail(f"{path}.currency", "must be a 3-letter ISO currency code")
        elif currencies.get(str(town.get("slug")), currency) != currency:
            check.fail(
                f"{path}.currency",
                f"is {currencies[str(town.get('slug'))]!r} for this town already and cannot "
                "change: its prices, fees, commission rules and ledger are in it",
            )
        check.point(town.get("center"), f"{path}.center")
        if "contact_email" in town:
            _validate_contact_email(check, town["contact_email"], f"{path}.contact_email")
        vendors = town.get("vendors", [])
        if not isinstance(vendors, list):
            check.fail(f"{path}.vendors", "must be a list")
            continue
        seen_vendors: set[str] = set()
        for v_index, vendor in enumerate(vendors):
            _validate_vendor(
                check, vendor, f"{path}.vendors[{v_index}]", category_slugs, seen_vendors
            )
    if check.problems:
        raise TownsFileError(check.problems)


def _validate_contact_email(check: _Checker, value: Any, path: str) -> None:
    """The association's address: optional; when given, a string that is an email or ""."""
    if not isinstance(value, str):
        check.fail(path, 'must be a string (an email address, or "" for none)')
        return
    try:
        town_contact_email_clean(value)
    except ValidationError:
        check.fail(path, f"{value!r} is not a valid email address")


def _validate_vendor(
    check: _Checker, vendor: Any, path: str, category_slugs: set[str], seen: set[str]
) -> None:
    if not isinstance(vendor, dict):
        check.fail(path, "must be an object")
        return
    check.slug(vendor, "slug", path)
    if vendor.get("slug") in seen:
        check.fail(f"{path}.slug", f"duplicate shop {vendor.get('slug')!r} in this town")
    seen.add(vendor.get("slug"))  # type: ignore[arg-type]
    check.text(vendor, "name", path, max_length=160)
    check.text(vendor, "description", path, required=False, max_length=5000)
    check.text(vendor, "phone", path, required=False, max_length=32)
    if vendor.get("category") is not None and vendor.get("category") not in category_slugs:
        check.fail(f"{path}.category", f"unknown category {vendor.get('category')!r}")
    try:
        validate_email(vendor.get("email") or "")
    except ValidationError:
        check.fail(f"{path}.email", f"{vendor.get('email')!r} is not a valid email address")
    address = vendor.get("address")
    if not isinstance(address, dict):
        check.fail(f"{path}.address", "must be an object {street, postal_code, city, country}")
    else:
        for key in ("street", "postal_code", "city"):
            check.text(address, key, f"{path}.address", max_length=200)
        country = address.get("country", "FR")
        if not isinstance(country, str) or not re.match(r"^[A-Z]{2}$", country):
            check.fail(f"{path}.address.country", "must be a 2-letter country code")
    check.point(vendor.get("location"), f"{path}.location")
    with translation.override("en"):  # the loader reports in English, like the rest of it
        hours_problems = opening_hours_problems(vendor.get("opening_hours", {}))
    for problem in hours_problems:
        check.fail(f"{path}.opening_hours", problem)
    methods = vendor.get("fulfilment")
    if not isinstance(methods, list) or not methods:
        check.fail(f"{path}.fulfilment", "must be a non-empty list of methods")
        methods = []
    for m_index, method in enumerate(methods):
        name = method.get("method") if isinstance(method, dict) else method
        if name not in FulfilmentMethodName.values:
            check.fail(
                f"{path}.fulfilment[{m_index}]",
                f"unknown method {name!r}; use {', '.join(FulfilmentMethodName.values)}",
            )
        if isinstance(method, dict) and "fee" in method:
            fee = method["fee"]
            if fee not in (0, "0", "0.00") and parse_price(fee) is None:
                check.fail(f"{path}.fulfilment[{m_index}].fee", "must be a decimal amount >= 0")
    products = vendor.get("products", [])
    if not isinstance(products, list):
        check.fail(f"{path}.products", "must be a list")
        return
    seen_products: set[str] = set()
    seen_skus: set[str] = set()
    for p_index, product in enumerate(products):
        p_path = f"{path}.products[{p_index}]"
        if not isinstance(product, dict):
            check.fail(p_path, "must be an object")
            continue
        check.slug(product, "slug", p_path)
        if product.get("slug") in seen_products:
            check.fail(f"{p_path}.slug", f"duplicate product {product.get('slug')!r} in this shop")
        seen_products.add(product.get("slug"))  # type: ignore[arg-type]
        check.text(product, "name", p_path)
        check.text(product, "description", p_path, required=False, max_length=5000)
        if product.get("category") not in category_slugs:
            check.fail(f"{p_path}.category", f"unknown category {product.get('category')!r}")
        variants = product.get("variants")
        if not isinstance(variants, list) or not variants:
            check.fail(f"{p_path}.variants", "must be a non-empty list")
            continue
        for va_index, variant in enumerate(variants):
            va_path = f"{p_path}.variants[{va_index}]"
            if not isinstance(variant, dict):
                check.fail(va_path, "must be an object")
                continue
            check.text(variant, "sku", va_path, max_length=64)
            if variant.get("sku") in seen_skus:
                check.fail(f"{va_path}.sku", f"duplicate SKU {variant.get('sku')!r} in this shop")
            seen_skus.add(variant.get("sku"))  # type: ignore[arg-type]
            check.text(variant, "name", va_path, required=False, max_length=120)
            if parse_price(variant.get("price")) is None:
                check.fail(
                    f"{va_path}.price",
                    f"{variant.get('price')!r} is not a price > 0 with at most 2 decimals",
                )
            stock = variant.get("stock", 0)
            if isinstance(stock, bool) or not isinstance(stock, int) or stock < 0:
                check.fail(f"{va_path}.stock", f"{stock!r} is not a whole number >= 0")


# --- Loading --------------------------------------------------------------------------------------


def _upsert(
    model: Any,
    lookup: dict[str, Any],
    values: dict[str, Any],
    report: LoadReport,
    kind: str,
    *,
    existing: dict[str, Any] | None = None,
    key: str = "",
) -> tuple[Any, bool, bool]:
    """Creates or updates one record: (the record, created, changed). `existing` (prefetched, by
    `key`) spares the SELECT."""
    if existing is None:
        instance = model.objects.filter(**lookup).first()
    else:
        instance = existing.get(key)
    if instance is None:
        instance = model.objects.create(**lookup, **values)
        report.count(kind, created=True, changed=True)
        return instance, True, True
    changed = [key for key, value in values.items() if _differs(instance, key, value)]
    if changed:
        for key in changed:
            setattr(instance, key, values[key])
        instance.save(update_fields=changed)
        report.count(kind, created=False, changed=True)
    return instance, False, bool(changed)


def _differs(instance: Any, key: str, value: Any) -> bool:
    if isinstance(value, Model) or (value is None and hasattr(instance, f"{key}_id")):
        # Compare foreign keys by id, without loading the related row.
        return bool(getattr(instance, f"{key}_id") != (value.pk if value is not None else None))
    return bool(getattr(instance, key) != value)


def default_vat_rate(slug: str, parent_slug: str | None) -> Decimal:
    if slug in STANDARD_VAT_EXCEPTIONS:
        return Decimal("20.00")
    if slug in REDUCED_VAT_ROOTS or parent_slug in REDUCED_VAT_ROOTS:
        return Decimal("5.50")
    return Decimal("20.00")


def load_towns(data: dict[str, Any], *, vendor_status: str = VendorStatus.APPROVED) -> LoadReport:
    """Validates, then loads everything in one transaction. Raises TownsFileError."""
    validate_towns_file(data)
    report = LoadReport()
    dirty_products: list[int] = []
    with transaction.atomic():
        categories: dict[str, Category] = {c.slug: c for c in Category.objects.all()}
        for record in data["categories"]:
            parent_slug = record.get("parent")
            vat = record.get("vat_rate")
            category, _created, _changed = _upsert(
                Category,
                {"slug": record["slug"]},
                {
                    "name": record["name"],
                    "parent": categories.get(parent_slug or ""),
                    "vat_rate": Decimal(str(vat))
                    if vat is not None
                    else default_vat_rate(record["slug"], parent_slug),
                },
                report,
                "categories",
            )
            categories[category.slug] = category
        for record in data["categories"]:
            if record.get("parent"):
                category = categories[record["slug"]]
                if category.parent_id != categories[record["parent"]].pk:
                    category.parent = categories[record["parent"]]
                    category.save(update_fields=["parent"])
        for town_record in data["towns"]:
            town_values = {
                "name": town_record["name"],
                "region": town_record.get("region", ""),
                "country": town_record.get("country", "FR"),
                "currency": town_record.get("currency", data.get("currency", "EUR")),
                "center_latitude": float(town_record["center"]["lat"]),
                "center_longitude": float(town_record["center"]["lon"]),
            }
            # A file without the association's address keeps the one its staff set.
            if "contact_email" in town_record:
                town_values["contact_email"] = town_contact_email_clean(
                    town_record["contact_email"]
                )
            town, _created, _changed = _upsert(
                Town, {"slug": town_record["slug"]}, town_values, report, "towns"
            )
            for vendor_record in town_record.get("vendors", []):
                dirty_products += _load_vendor(
                    town, vendor_record, categories, report, vendor_status
                )
        if dirty_products:
            mark_products_dirty(product_ids=dirty_products)
    return report


def _load_vendor(
    town: Town,
    record: dict[str, Any],
    categories: dict[str, Category],
    report: LoadReport,
    vendor_status: str,
) -> list[int]:
    address = record["address"]
    vendor, created, vendor_changed = _upsert(
        Vendor,
        {"town": town, "slug": record["slug"]},
        {
            "name": record["name"],
            "description": record.get("description", ""),
            "category": categories.get(record.get("category") or ""),
            "email": record["email"].strip().lower(),
            "phone": record.get("phone", ""),
            "street": address["street"],
            "postal_code": address["postal_code"],
            "city": address["city"],
            "country": address.get("country", "FR"),
            "latitude": float(record["location"]["lat"]),
            "longitude": float(record["location"]["lon"]),
            "opening_hours": normalize_opening_hours(record.get("opening_hours", {})),
        },
        report,
        "vendors",
    )
    if created and vendor.status != vendor_status:
        vendor.status = vendor_status
        vendor.save(update_fields=["status"])
    methods = {m.method: m for m in vendor.fulfilment_methods.all()} if not created else {}
    products = {p.slug: p for p in vendor.products.all()} if not created else {}
    variants = {v.sku: v for v in Variant.objects.filter(vendor=vendor)} if not created else {}
    for method in record["fulfilment"]:
        name = method["method"] if isinstance(method, dict) else method
        fee = (
            (parse_price(method["fee"]) or ZERO)
            if isinstance(method, dict) and "fee" in method
            else DEFAULT_FEES[FulfilmentMethodName(name)]
        )
        _, _created, changed = _upsert(
            FulfilmentMethod,
            {"vendor": vendor, "method": name},
            {"fee": fee},
            report,
            "fulfilment_methods",
            existing=methods,
            key=name,
        )
        vendor_changed = vendor_changed or changed
    dirty: list[int] = []
    new_stocks: list[tuple[Variant, int]] = []
    for product_record in record.get("products", []):
        product, _created, product_changed = _upsert(
            Product,
            {"vendor": vendor, "slug": product_record["slug"]},
            {
                "name": product_record["name"],
                "description": product_record.get("description", ""),
                "category": categories[product_record["category"]],
            },
            report,
            "products",
            existing=products,
            key=product_record["slug"],
        )
        for position, variant_record in enumerate(product_record["variants"]):
            variant, variant_created, variant_changed = _upsert(
                Variant,
                {"vendor": vendor, "sku": variant_record["sku"]},
                {
                    "product": product,
                    "name": variant_record.get("name") or "",
                    "price": parse_price(variant_record["price"]),
                    "position": position,
                },
                report,
                "variants",
                existing=variants,
                key=variant_record["sku"],
            )
            if variant_created:
                new_stocks.append((variant, int(variant_record.get("stock", 0))))
            product_changed = product_changed or variant_changed
        if product_changed or vendor_changed:
            dirty.append(product.pk)
    # The file's opening counts, each recorded (0 included) as an import.
    stocks_create(
        quantities=new_stocks, user=None, reason=StockMovementReason.IMPORT, record_zero=True
    )
    return dirty
