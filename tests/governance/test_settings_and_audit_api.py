"""townSettings / townSettingsUpdate, the audit log (GraphQL and open-data export)."""

import csv
import io
import json

import pytest
from graphql_relay import to_global_id

from marketplace.governance.models import AuditEntry, TownSettings
from marketplace.governance.town_settings import governance_settings_for
from tests.factories import UserFactory, VendorFactory
from vendors.models import VendorStatus

pytestmark = pytest.mark.django_db

SETTINGS = """query { townSettings(town: "montpellier") { refundCommission stripeFeesPayer } }"""
UPDATE = """mutation($input: TownSettingsUpdateInput!) {
  townSettingsUpdate(town: "montpellier", input: $input) {
    townSettings { refundCommission stripeFeesPayer } errors { field code } } }"""
AUDIT = """query($first: Int, $after: String) { auditLog(town: "montpellier", first: $first, after: $after) {
  totalCount pageInfo { hasNextPage endCursor }
  edges { node { action objectType objectId actorName actorRole reason before after } } } }"""


def test_settings_default_to_refunding_commission_and_the_association_paying_fees(gql, town):
    data = gql.execute(SETTINGS)

    assert data["townSettings"] == {"refundCommission": True, "stripeFeesPayer": "ASSOCIATION"}
    defaults = governance_settings_for(town.pk)
    assert (defaults.refund_commission, defaults.stripe_fees_payer) == (True, "association")
    assert TownSettings.objects.count() == 0


def test_an_admin_changes_the_settings_and_payments_see_them(gql, admin, town):
    result = gql.login(admin).execute(
        UPDATE, {"input": {"refundCommission": False, "stripeFeesPayer": "VENDOR"}}
    )["townSettingsUpdate"]

    assert result == {
        "townSettings": {"refundCommission": False, "stripeFeesPayer": "VENDOR"},
        "errors": [],
    }
    assert gql.logout().execute(SETTINGS)["townSettings"] == {
        "refundCommission": False,
        "stripeFeesPayer": "VENDOR",
    }
    current = governance_settings_for(town.pk)
    assert (current.refund_commission, current.stripe_fees_payer) == (False, "vendor")
    entry = AuditEntry.objects.get()
    assert entry.before == {"refund_commission": True, "stripe_fees_payer": "association"}
    assert entry.after == {"refund_commission": False, "stripe_fees_payer": "vendor"}


def test_a_partial_update_keeps_the_other_setting(gql, admin, town):
    gql.login(admin).execute(UPDATE, {"input": {"stripeFeesPayer": "VENDOR"}})

    result = gql.execute(UPDATE, {"input": {"refundCommission": False}})["townSettingsUpdate"]

    assert result["townSettings"] == {"refundCommission": False, "stripeFeesPayer": "VENDOR"}


def test_an_admin_sets_the_associations_contact_address_which_the_town_shows(gql, admin, town):
    result = gql.login(admin).execute(
        UPDATE, {"input": {"contactEmail": " Contact@Asso-Montpellier.example "}}
    )["townSettingsUpdate"]

    assert result["errors"] == []
    town.refresh_from_db()
    assert town.contact_email == "contact@asso-montpellier.example"
    shown = gql.logout().execute('{ town(slug: "montpellier") { contactEmail } }')
    assert shown["town"] == {"contactEmail": "contact@asso-montpellier.example"}


def test_a_wrong_contact_address_is_refused_on_its_field_and_changes_nothing(gql, admin, town):
    result = gql.login(admin).execute(
        UPDATE, {"input": {"contactEmail": "pas une adresse", "refundCommission": False}}
    )["townSettingsUpdate"]

    assert result["errors"] == [{"field": "contactEmail", "code": "INVALID"}]
    town.refresh_from_db()
    assert town.contact_email == ""
    assert governance_settings_for(town.pk).refund_commission is True
    assert AuditEntry.objects.count() == 0


def test_a_moderator_cannot_change_the_settings(gql, moderator, town):
    result = gql.login(moderator).execute(UPDATE, {"input": {"refundCommission": False}})

    assert [e["code"] for e in result["townSettingsUpdate"]["errors"]] == ["PERMISSION_DENIED"]
    assert governance_settings_for(town.pk).refund_commission is True


@pytest.fixture
def history(gql, admin, moderator, town):
    """A rule created, a shop approved and suspended, a moderator granted: 5 actions."""
    vendor = VendorFactory(town=town, slug="fournil", status=VendorStatus.PENDING)
    vendor_id = to_global_id("Vendor", vendor.pk)
    gql.login(admin).execute(
        'mutation { commissionRuleCreate(input: {town: "montpellier", percentage: "5"}) { errors { code } } }'
    )
    gql.login(moderator).execute(
        "mutation($id: ID!) { vendorApprove(id: $id) { errors { code } } }", {"id": vendor_id}
    )
    gql.execute(
        'mutation($id: ID!) { vendorSuspend(id: $id, reason: "Hygiène") { errors { code } } }',
        {"id": vendor_id},
    )
    UserFactory(email="benevole@example.org")
    gql.login(admin).execute(
        'mutation { townStaffGrant(town: "montpellier", email: "benevole@example.org", role: MODERATOR) { errors { code } } }'
    )
    gql.execute(
        'mutation { townSettingsUpdate(town: "montpellier", input: {refundCommission: false}) { errors { code } } }'
    )
    gql.logout()
    return vendor


