"""commissionRuleCreate / Update / End and the public commissionRules history, through the API."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from graphql_relay import to_global_id

from marketplace.governance.commission import commission_quote
from marketplace.governance.models import AuditEntry, CommissionRule
from marketplace.orders.models import ShopOrder
from tests.checkout.helpers import COMPLETE, line, shop, variant
from tests.checkout.helpers import CREATE as CHECKOUT_CREATE
from tests.factories import CategoryFactory, TownFactory, UserFactory, VendorFactory

pytestmark = pytest.mark.django_db

CREATE = """mutation($input: CommissionRuleCreateInput!) { commissionRuleCreate(input: $input) {
  commissionRule { id scope percentage fixedAmount { amount currency } minAmount { amount }
    maxAmount { amount } validFrom validUntil status vendor { slug } category { slug } }
  errors { field code message } } }"""
UPDATE = """mutation($id: ID!, $input: CommissionRuleUpdateInput!) {
  commissionRuleUpdate(id: $id, input: $input) {
    commissionRule { id percentage status validFrom previous { id status validUntil } }
    errors { field code } } }"""
END = """mutation($id: ID!, $at: DateTime) { commissionRuleEnd(id: $id, at: $at) {
  commissionRule { id status validUntil endedAt } errors { field code } } }"""
RULES = """query($town: String!) { commissionRules(town: $town) {
  id scope percentage status validFrom validUntil previous { id } next { id } } }"""


def _create(gql, **fields):
    payload = {"town": "montpellier", **fields}
    return gql.execute(CREATE, {"input": payload})["commissionRuleCreate"]


def test_an_admin_creates_a_town_rule_with_string_decimals(gql, admin):
    result = _create(
        gql.login(admin), percentage="4.5", fixedAmount="0.25", minAmount="0.50", maxAmount="10"
    )

    assert result["errors"] == []
    rule = result["commissionRule"]
    assert rule["scope"] == "TOWN"
    assert rule["percentage"] == "4.500"
    assert rule["fixedAmount"] == {"amount": "0.25", "currency": "EUR"}
    assert (rule["minAmount"], rule["maxAmount"]) == ({"amount": "0.50"}, {"amount": "10.00"})
    assert rule["status"] == "ACTIVE" and rule["validUntil"] is None
    stored = CommissionRule.objects.get()
    assert stored.created_by == admin
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor, entry.actor_role, entry.is_public) == (
        "commission_rule.create",
        admin,
        "admin",
        True,
    )
    assert entry.after["percentage"] == "4.500" and entry.before is None


def test_rules_are_created_for_each_scope(gql, admin, town):
    vendor = VendorFactory(town=town, slug="fournil")
    CategoryFactory(slug="boulangerie")
    gql.login(admin)
    vendor_id = to_global_id("Vendor", vendor.pk)

    scopes = [
        _create(gql, category="boulangerie", percentage="3")["commissionRule"]["scope"],
        _create(gql, vendor=vendor_id, percentage="2")["commissionRule"]["scope"],
        _create(gql, vendor=vendor_id, category="boulangerie", percentage="1")["commissionRule"][
            "scope"
        ],
    ]

    assert scopes == ["CATEGORY", "VENDOR", "VENDOR_CATEGORY"]


def test_a_moderator_cannot_create_a_rule(gql, moderator):
    result = _create(gql.login(moderator), percentage="3")

    assert result["commissionRule"] is None
    assert [e["code"] for e in result["errors"]] == ["PERMISSION_DENIED"]
    assert CommissionRule.objects.count() == 0


def test_an_admin_of_another_town_and_an_anonymous_visitor_cannot_create_a_rule(gql, town):
    other_admin = UserFactory(email="other@asso.example")
    from tests.factories import TownStaffFactory

    TownStaffFactory(town=TownFactory(slug="nancy"), user=other_admin)

    assert (
        _create(gql.login(other_admin), percentage="3")["errors"][0]["code"] == "PERMISSION_DENIED"
    )
    assert _create(gql.logout(), percentage="3")["errors"][0]["code"] == "PERMISSION_DENIED"
    assert CommissionRule.objects.count() == 0


def test_a_superuser_spans_towns(gql, town):
    root = UserFactory(email="root@example.org", is_superuser=True)

    result = _create(gql.login(root), percentage="3")

    assert result["errors"] == []
    assert AuditEntry.objects.get().actor_role == "superuser"


@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [
        ({"percentage": "100.5"}, "percentage", "INVALID_PERCENTAGE"),
        ({"percentage": "-1"}, "percentage", "INVALID_PERCENTAGE"),
        ({"percentage": "1.2345"}, "percentage", "INVALID_PERCENTAGE"),
        ({"fixedAmount": "-0.01"}, "fixedAmount", "NEGATIVE_AMOUNT"),
        ({"minAmount": "-1"}, "minAmount", "NEGATIVE_AMOUNT"),
        ({"maxAmount": "1.001"}, "maxAmount", "INVALID"),
        ({"minAmount": "5", "maxAmount": "4"}, "minAmount", "MIN_GREATER_THAN_MAX"),
        (
            {"validFrom": "2030-01-02T00:00:00+00:00", "validUntil": "2030-01-01T00:00:00+00:00"},
            "validUntil",
            "INVALID_WINDOW",
        ),
        (
            {"validFrom": "2030-01-01T00:00:00+00:00", "validUntil": "2030-01-01T00:00:00+00:00"},
            "validUntil",
            "INVALID_WINDOW",
        ),
        ({"validFrom": "2020-01-01T00:00:00+00:00"}, "validFrom", "INVALID_WINDOW"),
        ({"category": "no-such-category"}, "category", "NOT_FOUND"),
        ({"vendor": "not-an-id"}, "vendor", "INVALID"),
    ],
)
def test_bad_input_gets_a_coded_error_and_creates_nothing(gql, admin, fields, field, code):
    result = _create(gql.login(admin), **{"percentage": "3", **fields})

    assert result["commissionRule"] is None
    assert [(e["field"], e["code"]) for e in result["errors"]] == [(field, code)]
    assert CommissionRule.objects.count() == 0
    assert AuditEntry.objects.count() == 0


def test_a_vendor_of_another_town_is_refused(gql, admin):
    stranger = VendorFactory(town=TownFactory(slug="rennes"))

    result = _create(gql.login(admin), vendor=to_global_id("Vendor", stranger.pk), percentage="3")

    assert [(e["field"], e["code"]) for e in result["errors"]] == [("vendor", "VENDOR_NOT_IN_TOWN")]


def test_an_unknown_town_is_refused(gql, admin):
    result = gql.login(admin).execute(CREATE, {"input": {"town": "atlantis", "percentage": "3"}})

    assert [(e["field"], e["code"]) for e in result["commissionRuleCreate"]["errors"]] == [
        ("town", "NOT_FOUND")
    ]


def test_overlapping_windows_in_the_same_scope_are_refused(gql, admin):
    gql.login(admin)
    _create(
        gql,
        percentage="3",
        validFrom="2030-01-01T00:00:00+00:00",
        validUntil="2030-06-01T00:00:00+00:00",
    )

    overlap = _create(gql, percentage="4", validFrom="2030-05-01T00:00:00+00:00")
    after = _create(gql, percentage="4", validFrom="2030-06-01T00:00:00+00:00")
    before = _create(
        gql,
        percentage="4",
        validFrom="2029-01-01T00:00:00+00:00",
        validUntil="2030-01-01T00:00:00+00:00",
    )
    open_ended = _create(gql, percentage="5", validFrom="2029-06-01T00:00:00+00:00")

    assert [(e["field"], e["code"]) for e in overlap["errors"]] == [
        ("validFrom", "OVERLAPPING_RULE")
    ]
    assert after["errors"] == [] and before["errors"] == []
    assert open_ended["errors"][0]["code"] == "OVERLAPPING_RULE"
    assert CommissionRule.objects.count() == 3


def test_the_same_window_in_another_scope_is_accepted(gql, admin):
    CategoryFactory(slug="fromagerie")
    gql.login(admin)
    _create(gql, percentage="3")

    result = _create(gql, percentage="4", category="fromagerie")

    assert result["errors"] == []


def test_an_update_ends_the_old_version_and_links_the_new_one(gql, admin):
    gql.login(admin)
    first = _create(gql, percentage="3", maxAmount="9")["commissionRule"]
    before = timezone.now()

    result = gql.execute(UPDATE, {"id": first["id"], "input": {"percentage": "4"}})[
        "commissionRuleUpdate"
    ]

    assert result["errors"] == []
    new = result["commissionRule"]
    assert new["percentage"] == "4.000" and new["status"] == "ACTIVE"
    assert new["previous"]["id"] == first["id"]
    assert new["previous"]["status"] == "SUPERSEDED"
    assert new["previous"]["validUntil"] == new["validFrom"]
    old, current = CommissionRule.objects.order_by("id")
    assert old.percentage == Decimal("3.000")  # the old version's terms are untouched
    assert current.max_amount == Decimal("9.00")  # carried over
    assert current.valid_from >= before and old.valid_until == current.valid_from
    entry = AuditEntry.objects.filter(action="commission_rule.update").get()
    assert entry.before["percentage"] == "3.000" and entry.after["percentage"] == "4.000"
    assert entry.object_id == current.pk


def test_a_superseded_version_cannot_be_updated_or_ended_again(gql, admin):
    gql.login(admin)
    first = _create(gql, percentage="3")["commissionRule"]
    gql.execute(UPDATE, {"id": first["id"], "input": {"percentage": "4"}})

    again = gql.execute(UPDATE, {"id": first["id"], "input": {"percentage": "5"}})[
        "commissionRuleUpdate"
    ]
    ended = gql.execute(END, {"id": first["id"]})["commissionRuleEnd"]

    assert [e["code"] for e in again["errors"]] == ["RULE_SUPERSEDED"]
    assert [e["code"] for e in ended["errors"]] == ["RULE_SUPERSEDED"]
    assert CommissionRule.objects.count() == 2


def test_an_update_can_clear_the_maximum_and_is_validated(gql, admin):
    gql.login(admin)
    first = _create(gql, percentage="3", minAmount="1", maxAmount="9")["commissionRule"]

    bad = gql.execute(UPDATE, {"id": first["id"], "input": {"minAmount": "10"}})[
        "commissionRuleUpdate"
    ]
    good = gql.execute(UPDATE, {"id": first["id"], "input": {"maxAmount": None}})[
        "commissionRuleUpdate"
    ]

    assert [e["code"] for e in bad["errors"]] == ["MIN_GREATER_THAN_MAX"]
    assert good["errors"] == []
    assert CommissionRule.objects.order_by("id").last().max_amount is None


def test_a_moderator_cannot_update_or_end_a_rule(gql, admin, moderator):
    rule = _create(gql.login(admin), percentage="3")["commissionRule"]
    gql.login(moderator)

    updated = gql.execute(UPDATE, {"id": rule["id"], "input": {"percentage": "1"}})[
        "commissionRuleUpdate"
    ]
    ended = gql.execute(END, {"id": rule["id"]})["commissionRuleEnd"]

    assert updated["errors"][0]["code"] == "PERMISSION_DENIED"
    assert ended["errors"][0]["code"] == "PERMISSION_DENIED"
    assert CommissionRule.objects.get().valid_until is None


def test_ending_a_rule_at_a_future_date(gql, admin):
    gql.login(admin)
    rule = _create(gql, percentage="3")["commissionRule"]

    result = gql.execute(END, {"id": rule["id"], "at": "2031-01-01T00:00:00+00:00"})[
        "commissionRuleEnd"
    ]

    assert result["errors"] == []
    assert result["commissionRule"]["validUntil"] == "2031-01-01T00:00:00+00:00"
    assert result["commissionRule"]["status"] == "ACTIVE"
    assert AuditEntry.objects.filter(action="commission_rule.end").count() == 1


def test_ending_now_and_ending_in_the_past(gql, admin):
    gql.login(admin)
    rule = _create(gql, percentage="3")["commissionRule"]

    past = gql.execute(END, {"id": rule["id"], "at": "2020-01-01T00:00:00+00:00"})[
        "commissionRuleEnd"
    ]
    now = gql.execute(END, {"id": rule["id"]})["commissionRuleEnd"]
    twice = gql.execute(END, {"id": rule["id"]})["commissionRuleEnd"]

    assert [(e["field"], e["code"]) for e in past["errors"]] == [("at", "INVALID_WINDOW")]
    assert now["errors"] == [] and now["commissionRule"]["status"] == "ENDED"
    assert [e["code"] for e in twice["errors"]] == ["RULE_ENDED"]


def test_ending_a_scheduled_rule_cancels_it_without_ever_applying(gql, admin, town):
    gql.login(admin)
    rule = _create(gql, percentage="3", validFrom="2031-01-01T00:00:00+00:00")["commissionRule"]

    result = gql.execute(END, {"id": rule["id"]})["commissionRuleEnd"]

    assert result["errors"] == []
    assert result["commissionRule"]["validUntil"] == "2031-01-01T00:00:00+00:00"
    vendor = VendorFactory(town=town)
    at = datetime(2031, 1, 1, tzinfo=UTC)
    assert commission_quote(vendor=vendor, goods=Decimal("10"), at=at).rule is None
    # The cancelled window no longer blocks a new rule there.
    assert _create(gql, percentage="4", validFrom="2031-01-01T00:00:00+00:00")["errors"] == []


def test_commission_rules_are_public_with_their_history(gql, admin):
    gql.login(admin)
    first = _create(gql, percentage="3")["commissionRule"]
    second = gql.execute(UPDATE, {"id": first["id"], "input": {"percentage": "4"}})[
        "commissionRuleUpdate"
    ]["commissionRule"]
    scheduled = _create(
        gql,
        percentage="1",
        validFrom="2031-01-01T00:00:00+00:00",
        category=CategoryFactory(slug="epicerie").slug,
    )["commissionRule"]

    rules = gql.logout().execute(RULES, {"town": "montpellier"})["commissionRules"]

    by_id = {rule["id"]: rule for rule in rules}
    assert [rule["id"] for rule in rules] == [scheduled["id"], second["id"], first["id"]]
    assert by_id[first["id"]]["status"] == "SUPERSEDED"
    assert by_id[first["id"]]["next"] == {"id": second["id"]}
    assert by_id[second["id"]]["status"] == "ACTIVE"
    assert by_id[second["id"]]["previous"] == {"id": first["id"]}
    assert by_id[scheduled["id"]]["status"] == "SCHEDULED"


def test_commission_rules_resolve_relations_in_a_fixed_number_of_queries(
    gql, admin, town, django_assert_num_queries
):
    gql.login(admin)
    for index in range(6):
        vendor = VendorFactory(town=town)
        _create(gql, vendor=to_global_id("Vendor", vendor.pk), percentage=str(index))
    query = """{ commissionRules(town: "montpellier") { town { slug } vendor { slug }
      fixedAmount { amount currency } status previous { id } } }"""
    gql.logout()

    # town lookup, rules, towns, vendors, next versions
    with django_assert_num_queries(5):
        data = gql.execute(query)

    assert len(data["commissionRules"]) == 6


def test_a_rule_change_never_alters_a_past_shop_orders_snapshot(gql, admin, town, settings):
    # Given a 3 % rule, and an order of 50.00 placed through checkoutComplete (the service
    # computes and snapshots the commission; nothing in this test writes it)
    settings.PAYMENT_GATEWAY = "dummy"
    vendor = shop(town, "fromagerie")
    tomme = variant(vendor, price="25.00", stock=5)
    gql.login(admin)
    rule_id = _create(gql, percentage="3")["commissionRule"]["id"]
    gql.logout()
    checkout = gql.execute(
        CHECKOUT_CREATE,
        {"input": {"town": town.slug, "email": "client@example.org", "lines": [line(tomme, 2)]}},
    )["checkoutCreate"]["checkout"]
    placed = gql.execute(COMPLETE, {"id": checkout["id"]})["checkoutComplete"]
    assert placed["errors"] == []
    shop_order = ShopOrder.objects.get(order__number=placed["order"]["number"])
    assert (
        shop_order.commission_rule_id,
        shop_order.commission_percentage,
        shop_order.commission_fixed,
        shop_order.commission,
    ) == (CommissionRule.objects.get().pk, Decimal("3.000"), Decimal("0.00"), Decimal("1.50"))

    # When the rule is changed to 8 % + 1.00
    gql.login(admin)
    gql.execute(UPDATE, {"id": rule_id, "input": {"percentage": "8", "fixedAmount": "1"}})

    # Then the placed order keeps its snapshot (and its rule version is unchanged)
    shop_order.refresh_from_db()
    assert shop_order.commission_rule.percentage == Decimal("3.000")
    assert (
        shop_order.commission_percentage,
        shop_order.commission_fixed,
        shop_order.commission,
        shop_order.payout,
    ) == (Decimal("3.000"), Decimal("0.00"), Decimal("1.50"), Decimal("48.50"))
    # And a later quote uses the new version: 8 % of 50.00 + 1.00
    later = commission_quote(
        vendor=vendor, goods=Decimal("50.00"), at=timezone.now() + timedelta(seconds=1)
    )
    assert later.amount == Decimal("5.00")
