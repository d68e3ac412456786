"""Open data: the town's public catalogue, its commission rules (with history), its public audit
log and its monthly transparency report, as rows (CSV) and documents (JSON).

Stable URLs (see `governance/urls.py`), no account needed:
  /open-data/<town>/catalogue.csv|json
  /open-data/<town>/commission-rules.csv|json
  /open-data/<town>/audit-log.csv|json
  /open-data/<town>/transparency/<year>-<month>.csv|json
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef
from django.utils import timezone

from marketplace.core.collation import FrenchOrder, french_sort_key
from marketplace.governance.audit import audit_entries, jsonable
from marketplace.governance.models import CommissionRule
from marketplace.governance.rules import commission_rules_of_town
from marketplace.governance.transparency import TransparencyReport
from marketplace.towns.models import Town
from vendors.models import Product, Variant, Vendor, VendorStatus
from vendors.stock import available_quantities

CATALOGUE_COLUMNS = [
    "shop_slug",
    "shop_name",
    "shop_category",
    "shop_city",
    "product_slug",
    "product_name",
    "category",
    "sku",
    "variant_name",
    "price",
    "currency",
    "quantity_available",
    "available",
]


def catalogue_rows(*, town: Town) -> list[dict[str, Any]]:
    """One row per variant of every approved shop of the town, by shop, product, variant.

    Plain values (no model instances): a town of 5,000 variants exports in one query + stock.
    """
    variants = list(
        Variant.objects.filter(vendor__town=town, vendor__status=VendorStatus.APPROVED)
        .order_by(
            FrenchOrder("vendor__name"),
            "vendor_id",
            FrenchOrder("product__name"),
            "product_id",
            "position",
            "id",
        )
        .values_list(
            "pk",
            "vendor__slug",
            "vendor__name",
            "vendor__category__slug",
            "vendor__city",
            "product__slug",
            "product__name",
            "product__category__slug",
            "sku",
            "name",
            "price",
        )
    )
    available = available_quantities([row[0] for row in variants])
    return [
        {
            "shop_slug": shop_slug,
            "shop_name": shop_name,
            "shop_category": shop_category or "",
            "shop_city": shop_city,
            "product_slug": product_slug,
            "product_name": product_name,
            "category": category,
            "sku": sku,
            "variant_name": variant_name,
            "price": str(price),
            "currency": town.currency,
            "quantity_available": available[pk],
            "available": available[pk] > 0,
        }
        for (
            pk,
            shop_slug,
            shop_name,
            shop_category,
            shop_city,
            product_slug,
            product_name,
            category,
            sku,
            variant_name,
            price,
        ) in variants
    ]


def catalogue_document(*, town: Town) -> dict[str, Any]:
    rows = catalogue_rows(town=town)
    shops: dict[str, dict[str, Any]] = {}
    for row in rows:
        shop = shops.setdefault(
            row["shop_slug"],
            {
                "slug": row["shop_slug"],
                "name": row["shop_name"],
                "category": row["shop_category"] or None,
                "city": row["shop_city"],
                "products": {},
            },
        )
        product = shop["products"].setdefault(
            row["product_slug"],
            {
                "slug": row["product_slug"],
                "name": row["product_name"],
                "category": row["category"],
                "variants": [],
            },
        )
        product["variants"].append(
            {
                "sku": row["sku"],
                "name": row["variant_name"],
                "price": row["price"],
                "quantity_available": row["quantity_available"],
                "available": row["available"],
            }
        )
    # Approved shops without any product still appear.
    for vendor in Vendor.objects.filter(town=town, status=VendorStatus.APPROVED).exclude(
        Exists(Product.objects.filter(vendor=OuterRef("pk"), variants__isnull=False))
    ):
        shops.setdefault(
            vendor.slug,
            {
                "slug": vendor.slug,
                "name": vendor.name,
                "category": None,
                "city": vendor.city,
                "products": {},
            },
        )
    return {
        "town": town.slug,
        "currency": town.currency,
        "generated_at": timezone.now().isoformat(),
        "shops": [
            {**shop, "products": list(shop["products"].values())}
            for shop in sorted(
                shops.values(), key=lambda item: (french_sort_key(item["name"]), item["slug"])
            )
        ],
    }


RULE_COLUMNS = [
    "id",
    "scope",
    "shop",
    "category",
    "percentage",
    "fixed_amount",
    "min_amount",
    "max_amount",
    "currency",
    "valid_from",
    "valid_until",
    "ended_at",
    "previous_id",
    "status",
]


def rule_status(rule: CommissionRule, *, superseded: bool) -> str:
    now = timezone.now()
    if superseded:
        return "superseded"
    if rule.valid_until is not None and rule.valid_until <= now:
        return "ended"
    if rule.valid_from > now:
        return "scheduled"
    return "active"


def commission_rule_rows(*, town: Town) -> list[dict[str, Any]]:
    rules = commission_rules_of_town(town_id=town.pk).select_related("vendor", "category")
    rules = rules.annotate(
        superseded=Exists(CommissionRule.objects.filter(previous_id=OuterRef("pk")))
    )
    return [
        jsonable(
            {
                "id": rule.pk,
                "scope": str(rule.scope),
                "shop": rule.vendor.slug if rule.vendor else "",
                "category": rule.category.slug if rule.category else "",
                "percentage": rule.percentage,
                "fixed_amount": rule.fixed_amount,
                "min_amount": rule.min_amount if rule.min_amount is not None else "",
                "max_amount": rule.max_amount if rule.max_amount is not None else "",
                "currency": town.currency,
                "valid_from": rule.valid_from,
                "valid_until": rule.valid_until or "",
                "ended_at": rule.ended_at or "",
                "previous_id": rule.previous_id or "",
                "status": rule_status(rule, superseded=rule.superseded),
            }
        )
        for rule in rules
    ]


AUDIT_COLUMNS = [
    "id",
    "created_at",
    "action",
    "object_type",
    "object_id",
    "actor_role",
    "reason",
    "before",
    "after",
]


def audit_rows(*, town: Town) -> list[dict[str, Any]]:
    """The public part of the town's audit log, oldest first."""
    return [
        jsonable(
            {
                "id": entry.pk,
                "created_at": entry.created_at,
                "action": entry.action,
                "object_type": entry.object_type,
                "object_id": entry.object_id,
                "actor_role": entry.actor_role,
                "reason": entry.reason,
                "before": entry.before,
                "after": entry.after,
            }
        )
        for entry in audit_entries(town_id=town.pk, include_private=False).order_by(
            "created_at", "id"
        )
    ]


