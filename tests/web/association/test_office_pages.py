"""The association's back office with Django's test client: scoping, decisions, rules, roles."""

import datetime as dt
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from marketplace.governance.models import AuditEntry, CommissionRule, TownSettings
from marketplace.governance.rules import commission_rule_create, commission_rule_update
from marketplace.orders.lifecycle import shop_order_cancel
from marketplace.towns.models import TownStaff
from payments.models import Refund, RefundStatus, Transfer, TransferStatus
from tests.factories import (
    CategoryFactory,
    ShopOrderFactory,
    TownFactory,
    UserFactory,
    VendorFactory,
)
from tests.governance.factories import CommissionRuleFactory
from vendors.models import VendorStatus

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def as_rennes_admin(client, rennes_admin):
    client.force_login(rennes_admin)
    return client


def test_a_visitor_is_sent_to_the_login_page(client, rennes):
    response = client.get("/association/rennes/")

    assert response.status_code == 302
    assert response["Location"].startswith("/compte/connexion/?next=/association/rennes/")


@pytest.mark.parametrize(
    "path",
    [
        "/association/rennes/",
        "/association/rennes/boutiques/",
        "/association/rennes/commission/",
        "/association/rennes/reglages/",
        "/association/rennes/equipe/",
        "/association/rennes/journal/",
    ],
)
def test_nancy_staff_get_a_404_on_every_page_of_rennes(client, nancy_admin, rennes, path):
    client.force_login(nancy_admin)

    assert client.get(path).status_code == 404


def test_nancy_staff_cannot_decide_on_a_rennes_shop_nor_open_it_through_their_own_town(
    client, nancy_admin, rennes, nancy
):
    shop = VendorFactory(town=rennes, status=VendorStatus.PENDING)
    client.force_login(nancy_admin)

    assert client.post(f"/association/rennes/boutiques/{shop.pk}/approve/").status_code == 404
    assert client.get(f"/association/nancy/boutiques/{shop.pk}/").status_code == 404
    assert client.post(f"/association/nancy/boutiques/{shop.pk}/approve/").status_code == 404
    shop.refresh_from_db()
    assert shop.status == VendorStatus.PENDING


def test_a_staff_member_of_one_town_lands_on_its_dashboard(as_rennes_admin):
    response = as_rennes_admin.get("/association/")

    assert response.status_code == 302
    assert response["Location"] == "/association/rennes/"


def test_an_account_without_a_role_sees_no_town(client, customer):
    client.force_login(customer)

    response = client.get("/association/")

    assert response.status_code == 200
    assert list(response.context["towns"]) == []


def test_the_dashboard_shows_orders_applications_and_each_order_commission(as_rennes_admin, rennes):
    VendorFactory(town=rennes, status=VendorStatus.PENDING, name="Le Fournil Neuf")
    rule = CommissionRuleFactory(town=rennes, percentage=D("7.5"))
    shop_order = ShopOrderFactory(
        order__town=rennes,
        order__status="paid",
        subtotal=D("50.00"),
        commission=D("3.75"),
        commission_rule=rule,
        commission_percentage=D("7.5"),
    )

    response = as_rennes_admin.get("/association/rennes/")

    assert response.status_code == 200
    assert response.context["applications_count"] == 1
    assert response.context["days_total"] == 1
    assert response.context["latest_shop_orders"] == [shop_order]
    page = response.content.decode()
    assert "Le Fournil Neuf" in page
    assert "3,75\u00a0€" in page
    assert f"n° {rule.pk}" in page
    assert 'role="img"' in page


def test_a_moderator_approves_an_application_which_is_audited(client, rennes_moderator, rennes):
    shop = VendorFactory(town=rennes, status=VendorStatus.PENDING, name="Pains du Coin")
    client.force_login(rennes_moderator)

    response = client.post(f"/association/rennes/boutiques/{shop.pk}/approve/", follow=True)

    assert response.redirect_chain == [(f"/association/rennes/boutiques/{shop.pk}/", 302)]
    shop.refresh_from_db()
    assert shop.status == VendorStatus.APPROVED
    assert AuditEntry.objects.get(object_id=shop.pk).actor == rennes_moderator
    assert "Pains du Coin est approuvée" in response.content.decode()


