"""Catalogue import from CSV: all or nothing, idempotent, in bulk.

File: UTF-8 (BOM or not), `,` or `;` separated, header
`product,description,category,sku,variant_name,price,stock` or the French names of COLUMNS (any
order, case, accents or spacing), one row per variant. A row's variant is found by SKU within the shop; its product by the SKU's current product
when the name matches, else by name, else created. Variants absent from the file are left as they
are. A cell `'=…` (how catalogExport protects cells from spreadsheets' formulas) reads as `=…`.
Counts are per variant: a variant whose product's description/category changed is "updated".
An optional `on_progress(done, total)` hears how far it got, in rows: a row counts half once
checked and whole once written (or, for a dry run, planned), every PROGRESS_EVERY rows and at the end.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from marketplace.accounts.requester import Requester
from marketplace.catalog.models import Category
from marketplace.spreadsheets import spreadsheet_text
from search.indexing import mark_products_dirty
from vendors.error_codes import VendorErrorCode
from vendors.models import Product, Stock, StockMovementReason, Variant, Vendor
from vendors.products import unique_product_slug
from vendors.stock import allocated_message, stocks_create, stocks_lock, stocks_set
from vendors.stock_updates import apply_low_stock_rules
from vendors.validation import field_error, price_problem, require_approved

# The one table of the columns the importer knows: each by its English name (the export's
# header, the row errors' `field`) with the names a French spreadsheet may give it, the first
# being the one French pages show. A header cell is read without case, accents or spacing
# (`column_key`): "Catégorie", "CATEGORIE" and "categorie" are the same column.
COLUMNS: dict[str, tuple[str, ...]] = {
    "product": ("produit", "nom", "nom du produit"),
    "description": ("description",),
    "category": ("catégorie",),
    "sku": ("référence", "réf", "sku"),
    "variant_name": ("déclinaison", "variante", "nom de la variante", "nom variante"),
    "price": ("prix",),
    "stock": ("stock", "quantité", "qté"),
}
HEADERS = tuple(COLUMNS)
MAX_FILE_BYTES: int = settings.CATALOG_IMPORT_MAX_BYTES
MAX_ROWS: int = settings.CATALOG_IMPORT_MAX_ROWS
# A file this wrong is not worth reading further (the report lists the first ones).
MAX_ERRORS = 100
# How often (in rows of each phase) the progress callback is called.
PROGRESS_EVERY = 100

ProgressCallback = Callable[[int, int], None]


@dataclass(frozen=True)
class RowError:
    line: int
    field: str | None
    code: str
    message: str


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)


class _Progress:
    """Rows done out of rows total across the two phases (check, then write), never decreasing."""

    def __init__(self, callback: ProgressCallback | None, content: bytes) -> None:
        self.callback = callback
        self.total = _count_rows(content) if callback else 0
        self.checked = self.written = 0
        self.last = -1

    def check(self, count: int) -> None:
        self.checked = count
        if count % PROGRESS_EVERY == 0:
            self._emit()

    def write(self, count: int) -> None:
        self.written = count
        if count % PROGRESS_EVERY == 0:
            self._emit()

    def finish(self) -> None:
        self.checked = self.written = self.total
        self._emit()

    def _emit(self) -> None:
        done = min((self.checked + self.written) // 2, self.total)
        if self.callback is not None and done > self.last:
            self.last = done
            self.callback(done, self.total)


def _count_rows(content: bytes) -> int:
    """Records after the header (a quoted cell may span lines), at most MAX_ROWS; 0 if unreadable."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return 0
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    count = -1
    try:
        for _record in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            count += 1
    except csv.Error:
        pass
    return max(min(count, MAX_ROWS), 0)


def column_key(name: str) -> str:
    """A header cell as compared: no accents, case or surrounding spaces; spaces, dashes and
    other separators inside it as one `_` ("Nom du produit" → "nom_du_produit")."""
    decomposed = unicodedata.normalize("NFKD", name)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return re.sub(r"[\W_]+", "_", bare.casefold()).strip("_")


_COLUMN_BY_KEY: dict[str, str] = {
    column_key(name): column for column, names in COLUMNS.items() for name in (column, *names)
}


