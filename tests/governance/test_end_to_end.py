"""An association runs its town through the API; citizens download the results without an account.

Roles → shop approval → commission rules → a customer's order (real checkout, dummy gateway) →
a rule change that leaves the order alone → a suspension that takes the shop out of checkout →
the month's transparency report, tied to the ledger the payments app wrote.
"""

import csv
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from graphql_relay import to_global_id

from marketplace.orders.models import ShopOrder
from payments.ledger import ledger_totals_by_kind
from tests.factories import (
    CategoryFactory,
    ProductFactory,
    UserFactory,
    VariantFactory,
    VendorFactory,
)
from vendors.models import VendorStatus

pytestmark = pytest.mark.django_db

GRANT = """mutation($email: String!, $role: TownStaffRole!) {
  townStaffGrant(town: "montpellier", email: $email, role: $role) { errors { code } } }"""
APPROVE = "mutation($id: ID!) { vendorApprove(id: $id) { errors { code } } }"
SUSPEND = 'mutation($id: ID!) { vendorSuspend(id: $id, reason: "Contrôle sanitaire") { errors { code } } }'
RULE = """mutation($input: CommissionRuleCreateInput!) { commissionRuleCreate(input: $input) {
  commissionRule { id } errors { field code } } }"""
RULE_UPDATE = """mutation($id: ID!) { commissionRuleUpdate(id: $id, input: {percentage: "9"}) {
  errors { code } } }"""
CREATE = """mutation($lines: [CheckoutLineInput!]!) { checkoutCreate(input: {town: "montpellier",
  email: "client@example.org", lines: $lines}) { checkout { id } errors { field code } } }"""
ADD = """mutation($id: ID!, $lines: [CheckoutLineInput!]!) { checkoutLinesAdd(id: $id, lines: $lines) {
  errors { field code } } }"""
COMPLETE = """mutation($id: ID!) { checkoutComplete(id: $id) {
  order { number total { amount } shopOrders { vendor { slug } subtotal { amount }
          commission { amount } payout { amount } } }
  errors { field code } } }"""


def _line(variant, quantity):
    return {"variantId": to_global_id("Variant", variant.pk), "quantity": quantity}


def test_an_association_runs_its_town_and_citizens_download_the_results(
    gql, client, town, settings
):
    settings.PAYMENT_GATEWAY = "dummy"
    root = UserFactory(email="root@example.org", is_superuser=True)
    president = UserFactory(email="presidente@asso.example")
    volunteer = UserFactory(email="benevole@asso.example")
    bakery = CategoryFactory(slug="boulangerie", vat_rate=Decimal("5.50"))
    baker = VendorFactory(town=town, slug="fournil", category=bakery, status=VendorStatus.PENDING)
    grocer = VendorFactory(town=town, slug="epicerie", status=VendorStatus.PENDING)
    bread = VariantFactory(
        product=ProductFactory(vendor=baker, category=bakery), price=Decimal("3.35")
    )
    oil = VariantFactory(
        product=ProductFactory(vendor=grocer, category=bakery), price=Decimal("12.90")
    )

    # Roles: the platform names the town's first admin, who names a moderator.
    assert (
        gql.login(root).execute(GRANT, {"email": president.email, "role": "ADMIN"})[
            "townStaffGrant"
        ]["errors"]
        == []
    )
    assert (
        gql.login(president).execute(GRANT, {"email": volunteer.email, "role": "MODERATOR"})[
            "townStaffGrant"
        ]["errors"]
        == []
    )
    # The moderator approves both shops.
    gql.login(volunteer)
    for shop in (baker, grocer):
        assert (
            gql.execute(APPROVE, {"id": to_global_id("Vendor", shop.pk)})["vendorApprove"]["errors"]
            == []
        )
    # The admin sets a town rule and a richer category rule for bakeries.
    gql.login(president)
    town_rule = gql.execute(RULE, {"input": {"town": "montpellier", "percentage": "4"}})
    bakery_rule = gql.execute(
        RULE,
        {
            "input": {
                "town": "montpellier",
                "category": "boulangerie",
                "percentage": "2",
                "fixedAmount": "0.10",
            }
        },
    )
    assert town_rule["commissionRuleCreate"]["errors"] == []
    bakery_rule_id = bakery_rule["commissionRuleCreate"]["commissionRule"]["id"]

    # A customer orders from both shops.
    gql.logout()
    checkout_id = gql.execute(CREATE, {"lines": [_line(bread, 3), _line(oil, 1)]})[
        "checkoutCreate"
    ]["checkout"]["id"]
    order = gql.execute(COMPLETE, {"id": checkout_id})["checkoutComplete"]
    assert order["errors"] == []
    by_shop = {so["vendor"]["slug"]: so for so in order["order"]["shopOrders"]}
    # 10.05 × 2 % + 0.10 = 0.301 → 0.30 ; 12.90 × 4 % = 0.516 → 0.52
    assert by_shop["fournil"]["commission"] == {"amount": "0.30"}
    assert by_shop["fournil"]["payout"] == {"amount": "9.75"}
    assert by_shop["epicerie"]["commission"] == {"amount": "0.52"}

    # The rule changes afterwards: the order keeps its snapshot.
    gql.login(president)
    assert gql.execute(RULE_UPDATE, {"id": bakery_rule_id})["commissionRuleUpdate"]["errors"] == []
    snapshot = ShopOrder.objects.get(vendor=baker)
    assert (snapshot.commission, snapshot.commission_percentage) == (
        Decimal("0.30"),
        Decimal("2.000"),
    )

    # A suspension takes the shop out of checkout at once, in new and in open checkouts.
    gql.logout()
    open_checkout = gql.execute(CREATE, {"lines": [_line(bread, 1)]})["checkoutCreate"]["checkout"][
        "id"
    ]
    gql.login(volunteer).execute(SUSPEND, {"id": to_global_id("Vendor", baker.pk)})
    gql.logout()
    refused_add = gql.execute(ADD, {"id": open_checkout, "lines": [_line(bread, 1)]})[
        "checkoutLinesAdd"
    ]
    refused_complete = gql.execute(COMPLETE, {"id": open_checkout})["checkoutComplete"]
    assert [e["code"] for e in refused_add["errors"]] == ["VARIANT_NOT_AVAILABLE"]
    assert [e["code"] for e in refused_complete["errors"]] == ["VARIANT_NOT_AVAILABLE"]

    # Citizens download the rules with their history, the decisions and the month's report.
    local = timezone.localtime(timezone.now(), ZoneInfo(town.timezone))
    rules = list(
        csv.DictReader(
            io.StringIO(client.get("/open-data/montpellier/commission-rules.csv").content.decode())
        )
    )
    assert sorted((r["scope"], r["percentage"], r["status"]) for r in rules) == [
        ("category", "2.000", "superseded"),
        ("category", "9.000", "active"),
        ("town", "4.000", "active"),
    ]
    decisions = client.get("/open-data/montpellier/audit-log.json").json()["entries"]
    assert [d["action"] for d in decisions if d["object_type"] == "vendor"] == [
        "vendor.approve",
        "vendor.approve",
        "vendor.suspend",
    ]
    report = client.get(
        f"/open-data/montpellier/transparency/{local.year:04d}-{local.month:02d}.json"
    ).json()
    ledger = ledger_totals_by_kind(town_id=town.pk, year=local.year, month=local.month)
    assert report["orders"] == 1
    assert (
        Decimal(report["gross"]) == ledger["charge"] == Decimal(order["order"]["total"]["amount"])
    )
    assert Decimal(report["commission"]) == ledger["commission"] == Decimal("0.82")
