"""Property-based fuzzing of the whole API (hypothesis-graphql on the exported schema.graphql).

Generated queries and mutations (valid ones, and ones with one violation of the schema), with ids of real objects and real town slugs among the random
values, are sent as an anonymous visitor, a customer, a merchant and a town's staff member:

- no answer is a 500 (nor any 5xx);
- no answer takes more than 2 s (a generous bound; the slowest is printed as a figure);
- no answer carries another shop's or another town's private data: each role has markers it must
  never see (names of shops that are not public to it, emails of other shops' members, of another
  town's staff, of another customer).

FUZZ_EXAMPLES (default 150) bounds the number of requests, so the test stays within a minute.
"""

from __future__ import annotations

import json
import os
import time
from datetime import UTC
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, mutations, nodes, queries

from marketplace.accounts.tokens import create_access_token
from marketplace.towns.models import TownStaffRole
from tests.checkout.helpers import COMPLETE, CREATE, EMAIL, LINES_ADD, gid, line
from tests.factories import (
    ProductFactory,
    TownFactory,
    TownStaffFactory,
    UserFactory,
    VariantFactory,
    VendorFactory,
    VendorMemberFactory,
)
from vendors.models import VendorRole, VendorStatus

pytestmark = pytest.mark.django_db

SCHEMA = (Path(__file__).resolve().parents[2] / "schema.graphql").read_text(encoding="utf-8")
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "150"))
SLOWEST_ALLOWED_SECONDS = 2.0
SECRET = {
    "pending_a": "pendingathree",  # a pending shop of town A (its town's staff may see it)
    "pending_b": "pendingbtwo",  # a pending shop of town B
    "member_a2": "membera2secret",  # a member of another shop of town A
    "member_b1": "memberb1secret",  # a member of a shop of town B
    "staff_b": "staffbsecret",  # town B's staff member
    "other_customer": "othercustomersecret",  # another customer, who ordered in town A
    "customer": "fuzzcustomer",  # our customer
}
FORBIDDEN = {
    "anonymous": set(SECRET.values()),
    "customer": set(SECRET.values()) - {SECRET["customer"]},
    "merchant": set(SECRET.values()) - {SECRET["customer"]},
    "staff": {SECRET["pending_b"], SECRET["member_b1"], SECRET["staff_b"]},
}


def _email(marker: str) -> str:
    return f"{marker}@example.org"


def _order(client: Client, token: str | None, town_slug: str, variant: Any, email: str) -> Any:
    def run(query: str, variables: dict[str, Any]) -> Any:
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
        body = client.post(
            "/graphql/",
            json.dumps({"query": query, "variables": variables}),
            content_type="application/json",
            **headers,
        ).json()
        assert "errors" not in body, body
        return body["data"]

    checkout = run(CREATE, {"input": {"town": town_slug}})["checkoutCreate"]["checkout"]
    run(LINES_ADD, {"id": checkout["id"], "lines": [line(variant, 1)]})
    run(EMAIL, {"id": checkout["id"], "email": email})
    return run(COMPLETE, {"id": checkout["id"]})["checkoutComplete"]["order"]