def test_refusing_without_a_reason_shows_the_services_error_on_the_field(as_rennes_admin, rennes):
    shop = VendorFactory(town=rennes, status=VendorStatus.PENDING)

    response = as_rennes_admin.post(
        f"/association/rennes/boutiques/{shop.pk}/refuse/", {"refuse-reason": "  "}
    )

    assert response.status_code == 400
    form = response.context["refuse_form"]
    assert form.has_error("reason", "REASON_REQUIRED")
    html = response.content.decode()
    assert "Indiquez le motif du refus." in html and "suspension" not in html.lower()
    shop.refresh_from_db()
    assert shop.status == VendorStatus.PENDING


def test_refusing_an_application_keeps_the_public_reason(as_rennes_admin, rennes):
    shop = VendorFactory(town=rennes, status=VendorStatus.PENDING)

    as_rennes_admin.post(
        f"/association/rennes/boutiques/{shop.pk}/refuse/", {"refuse-reason": "Hors de Rennes"}
    )

    shop.refresh_from_db()
    assert (shop.status, shop.status_reason) == (VendorStatus.SUSPENDED, "Hors de Rennes")


def test_suspend_then_reinstate(as_rennes_admin, rennes):
    shop = VendorFactory(town=rennes, status=VendorStatus.APPROVED)

    as_rennes_admin.post(
        f"/association/rennes/boutiques/{shop.pk}/suspend/",
        {"suspend-reason": "Impayés", "confirm": "1"},
    )
    shop.refresh_from_db()
    assert shop.status == VendorStatus.SUSPENDED
    as_rennes_admin.post(f"/association/rennes/boutiques/{shop.pk}/reinstate/")
    shop.refresh_from_db()
    assert shop.status == VendorStatus.APPROVED


def test_a_suspension_is_confirmed_after_saying_how_many_paid_orders_the_shop_still_has(
    as_rennes_admin, rennes
):
    # given an approved shop with orders paid and not handed over (3), and others (not counted)
    shop = VendorFactory(town=rennes, status=VendorStatus.APPROVED, name="Épicerie Lune")
    for status in ("paid", "accepted", "ready", "fulfilled", "cancelled", "unconfirmed"):
        ShopOrderFactory(order__town=rennes, vendor=shop, status=status)
    ShopOrderFactory(order__town=rennes, status="paid")  # another shop's
    url = f"/association/rennes/boutiques/{shop.pk}/suspend/"

    # when the admin asks to suspend it with a reason
    step = as_rennes_admin.post(url, {"suspend-reason": "Impayés"})

    # then a step says what it means, and nothing is done yet
    assert step.status_code == 200
    html = step.content.decode()
    assert "Suspendre Épicerie Lune ?" in html
    assert "Il a 3 commandes payées qu’il n’a pas encore remises." in html
    assert "Confirmer la suspension" in html
    shop.refresh_from_db()
    assert shop.status == VendorStatus.APPROVED and not AuditEntry.objects.exists()

    # when they confirm, it is suspended for that reason
    done = as_rennes_admin.post(url, {"suspend-reason": "Impayés", "confirm": "1"}, follow=True)
    assert "Épicerie Lune est suspendu" in done.content.decode()
    shop.refresh_from_db()
    assert (shop.status, shop.status_reason) == (VendorStatus.SUSPENDED, "Impayés")


def test_a_suspension_without_a_reason_is_refused_before_the_confirmation_step(
    as_rennes_admin, rennes
):
    shop = VendorFactory(town=rennes, status=VendorStatus.APPROVED)

    response = as_rennes_admin.post(
        f"/association/rennes/boutiques/{shop.pk}/suspend/", {"suspend-reason": " "}
    )

    assert response.status_code == 400
    assert "Indiquez le motif de la suspension." in response.content.decode()
    assert "Confirmer la suspension" not in response.content.decode()
    shop.refresh_from_db()
    assert shop.status == VendorStatus.APPROVED


