"""catalogImport / catalogExport: CSV in and out, all or nothing, idempotent."""

from __future__ import annotations

from decimal import Decimal

from tests.factories import ProductFactory, VariantFactory
from tests.vendors.helpers import gid, upload
from vendors.csv_import import catalog_import
from vendors.models import Product, Stock, StockMovement, Variant

IMPORT = """
mutation($vendor: ID!, $file: Upload!, $dryRun: Boolean) {
  catalogImport(vendor: $vendor, file: $file, dryRun: $dryRun) {
    report { created updated unchanged errors { line field code message } }
    errors { field code message }
  }
}
"""
EXPORT = "query($vendor: ID!) { catalogExport(vendor: $vendor) }"

CSV = (
    "product,description,category,sku,variant_name,price,stock\n"
    "Comté,Fruité,fromages,COMTE-250,250 g,6.90,12\n"
    "Comté,Fruité,fromages,COMTE-500,500 g,13.50,4\n"
    'Baguette,"Tradition, au levain",pains,BAG,,1.20,30\n'
)


def _import(gql, user, vendor, content, dry_run=False):
    return upload(
        gql.login(user),
        IMPORT,
        {"vendor": gid("Vendor", vendor.pk), "dryRun": dry_run},
        file_variable="file",
        name="catalogue.csv",
        content=content if isinstance(content, bytes) else content.encode(),
        content_type="text/csv",
    )["catalogImport"]


def _catalogue(vendor):
    return sorted(
        Variant.objects.filter(vendor=vendor).values_list(
            "product__name",
            "product__description",
            "product__category__slug",
            "sku",
            "name",
            "price",
            "stock__quantity",
        )
    )


def test_import_creates_products_variants_and_stock(gql, world):
    data = _import(gql, world.staff_a, world.shop_a, CSV)
    assert data == {
        "report": {"created": 3, "updated": 0, "unchanged": 0, "errors": []},
        "errors": [],
    }
    assert _catalogue(world.shop_a) == [
        ("Baguette", "Tradition, au levain", "pains", "BAG", "", Decimal("1.20"), 30),
        ("Comté", "Fruité", "fromages", "COMTE-250", "250 g", Decimal("6.90"), 12),
        ("Comté", "Fruité", "fromages", "COMTE-500", "500 g", Decimal("13.50"), 4),
    ]
    assert Product.objects.filter(vendor=world.shop_a).count() == 2
    assert sorted(StockMovement.objects.values_list("delta", "reason", "user_id")) == [
        (4, "import", world.staff_a.pk),
        (12, "import", world.staff_a.pk),
        (30, "import", world.staff_a.pk),
    ]


def test_reimporting_the_same_file_changes_nothing(gql, world):
    _import(gql, world.owner_a, world.shop_a, CSV)
    before = (_catalogue(world.shop_a), StockMovement.objects.count())
    data = _import(gql, world.owner_a, world.shop_a, CSV)
    assert data["report"] == {"created": 0, "updated": 0, "unchanged": 3, "errors": []}
    assert (_catalogue(world.shop_a), StockMovement.objects.count()) == before


def test_bom_semicolons_french_headers_and_decimal_commas(gql, world):
    content = (
        "\ufeffproduit;description;catégorie;sku;variante;prix;stock\r\n"
        "Comté;Fruité;fromages;COMTE-250;250 g;6,90;12\r\n"
    ).encode()
    data = _import(gql, world.owner_a, world.shop_a, content)
    assert data["report"]["created"] == 1
    assert _catalogue(world.shop_a) == [
        ("Comté", "Fruité", "fromages", "COMTE-250", "250 g", Decimal("6.90"), 12)
    ]


def test_updates_are_counted_and_recorded(gql, world):
    _import(gql, world.owner_a, world.shop_a, CSV)
    changed = CSV.replace("6.90,12", "7.10,12").replace("1.20,30", "1.20,25")
    data = _import(
        gql, world.owner_a, world.shop_a, changed + "Comté,Fruité,fromages,COMTE-1K,1 kg,25,1\n"
    )
    assert data["report"] == {"created": 1, "updated": 2, "unchanged": 1, "errors": []}
    assert Variant.objects.get(sku="COMTE-250").price == Decimal("7.10")
    assert Stock.objects.get(variant__sku="BAG").quantity == 25
    assert list(
        StockMovement.objects.filter(stock__variant__sku="BAG").values_list("delta", flat=True)
    ) == [-5, 30]


def test_dry_run_reports_and_writes_nothing(gql, world):
    data = _import(gql, world.owner_a, world.shop_a, CSV, dry_run=True)
    assert data["report"] == {"created": 3, "updated": 0, "unchanged": 0, "errors": []}
    assert Variant.objects.filter(vendor=world.shop_a).count() == 0