@pytest.fixture
def world(settings: Any) -> dict[str, Any]:
    settings.PAYMENT_GATEWAY = "dummy"
    settings.CHECKOUT_CREATE_RATE_LIMIT = "100000/m"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    town_a, town_b = TownFactory(slug="fuzz-a"), TownFactory(slug="fuzz-b")
    shop_a1 = VendorFactory(town=town_a, slug="shop-a-one", methods={"pickup": Decimal("0")})
    shop_a2 = VendorFactory(town=town_a, slug="shop-a-two", methods={"pickup": Decimal("0")})
    pending_a = VendorFactory(town=town_a, slug=SECRET["pending_a"], status=VendorStatus.PENDING)
    shop_b1 = VendorFactory(town=town_b, slug="shop-b-one", methods={"pickup": Decimal("0")})
    pending_b = VendorFactory(town=town_b, slug=SECRET["pending_b"], status=VendorStatus.PENDING)
    merchant = UserFactory(email="merchant-a1@example.org")
    customer = UserFactory(email=_email(SECRET["customer"]))
    staff = UserFactory(email="staff-a@example.org")
    other_customer = UserFactory(email=_email(SECRET["other_customer"]))
    VendorMemberFactory(vendor=shop_a1, user=merchant, role=VendorRole.OWNER)
    for shop, marker in ((shop_a2, "member_a2"), (shop_b1, "member_b1")):
        VendorMemberFactory(vendor=shop, user=UserFactory(email=_email(SECRET[marker])))
    for shop in (pending_a, pending_b):
        VendorMemberFactory(vendor=shop, user=UserFactory())
    TownStaffFactory(town=town_a, user=staff, role=TownStaffRole.ADMIN)
    TownStaffFactory(town=town_b, user=UserFactory(email=_email(SECRET["staff_b"])))
    variants = [
        VariantFactory(product=ProductFactory(vendor=shop), vendor=shop, stock=50)
        for shop in (shop_a1, shop_a2, pending_a, shop_b1, pending_b)
    ]
    client = Client()
    orders = [
        _order(client, create_access_token(customer), "fuzz-a", variants[0], customer.email),
        _order(
            client, create_access_token(other_customer), "fuzz-a", variants[1], other_customer.email
        ),
    ]
    ids = [gid("Town", town.pk) for town in (town_a, town_b)]
    ids += [gid("Vendor", shop.pk) for shop in (shop_a1, shop_a2, pending_a, shop_b1, pending_b)]
    ids += [gid("Variant", v.pk) for v in variants] + [
        gid("Product", v.product_id) for v in variants
    ]
    ids += [order["id"] for order in orders] + [o["shopOrders"][0]["id"] for o in orders]
    ids += [gid("User", user.pk) for user in (merchant, customer, staff, other_customer)]
    tokens = {
        "anonymous": None,
        "customer": create_access_token(customer),
        "merchant": create_access_token(merchant),
        "staff": create_access_token(staff),
    }
    return {"ids": ids, "tokens": tokens, "slugs": ["fuzz-a", "fuzz-b", "montpellier"]}


def _strategies(world: dict[str, Any]) -> st.SearchStrategy[str]:
    text = st.text(max_size=20)
    scalars = {
        "ID": st.one_of(st.sampled_from(world["ids"]), text).map(nodes.String),
        "String": st.one_of(st.sampled_from(world["slugs"]), text).map(nodes.String),
        "Decimal": st.decimals(min_value=-1000, max_value=10**12, places=2).map(nodes.String),
        "DateTime": st.datetimes(timezones=st.just(UTC)).map(
            lambda value: nodes.String(value.isoformat())
        ),
        "UUID": st.uuids().map(nodes.String),
        "JSONString": st.just(nodes.String("{}")),
        "Upload": st.just(nodes.Null),
    }
    mutation_fields = [
        name
        for name in _mutation_names()
        if name not in {"catalogImport", "productImageUpload"}  # a file cannot travel in JSON
    ]
    return st.one_of(
        queries(SCHEMA, custom_scalars=scalars),
        mutations(SCHEMA, fields=mutation_fields, custom_scalars=scalars),
        # documents with one violation of the schema: refused before they run, never a 500
        queries(SCHEMA, custom_scalars=scalars, mode=Mode.NEGATIVE),
        mutations(SCHEMA, fields=mutation_fields, custom_scalars=scalars, mode=Mode.NEGATIVE),
    )


def _mutation_names() -> list[str]:
    from graphql import build_schema

    mutation = build_schema(SCHEMA).mutation_type
    assert mutation is not None
    return sorted(mutation.fields)


def test_generated_operations_never_fail_hang_or_leak(world: dict[str, Any]) -> None:
    client = Client()
    slowest: list[tuple[float, str, str]] = []

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(role=st.sampled_from(sorted(world["tokens"])), query=_strategies(world))
    def run(role: str, query: str) -> None:
        token = world["tokens"][role]
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
        started = time.perf_counter()
        response = client.post(
            "/graphql/", json.dumps({"query": query}), content_type="application/json", **headers
        )
        elapsed = time.perf_counter() - started
        slowest.append((elapsed, role, query))
        body = response.content.decode()
        assert response.status_code < 500, (role, query, body[:2000])
        assert elapsed < SLOWEST_ALLOWED_SECONDS, (role, elapsed, query)
        leaked = sorted(marker for marker in FORBIDDEN[role] if marker in body.lower())
        assert not leaked, (role, leaked, query, body[:2000])

    run()
    slowest.sort(reverse=True)
    elapsed, role, query = slowest[0]
    print(
        f"\nFUZZ {len(slowest)} requests; slowest {elapsed * 1000:.0f} ms ({role}): "
        f"{' '.join(query.split())[:200]}"
    )
