"""vendorApprove / vendorSuspend / vendorReinstate through the API: status, search, audit."""

import pytest
from graphql_relay import to_global_id

from marketplace.governance import approval
from marketplace.governance.models import AuditEntry
from tests.factories import (
    ProductFactory,
    ShopOrderFactory,
    TownFactory,
    UserFactory,
    VariantFactory,
    VendorFactory,
    VendorMemberFactory,
)
from vendors.models import Vendor, VendorStatus

pytestmark = pytest.mark.django_db

APPROVE = """mutation($id: ID!) { vendorApprove(id: $id) {
  vendor { slug status } errors { field code message } } }"""
SUSPEND = """mutation($id: ID!, $reason: String!) { vendorSuspend(id: $id, reason: $reason) {
  vendor { slug status } errors { field code } } }"""
REINSTATE = """mutation($id: ID!) { vendorReinstate(id: $id) {
  vendor { slug status } errors { field code } } }"""
PUBLIC_SHOPS = """{ town(slug: "montpellier") { vendors { edges { node { slug } } } } }"""


@pytest.fixture
def dirty_calls(monkeypatch):
    """Records the search sync calls (the real function still runs)."""
    calls = []
    real = approval.mark_vendor_dirty

    def spy(*, vendor_id):
        from django.db import connection

        calls.append((vendor_id, connection.in_atomic_block))
        return real(vendor_id=vendor_id)

    monkeypatch.setattr(approval, "mark_vendor_dirty", spy)
    return calls


def _id(vendor):
    return to_global_id("Vendor", vendor.pk)


def test_a_moderator_approves_a_pending_shop_which_becomes_public(
    gql, moderator, town, dirty_calls
):
    vendor = VendorFactory(town=town, slug="fournil", status=VendorStatus.PENDING)
    assert gql.execute(PUBLIC_SHOPS)["town"]["vendors"]["edges"] == []

    result = gql.login(moderator).execute(APPROVE, {"id": _id(vendor)})["vendorApprove"]

    assert result == {"vendor": {"slug": "fournil", "status": "APPROVED"}, "errors": []}
    assert gql.logout().execute(PUBLIC_SHOPS)["town"]["vendors"]["edges"] == [
        {"node": {"slug": "fournil"}}
    ]
    assert dirty_calls == [(vendor.pk, True)]
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor, entry.actor_role, entry.object_type, entry.object_id) == (
        "vendor.approve",
        moderator,
        "moderator",
        "vendor",
        vendor.pk,
    )
    assert entry.before == {"status": "pending", "status_reason": ""}
    assert entry.after == {"status": "approved", "status_reason": ""}


def test_a_suspension_needs_a_reason_and_hides_the_shop_and_its_products(
    gql, admin, town, dirty_calls
):
    vendor = VendorFactory(town=town, slug="fournil")
    product = ProductFactory(vendor=vendor)
    VariantFactory(product=product)
    gql.login(admin)

    no_reason = gql.execute(SUSPEND, {"id": _id(vendor), "reason": "  "})["vendorSuspend"]
    result = gql.execute(SUSPEND, {"id": _id(vendor), "reason": "Produits non conformes"})[
        "vendorSuspend"
    ]

    assert [(e["field"], e["code"]) for e in no_reason["errors"]] == [("reason", "REASON_REQUIRED")]
    assert result == {"vendor": {"slug": "fournil", "status": "SUSPENDED"}, "errors": []}
    vendor.refresh_from_db()
    assert (vendor.status, vendor.status_reason) == ("suspended", "Produits non conformes")
    assert dirty_calls == [(vendor.pk, True)]
    gql.logout()
    assert gql.execute(PUBLIC_SHOPS)["town"]["vendors"]["edges"] == []
    product_query = "query($id: ID!) { product(id: $id) { name } }"
    assert (
        gql.execute(product_query, {"id": to_global_id("Product", product.pk)})["product"] is None
    )
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.reason) == ("vendor.suspend", "Produits non conformes")


def test_a_suspended_shops_open_orders_go_on(gql, admin, town):
    vendor = VendorFactory(town=town)
    shop_order = ShopOrderFactory(order__town=town, vendor=vendor, status="accepted")

    gql.login(admin).execute(SUSPEND, {"id": _id(vendor), "reason": "Contrôle"})

    shop_order.refresh_from_db()
    assert shop_order.status == "accepted"


def test_a_suspended_shop_is_reinstated(gql, moderator, town):
    vendor = VendorFactory(town=town, status=VendorStatus.SUSPENDED, status_reason="Contrôle")

    result = gql.login(moderator).execute(REINSTATE, {"id": _id(vendor)})["vendorReinstate"]

    assert result["vendor"]["status"] == "APPROVED"
    vendor.refresh_from_db()
    assert vendor.status_reason == ""
    assert AuditEntry.objects.get().before == {"status": "suspended", "status_reason": "Contrôle"}


