import copy
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from marketplace.catalog.models import Category
from marketplace.towns.loading import TownsFileError, load_towns
from marketplace.towns.models import Town
from vendors.models import (
    FulfilmentMethod,
    Product,
    Stock,
    StockMovement,
    Variant,
    Vendor,
    VendorStatus,
)

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    return {
        "towns": Town.objects.count(),
        "categories": Category.objects.count(),
        "vendors": Vendor.objects.count(),
        "products": Product.objects.count(),
        "variants": Variant.objects.count(),
        "stocks": Stock.objects.count(),
        "methods": FulfilmentMethod.objects.count(),
        "movements": StockMovement.objects.count(),
    }


def test_loading_the_demo_file_creates_every_town_shop_and_product(towns_data):
    report = load_towns(towns_data)

    assert counts() == {
        "towns": 4,
        "categories": 18,
        "vendors": 64,
        "products": 436,
        "variants": 592,
        "stocks": 592,
        "methods": 120,
        "movements": 592,
    }
    assert report.created["products"] == 436
    assert set(Vendor.objects.values_list("status", flat=True)) == {VendorStatus.APPROVED}
    bread = Variant.objects.get(sku="MON-BOULANGE-892421-1")
    assert str(bread.price) == "1.31"
    assert bread.stock.quantity == 40
    assert bread.product.vendor.town.slug == "montpellier"


def test_loading_the_same_file_twice_changes_nothing(towns_data):
    load_towns(towns_data)
    before = counts()
    stamps = list(Product.objects.order_by("pk").values_list("updated_at", flat=True))

    report = load_towns(copy.deepcopy(towns_data))

    assert not report.changed_anything
    assert counts() == before
    assert list(Product.objects.order_by("pk").values_list("updated_at", flat=True)) == stamps


def test_loading_again_after_shops_edited_their_data_restores_the_file_and_keeps_the_stock(
    towns_data,
):
    one_town = copy.deepcopy(towns_data)
    one_town["towns"] = one_town["towns"][:1]
    load_towns(one_town)
    before = counts()
    vendor = Vendor.objects.order_by("pk").first()
    variant = Variant.objects.filter(vendor=vendor).order_by("pk").first()
    file_price = variant.price
    # the shop edits its profile, a price and its stock, as the back office lets it
    Vendor.objects.filter(pk=vendor.pk).update(description="Nouvelle description")
    Variant.objects.filter(pk=variant.pk).update(price=file_price + 1)
    Stock.objects.filter(variant=variant).update(quantity=7)

    report = load_towns(copy.deepcopy(one_town))

    assert report.updated == {"vendors": 1, "variants": 1}
    assert counts() == before
    vendor.refresh_from_db()
    variant.refresh_from_db()
    assert vendor.description != "Nouvelle description"
    assert variant.price == file_price
    assert Stock.objects.get(variant=variant).quantity == 7


def test_the_same_shop_slug_may_exist_in_two_towns(towns_data):
    load_towns(towns_data)

    slugs_by_town = Vendor.objects.values_list("slug", "town__slug")
    shared = {
        slug
        for slug, _ in slugs_by_town
        if Vendor.objects.filter(slug=slug).values("town").distinct().count() > 1
    }
    assert shared  # the demo towns share shop names, each unique within its own town


def test_a_bad_record_is_named_by_its_path_and_nothing_is_loaded(towns_data):
    towns_data["towns"][1]["vendors"][3]["products"][0]["variants"][0]["price"] = "-2.00"

    with pytest.raises(TownsFileError) as raised:
        load_towns(towns_data)

    assert raised.value.problems == [
        "towns[1].vendors[3].products[0].variants[0].price: "
        "'-2.00' is not a price > 0 with at most 2 decimals"
    ]
    assert counts() == dict.fromkeys(counts(), 0)


