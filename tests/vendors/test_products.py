"""productCreate, productUpdate, productDelete through the GraphQL API."""

from __future__ import annotations

from decimal import Decimal

from marketplace.orders.models import Order, OrderLine, ShopOrder
from search.models import IndexQueue
from tests.factories import ProductFactory, VariantFactory
from tests.vendors.helpers import gid
from vendors.models import Product, Stock, StockMovement, Variant

CREATE = """
mutation($input: ProductCreateInput!) {
  productCreate(input: $input) {
    product {
      id slug name description category { slug }
      variants { id sku name price { amount currency } quantityAvailable stockQuantity lowStockThreshold }
    }
    errors { field code message }
  }
}
"""
UPDATE = """
mutation($id: ID!, $input: ProductUpdateInput!) {
  productUpdate(id: $id, input: $input) {
    product { name category { slug } variants { sku name price { amount } stockQuantity } }
    errors { field code }
  }
}
"""
DELETE = "mutation($id: ID!) { productDelete(id: $id) { deletedId errors { field code } } }"


def _create(gql, user, vendor, **overrides):
    payload = {
        "vendor": gid("Vendor", vendor.pk),
        "name": "Comté 18 mois",
        "description": "Fruité.",
        "category": "fromages",
        "variants": [
            {"sku": "COMTE-250", "name": "250 g", "price": "6.90", "stock": 12},
            {"sku": "COMTE-500", "name": "500 g", "price": "13.5", "stock": 0},
        ],
        **overrides,
    }
    return gql.login(user).execute(CREATE, {"input": payload})["productCreate"]


def test_staff_creates_a_product_with_its_variants_and_stock_movements(gql, world):
    data = _create(gql, world.staff_a, world.shop_a)
    assert data["errors"] == []
    product = data["product"]
    assert (product["slug"], product["name"], product["category"]) == (
        "comte-18-mois",
        "Comté 18 mois",
        {"slug": "fromages"},
    )
    assert [
        (v["sku"], v["name"], v["price"], v["quantityAvailable"], v["stockQuantity"])
        for v in product["variants"]
    ] == [
        ("COMTE-250", "250 g", {"amount": "6.90", "currency": "EUR"}, 12, 12),
        ("COMTE-500", "500 g", {"amount": "13.50", "currency": "EUR"}, 0, 0),
    ]
    movements = list(StockMovement.objects.values_list("stock__variant__sku", "delta", "user_id"))
    assert movements == [("COMTE-250", 12, world.staff_a.pk)]


def test_category_can_be_given_by_global_id(gql, world):
    data = _create(
        gql, world.owner_a, world.shop_a, category=gid("Category", world.other_category.pk)
    )
    assert data["product"]["category"] == {"slug": "pains"}


def test_bad_product_input_gets_coded_errors_and_writes_nothing(gql, world):
    VariantFactory(product=ProductFactory(vendor=world.shop_a), sku="TAKEN")
    VariantFactory(product=ProductFactory(vendor=world.shop_b), sku="OTHER-SHOP")
    v = {"sku": "A", "price": "1.00", "stock": 1}
    cases = [
        ({"name": " "}, ("name", "REQUIRED")),
        ({"category": "nope"}, ("category", "NOT_FOUND")),
        ({"variants": []}, ("variants", "REQUIRED")),
        ({"variants": [{**v, "price": "0"}]}, ("variants.0.price", "INVALID_PRICE")),
        ({"variants": [{**v, "price": "-2"}]}, ("variants.0.price", "INVALID_PRICE")),
        ({"variants": [{**v, "price": "1.999"}]}, ("variants.0.price", "INVALID_PRICE")),
        ({"variants": [{**v, "stock": -1}]}, ("variants.0.stock", "INVALID_QUANTITY")),
        ({"variants": [{**v, "sku": ""}]}, ("variants.0.sku", "REQUIRED")),
        ({"variants": [v, {**v, "name": "b"}]}, ("variants.1.sku", "DUPLICATED_INPUT")),
        ({"variants": [v, {**v, "sku": "TAKEN"}]}, ("variants.1.sku", "UNIQUE")),
        ({"variants": [{"sku": "B", "stock": 1}]}, ("variants.0.price", "REQUIRED")),
    ]
    before = (Product.objects.count(), Variant.objects.count(), StockMovement.objects.count())
    for overrides, expected in cases:
        errors = _create(gql, world.owner_a, world.shop_a, **overrides)["errors"]
        assert (errors[0]["field"], errors[0]["code"]) == expected, overrides
    after = (Product.objects.count(), Variant.objects.count(), StockMovement.objects.count())
    assert after == before


