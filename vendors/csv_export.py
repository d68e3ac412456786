"""Catalogue export as CSV, in the format that `catalog_import` reads back unchanged.

Text cells are made safe for spreadsheets (marketplace.spreadsheets); the importer undoes it.
"""

from __future__ import annotations

import csv
import io

from marketplace.core.collation import FrenchOrder
from marketplace.spreadsheets import spreadsheet_safe
from vendors.csv_import import HEADERS
from vendors.models import Variant


def catalog_export(*, vendor_id: int) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADERS)
    rows = (
        Variant.objects.filter(vendor_id=vendor_id)
        .order_by(FrenchOrder("product__name"), "product_id", "position", "id")
        .values_list(
            "product__name",
            "product__description",
            "product__category__slug",
            "sku",
            "name",
            "price",
            "stock__quantity",
        )
    )
    for product, description, category, sku, name, price, quantity in rows:
        texts = [spreadsheet_safe(text) for text in (product, description, category, sku, name)]
        writer.writerow([*texts, f"{price:.2f}", quantity or 0])
    return out.getvalue()