TRANSPARENCY_COLUMNS = [
    "town",
    "year",
    "month",
    "category",
    "orders",
    "gross",
    "commission",
    "commission_charged",
    "commission_refunded",
    "stripe_fees",
    "transfers",
    "reversals",
    "refunds",
    "disputes",
    "currency",
]


def transparency_document(report: TransparencyReport) -> dict[str, Any]:
    return jsonable(
        {
            "town": report.town_slug,
            "year": report.year,
            "month": report.month,
            "currency": report.currency,
            "orders": report.orders,
            "gross": report.gross,
            "commission": report.commission,
            "commission_charged": report.commission_charged,
            "commission_refunded": report.commission_refunded,
            "stripe_fees": report.stripe_fees,
            "transfers": report.transfers,
            "reversals": report.reversals,
            "refunds": report.refunds,
            "disputes": report.disputes,
            "by_category": [
                {"category": row.category, "gross": row.gross, "commission": row.commission}
                for row in report.by_category
            ],
        }
    )


def transparency_rows(report: TransparencyReport) -> list[dict[str, Any]]:
    """A first row of the town's totals (category "*"), then one row per shop category."""
    document = transparency_document(report)
    base = {"town": report.town_slug, "year": report.year, "month": report.month}
    total = {key: document[key] for key in TRANSPARENCY_COLUMNS if key in document}
    rows = [{**total, **base, "category": "*"}]
    for row in document["by_category"]:
        rows.append(
            {
                **base,
                "category": row["category"] or "",
                "gross": row["gross"],
                "commission": row["commission"],
                "currency": report.currency,
            }
        )
    return rows