def test_the_same_sku_is_allowed_in_another_shop(gql, world):
    VariantFactory(product=ProductFactory(vendor=world.shop_b), sku="COMTE-250")
    assert _create(gql, world.owner_a, world.shop_a)["errors"] == []


def test_update_changes_adds_and_removes_variants(gql, world):
    created = _create(gql, world.owner_a, world.shop_a)["product"]
    first, second = created["variants"]
    data = gql.login(world.staff_a).execute(
        UPDATE,
        {
            "id": created["id"],
            "input": {
                "name": "Comté 24 mois",
                "category": "pains",
                "variants": [
                    {"id": first["id"], "price": "7.20", "stock": 5, "name": "250 g !"},
                    {"sku": "COMTE-1KG", "name": "1 kg", "price": "25", "stock": 2},
                ],
                "removeVariants": [second["id"]],
            },
        },
    )["productUpdate"]
    assert data["errors"] == []
    assert data["product"] == {
        "name": "Comté 24 mois",
        "category": {"slug": "pains"},
        "variants": [
            {
                "sku": "COMTE-250",
                "name": "250 g !",
                "price": {"amount": "7.20"},
                "stockQuantity": 5,
            },
            {"sku": "COMTE-1KG", "name": "1 kg", "price": {"amount": "25.00"}, "stockQuantity": 2},
        ],
    }
    assert sorted(
        StockMovement.objects.values_list("stock__variant__sku", "delta", "quantity_after")
    ) == [("COMTE-1KG", 2, 2), ("COMTE-250", -7, 5), ("COMTE-250", 12, 12)]


def test_bad_updates_change_nothing(gql, world):
    created = _create(gql, world.owner_a, world.shop_a)["product"]
    first, second = created["variants"]
    foreign = VariantFactory(product=ProductFactory(vendor=world.shop_b), sku="X")
    Stock.objects.filter(variant__sku="COMTE-250").update(quantity_allocated=3)
    cases = [
        ({"removeVariants": [first["id"], second["id"]]}, ("removeVariants", "LAST_VARIANT")),
        ({"removeVariants": [gid("Variant", foreign.pk)]}, ("removeVariants.0", "NOT_FOUND")),
        (
            {"variants": [{"id": gid("Variant", foreign.pk), "price": "2"}]},
            ("variants.0.id", "NOT_FOUND"),
        ),
        (
            {"variants": [{"id": second["id"], "sku": "COMTE-250"}]},
            ("variants", "DUPLICATED_INPUT"),
        ),
        (
            {"variants": [{"id": first["id"], "stock": 2}]},
            ("variants.0.stock", "STOCK_BELOW_ALLOCATED"),
        ),
        ({"removeVariants": [first["id"]]}, ("removeVariants", "STOCK_ALLOCATED")),
        (
            {"name": "Nouveau", "variants": [{"id": second["id"], "price": "0.001"}]},
            ("variants.0.price", "INVALID_PRICE"),
        ),
        ({"name": "Nouveau", "variants": [{"sku": "NEW"}]}, ("variants.0.price", "REQUIRED")),
    ]
    snapshot = lambda: (  # noqa: E731
        list(Product.objects.values_list("name", "category_id")),
        list(Variant.objects.order_by("pk").values_list("sku", "price")),
        list(Stock.objects.order_by("pk").values_list("quantity", "quantity_allocated")),
    )
    before = snapshot()
    for payload, expected in cases:
        errors = gql.login(world.owner_a).execute(UPDATE, {"id": created["id"], "input": payload})[
            "productUpdate"
        ]["errors"]
        assert (errors[0]["field"], errors[0]["code"]) == expected, payload
    assert snapshot() == before


def test_delete_removes_variants_and_keeps_order_snapshots(gql, world):
    # given a product that was ordered
    product = ProductFactory(vendor=world.shop_a, name="Brie")
    variant = VariantFactory(product=product, sku="BRIE", price=Decimal("8.00"))
    order = Order.objects.create(
        number="MTP-1",
        checkout_token="00000000-0000-0000-0000-000000000001",
        town=world.town,
        email="client@example.org",
        currency="EUR",
        subtotal=Decimal("16.00"),
        delivery_total=Decimal("0.00"),
        total=Decimal("16.00"),
    )
    shop_order = ShopOrder.objects.create(
        order=order,
        vendor=world.shop_a,
        currency="EUR",
        subtotal=Decimal("16.00"),
        delivery_method="pickup",
        payout=Decimal("16.00"),
    )
    line = OrderLine.objects.create(
        shop_order=shop_order,
        variant=variant,
        product_name="Brie",
        sku="BRIE",
        category_slug=product.category.slug,
        quantity=2,
        unit_price=Decimal("8.00"),
        total=Decimal("16.00"),
        vat_rate=Decimal("5.50"),
        vat_amount=Decimal("0.83"),
    )
    # when a member deletes the product
    data = gql.login(world.staff_a).execute(DELETE, {"id": gid("Product", product.pk)})
    # then it is gone with its variants and stock, and the order line keeps its snapshot
    assert data["productDelete"] == {"deletedId": gid("Product", product.pk), "errors": []}
    assert not Product.objects.filter(pk=product.pk).exists()
    assert not Variant.objects.filter(pk=variant.pk).exists()
    line.refresh_from_db()
    assert (line.variant_id, line.product_name, line.sku, line.unit_price, line.quantity) == (
        None,
        "Brie",
        "BRIE",
        Decimal("8.00"),
        2,
    )


