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