def test_the_public_audit_log_shows_rules_shop_decisions_and_settings(gql, history):
    log = gql.execute(AUDIT)["auditLog"]

    assert log["totalCount"] == 4
    nodes = [edge["node"] for edge in log["edges"]]
    assert [n["action"] for n in nodes] == [
        "TOWN_SETTINGS_UPDATE",
        "VENDOR_SUSPEND",
        "VENDOR_APPROVE",
        "COMMISSION_RULE_CREATE",
    ]
    suspend = nodes[1]
    assert suspend["objectType"] == "vendor"
    assert suspend["objectId"] == to_global_id("Vendor", history.pk)
    # the public sees the role, not the name (unless the town shows names: tests/hardening)
    assert (suspend["actorName"], suspend["actorRole"], suspend["reason"]) == (
        "",
        "moderator",
        "Hygiène",
    )
    assert json.loads(suspend["before"]) == {"status": "approved", "status_reason": ""}
    assert json.loads(suspend["after"]) == {"status": "suspended", "status_reason": "Hygiène"}


def test_the_staff_also_see_role_changes_in_the_log(gql, history, moderator):
    log = gql.login(moderator).execute(AUDIT)["auditLog"]

    assert log["totalCount"] == 5
    assert log["edges"][1]["node"]["action"] == "TOWN_STAFF_GRANT"


def test_the_audit_log_pages(gql, history):
    first = gql.execute(AUDIT, {"first": 3})["auditLog"]
    second = gql.execute(AUDIT, {"first": 3, "after": first["pageInfo"]["endCursor"]})["auditLog"]

    assert [len(first["edges"]), first["pageInfo"]["hasNextPage"]] == [3, True]
    assert [len(second["edges"]), second["pageInfo"]["hasNextPage"]] == [1, False]


def test_the_audit_log_is_exported_as_csv_and_json_without_an_account(client, history):
    as_csv = client.get("/open-data/montpellier/audit-log.csv")
    as_json = client.get("/open-data/montpellier/audit-log.json")

    assert as_csv.status_code == 200 and as_csv["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(as_csv.content.decode())))
    assert [row["action"] for row in rows] == [
        "commission_rule.create",
        "vendor.approve",
        "vendor.suspend",
        "town_settings.update",
    ]
    assert rows[2]["reason"] == "Hygiène" and rows[2]["actor_role"] == "moderator"
    assert json.loads(rows[2]["after"]) == {"status": "suspended", "status_reason": "Hygiène"}
    entries = as_json.json()["entries"]
    assert [entry["action"] for entry in entries] == [row["action"] for row in rows]
    assert "benevole@example.org" not in as_csv.content.decode() + as_json.content.decode()


def test_an_unknown_town_has_no_export(client, town):
    assert client.get("/open-data/atlantis/audit-log.csv").status_code == 404


def test_error_messages_are_french_by_default_and_english_on_request(client, admin):
    from marketplace.accounts.tokens import create_access_token

    query = '{"query": "mutation { commissionRuleCreate(input: {town: \\"montpellier\\", percentage: \\"101\\"}) { errors { message } } }"}'
    headers = {"HTTP_AUTHORIZATION": f"Bearer {create_access_token(admin)}"}

    french = client.post("/graphql/", query, content_type="application/json", **headers)
    english = client.post(
        "/graphql/", query, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en", **headers
    )

    assert french.json()["data"]["commissionRuleCreate"]["errors"] == [
        {"message": "Le pourcentage doit être compris entre 0 et 100, avec au plus 3 décimales."}
    ]
    assert english.json()["data"]["commissionRuleCreate"]["errors"] == [
        {"message": "The percentage must be between 0 and 100, with at most 3 decimals."}
    ]


def test_the_audit_log_loads_its_actors_in_one_query(gql, history, django_assert_num_queries):
    query = '{ auditLog(town: "montpellier", first: 50) { totalCount edges { node { action actorName actorRole } } } }'

    TownSettings.objects.filter(town__slug="montpellier").update(audit_show_staff_names=True)
    # town, count, page, the town's settings (names shown), actors (batched)
    with django_assert_num_queries(5):
        data = gql.execute(query)

    assert {edge["node"]["actorName"] for edge in data["auditLog"]["edges"]} == {
        "Alice Martin",
        "Marc Durand",
    }