def test_a_decision_that_does_not_fit_the_status_is_an_error_not_a_500(as_rennes_admin, rennes):
    shop = VendorFactory(town=rennes, status=VendorStatus.APPROVED)

    response = as_rennes_admin.post(f"/association/rennes/boutiques/{shop.pk}/approve/")

    assert response.status_code == 400
    assert response.context["failed_forms"][0].has_error("__all__", "INVALID_STATUS_TRANSITION")


def test_the_applications_list_is_the_towns_own(as_rennes_admin, rennes, nancy):
    mine = VendorFactory(town=rennes, status=VendorStatus.PENDING)
    VendorFactory(town=nancy, status=VendorStatus.PENDING)

    response = as_rennes_admin.get("/association/rennes/boutiques/")

    assert list(response.context["vendors"]) == [mine]
    assert as_rennes_admin.get("/association/rennes/boutiques/?statut=nope").status_code == 404


def _local(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_an_admin_creates_a_shop_rule_with_a_validity_window(as_rennes_admin, rennes):
    shop = VendorFactory(town=rennes)
    start = timezone.now() + timedelta(days=1)

    response = as_rennes_admin.post(
        "/association/rennes/commission/nouvelle/",
        {
            "rule-vendor": shop.pk,
            "rule-percentage": "3.5",
            "rule-fixed_amount": "0.20",
            "rule-valid_from": "2099-01-01T00:00",
            "rule-valid_until": "2099-02-01T00:00",
        },
    )

    assert response.status_code == 302
    rule = CommissionRule.objects.get()
    assert (rule.vendor, rule.percentage, rule.fixed_amount) == (shop, D("3.500"), D("0.20"))
    # The form's times are the town's (Paris: UTC+1 in January).
    assert rule.valid_from.isoformat() == "2098-12-31T23:00:00+00:00"
    assert rule.valid_until.isoformat() == "2099-01-31T23:00:00+00:00"
    assert start < rule.valid_from


def test_a_rule_form_shows_each_service_error_on_its_field_and_creates_nothing(
    as_rennes_admin, rennes
):
    response = as_rennes_admin.post(
        "/association/rennes/commission/nouvelle/",
        {
            "rule-percentage": "120",
            "rule-min_amount": "5",
            "rule-max_amount": "1",
            "rule-valid_from": "2099-02-01T00:00",
            "rule-valid_until": "2099-01-01T00:00",
        },
    )

    assert response.status_code == 400
    form = response.context["create_form"]
    assert form.has_error("percentage", "INVALID_PERCENTAGE")
    assert form.has_error("min_amount", "MIN_GREATER_THAN_MAX")
    assert form.has_error("valid_until", "INVALID_WINDOW")
    assert "Le pourcentage doit être compris entre 0 et 100" in response.content.decode()
    assert not CommissionRule.objects.exists()


def test_an_overlapping_rule_is_refused_on_its_start(as_rennes_admin, rennes):
    CommissionRuleFactory(town=rennes)

    response = as_rennes_admin.post(
        "/association/rennes/commission/nouvelle/", {"rule-percentage": "4"}
    )

    assert response.status_code == 400
    assert response.context["create_form"].has_error("valid_from", "OVERLAPPING_RULE")
    assert CommissionRule.objects.count() == 1


def test_a_shop_of_another_town_is_not_a_choice(as_rennes_admin, rennes, nancy):
    elsewhere = VendorFactory(town=nancy)

    response = as_rennes_admin.post(
        "/association/rennes/commission/nouvelle/",
        {"rule-vendor": elsewhere.pk, "rule-percentage": "4"},
    )

    assert response.status_code == 400
    assert response.context["create_form"].has_error("vendor", "invalid_choice")


def test_a_moderator_sees_the_rules_but_cannot_create_one(client, rennes_moderator, rennes):
    client.force_login(rennes_moderator)

    assert client.get("/association/rennes/commission/").status_code == 200
    response = client.post("/association/rennes/commission/nouvelle/", {"rule-percentage": "4"})

    assert response.status_code == 404
    assert not CommissionRule.objects.exists()


def test_changing_a_rule_makes_a_new_version_and_keeps_the_history(as_rennes_admin, rennes):
    old = CommissionRuleFactory(town=rennes, percentage=D("5"))

    response = as_rennes_admin.post(
        f"/association/rennes/commission/{old.pk}/modifier/",
        {"update-percentage": "6", "update-fixed_amount": "0"},
    )

    new = CommissionRule.objects.get(previous=old)
    assert response["Location"] == f"/association/rennes/commission/{new.pk}/"
    assert new.percentage == D("6.000")
    old.refresh_from_db()
    assert old.valid_until == new.valid_from
    page = as_rennes_admin.get(f"/association/rennes/commission/{new.pk}/")
    assert [v.rule for v in page.context["chain"]] == [new, old]
    assert [v.status for v in page.context["chain"]] == ["active", "superseded"]


def test_a_rule_of_another_town_is_a_404(as_rennes_admin, nancy):
    elsewhere = CommissionRuleFactory(town=nancy)

    assert as_rennes_admin.get(f"/association/rennes/commission/{elsewhere.pk}/").status_code == 404
    response = as_rennes_admin.post(
        f"/association/rennes/commission/{elsewhere.pk}/modifier/", {"update-percentage": "1"}
    )
    assert response.status_code == 404
    assert CommissionRule.objects.count() == 1


def test_ending_a_rule_in_the_past_is_an_error_on_its_field(as_rennes_admin, rennes):
    rule = CommissionRuleFactory(town=rennes)

    response = as_rennes_admin.post(
        f"/association/rennes/commission/{rule.pk}/fin/", {"end-at": "2001-01-01T00:00"}
    )

    assert response.status_code == 400
    assert response.context["end_form"].has_error("at", "INVALID_WINDOW")
    rule.refresh_from_db()
    assert rule.valid_until is None


def test_the_preview_tells_what_a_shop_would_pay_and_under_which_rule(as_rennes_admin, rennes):
    bakery = CategoryFactory(slug="boulangerie")
    shop = VendorFactory(town=rennes, category=bakery, name="La Fournée")
    CommissionRuleFactory(town=rennes, percentage=D("5"))
    category_rule = CommissionRuleFactory(
        town=rennes, category=bakery, percentage=D("4"), fixed_amount=D("0.30")
    )

    response = as_rennes_admin.get(
        "/association/rennes/commission/", {"preview-vendor": shop.pk, "preview-goods": "50"}
    )

    quote = response.context["quote"]
    assert (quote.rule, quote.amount) == (category_rule, D("2.30"))
    page = response.content.decode()
    assert "<strong>La Fournée</strong> paierait <strong>2,30\u00a0€</strong>" in page
    assert f"selon la règle n° {category_rule.pk}" in page


def test_the_settings_are_saved_through_the_service_and_audited(as_rennes_admin, rennes):
    response = as_rennes_admin.post(
        "/association/rennes/reglages/", {"stripe_fees_payer": "vendor"}
    )

    assert response.status_code == 302
    row = TownSettings.objects.get(town=rennes)
    assert (row.refund_commission, row.stripe_fees_payer) == (False, "vendor")
    assert AuditEntry.objects.filter(action="town_settings.update").count() == 1


def test_an_unknown_payer_is_a_field_error(as_rennes_admin, rennes):
    response = as_rennes_admin.post("/association/rennes/reglages/", {"stripe_fees_payer": "x"})

    assert response.status_code == 400
    assert response.context["form"].has_error("stripe_fees_payer", "invalid_choice")
    assert not TownSettings.objects.exists()


def test_an_admin_grants_and_revokes_a_role(as_rennes_admin, rennes, customer):
    as_rennes_admin.post(
        "/association/rennes/equipe/ajouter/", {"email": customer.email, "role": "moderator"}
    )
    assert TownStaff.objects.get(town=rennes, user=customer).role == "moderator"

    as_rennes_admin.post("/association/rennes/equipe/retirer/", {"email": customer.email})
    assert not TownStaff.objects.filter(town=rennes, user=customer).exists()


def test_a_platform_superuser_grants_a_new_towns_first_admin_on_its_team_page(
    client, nancy, customer
):
    # given a town with no staff yet, and a platform superuser (the admin is read-only for roles)
    client.force_login(UserFactory(email="root@example.org", is_staff=True, is_superuser=True))
    assert client.get("/association/nancy/equipe/").status_code == 200
    # when they grant the town's first admin on its team page
    client.post("/association/nancy/equipe/ajouter/", {"email": customer.email, "role": "admin"})
    # then the town has its admin, and the grant is in its audit log
    assert TownStaff.objects.get(town=nancy).user == customer
    assert TownStaff.objects.get(town=nancy).role == "admin"
    assert AuditEntry.objects.filter(town=nancy, action="town_staff.grant").exists()


def test_granting_to_an_unknown_email_and_removing_the_last_admin_are_field_errors(
    as_rennes_admin, rennes, rennes_admin
):
    response = as_rennes_admin.post(
        "/association/rennes/equipe/ajouter/", {"email": "nobody@example.org", "role": "admin"}
    )
    assert response.status_code == 400
    assert response.context["grant_form"].has_error("email", "NOT_FOUND")

    response = as_rennes_admin.post(
        "/association/rennes/equipe/retirer/", {"email": rennes_admin.email}
    )
    assert response.status_code == 400
    assert response.context["revoke_form"].has_error("email", "LAST_ADMIN")
    assert TownStaff.objects.filter(town=rennes, user=rennes_admin).exists()


def test_a_moderator_cannot_grant_a_role(client, rennes_moderator, rennes, customer):
    client.force_login(rennes_moderator)

    response = client.post(
        "/association/rennes/equipe/ajouter/", {"email": customer.email, "role": "admin"}
    )

    assert response.status_code == 404
    assert not TownStaff.objects.filter(user=customer).exists()


def test_the_audit_log_filters_by_who_what_and_when(as_rennes_admin, rennes, rennes_moderator):
    shop = VendorFactory(town=rennes, status=VendorStatus.PENDING)
    as_rennes_admin.post(f"/association/rennes/boutiques/{shop.pk}/approve/")
    as_rennes_admin.post("/association/rennes/reglages/", {"stripe_fees_payer": "vendor"})
    today = timezone.localdate().isoformat()

    def actions(**query):
        response = as_rennes_admin.get("/association/rennes/journal/", query)
        return [entry.action for entry in response.context["page"]]

    assert actions() == ["town_settings.update", "vendor.approve"]
    assert actions(action="vendor.approve") == ["vendor.approve"]
    assert actions(who="association@rennes") == ["town_settings.update", "vendor.approve"]
    assert actions(who="moderation@") == []
    assert actions(since=today, until=today) == ["town_settings.update", "vendor.approve"]
    assert actions(until="2000-01-01") == []


def test_an_audit_period_that_ends_before_it_starts_is_a_field_error(as_rennes_admin, rennes):
    response = as_rennes_admin.get(
        "/association/rennes/journal/", {"since": "2026-02-01", "until": "2026-01-01"}
    )

    assert response.status_code == 400
    assert response.context["form"].has_error("until", "INVALID_PERIOD")


def test_pages_speak_english_on_request(as_rennes_admin, rennes):
    response = as_rennes_admin.get("/association/rennes/commission/", HTTP_ACCEPT_LANGUAGE="en")

    assert "Which rule applies" in response.content.decode()


def test_changing_a_replaced_version_shows_why_and_changes_nothing(as_rennes_admin, rennes):
    old = CommissionRuleFactory(town=rennes, percentage=D("5"))
    as_rennes_admin.post(
        f"/association/rennes/commission/{old.pk}/modifier/", {"update-percentage": "6"}
    )

    response = as_rennes_admin.post(
        f"/association/rennes/commission/{old.pk}/modifier/", {"update-percentage": "7"}
    )

    assert response.status_code == 400
    assert response.context["update_form"].has_error("__all__", "RULE_SUPERSEDED")
    assert "Cette version a été remplacée par une plus récente." in response.content.decode()
    assert CommissionRule.objects.count() == 2


def test_the_dashboard_lists_the_transfers_and_refunds_that_need_a_person(as_rennes_admin, rennes):
    failing = ShopOrderFactory(order__town=rennes, order__number="RN-1")
    waiting = ShopOrderFactory(order__town=rennes, order__number="RN-2")
    sent = ShopOrderFactory(order__town=rennes, order__number="RN-3")
    elsewhere = ShopOrderFactory(order__number="NC-1")
    for shop_order, status, error in (
        (failing, TransferStatus.PENDING, "Your destination account needs updating"),
        (waiting, TransferStatus.WAITING, ""),
        (sent, TransferStatus.SENT, ""),
        (elsewhere, TransferStatus.PENDING, "boom"),
    ):
        Transfer.objects.create(
            shop_order=shop_order,
            vendor=shop_order.vendor,
            status=status,
            amount=shop_order.payout,
            currency="EUR",
            last_error=error,
            attempts=2,
        )
    Refund.objects.create(
        shop_order=sent,
        sequence=1,
        status=RefundStatus.FAILED,
        amount=D("5.00"),
        currency="EUR",
        shop_share=D("4.75"),
        commission_refunded=D("0.25"),
        last_error="charge_expired_for_refund",
    )
    Refund.objects.create(
        shop_order=sent,
        sequence=2,
        status=RefundStatus.SUCCEEDED,
        amount=D("1.00"),
        currency="EUR",
        shop_share=D("1.00"),
        commission_refunded=D("0.00"),
    )
    # a refund that failed, then was asked again in two parts, one pending: handled
    asked_again = ShopOrderFactory(order__town=rennes, order__number="RN-4")
    for sequence, status, amount in (
        (1, RefundStatus.FAILED, "5.00"),
        (2, RefundStatus.SUCCEEDED, "3.00"),
        (3, RefundStatus.FAILED, "2.00"),
        (4, RefundStatus.PENDING, "2.00"),
    ):
        Refund.objects.create(
            shop_order=asked_again,
            sequence=sequence,
            status=status,
            amount=D(amount),
            currency="EUR",
            shop_share=D(amount),
            commission_refunded=D("0.00"),
        )

    response = as_rennes_admin.get("/association/rennes/")

    assert [t.shop_order for t in response.context["failed_transfers"]] == [failing, waiting]
    # (the 5.00 that failed is only partly asked again: it still needs a person)
    assert [r.shop_order for r in response.context["failed_refunds"]] == [sent]
    assert [r.sequence for r in response.context["failed_refunds"]] == [1]
    assert response.context["attention_count"] == 3
    page = response.content.decode()
    assert "Your destination account needs updating" in page
    assert "charge_expired_for_refund" in page
    assert "NC-1" not in page


def test_the_dashboard_lists_the_paid_orders_their_shop_has_left_waiting_for_a_day(
    as_rennes_admin, rennes
):
    now = timezone.now()
    bakery = VendorFactory(town=rennes, name="La Fournée")

    def shop_order(number, status, paid_ago, town=rennes):
        return ShopOrderFactory(
            order__town=town,
            order__number=number,
            order__status="paid",
            order__paid_at=now - paid_ago,
            vendor=bakery if town == rennes else VendorFactory(town=town),
            status=status,
        )

    shop_order("RN-OLD", "paid", timedelta(days=3))
    shop_order("RN-DAY", "paid", timedelta(hours=25))
    shop_order("RN-NEW", "paid", timedelta(hours=2))
    shop_order("RN-ACC", "accepted", timedelta(days=3))
    shop_order("NC-OLD", "paid", timedelta(days=3), town=TownFactory(slug="nancy"))

    response = as_rennes_admin.get("/association/rennes/")

    waiting = response.context["waiting_shop_orders"]
    assert [so.order.number for so in waiting] == ["RN-OLD", "RN-DAY"]
    html = response.content.decode()
    assert "Commandes qui attendent leur commerce depuis plus d’un jour" in html
    assert 'href="/association/rennes/commandes/RN-OLD/"' in html and "NC-OLD" not in html


def _queries(client, path):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured.captured_queries)