def column_names(*, language: str | None) -> list[str]:
    """The header as a page in `language` shows it: French names for French, else English
    (no language: the site's)."""
    if (language or settings.LANGUAGE_CODE).split("-")[0] == "fr":
        return [names[0] for names in COLUMNS.values()]
    return list(HEADERS)


def column_name(column: str, *, language: str | None) -> str:
    """One known column (English name) as a page in `language` shows it; anything else as is."""
    names = dict(zip(HEADERS, column_names(language=language), strict=True))
    return names.get(column, column)


def _header_columns(header: list[str]) -> list[str]:
    """The known column of each header cell, or a coded error on `file` naming the unknown,
    missing and repeated columns, then the expected header in the request's language."""
    columns = [_COLUMN_BY_KEY.get(column_key(cell)) for cell in header]
    language = get_language()
    problems: list[str] = []
    unknown = [
        _("“%(name)s”") % {"name": cell.strip()}
        if cell.strip()
        else _("column %(number)d (no name)") % {"number": number}
        for number, (cell, column) in enumerate(zip(header, columns, strict=True), start=1)
        if column is None
    ]
    if unknown:
        problems.append(
            ngettext("Unknown column: %(names)s.", "Unknown columns: %(names)s.", len(unknown))
            % {"names": ", ".join(unknown)}
        )
    missing = [column_name(c, language=language) for c in HEADERS if c not in columns]
    if missing:
        problems.append(
            ngettext("Missing column: %(names)s.", "Missing columns: %(names)s.", len(missing))
            % {"names": ", ".join(missing)}
        )
    repeated = [column_name(c, language=language) for c in HEADERS if columns.count(c) > 1]
    if repeated:
        problems.append(
            ngettext(
                "Column given more than once: %(names)s.",
                "Columns given more than once: %(names)s.",
                len(repeated),
            )
            % {"names": ", ".join(repeated)}
        )
    if problems:
        expected = _("The columns are: %(names)s (in any order).") % {
            "names": ", ".join(column_names(language=language))
        }
        raise field_error("file", " ".join([*problems, expected]), VendorErrorCode.INVALID_FILE)
    return [column for column in columns if column is not None]


@dataclass
class Row:
    line: int
    product: str
    description: str
    category: Category
    sku: str
    variant_name: str
    price: Decimal
    stock: int


