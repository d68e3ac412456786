"""Item 9 of issue #15: every input within the bounds of its column; a clear error, nothing stored."""

from __future__ import annotations

import json

import pytest
from graphql_relay import to_global_id

from marketplace.accounts.models import User
from marketplace.governance.models import CommissionRule
from marketplace.towns.models import TownStaffRole
from tests.factories import (
    TownFactory,
    TownStaffFactory,
    UserFactory,
    VariantFactory,
    VendorFactory,
    VendorMemberFactory,
)
from vendors.models import Stock, StockMovement, VendorRole

pytestmark = pytest.mark.django_db

REGISTER = """mutation($first: String!) { accountRegister(input: {
    email: "long@example.org", password: "a-long-enough-secret-2026", firstName: $first }) {
    user { email } errors { field code message } } }"""
RULE = """mutation($amount: Decimal!) { commissionRuleCreate(input: {
    town: "bornes", fixedAmount: $amount }) { errors { field code message } } }"""
ADJUST = """mutation($v: ID!, $d: Int!) { stockAdjust(variant: $v, delta: $d, reason: RECEIVED) {
    errors { field code message } } }"""
UPDATE = """mutation($v: ID!, $q: Int!) { stockUpdate(variant: $v, quantity: $q) {
    errors { field code message } } }"""


def test_a_first_name_longer_than_its_column_is_refused(gql):
    result = gql.execute(REGISTER, {"first": "x" * 151})["accountRegister"]

    assert result == {
        "user": None,
        "errors": [{"field": "firstName", "code": "INVALID", "message": "Au plus 150 caractères."}],
    }
    assert not User.objects.filter(email="long@example.org").exists()


def test_a_five_megabyte_body_is_refused_before_anything_runs(client):
    body = json.dumps({"query": REGISTER, "variables": {"first": "x" * 5_000_000}})

    response = client.post("/graphql/", body, content_type="application/json")

    assert response.status_code == 400
    assert not User.objects.filter(email="long@example.org").exists()


@pytest.mark.parametrize("amount", ["100000000000000000000", "100000000.00"])
def test_a_fixed_commission_beyond_its_column_is_refused(gql, amount):
    town = TownFactory(slug="bornes")
    admin = UserFactory(email="admin@example.org")
    TownStaffFactory(town=town, user=admin, role=TownStaffRole.ADMIN)

    errors = gql.login(admin).execute(RULE, {"amount": amount})["commissionRuleCreate"]["errors"]

    assert [(e["field"], e["code"]) for e in errors] == [("fixedAmount", "INVALID")]
    assert not CommissionRule.objects.filter(town=town).exists()


@pytest.fixture
def stocked(db):
    shop = VendorFactory()
    owner = UserFactory(email="owner@example.org")
    VendorMemberFactory(vendor=shop, user=owner, role=VendorRole.OWNER)
    variant = VariantFactory(product__vendor=shop, stock=10)
    return owner, variant


def test_stock_cannot_be_raised_beyond_its_bound(gql, stocked):
    owner, variant = stocked
    gql.login(owner)
    v = to_global_id("Variant", variant.pk)

    adjusted = gql.execute(ADJUST, {"v": v, "d": 2**31 - 1})["stockAdjust"]["errors"]
    updated = gql.execute(UPDATE, {"v": v, "q": 2**31 - 1})["stockUpdate"]["errors"]

    assert [(e["field"], e["code"]) for e in adjusted] == [("quantity", "INVALID_QUANTITY")]
    assert [(e["field"], e["code"]) for e in updated] == [("quantity", "INVALID_QUANTITY")]
    assert Stock.objects.get(variant=variant).quantity == 10
    assert not StockMovement.objects.filter(stock__variant=variant).exists()