def test_the_dashboard_and_the_rules_page_cost_the_same_queries_for_2_or_12_orders_and_rules(
    as_rennes_admin, rennes
):
    def add(n):
        for _ in range(n):
            vendor = VendorFactory(town=rennes, category=CategoryFactory())
            rule = CommissionRuleFactory(town=rennes, vendor=vendor)
            ShopOrderFactory(
                order__town=rennes, order__status="paid", vendor=vendor, commission_rule=rule
            )

    add(2)
    few = (
        _queries(as_rennes_admin, "/association/rennes/"),
        _queries(as_rennes_admin, "/association/rennes/commission/"),
    )
    add(10)
    many = (
        _queries(as_rennes_admin, "/association/rennes/"),
        _queries(as_rennes_admin, "/association/rennes/commission/"),
    )

    assert many == few


def test_the_audit_log_reads_as_words_what_changed_on_what_and_by_which_role(
    as_rennes_admin, rennes, rennes_admin
):
    # given a shop approved, a rule for it changed, the settings changed, and a shop's part of an
    # order cancelled by the staff
    shop = VendorFactory(town=rennes, status=VendorStatus.PENDING, name="Pains du Coin")
    as_rennes_admin.post(f"/association/rennes/boutiques/{shop.pk}/approve/")
    start = timezone.now() + timedelta(days=1)
    rule = commission_rule_create(
        town_id=rennes.pk,
        vendor_id=shop.pk,
        percentage=D("4.5"),
        fixed_amount=D("0.30"),
        valid_from=start,
        actor=rennes_admin,
    )
    commission_rule_update(
        rule_id=rule.pk,
        percentage=D("4.5"),
        fixed_amount=D("0.50"),
        valid_until=dt.datetime(2030, 7, 1, 10, 0, tzinfo=dt.UTC),
        actor=rennes_admin,
    )
    as_rennes_admin.post("/association/rennes/reglages/", {"stripe_fees_payer": "vendor"})
    shop_order = ShopOrderFactory(
        order__town=rennes, order__number="RN-2026-7", vendor=shop, status="paid"
    )
    shop_order_cancel(shop_order_id=shop_order.pk, reason="Fermé", staff=rennes_admin)

    page = as_rennes_admin.get("/association/rennes/journal/").content.decode()

    # then objects by their names, fields by their labels, values in words, dates in Rennes' time
    assert "Partie de Pains du Coin dans la commande RN-2026-7" in page
    assert '<dt>État</dt><dd class="reason">Payée → Annulée</dd>' in page
    assert "<td>Pains du Coin</td>" in page and "Commerce n° " not in page
    assert '<dt>État</dt><dd class="reason">En attente → Approuvée</dd>' in page
    assert '<dt>S’applique à</dt><dd class="reason">— → Commerce</dd>' in page
    assert '<dt>Commerce</dt><dd class="reason">— → Pains du Coin</dd>' in page
    assert (
        '<dt>Montant fixe par commande du commerce</dt><dd class="reason">0,30\u00a0€ → 0,50\u00a0€</dd>'
        in page
    )
    assert '<dt>Pourcentage des marchandises</dt><dd class="reason">— → 4,5 %</dd>' in page
    assert "— → 01/07/2030 12:00" in page  # 10:00 UTC, summer time in Rennes
    assert (
        '<dt>Qui paie les frais Stripe</dt><dd class="reason">L&#x27;association → Le commerce'
        in page
    )
    assert "Rendre la commission quand une commande du commerce est remboursée" in page
    assert '<dd class="reason">oui → non</dd>' in page
    assert "(administrateur)" in page
    for raw in (
        "valid_until",
        "fixed_amount",
        "<dt>scope",
        "town_id",
        "vendor_id",
        "paid →",
        "2030-07-01T",
    ):
        assert raw not in page
    assert "{&#x27;status&#x27;" not in page and "{'status'" not in page


def test_the_audit_log_reads_its_names_in_a_few_queries(as_rennes_admin, rennes, rennes_admin):
    def add(count):
        for _ in range(count):
            shop_order = ShopOrderFactory(order__town=rennes, status="paid")
            shop_order_cancel(shop_order_id=shop_order.pk, reason="x", staff=rennes_admin)

    add(2)
    few = _queries(as_rennes_admin, "/association/rennes/journal/")
    add(10)
    many = _queries(as_rennes_admin, "/association/rennes/journal/")

    assert many == few