def decode_csv(content: bytes) -> tuple[list[str], Iterator[list[str]], Any]:
    """(normalised header, row iterator, reader) or a coded error on `file`."""
    if len(content) > MAX_FILE_BYTES:
        raise field_error(
            "file",
            _("The file is larger than %(size)d kB.") % {"size": MAX_FILE_BYTES // 1024},
            VendorErrorCode.FILE_TOO_LARGE,
        )
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        # What a spreadsheet writes unless told otherwise (French Excel: Windows-1252).
        raise field_error(
            "file",
            _("The file is not UTF-8 text: in the spreadsheet, save it as “CSV UTF-8”."),
            VendorErrorCode.INVALID_FILE,
        ) from error
    if "\x00" in text:  # no text field can hold it (PostgreSQL refuses it): not a CSV text
        raise field_error(
            "file",
            _("Line %(line)d holds a null character: save the file again as CSV UTF-8.")
            % {"line": text.count("\n", 0, text.index("\x00")) + 1},
            VendorErrorCode.INVALID_FILE,
        )
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration as error:
        raise field_error("file", _("The file is empty."), VendorErrorCode.INVALID_FILE) from error
    except csv.Error as error:
        raise field_error("file", _unreadable(1), VendorErrorCode.INVALID_FILE) from error
    return _header_columns(header), reader, (reader, delimiter)


def _unreadable(line: int) -> str:
    """What the csv module's error means, in the request's language: with the file's dialect,
    only a cell beyond its size limit (131,072 characters), which a quote left open makes of the
    rest of the file."""
    return _(
        'Line %(line)d cannot be read: one of its cells never ends (a quotation mark " left open?).'
    ) % {"line": line}


def _parse_rows(
    content: bytes, *, currency: str, progress: _Progress
) -> tuple[list[Row], list[RowError]]:
    names, rows, (reader, delimiter) = decode_csv(content)
    categories: dict[str, Category] = {}
    for category in Category.objects.all():
        categories[category.slug] = category
        categories[str(category.pk)] = category
    parsed: list[Row] = []
    errors: list[RowError] = []
    seen_skus: dict[str, int] = {}
    read = 0
    while True:
        starts_on = reader.line_num + 1  # a record may span lines (a quoted cell)
        try:
            raw = next(rows)
        except StopIteration:
            break
        except csv.Error:
            errors.append(
                RowError(
                    starts_on, None, VendorErrorCode.INVALID_FILE.value, _unreadable(starts_on)
                )
            )
            break
        line = reader.line_num
        read += 1
        progress.check(read)
        if line > MAX_ROWS + 1:  # the header is line 1
            errors.append(
                RowError(
                    line,
                    None,
                    VendorErrorCode.FILE_TOO_LARGE.value,
                    _("At most %(rows)d rows per file.") % {"rows": MAX_ROWS},
                )
            )
            break
        if len(errors) >= MAX_ERRORS:
            errors.append(
                RowError(
                    line,
                    None,
                    VendorErrorCode.INVALID_FILE.value,
                    _("Stopped after %(count)d errors.") % {"count": MAX_ERRORS},
                )
            )
            break
        if not any(cell.strip() for cell in raw):
            continue
        if len(raw) != len(names):
            errors.append(
                RowError(
                    line,
                    None,
                    VendorErrorCode.INVALID.value,
                    _("Expected %(expected)d columns, found %(found)d.")
                    % {"expected": len(names), "found": len(raw)},
                )
            )
            continue
        cells = {
            name: spreadsheet_text(value.strip()) for name, value in zip(names, raw, strict=True)
        }
        row_errors = _row_errors(cells, line, categories, currency, delimiter)
        sku = cells["sku"]
        if sku and sku in seen_skus:
            row_errors.append(
                RowError(
                    line,
                    "sku",
                    VendorErrorCode.DUPLICATED_INPUT.value,
                    _("SKU already on line %(line)d.") % {"line": seen_skus[sku]},
                )
            )
        seen_skus.setdefault(sku, line)
        if row_errors:
            errors.extend(row_errors)
            continue
        parsed.append(
            Row(
                line=line,
                product=cells["product"],
                description=cells["description"],
                category=categories[cells["category"]],
                sku=sku,
                variant_name=cells["variant_name"],
                price=_decimal(cells["price"], delimiter) or Decimal("0"),
                stock=int(_without_spaces(cells["stock"])),
            )
        )
    return parsed, errors


def _without_spaces(value: str) -> str:
    """A number as a spreadsheet may write it, without its digit groups' spaces: ordinary,
    or no-break as French formats write them ("1\u202f234,50")."""
    return "".join(value.split())


def _decimal(value: str, delimiter: str) -> Decimal | None:
    text = _without_spaces(value)
    if delimiter == ";" and "," in text and "." not in text:
        text = text.replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _row_errors(
    cells: dict[str, str], line: int, categories: dict[str, Category], currency: str, delimiter: str
) -> list[RowError]:
    errors: list[RowError] = []

    def add(name: str, code: VendorErrorCode, message: str) -> None:
        errors.append(RowError(line, name, code.value, message))

    for name, limit in (
        ("product", 200),
        ("sku", 64),
        ("variant_name", 120),
        ("description", 10000),
    ):
        if len(cells[name]) > limit:
            add(name, VendorErrorCode.INVALID, _("At most %(max)d characters.") % {"max": limit})
    for name in ("product", "sku", "category", "price", "stock"):
        if not cells[name]:
            add(name, VendorErrorCode.REQUIRED, _("This field is required."))
    if cells["category"] and cells["category"] not in categories:
        add("category", VendorErrorCode.NOT_FOUND, _("Unknown category."))
    if cells["price"]:
        price = _decimal(cells["price"], delimiter)
        problem = price_problem(price, currency=currency)
        if problem:
            add("price", VendorErrorCode.INVALID_PRICE, problem)
    if cells["stock"]:
        try:
            stock = int(_without_spaces(cells["stock"]))
        except ValueError:
            stock = -1
        if stock < 0 or stock > 10**9:
            add("stock", VendorErrorCode.INVALID_QUANTITY, _("Enter a whole number of at least 0."))
    return errors


def catalog_import(
    *,
    vendor_id: int,
    content: bytes,
    dry_run: bool = False,
    user: Requester | None = None,
    on_progress: ProgressCallback | None = None,
) -> ImportReport:
    vendor = Vendor.objects.select_related("town").get(pk=vendor_id)
    require_approved(vendor)
    progress = _Progress(on_progress, content)
    rows, errors = _parse_rows(content, currency=vendor.town.currency, progress=progress)
    if errors:
        progress.finish()
        return ImportReport(errors=errors)
    with transaction.atomic():
        Vendor.objects.select_for_update().filter(pk=vendor_id).first()
        report, apply = _plan(vendor_id, rows)
        if report.errors or dry_run:
            progress.finish()
            return report
        apply(user, progress)
    progress.finish()
    return report


def _plan(
    vendor_id: int, rows: list[Row]
) -> tuple[ImportReport, Callable[[Requester | None, _Progress], None]]:
    products = {p.pk: p for p in Product.objects.filter(vendor_id=vendor_id).order_by("pk")}
    by_name: dict[str, Product] = {}
    for product in products.values():
        by_name.setdefault(product.name, product)
    variants = {
        v.sku: v for v in Variant.objects.filter(vendor_id=vendor_id, sku__in=[r.sku for r in rows])
    }
    stocks = stocks_lock(variant_ids=[v.pk for v in variants.values()])
    report = ImportReport()
    # Target product per row: a key that is an existing product id or ("new", name).
    targets: dict[Any, dict[str, Any]] = {}
    row_targets: list[Any] = []
    for row in rows:
        variant = variants.get(row.sku)
        if variant is not None and products[variant.product_id].name == row.product:
            key: Any = variant.product_id
        elif row.product in by_name:
            key = by_name[row.product].pk
        else:
            key = ("new", row.product)
        row_targets.append(key)
        wanted = {"description": row.description, "category": row.category}
        first = targets.setdefault(key, {**wanted, "line": row.line})
        for name in ("description", "category"):
            if first[name] != wanted[name]:
                report.errors.append(
                    RowError(
                        row.line,
                        name,
                        VendorErrorCode.INCONSISTENT.value,
                        _("Differs from line %(line)d for the same product.")
                        % {"line": first["line"]},
                    )
                )
    changed_products = {
        key
        for key, wanted in targets.items()
        if not isinstance(key, tuple)
        and (
            products[key].description != wanted["description"]
            or products[key].category_id != wanted["category"].pk
        )
    }
    to_update: list[tuple[Variant, Row, Any]] = []
    to_create: list[tuple[Row, Any]] = []
    for row, key in zip(rows, row_targets, strict=True):
        variant = variants.get(row.sku)
        if variant is None:
            to_create.append((row, key))
            report.created += 1
            continue
        stock = stocks.get(variant.pk)
        allocated = stock.quantity_allocated if stock else 0
        if row.stock < allocated:
            report.errors.append(
                RowError(
                    row.line,
                    "stock",
                    VendorErrorCode.STOCK_BELOW_ALLOCATED.value,
                    allocated_message(allocated),
                )
            )
            continue
        same = (
            variant.product_id == key
            and key not in changed_products
            and variant.name == row.variant_name
            and variant.price == row.price
            and (stock.quantity if stock else None) == row.stock
        )
        if same:
            report.unchanged += 1
        else:
            report.updated += 1
            to_update.append((variant, row, key))
    if report.errors:
        report.created = report.updated = report.unchanged = 0

    def apply(user: Requester | None, progress: _Progress) -> None:
        _write(
            vendor_id,
            products,
            targets,
            changed_products,
            to_create,
            to_update,
            stocks,
            user,
            progress,
        )

    return report, apply


def _write(
    vendor_id: int,
    products: dict[int, Product],
    targets: dict[Any, dict[str, Any]],
    changed_products: set[int],
    to_create: list[tuple[Row, Any]],
    to_update: list[tuple[Variant, Row, Any]],
    stocks: dict[int, Stock],
    user: Requester | None,
    progress: _Progress,
) -> None:
    user = user if user is not None and user.is_authenticated else None
    taken: set[str] = set(
        Product.objects.filter(vendor_id=vendor_id).values_list("slug", flat=True)
    )
    new_products = [
        Product(
            vendor_id=vendor_id,
            name=key[1],
            slug=unique_product_slug(vendor_id=vendor_id, name=key[1], taken=taken),
            description=wanted["description"],
            category=wanted["category"],
        )
        for key, wanted in targets.items()
        if isinstance(key, tuple)
    ]
    Product.objects.bulk_create(new_products)
    product_ids: dict[Any, int] = {("new", p.name): p.pk for p in new_products}
    for pk in changed_products:
        products[pk].description = targets[pk]["description"]
        products[pk].category = targets[pk]["category"]
    Product.objects.bulk_update(
        [products[pk] for pk in sorted(changed_products)], ["description", "category"]
    )

    def resolve(key: Any) -> int:
        return product_ids[key] if isinstance(key, tuple) else key

    positions: dict[int, int] = {}
    for product_id, position in Variant.objects.filter(vendor_id=vendor_id).values_list(
        "product_id", "position"
    ):
        positions[product_id] = max(positions.get(product_id, 0), position + 1)
    new_variants: list[Variant] = []
    for row, key in to_create:
        progress.write(len(new_variants) + 1)
        product_id = resolve(key)
        position = positions.get(product_id, 0)
        positions[product_id] = position + 1
        new_variants.append(
            Variant(
                product_id=product_id,
                vendor_id=vendor_id,
                sku=row.sku,
                name=row.variant_name,
                price=row.price,
                position=position,
            )
        )
    Variant.objects.bulk_create(new_variants)
    # Variants created now, and the rare existing one without a stock row, get theirs.
    created = [(v, row.stock) for v, (row, _key) in zip(new_variants, to_create, strict=True)]
    changed_variants: list[Variant] = []
    counted: list[tuple[Stock, int]] = []
    touched: set[int] = set(product_ids.values()) | changed_products
    for variant, row, key in to_update:
        progress.write(len(to_create) + len(changed_variants) + 1)
        touched.update({variant.product_id, resolve(key)})
        variant.product_id = resolve(key)
        variant.name = row.variant_name
        variant.price = row.price
        changed_variants.append(variant)
        stock = stocks.get(variant.pk)
        if stock is None:
            created.append((variant, row.stock))
        else:
            counted.append((stock, row.stock))
    _update_many(
        Variant,
        ["product_id", "name", "price"],
        [(v.product_id, v.name, v.price, v.pk) for v in changed_variants],
    )
    new_stocks = stocks_create(quantities=created, user=user, reason=StockMovementReason.IMPORT)
    changed_stocks = stocks_set(quantities=counted, user=user, reason=StockMovementReason.IMPORT)
    # New variants have no threshold; an opening count of 0 on a missing row changes nothing.
    thresholds = {v.pk: v.low_stock_threshold for v, _row, _key in to_update}
    apply_low_stock_rules(
        [
            (stock, thresholds[stock.variant_id])
            for stock in [*(s for s in new_stocks if s.quantity), *changed_stocks]
            if thresholds.get(stock.variant_id) is not None
        ]
    )
    mark_products_dirty(product_ids=sorted(touched))


def _update_many(model: Any, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
    """UPDATE … WHERE id = %s for each row, sent in one batch (much faster than bulk_update's
    CASE WHEN on thousands of rows). Each row: the column values, then the pk."""
    if not rows:
        return

    table = connection.ops.quote_name(model._meta.db_table)
    assignments = ", ".join(f"{connection.ops.quote_name(c)} = %s" for c in columns)
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET {assignments} WHERE id = %s", rows)  # noqa: S608