@pytest.mark.parametrize(
    ("status", "mutation", "name"),
    [
        (VendorStatus.APPROVED, APPROVE, "vendorApprove"),
        (VendorStatus.SUSPENDED, APPROVE, "vendorApprove"),
        (VendorStatus.APPROVED, REINSTATE, "vendorReinstate"),
        (VendorStatus.PENDING, REINSTATE, "vendorReinstate"),
        (VendorStatus.SUSPENDED, SUSPEND, "vendorSuspend"),
    ],
)
def test_invalid_transitions_are_refused_and_change_nothing(
    gql, admin, town, status, mutation, name
):
    vendor = VendorFactory(town=town, status=status)

    result = gql.login(admin).execute(mutation, {"id": _id(vendor), "reason": "x"})[name]

    assert [(e["field"], e["code"]) for e in result["errors"]] == [
        ("id", "INVALID_STATUS_TRANSITION")
    ]
    assert Vendor.objects.get(pk=vendor.pk).status == status
    assert AuditEntry.objects.count() == 0


def test_a_pending_application_can_be_refused_by_suspending_it(gql, admin, town):
    vendor = VendorFactory(town=town, status=VendorStatus.PENDING)

    result = gql.login(admin).execute(SUSPEND, {"id": _id(vendor), "reason": "Hors périmètre"})

    assert result["vendorSuspend"]["vendor"]["status"] == "SUSPENDED"


def test_only_the_towns_staff_decide(gql, town):
    vendor = VendorFactory(town=town, status=VendorStatus.PENDING)
    owner = UserFactory(email="owner@shop.example")
    from tests.factories import TownStaffFactory, VendorMemberFactory

    VendorMemberFactory(vendor=vendor, user=owner)
    other_staff = UserFactory(email="staff@nancy.example")
    TownStaffFactory(town=TownFactory(slug="nancy"), user=other_staff)

    for user in (owner, other_staff):
        result = gql.login(user).execute(APPROVE, {"id": _id(vendor)})["vendorApprove"]
        assert [e["code"] for e in result["errors"]] == ["PERMISSION_DENIED"]
    anonymous = gql.logout().execute(APPROVE, {"id": _id(vendor)})["vendorApprove"]
    assert [e["code"] for e in anonymous["errors"]] == ["PERMISSION_DENIED"]
    assert Vendor.objects.get(pk=vendor.pk).status == VendorStatus.PENDING


def test_unknown_and_malformed_ids_are_coded_errors(gql, admin):
    gql.login(admin)

    unknown = gql.execute(APPROVE, {"id": to_global_id("Vendor", 999999)})["vendorApprove"]
    malformed = gql.execute(APPROVE, {"id": to_global_id("Product", 1)})["vendorApprove"]

    assert [(e["field"], e["code"]) for e in unknown["errors"]] == [("id", "NOT_FOUND")]
    assert [(e["field"], e["code"]) for e in malformed["errors"]] == [("id", "INVALID")]


def test_the_shop_and_its_owner_are_told_of_each_decision(
    gql, moderator, town, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    vendor = VendorFactory(town=town, status=VendorStatus.PENDING, email="boutique@example.org")
    VendorMemberFactory(vendor=vendor, user=UserFactory(email="gerante@example.org"))
    gql.login(moderator)

    with django_capture_on_commit_callbacks(execute=True):
        gql.execute(APPROVE, {"id": _id(vendor)})
    with django_capture_on_commit_callbacks(execute=True):
        gql.execute(SUSPEND, {"id": _id(vendor), "reason": "Produits non conformes"})

    assert [(m.to, m.subject) for m in mailoutbox] == [
        (
            ["boutique@example.org", "gerante@example.org"],
            "Votre commerce est ouvert sur la place de marché de la ville",
        ),
        (
            ["boutique@example.org", "gerante@example.org"],
            "Votre commerce est suspendu de la place de marché de la ville",
        ),
    ]
    assert "Produits non conformes" in mailoutbox[1].body


def test_a_turned_down_application_is_told_as_such_not_as_a_suspension(
    gql, moderator, town, settings, mailoutbox, django_capture_on_commit_callbacks
):
    # given a shop waiting for the association's decision
    settings.CELERY_TASK_ALWAYS_EAGER = True
    vendor = VendorFactory(town=town, status=VendorStatus.PENDING, email="boutique@example.org")
    gql.login(moderator)

    # when the association turns its application down (a suspension of a pending shop)
    with django_capture_on_commit_callbacks(execute=True):
        gql.execute(SUSPEND, {"id": _id(vendor), "reason": "Hors du périmètre de la ville"})

    # then the shop hears that its application is refused, and why; not that it is suspended
    (email,) = mailoutbox
    assert email.subject == (
        "La demande d'ouverture de votre commerce sur la place de marché de la ville "
        "n'est pas acceptée"
    )
    assert "n'a pas accepté la demande de votre commerce" in email.body
    assert "Hors du périmètre de la ville" in email.body
    assert "suspendu" not in email.body


def test_a_refused_decision_sends_nothing(
    gql, moderator, town, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    vendor = VendorFactory(town=town, status=VendorStatus.APPROVED)
    gql.login(moderator)

    with django_capture_on_commit_callbacks(execute=True):
        errors = gql.execute(APPROVE, {"id": _id(vendor)})["vendorApprove"]["errors"]

    assert [e["code"] for e in errors] == ["INVALID_STATUS_TRANSITION"]
    assert mailoutbox == []