def test_a_towns_currency_never_changes_once_it_is_loaded(towns_data):
    # given the towns loaded in euros
    load_towns(towns_data)
    before = counts()
    # when the file is loaded again with one town in Swiss francs and a shop renamed
    towns_data["towns"][1]["currency"] = "CHF"
    towns_data["towns"][1]["vendors"][0]["name"] = "Renamed"
    with pytest.raises(TownsFileError) as raised:
        load_towns(towns_data)
    # then the currency is refused by its path, and nothing of the file is written
    slug = towns_data["towns"][1]["slug"]
    assert raised.value.problems == [
        "towns[1].currency: is 'EUR' for this town already and cannot change: "
        "its prices, fees, commission rules and ledger are in it"
    ]
    assert Town.objects.get(slug=slug).currency == "EUR"
    assert not Vendor.objects.filter(name="Renamed").exists()
    assert counts() == before


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        (
            ("towns", 0, "vendors", 0, "email"),
            "not-an-email",
            "towns[0].vendors[0].email: 'not-an-email' is not a valid email address",
        ),
        (
            ("towns", 2, "vendors", 1, "products", 0, "category"),
            "nope",
            "towns[2].vendors[1].products[0].category: unknown category 'nope'",
        ),
        (
            ("towns", 0, "vendors", 2, "opening_hours", "mon"),
            "25:00-19:00",
            "towns[0].vendors[2].opening_hours: mon: '25:00-19:00' is not HH:MM-HH:MM.",
        ),
        (
            ("towns", 3, "vendors", 0, "fulfilment", 0),
            "teleport",
            "towns[3].vendors[0].fulfilment[0]: unknown method 'teleport'; use pickup, local_delivery, shipping",
        ),
        (
            ("towns", 1, "vendors", 0, "products", 0, "variants", 0, "stock"),
            -1,
            "towns[1].vendors[0].products[0].variants[0].stock: -1 is not a whole number >= 0",
        ),
        (("towns", 0, "center", "lat"), 123, "towns[0].center.lat: must be between -90 and 90"),
        (
            ("towns", 1, "vendors", 0, "products", 0, "variants", 0, "price"),
            "1.234",
            "towns[1].vendors[0].products[0].variants[0].price: '1.234' is not a price > 0 with at most 2 decimals",
        ),
    ],
)
def test_each_kind_of_bad_record_gets_a_clear_message(towns_data, path, value, expected):
    record = towns_data
    for key in path[:-1]:
        record = record[key]
    record[path[-1]] = value

    with pytest.raises(TownsFileError) as raised:
        load_towns(towns_data)

    assert raised.value.problems == [expected]
    assert Town.objects.count() == 0


def test_a_duplicate_sku_in_a_shop_is_refused(towns_data):
    variants = towns_data["towns"][0]["vendors"][0]["products"][1]["variants"]
    variants[0]["sku"] = towns_data["towns"][0]["vendors"][0]["products"][0]["variants"][0]["sku"]

    with pytest.raises(TownsFileError) as raised:
        load_towns(towns_data)

    assert raised.value.problems[0].startswith(
        "towns[0].vendors[0].products[1].variants[0].sku: duplicate SKU"
    )


def test_the_command_reports_the_bad_record_and_loads_nothing(towns_data, tmp_path):
    towns_data["towns"][1]["vendors"][3]["products"][0]["variants"][0]["price"] = "abc"
    bad_file = tmp_path / "towns.json"
    bad_file.write_text(json.dumps(towns_data), encoding="utf-8")

    with pytest.raises(CommandError) as raised:
        call_command("load_towns", str(bad_file))

    assert "nothing was loaded" in str(raised.value)
    assert "towns[1].vendors[3].products[0].variants[0].price: 'abc' is not a price" in str(
        raised.value
    )
    assert Town.objects.count() == 0


def test_the_command_loads_a_good_file_and_says_so_twice(towns_data, tmp_path, settings):
    # The database search backend: the engine's side is tested with indices of its own
    # (tests/search/test_readme_town_loading.py), never under the shared names.
    settings.SEARCH_BACKEND = "database"
    good_file = tmp_path / "towns.json"
    good_file.write_text(json.dumps(towns_data), encoding="utf-8")
    first, second = StringIO(), StringIO()

    call_command("load_towns", str(good_file), stdout=first)
    call_command("load_towns", str(good_file), stdout=second)

    assert "created 18 categories, 4 towns, 64 vendors" in first.getvalue()
    assert "Search: database backend, the towns are searchable now." in first.getvalue()
    assert "already loaded, nothing changed" in second.getvalue()


def test_a_file_that_is_not_json_is_refused(tmp_path):
    broken = tmp_path / "towns.json"
    broken.write_text("{ not json", encoding="utf-8")

    with pytest.raises(CommandError, match="cannot read JSON"):
        call_command("load_towns", str(broken))
