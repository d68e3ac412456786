"""Refunds that fail at Stripe, before or after they were booked, and refunds still pending when
the shop is paid: the customer, the shop and the association end as if the refund never was
(#14 defects 1 and 3), and the refund can be made again."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from smtplib import SMTPServerDisconnected
from typing import Any
from urllib.parse import parse_qs

import pytest
from django.core import mail
from django.core.mail.backends import locmem
from django.test import Client
from django.utils import timezone

from marketplace.core.models import OutboxMessage
from marketplace.core.outbox import outbox_relay
from marketplace.governance.models import TownSettings
from marketplace.orders.lifecycle import shop_order_accept, shop_order_fulfil, shop_order_mark_ready
from marketplace.orders.models import OrderLine, ShopOrder
from payments.gateways import GatewayError
from payments.ledger import ledger_balances, ledger_totals_for_shop_order
from payments.models import LedgerEntry, Payment, Refund, Transfer, WebhookEvent
from payments.refunds import refund_apply_provider_status, refund_send, shop_order_refund
from payments.tasks import (
    process_deferred_webhook_events,
    retry_pending_transfers,
    send_refund_emails,
    send_refund_failed_emails,
)
from tests.factories import OrderFactory, TownFactory, TownStaffFactory, VendorFactory
from tests.payments.factories import payable, start_payment
from tests.payments.helpers import STRIPE_MOCK, event, intent_object, post_event, run_on_commit
from tests.payments.ledger_checks import assert_ledger_invariants
from tests.payments.stripe_script import ScriptedStripe, refusal
from vendors.models import Stock

pytestmark = pytest.mark.django_db


@pytest.fixture
def scripted() -> Iterator[ScriptedStripe]:
    server = ScriptedStripe(STRIPE_MOCK)
    server.thread.start()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


def _paid(client: Client, goods: str = "30.00", fee: str = "4.00", commission: str = "1.50") -> Any:
    place = TownFactory()
    TownStaffFactory(town=place)
    vendor = VendorFactory(town=place, email="shop@example.org")
    payable(vendor)
    order = OrderFactory(town=place, shops=[(vendor, goods, fee, commission)])
    start_payment(order)
    payment = Payment.objects.select_related("order").get(order=order)
    post_event(client, event("payment_intent.succeeded", intent_object(payment, charge="ch_rf")))
    return ShopOrder.objects.select_related("order").get(order=order)


def _fulfil(shop_order: ShopOrder) -> None:
    with run_on_commit():
        shop_order_accept(shop_order_id=shop_order.pk)
        shop_order_mark_ready(shop_order_id=shop_order.pk)
        shop_order_fulfil(shop_order_id=shop_order.pk)


def _refund(shop_order: ShopOrder, amount: str) -> Refund:
    with run_on_commit():
        refund = shop_order_refund(shop_order_id=shop_order.pk, amount=Decimal(amount))
    refund.refresh_from_db()
    return refund


def _refund_object(refund: Refund, status: str = "failed") -> dict[str, Any]:
    return {
        "id": refund.refund_id,
        "object": "refund",
        "amount": int(refund.amount * 100),
        "status": status,
        "failure_reason": "expired_or_canceled_card",
        "metadata": {"shop_order_id": str(refund.shop_order_id), "refund": str(refund.sequence)},
    }


def _subjects() -> list[str]:
    return sorted(message.subject for message in mail.outbox)


def test_a_full_refund_failing_after_the_transfer_is_undone_and_can_be_made_again(
    stripe: Any, client: Client
) -> None:
    # given a paid shop order of 34.00 whose shop was paid 32.50, then refunded in full: the
    # customer's 34.00 accepted by Stripe, the shop's 32.50 reversed
    shop_order = _paid(client)
    _fulfil(shop_order)
    refund = _refund(shop_order, "34.00")
    assert (refund.status, refund.reversal_amount) == ("succeeded", Decimal("32.50"))
    shop_order.refresh_from_db()
    assert (shop_order.status, shop_order.status_before_refund) == ("refunded", "fulfilled")
    mail.outbox.clear()

    # when Stripe says afterwards that the refund failed (the card expired)
    response = post_event(client, event("refund.failed", _refund_object(refund)))

    # then the refund is undone: nothing counts as refunded, the shop order is back to
    # fulfilled (the customer has the goods, not the money), the ledger says the customer was
    # not repaid, and the shop is given back the 32.50 reversed, by a new transfer
    assert response.status_code == 200
    refund.refresh_from_db()
    shop_order.refresh_from_db()
    assert (refund.status, refund.restore_amount) == ("failed", Decimal("32.50"))
    assert refund.restore_id.startswith("tr_")
    assert (shop_order.refunded_amount, shop_order.status) == (Decimal("0.00"), "fulfilled")
    totals = ledger_totals_for_shop_order(shop_order_id=shop_order.pk)
    assert (totals["refund"], totals["refund_failed"]) == (Decimal("34.00"), Decimal("34.00"))
    assert (totals["transfer"], totals["reversal"]) == (Decimal("65.00"), Decimal("32.50"))
    assert ledger_balances(shop_order_id=shop_order.pk)["shop_payable"] == Decimal("0.00")
    # the customer, who had been told of the refund, is told it did not reach their card; the
    # shop and the town's staff are told
    number = shop_order.order.number
    to_customer, to_shop = mail.outbox
    assert (to_customer.subject, to_customer.to) == (
        f"Remboursement de 34,00\xa0€ non effectué sur la commande {number}",
        [shop_order.order.email],
    )
    assert "n'a pas atteint votre carte" in to_customer.body
    assert to_shop.subject == f"Le remboursement de 34,00\xa0€ a échoué sur la commande {number}"
    assert sorted(to_shop.to) == sorted(
        ["shop@example.org", *shop_order.order.town.staff.values_list("user__email", flat=True)]
    )
    assert_ledger_invariants()

    # when the same event comes again: nothing more
    post_event(client, event("refund.failed", _refund_object(refund)))
    assert LedgerEntry.objects.filter(kind="transfer").count() == 2
    notes = WebhookEvent.objects.filter(type="refund.failed").order_by("pk")
    assert list(notes.values_list("note", flat=True)) == [
        "failed refund undone",
        "nothing to change",
    ]

    # and the full refund can be made again, and succeeds
    again = _refund(shop_order, "34.00")
    assert (again.sequence, again.status, again.reversal_amount) == (
        2,
        "succeeded",
        Decimal("32.50"),
    )
    # (reversed from the transfer that gave the 32.50 back: the first transfer is spent)
    refund.refresh_from_db()
    assert again.reversal_source == refund.restore_id
    assert Transfer.objects.get().reversed_amount == Decimal("32.50")
    shop_order.refresh_from_db()
    assert (shop_order.refunded_amount, shop_order.status) == (Decimal("34.00"), "refunded")
    assert_ledger_invariants()


def test_an_email_that_fails_is_sent_again_alone_and_the_others_only_once(
    stripe: Any, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a fulfilled shop order refunded in full, the customer and the shop told once each
    shop_order = _paid(client)
    _fulfil(shop_order)
    mail.outbox.clear()
    refund = _refund(shop_order, "34.00")
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        [shop_order.order.email, "shop@example.org"]
    )
    mail.outbox.clear()
    # and the mail server refusing the first email to the shop and the staff
    refused = {"left": 1}
    send_messages = locmem.EmailBackend.send_messages

    def refuse_once(backend: Any, messages: Any) -> int:
        if refused["left"] and any("shop@example.org" in message.to for message in messages):
            refused["left"] -= 1
            raise SMTPServerDisconnected("the mail server went away")
        return send_messages(backend, messages)

    monkeypatch.setattr(locmem.EmailBackend, "send_messages", refuse_once)

    # when Stripe says the refund failed, then the outbox tries its undelivered messages again
    with run_on_commit():
        post_event(client, event("refund.failed", _refund_object(refund)))
    assert [message.to for message in mail.outbox] == [[shop_order.order.email]]
    outbox_relay(now=timezone.now() + timedelta(hours=1))

    # then the customer was told once, and the shop and the staff once, on the second try
    assert sorted(message.subject for message in mail.outbox) == [
        f"Le remboursement de 34,00\xa0€ a échoué sur la commande {shop_order.order.number}",
        f"Remboursement de 34,00\xa0€ non effectué sur la commande {shop_order.order.number}",
    ]
    failed = OutboxMessage.objects.filter(
        task_name="payments.tasks.send_refund_failed_emails", cause_id=str(refund.pk)
    )
    assert sorted(failed.values_list("kwargs__audience", "attempts")) == [
        ("customer", 1),
        ("shop_and_staff", 2),
    ]
    assert not failed.filter(delivered_at__isnull=True).exists()


def test_a_message_queued_before_each_audience_had_its_own_still_tells_everyone(
    stripe: Any, client: Client
) -> None:
    # given a refund made, then undone by Stripe
    shop_order = _paid(client)
    _fulfil(shop_order)
    refund = _refund(shop_order, "34.00")
    with run_on_commit():
        post_event(client, event("refund.failed", _refund_object(refund)))
    mail.outbox.clear()

    # when the outbox runs messages written by the previous version (no audience)
    told = send_refund_emails(refund_id=refund.pk) + send_refund_failed_emails(refund_id=refund.pk)

    # then each tells the customer and the shop (and its staff), as they used to
    assert told == 4
    assert sum(shop_order.order.email in message.to for message in mail.outbox) == 2
    assert sum("shop@example.org" in message.to for message in mail.outbox) == 2


def test_a_partial_refund_failing_before_the_transfer_leaves_the_shop_its_full_payout(
    stripe: Any, client: Client
) -> None:
    # given a paid shop order refunded 10.00 (Stripe accepted it) before it is fulfilled
    shop_order = _paid(client)
    refund = _refund(shop_order, "10.00")
    assert refund.status == "succeeded"

    # when charge.refunded reports that refund failed, then the shop order is fulfilled
    charge = {
        "id": "ch_rf",
        "object": "charge",
        "amount_refunded": 0,
        "refunds": {"object": "list", "data": [_refund_object(refund)]},
    }
    post_event(client, event("charge.refunded", charge))
    _fulfil(shop_order)

    # then the shop is paid its whole payout, nothing is to give back, the ledger is whole
    refund.refresh_from_db()
    assert (refund.status, refund.restore_due, refund.restore_id) == ("failed", False, "")
    assert Transfer.objects.get().amount == Decimal("32.50")
    shop_order.refresh_from_db()
    assert shop_order.refunded_amount == Decimal("0.00")
    assert_ledger_invariants()


def test_a_partial_refund_failing_after_the_transfer_gives_back_its_reversal(
    stripe: Any, client: Client
) -> None:
    # given a paid, transferred shop order (32.50 sent) refunded 10.00: 9.56 reversed
    shop_order = _paid(client)
    _fulfil(shop_order)
    refund = _refund(shop_order, "10.00")
    assert refund.reversal_amount == Decimal("9.56")

    # when refund.updated says it failed
    post_event(client, event("refund.updated", _refund_object(refund)))

    # then the 9.56 goes back to the shop, and what can be refunded is 34.00 again
    refund.refresh_from_db()
    assert (refund.status, refund.restore_amount) == ("failed", Decimal("9.56"))
    shop_order.refresh_from_db()
    assert shop_order.refunded_amount == Decimal("0.00")
    assert_ledger_invariants()


def test_a_refund_canceled_at_stripe_is_undone(stripe: Any, client: Client) -> None:
    # given a paid shop order refunded 5.00, the refund accepted by Stripe
    shop_order = _paid(client)
    refund = _refund(shop_order, "5.00")

    # when Stripe says the refund was canceled
    post_event(client, event("refund.updated", _refund_object(refund, "canceled")))

    # then it is undone as a failed one: nothing counts as refunded, the ledger takes it back
    refund.refresh_from_db()
    shop_order.refresh_from_db()
    assert (refund.status, refund.last_error) == ("failed", "provider: refund canceled")
    assert shop_order.refunded_amount == Decimal("0.00")
    totals = ledger_totals_for_shop_order(shop_order_id=shop_order.pk)
    assert (totals["refund"], totals["refund_failed"]) == (Decimal("5.00"), Decimal("5.00"))
    assert WebhookEvent.objects.get(type="refund.updated").note == "failed refund undone"
    assert_ledger_invariants()


def test_a_refund_succeeding_later_is_not_undone(stripe: Any, client: Client) -> None:
    # given a refund accepted by Stripe
    shop_order = _paid(client)
    refund = _refund(shop_order, "5.00")

    # when Stripe says it is pending, then succeeded
    for status in ("pending", "succeeded"):
        post_event(client, event("refund.updated", _refund_object(refund, status)))

    # then it stays as it was
    refund.refresh_from_db()
    assert refund.status == "succeeded"
    assert LedgerEntry.objects.filter(kind="refund_failed").count() == 0
    assert_ledger_invariants()


def test_a_failure_event_before_our_refund_is_saved_waits_for_it(
    stripe: Any, client: Client
) -> None:
    # given a refund asked for but not sent yet (its Stripe id not saved)
    shop_order = _paid(client)
    refund = shop_order_refund(shop_order_id=shop_order.pk, amount=Decimal("5.00"))
    early = _refund_object(refund)
    early["id"] = "re_not_saved_yet"

    # when a failure event about it comes (found by its metadata)
    post_event(client, event("refund.failed", early))

    # then the event is deferred, not lost
    assert WebhookEvent.objects.get(type="refund.failed").status == "deferred"

    # when the refund is then sent (Stripe gives it another id), and the sweep takes the event
    refund_send(refund_id=refund.pk)
    with run_on_commit():
        assert process_deferred_webhook_events() == 1

    # then the event about another id changes nothing: the refund stands
    stored = WebhookEvent.objects.get(type="refund.failed")
    assert (stored.status, stored.note) == ("processed", "nothing to change")
    refund.refresh_from_db()
    assert refund.status == "succeeded"
    assert_ledger_invariants()


def test_a_refund_pending_during_an_outage_is_not_kept_from_the_transfer_and_a_refusal_leaves_all_whole(
    stripe: Any, client: Client, scripted: ScriptedStripe
) -> None:
    # given a paid shop order of 34.00 refunded 10.00 while Stripe is down (the refund pending)
    shop_order = _paid(client)
    stripe.STRIPE_API_BASE = scripted.url
    scripted.answer("POST", "/v1/refunds", 500, {"error": {"type": "api_error"}})
    with pytest.raises(GatewayError):
        refund_send(
            refund_id=shop_order_refund(shop_order_id=shop_order.pk, amount=Decimal("10.00")).pk
        )
    refund = Refund.objects.get()
    assert refund.status == "pending"

    # when the shop order is fulfilled meanwhile
    _fulfil(shop_order)

    # then the shop is paid in full (the refund is not made yet), its share to be reversed later
    transfer = Transfer.objects.get()
    assert (transfer.status, transfer.amount) == ("sent", Decimal("32.50"))
    refund.refresh_from_db()
    assert refund.reversal_due is True

    # when Stripe, back, refuses the refund outright
    scripted.rules.clear()
    scripted.answer("POST", "/v1/refunds", 400, refusal())
    mail.outbox.clear()
    with run_on_commit():
        retry_pending_transfers()

    # then the refund failed, nothing was booked or reversed, the shop keeps its 32.50, the
    # customer can be refunded again, and the shop and staff are told
    refund.refresh_from_db()
    shop_order.refresh_from_db()
    assert (refund.status, refund.reversal_due, refund.reversal_id) == ("failed", False, "")
    assert shop_order.refunded_amount == Decimal("0.00")
    assert LedgerEntry.objects.filter(kind__in=["refund", "reversal"]).count() == 0
    assert Transfer.objects.get().reversed_amount == Decimal("0.00")
    assert len(mail.outbox) == 1 and "shop@example.org" in mail.outbox[0].to
    assert_ledger_invariants()

    # and when Stripe accepts a new refund, the shop's share is reversed from its transfer
    scripted.rules.clear()
    again = _refund(shop_order, "10.00")
    assert (again.status, again.reversal_amount) == ("succeeded", Decimal("9.56"))
    assert_ledger_invariants()


def test_a_refund_pending_at_the_transfer_that_then_succeeds_is_reversed(
    stripe: Any, client: Client, scripted: ScriptedStripe
) -> None:
    # given a refund pending (Stripe down) when the shop order is fulfilled
    shop_order = _paid(client)
    stripe.STRIPE_API_BASE = scripted.url
    scripted.answer("POST", "/v1/refunds", 503, {"error": {"type": "api_error"}})
    refund = shop_order_refund(shop_order_id=shop_order.pk, amount=Decimal("10.00"))
    with pytest.raises(GatewayError):
        refund_send(refund_id=refund.pk)
    _fulfil(shop_order)

    # when Stripe is back and the beat retries the refund
    scripted.rules.clear()
    with run_on_commit():
        retry_pending_transfers()

    # then the refund is made and the shop's share reversed from the full transfer
    refund.refresh_from_db()
    assert (refund.status, refund.reversal_amount) == ("succeeded", Decimal("9.56"))
    assert Transfer.objects.get().reversed_amount == Decimal("9.56")
    assert_ledger_invariants()


def test_a_refund_refused_outright_by_stripe_fails_at_once_and_can_be_asked_again(
    stripe: Any, client: Client, scripted: ScriptedStripe
) -> None:
    # given a paid shop order, and Stripe refusing the next refund (400: the charge is disputed)
    shop_order = _paid(client)
    stripe.STRIPE_API_BASE = scripted.url
    scripted.answer("POST", "/v1/refunds", 400, refusal(code="charge_disputed"), times=1)
    mail.outbox.clear()

    # when 20.00 is refunded
    refund = _refund(shop_order, "20.00")

    # then it failed at once with Stripe's message: nothing booked, nothing counted as
    # refunded, the shop and staff told, and it can be asked again (and then succeeds)
    shop_order.refresh_from_db()
    assert (refund.status, refund.refund_id) == ("failed", "")
    assert "Refused." in refund.last_error
    assert shop_order.refunded_amount == Decimal("0.00")
    assert LedgerEntry.objects.filter(kind__startswith="refund").count() == 0
    assert len(mail.outbox) == 1

    # and a failure event about it (another id, its metadata) is not waited for: it has failed
    post_event(client, event("refund.failed", {**_refund_object(refund), "id": "re_other"}))
    stored = WebhookEvent.objects.get(type="refund.failed")
    assert (stored.status, stored.note) == ("processed", "nothing to change")

    again = _refund(shop_order, "20.00")
    assert (again.sequence, again.status) == (2, "succeeded")
    assert_ledger_invariants()


def test_an_open_shop_order_refunded_in_full_whose_refund_is_refused_is_cancelled_not_refunded(
    stripe: Any, client: Client, scripted: ScriptedStripe
) -> None:
    # given an accepted shop order (its 2 units allocated), and Stripe refusing the next refund
    shop_order = _paid(client)
    with run_on_commit():
        shop_order_accept(shop_order_id=shop_order.pk)
    stock = Stock.objects.get(variant_id=OrderLine.objects.get(shop_order=shop_order).variant_id)
    assert stock.quantity_allocated == 2
    stripe.STRIPE_API_BASE = scripted.url
    scripted.answer("POST", "/v1/refunds", 400, refusal(code="charge_disputed"), times=1)
    mail.outbox.clear()

    # when it is refunded in full: the refund releases its stock and moves it to refunded
    refund = _refund(shop_order, "34.00")

    # then the refusal takes it out of refunded: it is cancelled (it will not be served, its
    # stock stays released), nothing counts as refunded, its order stays closed; the shop and
    # staff are told, not the customer (who never heard of that refund)
    shop_order.refresh_from_db()
    stock.refresh_from_db()
    assert (refund.status, refund.refund_id) == ("failed", "")
    assert (shop_order.status, shop_order.refunded_amount) == ("cancelled", Decimal("0.00"))
    assert shop_order.order.status == "closed"
    assert stock.quantity_allocated == 0
    assert [message.to for message in mail.outbox if shop_order.order.email in message.to] == []
    assert len(mail.outbox) == 1

    # and it can be refunded again: it stays cancelled, refunded in full
    again = _refund(shop_order, "34.00")
    shop_order.refresh_from_db()
    assert again.status == "succeeded"
    assert (shop_order.status, shop_order.refunded_amount) == ("cancelled", Decimal("34.00"))
    assert_ledger_invariants()


def test_a_partial_refund_failing_while_the_rest_was_refunded_takes_the_shop_order_back(
    stripe: Any, client: Client
) -> None:
    # given a fulfilled shop order refunded in two parts, the second one completing it
    shop_order = _paid(client)
    _fulfil(shop_order)
    first = _refund(shop_order, "10.00")
    _refund(shop_order, "24.00")
    shop_order.refresh_from_db()
    assert (shop_order.status, shop_order.status_before_refund) == ("refunded", "fulfilled")

    # when the first part fails afterwards
    post_event(client, event("refund.failed", _refund_object(first)))

    # then it is no longer refunded in full: back to fulfilled, 24.00 refunded
    shop_order.refresh_from_db()
    assert (shop_order.status, shop_order.refunded_amount) == ("fulfilled", Decimal("24.00"))

    # and refunding the 10.00 again completes it once more
    _refund(shop_order, "10.00")
    shop_order.refresh_from_db()
    assert (shop_order.status, shop_order.status_before_refund) == ("refunded", "fulfilled")
    assert_ledger_invariants()


def test_undone_refunds_give_the_shop_back_only_once_the_other_refunds_reversals_are_made(
    stripe: Any, client: Client, scripted: ScriptedStripe
) -> None:
    # given a paid shop order of 34.00 (payout 32.50) refunded 2.00 before its transfer (nothing
    # to reverse), then fulfilled, then refunded 3.00 and 10.00 (both reversed), and 5.00 whose
    # reversal fails at Stripe for now
    shop_order = _paid(client)
    small = _refund(shop_order, "2.00")
    _fulfil(shop_order)
    first, second = _refund(shop_order, "3.00"), _refund(shop_order, "10.00")
    stripe.STRIPE_API_BASE = scripted.url
    transfer = Transfer.objects.get()
    scripted.answer(
        "POST", f"/v1/transfers/{transfer.transfer_id}/reversals", 500, {"error": {}}, times=1
    )
    waiting = _refund(shop_order, "5.00")
    assert (small.reversal_due, first.reversal_id != "", second.reversal_id != "") == (
        False,
        True,
        True,
    )
    assert (waiting.status, waiting.reversal_due, waiting.reversal_id) == ("succeeded", True, "")

    # when Stripe says the 3.00 and 10.00 refunds failed
    for undone in (first, second):
        post_event(client, event("refund.failed", _refund_object(undone)))

    # then the shop is not given anything back while the 5.00's reversal is still to be made
    for undone in (first, second):
        undone.refresh_from_db()
        assert (undone.status, undone.restore_due, undone.restore_amount) == (
            "failed",
            True,
            Decimal("0.00"),
        )

    # when the beat makes that reversal, then comes again
    with run_on_commit():
        retry_pending_transfers()
    with run_on_commit():
        retry_pending_transfers()

    # then the shop is given back exactly what the undone refunds took from it, and ends with
    # its payout less the shares of the refunds that stand: the ledger owes it nothing
    waiting.refresh_from_db()
    assert waiting.reversal_id != ""
    given_back = Refund.objects.filter(pk__in=[first.pk, second.pk]).exclude(restore_id="")
    assert sum(r.restore_amount for r in given_back) == first.shop_share + second.shop_share
    assert ledger_balances(shop_order_id=shop_order.pk)["shop_payable"] == Decimal("0.00")
    totals = ledger_totals_for_shop_order(shop_order_id=shop_order.pk)
    kept = [small.shop_share, waiting.shop_share]
    assert totals["transfer"] - totals["reversal"] == Decimal("32.50") - sum(kept)
    assert_ledger_invariants()


def test_a_second_undone_refund_waits_for_the_first_ones_give_back_and_each_gets_its_own(
    stripe: Any, client: Client, scripted: ScriptedStripe
) -> None:
    # given an order of two shops, paid; the first (34.00, payout 32.50) fulfilled and refunded
    # 1.00 then 10.00 (0.96 and 9.55 reversed), the second (20.00) not fulfilled yet
    place = TownFactory()
    vendors = [VendorFactory(town=place), VendorFactory(town=place)]
    for vendor in vendors:
        payable(vendor)
    order = OrderFactory(
        town=place,
        shops=[(vendors[0], "30.00", "4.00", "1.50"), (vendors[1], "20.00", "0.00", "1.00")],
    )
    start_payment(order)
    payment = Payment.objects.select_related("order").get(order=order)
    post_event(client, event("payment_intent.succeeded", intent_object(payment, charge="ch_rf")))
    shop_order = ShopOrder.objects.select_related("order").get(order=order, vendor=vendors[0])
    _fulfil(shop_order)
    small, large = _refund(shop_order, "1.00"), _refund(shop_order, "10.00")
    assert (small.reversal_amount, large.reversal_amount) == (Decimal("0.96"), Decimal("9.55"))

    # when Stripe says the 1.00 refund failed, and its give-back transfer fails at Stripe
    stripe.STRIPE_API_BASE = scripted.url
    scripted.answer(
        "POST", "/v1/transfers", 500, {"error": {"message": "Injected fault."}}, times=1
    )
    post_event(client, event("refund.failed", _refund_object(small)))

    # then its 0.96 is fixed, to be sent again as is, and Stripe's error is kept
    small.refresh_from_db()
    assert (small.restore_due, small.restore_amount, small.restore_id) == (
        True,
        Decimal("0.96"),
        "",
    )
    assert "Injected fault." in small.last_error

    # when the 10.00 refund fails too, then the beat comes twice
    post_event(client, event("refund.failed", _refund_object(large)))
    large.refresh_from_db()
    assert (large.restore_due, large.restore_amount) == (True, Decimal("0.00"))
    with run_on_commit():
        retry_pending_transfers()
    with run_on_commit():
        retry_pending_transfers()

    # then each undone refund gave back its own reversal, once: the shop has its payout again
    small.refresh_from_db()
    large.refresh_from_db()
    assert (small.restore_amount, large.restore_amount) == (Decimal("0.96"), Decimal("9.55"))
    assert small.restore_id.startswith("tr_") and large.restore_id.startswith("tr_")
    assert (small.last_error, large.last_error) == ("", "")
    # each from the charge, in the order's group, marked as a give-back, under its own key (the
    # first sent twice, with the same key and amount)
    sent = [
        (key, parse_qs(body))
        for (method, path, key), body in zip(scripted.requests, scripted.bodies, strict=True)
        if method == "POST" and path.split("?")[0] == "/v1/transfers"
    ]
    base = f"shop-order-{shop_order.pk}-refund-"
    assert [(key, form["amount"]) for key, form in sent] == [
        (f"{base}1-restore", ["96"]),
        (f"{base}1-restore", ["96"]),
        (f"{base}2-restore", ["955"]),
    ]
    assert all(
        (form["source_transaction"], form["transfer_group"], form["metadata[restore]"])
        == (["ch_rf"], [order.number], ["1"])
        for _key, form in sent
    )
    assert ledger_balances(shop_order_id=shop_order.pk)["shop_payable"] == Decimal("0.00")
    totals = ledger_totals_for_shop_order(shop_order_id=shop_order.pk)
    assert totals["transfer"] - totals["reversal"] == Decimal("32.50")
    assert_ledger_invariants()


def test_a_refund_undone_before_its_reversal_was_made_gives_nothing_back(
    stripe: Any, client: Client, scripted: ScriptedStripe
) -> None:
    # given a paid, transferred shop order (32.50 sent) refunded 10.00, its reversal failing
    shop_order = _paid(client)
    _fulfil(shop_order)
    stripe.STRIPE_API_BASE = scripted.url
    transfer = Transfer.objects.get()
    scripted.answer(
        "POST", f"/v1/transfers/{transfer.transfer_id}/reversals", 500, {"error": {}}, times=1
    )
    refund = _refund(shop_order, "10.00")
    assert (refund.status, refund.reversal_due, refund.reversal_id) == ("succeeded", True, "")

    # when Stripe says the refund failed, and the beat comes
    post_event(client, event("refund.failed", _refund_object(refund)))
    with run_on_commit():
        retry_pending_transfers()

    # then nothing was taken from the shop, so nothing is reversed or given back
    refund.refresh_from_db()
    assert (refund.status, refund.reversal_due, refund.restore_due) == ("failed", False, False)
    assert (refund.restore_amount, refund.restore_id, refund.reversal_id) == (
        Decimal("0.00"),
        "",
        "",
    )
    transfer.refresh_from_db()
    assert (Transfer.objects.count(), transfer.reversed_amount) == (1, Decimal("0.00"))
    posts = [
        path.split("?")[0]
        for method, path, _key in scripted.requests
        if method == "POST" and path.startswith("/v1/transfers")
    ]
    assert posts == [f"/v1/transfers/{transfer.transfer_id}/reversals"]
    assert ledger_balances(shop_order_id=shop_order.pk)["shop_payable"] == Decimal("0.00")
    assert_ledger_invariants()

    # and a full refund made afterwards reverses all that was sent (the undone refund's reversal
    # amount, fixed but never made, is not counted)
    stripe.STRIPE_API_BASE = STRIPE_MOCK
    again = _refund(shop_order, "34.00")
    assert (again.status, again.reversal_amount) == ("succeeded", Decimal("32.50"))
    transfer.refresh_from_db()
    assert transfer.reversed_amount == Decimal("32.50")


def test_a_full_refund_undone_has_the_shop_bear_its_part_of_stripes_fee_again(
    stripe: Any, client: Client
) -> None:
    # given a town where shops bear Stripe's fees, a paid shop order of 30.00 (commission 1.50,
    # fee 0.95: 27.55 sent), then refunded in full (27.55 reversed, the fee given back)
    place = TownFactory()
    TownSettings.objects.create(town=place, stripe_fees_payer="vendor")
    vendor = VendorFactory(town=place)
    payable(vendor)
    order = OrderFactory(town=place, shops=[(vendor, "30.00", "0.00", "1.50")])
    start_payment(order)
    payment = Payment.objects.select_related("order").get(order=order)
    post_event(client, event("payment_intent.succeeded", intent_object(payment, charge="ch_rf")))
    Payment.objects.filter(pk=payment.pk).update(fee=Decimal("0.95"))
    shop_order = ShopOrder.objects.select_related("order").get(order=order)
    _fulfil(shop_order)
    assert Transfer.objects.get().amount == Decimal("27.55")
    refund = _refund(shop_order, "30.00")
    totals = ledger_totals_for_shop_order(shop_order_id=shop_order.pk)
    assert totals["fee_recharge"] - totals["fee_recharge_back"] == Decimal("0.00")

    # when Stripe says the refund failed
    response = post_event(client, event("refund.failed", _refund_object(refund)))

    # then the sale stands: the shop bears its part of the fee again and is given back the
    # 27.55 reversed, not its whole payout (it had been given no fee back before the refund)
    assert response.status_code == 200
    refund.refresh_from_db()
    assert (refund.status, refund.restore_amount) == ("failed", Decimal("27.55"))
    totals = ledger_totals_for_shop_order(shop_order_id=shop_order.pk)
    assert totals["fee_recharge"] - totals["fee_recharge_back"] == Decimal("0.95")
    assert totals["transfer"] - totals["reversal"] == Decimal("27.55")
    assert ledger_balances(shop_order_id=shop_order.pk)["shop_payable"] == Decimal("0.00")
    assert_ledger_invariants()


def test_a_failure_report_waits_only_for_a_refund_of_that_shop_order_and_number_not_sent_yet(
    stripe: Any, client: Client
) -> None:
    # given an order of two shops, paid; the first shop order's refund 1 asked but not sent yet
    place = TownFactory()
    vendors = [VendorFactory(town=place), VendorFactory(town=place)]
    order = OrderFactory(
        town=place,
        shops=[(vendors[0], "30.00", "0.00", "1.50"), (vendors[1], "20.00", "0.00", "1.00")],
    )
    start_payment(order)
    payment = Payment.objects.select_related("order").get(order=order)
    post_event(client, event("payment_intent.succeeded", intent_object(payment, charge="ch_rf")))
    first, second = (ShopOrder.objects.get(order=order, vendor=vendor) for vendor in vendors)
    pending = shop_order_refund(shop_order_id=first.pk, amount=Decimal("5.00"))

    def report(refund_id: str, shop_order_id: int, sequence: int, status: str = "failed") -> str:
        metadata = {"shop_order_id": str(shop_order_id), "refund": str(sequence)}
        return refund_apply_provider_status(
            refund_id_at_provider=refund_id, status=status, metadata=metadata
        )

    # when Stripe reports on refunds by ids we do not know, or says one succeeded
    outcomes = [
        report("re_unknown", first.pk, 1),
        report("", first.pk, 1),
        report("re_unknown", second.pk, 1),
        report("re_unknown", first.pk, 2),
        report("re_unknown", first.pk, 1, status="succeeded"),
    ]

    # then only a failure of that shop order's refund 1 is waited for (it is ours, not saved yet)
    assert outcomes == ["unknown_yet", "unknown_yet", "unchanged", "unchanged", "unchanged"]

    # and once sent, a failure by its id undoes it, once
    with run_on_commit():
        sent = refund_send(refund_id=pending.pk)
        assert [report(sent.refund_id, first.pk, 1) for _ in range(2)] == ["undone", "unchanged"]
    pending.refresh_from_db()
    assert pending.status == "failed"
    assert_ledger_invariants()
