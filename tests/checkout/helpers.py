"""Shared GraphQL documents and small builders for the checkout and orders tests."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django.test import Client
from graphql_relay import to_global_id

from tests.factories import CategoryFactory, TownFactory, VariantFactory, VendorFactory

CHECKOUT_FIELDS = """
  id token email
  lines { id quantity variant { id sku } unitPrice { amount currency } total { amount }
          vatRate vat { amount } }
  shopGroups { vendor { id slug } subtotal { amount currency } deliveryMethod
               deliveryFee { amount } deliveryMethods { method fee { amount } } vat { amount } }
  subtotal { amount currency } deliveryTotal { amount } total { amount currency } vat { amount }
  reservedUntil
"""

CREATE = """
mutation($input: CheckoutCreateInput!) {
  checkoutCreate(input: $input) { checkout { FIELDS } errors { field code message } }
}""".replace("FIELDS", CHECKOUT_FIELDS)

LINES_ADD = """
mutation($id: ID!, $lines: [CheckoutLineInput!]!) {
  checkoutLinesAdd(id: $id, lines: $lines) { checkout { FIELDS } errors { field code message } }
}""".replace("FIELDS", CHECKOUT_FIELDS)

LINES_UPDATE = """
mutation($id: ID!, $lines: [CheckoutLineInput!]!) {
  checkoutLinesUpdate(id: $id, lines: $lines) { checkout { FIELDS } errors { field code message } }
}""".replace("FIELDS", CHECKOUT_FIELDS)

LINE_DELETE = """
mutation($id: ID!, $lineId: ID!) {
  checkoutLineDelete(id: $id, lineId: $lineId) { checkout { FIELDS } errors { field code message } }
}""".replace("FIELDS", CHECKOUT_FIELDS)

DELIVERY = """
mutation($id: ID!, $vendor: ID!, $method: FulfilmentMethodName!) {
  checkoutDeliveryMethodUpdate(id: $id, vendor: $vendor, method: $method) {
    checkout { FIELDS } errors { field code message }
  }
}""".replace("FIELDS", CHECKOUT_FIELDS)

EMAIL = """
mutation($id: ID!, $email: String!) {
  checkoutEmailUpdate(id: $id, email: $email) { checkout { id email } errors { field code } }
}"""

CONTACT = """
mutation($id: ID!, $input: CheckoutContactInput!) {
  checkoutContactUpdate(id: $id, input: $input) {
    checkout { id email customerName phone deliveryAddress }
    errors { field code message }
  }
}"""

QUERY = """
query($id: ID!) { checkout(id: $id) { FIELDS } }""".replace("FIELDS", CHECKOUT_FIELDS)

ORDER_FIELDS = """
  id number status token total { amount currency } subtotal { amount } deliveryTotal { amount }
  shopOrders { id vendor { slug } status subtotal { amount } deliveryMethod deliveryFee { amount }
               commission { amount } payout { amount } total { amount }
               vatBreakdown { rate base { amount } vat { amount } total { amount } }
               lines { sku productName quantity unitPrice { amount } total { amount }
                       vatRate vatAmount { amount } categorySlug } }
"""

COMPLETE = """
mutation($id: ID!) {
  checkoutComplete(id: $id) {
    order { FIELDS }
    payment { gateway status clientSecret }
    errors { field code message }
  }
}""".replace("FIELDS", ORDER_FIELDS)


def post(client: Client, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    """POSTs a GraphQL document; its `data` (no top-level error allowed)."""
    response = client.post(
        "/graphql/",
        json.dumps({"query": query, "variables": variables}),
        content_type="application/json",
    )
    body = response.json()
    assert "errors" not in body, body
    return dict(body["data"])


def gid(type_name: str, pk: Any) -> str:
    return to_global_id(type_name, pk)


def line(variant: Any, quantity: int) -> dict[str, Any]:
    return {"variantId": gid("Variant", variant.pk), "quantity": quantity}


def shop(town: Any, slug: str, methods: dict[str, Decimal] | None = None, **kwargs: Any) -> Any:
    return VendorFactory(town=town, slug=slug, methods=methods, **kwargs)


def variant(vendor: Any, *, price: str = "10.00", stock: int = 10, **kwargs: Any) -> Any:
    return VariantFactory(
        product__vendor=vendor, vendor=vendor, price=Decimal(price), stock=stock, **kwargs
    )


def town(slug: str = "montpellier") -> Any:
    return TownFactory(slug=slug)


def food() -> Any:
    return CategoryFactory(slug="food", vat_rate=Decimal("5.50"))


def amounts(items: list[dict[str, Any]], key: str) -> list[str]:
    return [item[key]["amount"] for item in items]


ADDRESS = "3 rue de la Loge\n34000 Montpellier"
GOOD_CONTACT = {
    "customerName": "Camille Martin",
    "email": "camille@example.org",
    "phone": "+33 6 12 34 56 78",
    "deliveryAddress": ADDRESS,
}


def checkout_of(gql: Any, methods: dict[str, Decimal] | None = None) -> tuple[dict[str, Any], Any]:
    """A guest's checkout of 2 loaves of a shop offering `methods` (pickup only by default)."""
    city = town()
    bread = variant(shop(city, "bakery", methods), stock=5)
    created = gql.execute(
        CREATE, {"input": {"town": city.slug, "email": "a@example.org", "lines": [line(bread, 2)]}}
    )["checkoutCreate"]
    assert created["errors"] == []
    return created["checkout"], bread


def contact(gql: Any, checkout: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """checkoutContactUpdate with GOOD_CONTACT, `fields` replacing some of it; its answer."""
    result = gql.execute(CONTACT, {"id": checkout["id"], "input": {**GOOD_CONTACT, **fields}})
    return dict(result["checkoutContactUpdate"])
