"""A shop's own data, all of it, for its members (JSON)."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from django.utils import timezone

from marketplace.governance.audit import jsonable
from marketplace.governance.models import AuditEntry
from marketplace.orders.models import ShopOrder
from vendors.models import Product, Variant, Vendor


def vendor_data_export(*, vendor_id: int) -> dict[str, Any]:
    vendor = Vendor.objects.select_related("town", "category").get(pk=vendor_id)
    products = (
        Product.objects.filter(vendor=vendor)
        .select_related("category")
        .prefetch_related(
            Prefetch(
                "variants",
                queryset=Variant.objects.select_related("stock").order_by("position", "id"),
            )
        )
        .order_by("id")
    )
    shop_orders = (
        ShopOrder.objects.filter(vendor=vendor)
        .select_related("order")
        .prefetch_related("lines")
        .order_by("created_at", "id")
    )
    return jsonable(
        {
            "exported_at": timezone.now(),
            "shop": {
                "town": vendor.town.slug,
                "slug": vendor.slug,
                "name": vendor.name,
                "description": vendor.description,
                "category": vendor.category.slug if vendor.category else None,
                "email": vendor.email,
                "phone": vendor.phone,
                "status": vendor.status,
                "status_reason": vendor.status_reason,
                "address": {
                    "street": vendor.street,
                    "postal_code": vendor.postal_code,
                    "city": vendor.city,
                    "country": vendor.country,
                },
                "location": {"latitude": vendor.latitude, "longitude": vendor.longitude},
                "opening_hours": vendor.opening_hours,
                "fulfilment_methods": [
                    {"method": method.method, "fee": method.fee}
                    for method in vendor.fulfilment_methods.order_by("method")
                ],
                "members": [
                    {"email": member.user.email, "role": member.role}
                    for member in vendor.members.select_related("user").order_by("id")
                ],
                "created_at": vendor.created_at,
            },
            "products": [
                {
                    "slug": product.slug,
                    "name": product.name,
                    "description": product.description,
                    "category": product.category.slug,
                    "variants": [
                        {
                            "sku": variant.sku,
                            "name": variant.name,
                            "price": variant.price,
                            "vat_rate": variant.vat_rate,
                            "stock": _stock(variant),
                        }
                        for variant in product.variants.all()
                    ],
                }
                for product in products
            ],
            "shop_orders": [
                {
                    "order": shop_order.order.number,
                    "status": shop_order.status,
                    "currency": shop_order.currency,
                    "subtotal": shop_order.subtotal,
                    "delivery_method": shop_order.delivery_method,
                    "delivery_fee": shop_order.delivery_fee,
                    "commission_rule_id": shop_order.commission_rule_id,
                    "commission_percentage": shop_order.commission_percentage,
                    "commission_fixed": shop_order.commission_fixed,
                    "commission": shop_order.commission,
                    "payout": shop_order.payout,
                    "refunded_amount": shop_order.refunded_amount,
                    "created_at": shop_order.created_at,
                    "lines": [
                        {
                            "sku": line.sku,
                            "product": line.product_name,
                            "quantity": line.quantity,
                            "unit_price": line.unit_price,
                            "total": line.total,
                        }
                        for line in shop_order.lines.all()
                    ],
                }
                for shop_order in shop_orders
            ],
            "decisions": [
                {"action": entry.action, "reason": entry.reason, "at": entry.created_at}
                for entry in AuditEntry.objects.filter(
                    object_type="vendor", object_id=vendor.pk
                ).order_by("created_at", "id")
            ],
        }
    )


def _stock(variant: Variant) -> dict[str, int] | None:
    stock = getattr(variant, "stock", None)
    if stock is None:
        return None
    return {"quantity": stock.quantity, "allocated": stock.quantity_allocated}