def test_any_bad_row_writes_nothing_and_lists_every_error(gql, world):
    VariantFactory(product=ProductFactory(vendor=world.shop_a, name="Tomme"), sku="TOMME", stock=5)
    Stock.objects.filter(variant__sku="TOMME").update(quantity_allocated=3)
    content = (
        "product,description,category,sku,variant_name,price,stock\n"
        "Comté,Fruité,fromages,COMTE-250,250 g,6.90,12\n"  # good
        ",x,fromages,A,,1.00,1\n"  # 3: product missing
        "Bleu,x,inconnue,B,,1.00,1\n"  # 4: unknown category
        "Bleu,x,fromages,C,,0,1\n"  # 5: price zero
        "Bleu,x,fromages,D,,1.005,1\n"  # 6: too many decimals
        "Bleu,x,fromages,E,,abc,-2\n"  # 7: price and stock
        "Bleu,x,fromages,COMTE-250,,1.00,1\n"  # 8: duplicate SKU in the file
        "Bleu,y,fromages,F,,1.00,1\n"  # 9: inconsistent description (caught once rows are valid)
        "Tomme,,fromages,TOMME,,5.00,2\n"  # 10: below allocated
        "only,three,columns\n"  # 11: wrong column count
    )
    data = _import(gql, world.owner_a, world.shop_a, content)
    assert data["errors"] == []
    assert data["report"]["created"] == 0
    assert [(e["line"], e["field"], e["code"]) for e in data["report"]["errors"]] == [
        (3, "product", "REQUIRED"),
        (4, "category", "NOT_FOUND"),
        (5, "price", "INVALID_PRICE"),
        (6, "price", "INVALID_PRICE"),
        (7, "price", "INVALID_PRICE"),
        (7, "stock", "INVALID_QUANTITY"),
        (8, "sku", "DUPLICATED_INPUT"),
        (11, None, "INVALID"),
    ]
    assert Variant.objects.filter(vendor=world.shop_a).count() == 1
    # once the row errors are fixed, the plan-level errors show, still writing nothing
    content = (
        "product,description,category,sku,variant_name,price,stock\n"
        "Bleu,x,fromages,C,,1.00,1\n"
        "Bleu,y,fromages,F,,1.00,1\n"
        "Tomme,,fromages,TOMME,,5.00,2\n"
    )
    data = _import(gql, world.owner_a, world.shop_a, content)
    assert [(e["line"], e["field"], e["code"]) for e in data["report"]["errors"]] == [
        (3, "description", "INCONSISTENT"),
        (4, "stock", "STOCK_BELOW_ALLOCATED"),
    ]
    assert Variant.objects.filter(vendor=world.shop_a).count() == 1
    assert StockMovement.objects.count() == 0


def test_file_level_problems_are_coded(gql, world):
    cases = [
        (b"\xff\xfe\x00bad", "INVALID_FILE"),
        (b"", "INVALID_FILE"),
        (b"name,price\nx,1\n", "INVALID_FILE"),
    ]
    for content, code in cases:
        data = _import(gql, world.owner_a, world.shop_a, content)
        assert data["report"] is None
        assert [(e["field"], e["code"]) for e in data["errors"]] == [("file", code)]


def test_export_reimports_to_the_same_catalogue(gql, world):
    # given a catalogue made through the API, with awkward text
    _import(gql, world.owner_a, world.shop_a, CSV)
    product = ProductFactory(
        vendor=world.shop_a, name='Bleu "d\'Auvergne"', description="Deux lignes\net; des, virgules"
    )
    VariantFactory(product=product, sku="BLEU", name="", price=Decimal("4.00"), stock=0)
    before = _catalogue(world.shop_a)
    # when it is exported, then imported again
    exported = gql.login(world.staff_a).execute(EXPORT, {"vendor": gid("Vendor", world.shop_a.pk)})
    csv_text = exported["catalogExport"]
    assert csv_text.startswith("product,description,category,sku,variant_name,price,stock\r\n")
    data = _import(gql, world.staff_a, world.shop_a, csv_text)
    # then nothing changes
    assert data["report"] == {"created": 0, "updated": 0, "unchanged": 4, "errors": []}
    assert _catalogue(world.shop_a) == before
    # and into an empty shop it rebuilds the same catalogue
    _import(gql, world.owner_b, world.shop_b, csv_text)
    assert _catalogue(world.shop_b) == before


def test_export_is_for_members_only(gql, world):
    variables = {"vendor": gid("Vendor", world.shop_a.pk)}
    assert gql.login(world.owner_b).execute(EXPORT, variables) == {"catalogExport": None}
    assert gql.logout().execute(EXPORT, variables) == {"catalogExport": None}


def test_the_progress_callback_counts_rows_up_to_the_total_in_both_phases(world):
    content = CSV.split("\n", 1)[0] + "\n"
    content += "".join(f"Produit {i},,fromages,SKU-{i:03d},,1.50,3\n" for i in range(250))
    checked: list[tuple[int, int]] = []
    written: list[tuple[int, int]] = []

    dry = catalog_import(
        vendor_id=world.shop_a.pk,
        content=content.encode(),
        dry_run=True,
        on_progress=lambda done, total: checked.append((done, total)),
    )
    report = catalog_import(
        vendor_id=world.shop_a.pk,
        content=content.encode(),
        user=world.owner_a,
        on_progress=lambda done, total: written.append((done, total)),
    )

    assert dry.created == report.created == 250 and not report.errors
    # Half a row once checked (every 100 rows read), whole once written (every 100 written).
    assert checked == [(50, 250), (100, 250), (250, 250)]
    assert written == [(50, 250), (100, 250), (175, 250), (225, 250), (250, 250)]
    assert Variant.objects.filter(vendor=world.shop_a).count() == 250


def test_the_progress_callback_ends_at_the_total_when_rows_are_wrong(world):
    calls: list[tuple[int, int]] = []
    content = CSV + "Brioche,,pains,BRI,,abc,5\n"

    report = catalog_import(
        vendor_id=world.shop_a.pk,
        content=content.encode(),
        on_progress=lambda done, total: calls.append((done, total)),
    )

    assert [e.line for e in report.errors] == [5]
    assert calls == [(4, 4)] and not Variant.objects.filter(vendor=world.shop_a).exists()