def test_a_product_with_allocated_stock_cannot_be_deleted(gql, world):
    variant = VariantFactory(product=ProductFactory(vendor=world.shop_a), stock=5)
    Stock.objects.filter(variant=variant).update(quantity_allocated=1)
    data = gql.login(world.owner_a).execute(DELETE, {"id": gid("Product", variant.product_id)})
    assert data["productDelete"]["errors"] == [{"field": "id", "code": "STOCK_ALLOCATED"}]
    assert Variant.objects.filter(pk=variant.pk).exists()


def test_delete_of_an_unknown_product_is_not_found(gql, world):
    data = gql.login(world.owner_a).execute(DELETE, {"id": gid("Product", 424242)})
    assert data["productDelete"]["errors"] == [{"field": "id", "code": "NOT_FOUND"}]


PUBLISH = """
mutation($id: ID!, $published: Boolean!) {
  productPublish(id: $id, published: $published) {
    product { isPublished }
    errors { field code }
  }
}
"""
PRODUCT = "query($id: ID!) { product(id: $id) { name isPublished } }"
VENDOR_PRODUCTS = """
query { vendor(town: "montpellier", slug: "fromagerie") { products { edges { node { name } } } } }
"""


def test_unpublishing_hides_the_product_from_customers_but_not_its_shop(
    gql, world, django_capture_on_commit_callbacks
):
    # given a published product with stock
    variant = VariantFactory(product=ProductFactory(vendor=world.shop_a, name="Brie"), stock=5)
    product_id = gid("Product", variant.product_id)
    movements = StockMovement.objects.count()
    # when a member of the shop unpublishes it
    data = gql.login(world.staff_a).execute(PUBLISH, {"id": product_id, "published": False})
    # then it is unpublished, queued for the search index, its stock untouched
    assert data["productPublish"] == {"product": {"isPublished": False}, "errors": []}
    assert IndexQueue.objects.filter(product_id=variant.product_id).exists()
    assert Stock.objects.get(variant=variant).quantity == 5
    assert StockMovement.objects.count() == movements
    # and customers no longer see it, while the shop's members and the town's staff do
    assert gql.login(world.customer).execute(PRODUCT, {"id": product_id})["product"] is None
    customer_list = gql.login(world.customer).execute(VENDOR_PRODUCTS)
    assert customer_list["vendor"]["products"]["edges"] == []
    for user in (world.owner_a, world.town_staff):
        assert gql.login(user).execute(PRODUCT, {"id": product_id})["product"] == {
            "name": "Brie",
            "isPublished": False,
        }
    member_list = gql.login(world.owner_a).execute(VENDOR_PRODUCTS)
    assert member_list["vendor"]["products"]["edges"] == [{"node": {"name": "Brie"}}]
    # when published again, customers see it again
    again = gql.login(world.owner_a).execute(PUBLISH, {"id": product_id, "published": True})
    assert again["productPublish"] == {"product": {"isPublished": True}, "errors": []}
    assert gql.login(world.customer).execute(PRODUCT, {"id": product_id})["product"] == {
        "name": "Brie",
        "isPublished": True,
    }


def test_only_the_shops_members_publish_and_an_unknown_product_is_not_found(gql, world):
    product = ProductFactory(vendor=world.shop_a)
    product_id = gid("Product", product.pk)
    for user in (world.owner_b, world.customer, world.town_staff):
        data = gql.login(user).execute(PUBLISH, {"id": product_id, "published": False})
        assert data["productPublish"]["errors"] == [{"field": None, "code": "PERMISSION_DENIED"}]
    unknown = gql.login(world.owner_a).execute(
        PUBLISH, {"id": gid("Product", 424242), "published": False}
    )
    assert unknown["productPublish"]["errors"] == [{"field": "id", "code": "NOT_FOUND"}]
    product.refresh_from_db()
    assert product.is_published is True
