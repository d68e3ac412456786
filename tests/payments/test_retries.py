"""Retries that must not pay twice or disagree with themselves (#14 "also look into"): a retry
past Stripe's 24-hour idempotency window, two reversals of one transfer at once, and a fee not
known yet when the shop is to be paid."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs

import pytest
from django.test import Client
from django.utils import timezone

from marketplace.governance.models import TownSettings
from marketplace.orders.lifecycle import shop_order_accept, shop_order_fulfil, shop_order_mark_ready
from marketplace.orders.models import ShopOrder
from payments.gateways import GatewayError
from payments.idempotency_keys import key_window_check
from payments.models import LedgerEntry, Payment, Refund, Transfer
from payments.refunds import refund_send, shop_order_refund
from payments.transfers import transfer_schedule, transfer_send
from tests.factories import OrderFactory, TownFactory, VendorFactory
from tests.payments.factories import payable, start_payment
from tests.payments.helpers import STRIPE_MOCK, event, intent_object, post_event, run_on_commit
from tests.payments.ledger_checks import assert_ledger_invariants
from tests.payments.stripe_script import ScriptedStripe

pytestmark = pytest.mark.django_db

FAULT = {"error": {"type": "api_error", "message": "Injected fault."}}


@pytest.fixture
def scripted(stripe: Any) -> Iterator[ScriptedStripe]:
    server = ScriptedStripe(STRIPE_MOCK)
    server.thread.start()
    stripe.STRIPE_API_BASE = server.url
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


def _paid(client: Client, place: Any = None, goods: str = "30.00") -> ShopOrder:
    place = place or TownFactory()
    vendor = VendorFactory(town=place)
    payable(vendor)
    order = OrderFactory(town=place, shops=[(vendor, goods, "0.00", "1.50")])
    start_payment(order)
    payment = Payment.objects.select_related("order").get(order=order)
    post_event(client, event("payment_intent.succeeded", intent_object(payment, charge="ch_k")))
    return ShopOrder.objects.select_related("order").get(order=order)


def _posts(server: ScriptedStripe, path: str) -> list[tuple[str, str]]:
    """(Idempotency-Key, amount) of each POST to a path."""
    return [
        (key, parse_qs(body).get("amount", [""])[0])
        for (method, url, key), body in zip(server.requests, server.bodies, strict=True)
        if method == "POST" and url.split("?")[0].startswith(path)
    ]


def test_a_refund_retried_after_the_idempotency_window_is_looked_up_then_sent_with_a_new_key(
    client: Client, scripted: ScriptedStripe
) -> None:
    # given a refund whose first try failed (Stripe 500) more than 24 hours ago
    shop_order = _paid(client)
    refund = shop_order_refund(shop_order_id=shop_order.pk, amount=Decimal("10.00"))
    scripted.answer("POST", "/v1/refunds", 500, FAULT, times=1)
    with pytest.raises(GatewayError):
        refund_send(refund_id=refund.pk)
    refund.refresh_from_db()
    assert (refund.key_version, refund.key_first_sent_at is not None) == (1, True)
    Refund.objects.filter(pk=refund.pk).update(
        key_first_sent_at=timezone.now() - timedelta(hours=25)
    )

    # when it is retried: Stripe has no refund with our metadata on the charge
    refund_send(refund_id=refund.pk)

    # then it was looked up first, then sent once under the key's next version
    base = f"shop-order-{shop_order.pk}-refund-1"
    assert scripted.paths()[-2:] == ["GET /v1/refunds", "POST /v1/refunds"]
    assert _posts(scripted, "/v1/refunds") == [(base, "1000"), (f"{base}-v2", "1000")]
    # on the order's charge, and each try carries what a later lookup (or a failure event)
    # finds it by
    lookups = [url for method, url, _key in scripted.requests if method == "GET"]
    assert parse_qs(lookups[-1].split("?")[1])["charge"] == ["ch_k"]
    bodies = [
        parse_qs(body)
        for (method, url, _key), body in zip(scripted.requests, scripted.bodies, strict=True)
        if method == "POST" and url.split("?")[0] == "/v1/refunds"
    ]
    assert all(
        {key: sent[key] for key in sorted(sent) if key != "amount"}
        == {
            "charge": ["ch_k"],
            "metadata[order_number]": [shop_order.order.number],
            "metadata[refund]": ["1"],
            "metadata[shop_order_id]": [str(shop_order.pk)],
        }
        for sent in bodies
    )
    refund.refresh_from_db()
    assert (refund.status, refund.key_version) == ("succeeded", 2)
    assert_ledger_invariants()


def test_a_transfer_retried_after_the_window_that_went_through_is_found_not_sent_again(
    client: Client, scripted: ScriptedStripe
) -> None:
    # given a transfer whose first try timed out more than 24 hours ago, though Stripe made it
    shop_order = _paid(client)
    scripted.answer("POST", "/v1/transfers", 500, FAULT, times=1)
    with pytest.raises(GatewayError):
        transfer_schedule(shop_order_id=shop_order.pk) and transfer_send(
            transfer_id=Transfer.objects.get().pk
        )
    transfer = Transfer.objects.get()
    Transfer.objects.filter(pk=transfer.pk).update(
        key_first_sent_at=timezone.now() - timedelta(hours=25)
    )
    made = {
        "id": "tr_made_earlier",
        "object": "transfer",
        "metadata": {
            "shop_order_id": str(shop_order.pk),
            "order_number": shop_order.order.number,
        },
    }
    scripted.answer("GET", "/v1/transfers", 200, {"object": "list", "data": [made]})

    # when it is retried
    transfer_send(transfer_id=transfer.pk)

    # then it was looked up among the order's transfers, and the one found is recorded; no
    # second transfer is asked for
    lookups = [url for method, url, _key in scripted.requests if method == "GET"]
    assert parse_qs(lookups[-1].split("?")[1])["transfer_group"] == [shop_order.order.number]
    transfer.refresh_from_db()
    assert (transfer.status, transfer.transfer_id) == ("sent", "tr_made_earlier")
    assert len(_posts(scripted, "/v1/transfers")) == 1
    assert_ledger_invariants()


def test_a_transfer_retried_after_the_window_not_made_is_sent_with_the_next_key_kept(
    client: Client, scripted: ScriptedStripe
) -> None:
    # given a transfer of 28.50 whose first try failed (Stripe 500) more than 24 hours ago
    shop_order = _paid(client)
    scripted.answer("POST", "/v1/transfers", 500, FAULT, times=1)
    with pytest.raises(GatewayError):
        transfer_send(transfer_id=transfer_schedule(shop_order_id=shop_order.pk).pk)
    transfer = Transfer.objects.get()
    assert (transfer.status, transfer.key_version) == ("pending", 1)
    Transfer.objects.filter(pk=transfer.pk).update(
        key_first_sent_at=timezone.now() - timedelta(hours=25)
    )

    # when it is retried: Stripe has no transfer of ours in the order's group
    scripted.answer("GET", "/v1/transfers", 200, {"object": "list", "data": []})
    transfer_send(transfer_id=transfer.pk)

    # then it was looked up first, then sent once under the key's next version, and that
    # version and its new first try are kept (a later retry goes on from them)
    base = f"shop-order-{shop_order.pk}-transfer"
    assert scripted.paths()[-2:] == ["GET /v1/transfers", "POST /v1/transfers"]
    assert _posts(scripted, "/v1/transfers") == [(base, "2850"), (f"{base}-v2", "2850")]
    # and it carries what a later lookup finds it by, and the charge it is paid from
    sent = parse_qs(scripted.bodies[-1])
    number = shop_order.order.number
    assert {key: sent[key] for key in sorted(sent) if key != "amount"} == {
        "currency": ["eur"],
        "destination": [f"acct_test_{shop_order.vendor_id}"],
        "metadata[order_number]": [number],
        "metadata[shop_order_id]": [str(shop_order.pk)],
        "source_transaction": ["ch_k"],
        "transfer_group": [number],
    }
    transfer.refresh_from_db()
    assert (transfer.status, transfer.amount, transfer.key_version) == (
        "sent",
        Decimal("28.50"),
        2,
    )
    assert transfer.key_first_sent_at > timezone.now() - timedelta(hours=1)
    # the first try's error is cleared, and the transfer was sent when the ledger says
    booked = LedgerEntry.objects.get(kind="transfer")
    assert (transfer.last_error, transfer.sent_at) == ("", booked.occurred_at)
    assert (booked.order_id, booked.shop_order_id, booked.reference, booked.amount) == (
        shop_order.order_id,
        shop_order.pk,
        transfer.transfer_id,
        Decimal("28.50"),
    )
    assert_ledger_invariants()


def test_two_reversals_of_one_transfer_never_reverse_more_than_was_sent_and_keep_their_amount(
    client: Client, scripted: ScriptedStripe
) -> None:
    # given shops bearing Stripe's fees (0.95 on 30.00): the shop was sent 27.55 of its 28.50
    place = TownFactory()
    TownSettings.objects.create(town=place, stripe_fees_payer="vendor")
    shop_order = _paid(client, place)
    Payment.objects.filter(order_id=shop_order.order_id).update(fee=Decimal("0.95"))
    with run_on_commit():
        shop_order_accept(shop_order_id=shop_order.pk)
        shop_order_mark_ready(shop_order_id=shop_order.pk)
        shop_order_fulfil(shop_order_id=shop_order.pk)
    transfer = Transfer.objects.get()
    assert (transfer.status, transfer.amount) == ("sent", Decimal("27.55"))

    # when a first refund of 15.00 is made but its reversal (14.25) fails at Stripe, and a second
    # refund of 15.00 completes the shop order meanwhile
    reversals = f"/v1/transfers/{transfer.transfer_id}/reversals"
    scripted.answer("POST", reversals, 500, FAULT, times=1)
    with run_on_commit():
        first = shop_order_refund(shop_order_id=shop_order.pk, amount=Decimal("15.00"))
    with run_on_commit():
        second = shop_order_refund(shop_order_id=shop_order.pk, amount=Decimal("15.00"))
    # and the first reversal is tried again
    refund_send(refund_id=first.pk)

    # then the first kept its amount (same key, same amount), the second took what was left:
    # 27.55 reversed in all, never more than was sent
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.reversal_amount, second.reversal_amount) == (Decimal("14.25"), Decimal("13.30"))
    key = f"shop-order-{shop_order.pk}-refund-1-reversal"
    assert [p for p in _posts(scripted, reversals) if p[0] == key] == [(key, "1425")] * 2
    # each reversal says which refund of which shop order it follows
    sent = [
        parse_qs(body)
        for (method, url, _key), body in zip(scripted.requests, scripted.bodies, strict=True)
        if method == "POST" and url.split("?")[0] == reversals
    ]
    assert [(form["metadata[refund]"], form["metadata[shop_order_id]"]) for form in sent] == [
        (["1"], [str(shop_order.pk)]),
        (["2"], [str(shop_order.pk)]),
        (["1"], [str(shop_order.pk)]),
    ]
    assert {form["metadata[order_number]"][0] for form in sent} == {shop_order.order.number}
    transfer.refresh_from_db()
    assert transfer.reversed_amount == Decimal("27.55")
    assert_ledger_invariants()


def test_a_transfer_waits_for_a_fee_not_known_yet_when_shops_bear_fees(
    client: Client, scripted: ScriptedStripe
) -> None:
    # given shops bearing Stripe's fees, and a paid charge whose balance transaction (hence
    # fee) Stripe has not made yet
    place = TownFactory()
    TownSettings.objects.create(town=place, stripe_fees_payer="vendor")
    shop_order = _paid(client, place)
    Payment.objects.filter(order_id=shop_order.order_id).update(fee=None)
    charge = {"id": "ch_k", "object": "charge", "balance_transaction": None}
    scripted.answer("GET", "/v1/charges/", 200, charge, times=1)

    # when the shop is to be paid
    with pytest.raises(GatewayError) as waiting:
        transfer_schedule(shop_order_id=shop_order.pk)

    # then no transfer goes out without the shop's part of the fee: it is tried again
    assert waiting.value.retryable is True
    assert Transfer.objects.count() == 0

    # when the fee is known (stripe-mock's is 0.00), the transfer is made
    with run_on_commit():
        transfer = transfer_schedule(shop_order_id=shop_order.pk)
    assert transfer is not None
    assert Payment.objects.get(order_id=shop_order.order_id).fee == Decimal("0.00")
    assert_ledger_invariants()


def test_four_reversals_of_a_transfer_less_its_fee_never_reverse_more_than_was_sent(
    client: Client, scripted: ScriptedStripe
) -> None:
    # given shops bearing Stripe's fees (0.95 on 30.00): the shop was sent 27.55 of its 28.50
    place = TownFactory()
    TownSettings.objects.create(town=place, stripe_fees_payer="vendor")
    shop_order = _paid(client, place)
    Payment.objects.filter(order_id=shop_order.order_id).update(fee=Decimal("0.95"))
    with run_on_commit():
        shop_order_accept(shop_order_id=shop_order.pk)
        shop_order_mark_ready(shop_order_id=shop_order.pk)
        shop_order_fulfil(shop_order_id=shop_order.pk)

    # when it is refunded in four parts: 10.00, 10.00, 8.00 and 2.00 (shop shares of 9.50,
    # 9.50, 7.60 and 1.90)
    refunds = []
    for amount in ("10.00", "10.00", "8.00", "2.00"):
        with run_on_commit():
            refunds.append(shop_order_refund(shop_order_id=shop_order.pk, amount=Decimal(amount)))

    # then each is reversed in full but the last, which takes only what is left of the 27.55
    # sent, even under one euro
    amounts = [Refund.objects.get(pk=r.pk).reversal_amount for r in refunds]
    assert amounts == [Decimal("9.50"), Decimal("9.50"), Decimal("7.60"), Decimal("0.95")]
    assert Transfer.objects.get().reversed_amount == Decimal("27.55")
    assert_ledger_invariants()


def test_a_refund_after_the_whole_transfer_was_reversed_reverses_nothing(
    client: Client, scripted: ScriptedStripe
) -> None:
    # given shops bearing Stripe's fees (0.95 on 30.00): the shop was sent 27.55, all of it
    # reversed by a refund of 29.00 (a shop share of 27.55)
    place = TownFactory()
    TownSettings.objects.create(town=place, stripe_fees_payer="vendor")
    shop_order = _paid(client, place)
    Payment.objects.filter(order_id=shop_order.order_id).update(fee=Decimal("0.95"))
    with run_on_commit():
        shop_order_accept(shop_order_id=shop_order.pk)
        shop_order_mark_ready(shop_order_id=shop_order.pk)
        shop_order_fulfil(shop_order_id=shop_order.pk)
    with run_on_commit():
        first = shop_order_refund(shop_order_id=shop_order.pk, amount=Decimal("29.00"))

    # when the last 1.00 is refunded (a shop share of 0.95)
    with run_on_commit():
        last = shop_order_refund(shop_order_id=shop_order.pk, amount=Decimal("1.00"))

    # then nothing is left to reverse: no reversal is asked for, none is due any more
    first.refresh_from_db()
    last.refresh_from_db()
    assert first.reversal_amount == Decimal("27.55")
    assert (last.status, last.reversal_due, last.reversal_amount, last.reversal_id) == (
        "succeeded",
        False,
        Decimal("0.00"),
        "",
    )
    transfer = Transfer.objects.get()
    assert transfer.reversed_amount == Decimal("27.55")
    assert len(_posts(scripted, f"/v1/transfers/{transfer.transfer_id}/reversals")) == 1
    assert_ledger_invariants()


def test_the_first_use_of_a_key_is_recorded_on_the_row_and_in_the_database(
    client: Client, scripted: ScriptedStripe
) -> None:
    # given a refund never sent yet
    refund = shop_order_refund(shop_order_id=_paid(client).pk, amount=Decimal("5.00"))
    before = Refund.objects.get(pk=refund.pk).updated_at
    assert refund.key_first_sent_at is None

    # when its call is about to be sent
    assert key_window_check(refund, find=lambda: pytest.fail("no lookup within the window")) is None

    # then the key's first use is the same on the row in hand and in the database, as a change
    stored = Refund.objects.get(pk=refund.pk)
    assert refund.key_first_sent_at is not None
    assert (stored.key_version, stored.key_first_sent_at) == (1, refund.key_first_sent_at)
    assert stored.updated_at == stored.key_first_sent_at > before


def _paid_for(client: Client, goods: str, commission: str) -> ShopOrder:
    place = TownFactory()
    vendor = VendorFactory(town=place)
    payable(vendor)
    order = OrderFactory(town=place, shops=[(vendor, goods, "0.00", commission)])
    start_payment(order)
    payment = Payment.objects.select_related("order").get(order=order)
    post_event(client, event("payment_intent.succeeded", intent_object(payment, charge="ch_s")))
    return ShopOrder.objects.get(order=order)


def test_a_shop_order_gets_one_transfer_however_often_it_is_scheduled(
    client: Client, scripted: ScriptedStripe
) -> None:
    shop_order = _paid(client)

    first = transfer_schedule(shop_order_id=shop_order.pk)
    booked = LedgerEntry.objects.count()
    again = transfer_schedule(shop_order_id=shop_order.pk)

    assert first is not None and again is not None and again.pk == first.pk
    assert list(Transfer.objects.values_list("shop_order_id", "amount", "status")) == [
        (shop_order.pk, Decimal("28.50"), "pending")
    ]
    assert LedgerEntry.objects.count() == booked  # nothing booked twice


def test_an_order_not_paid_gets_no_transfer(client: Client, scripted: ScriptedStripe) -> None:
    # given one order whose payment has not succeeded, and one with no payment at all
    place = TownFactory()
    vendor = VendorFactory(town=place)
    payable(vendor)
    unpaid = OrderFactory(town=place, shops=[(vendor, "30.00", "0.00", "1.50")])
    start_payment(unpaid)
    bare = OrderFactory(town=place, shops=[(vendor, "30.00", "0.00", "1.50")])

    for order in (unpaid, bare):
        assert transfer_schedule(shop_order_id=ShopOrder.objects.get(order=order).pk) is None
    assert Transfer.objects.count() == 0


@pytest.mark.parametrize(
    ("goods", "commission", "status", "sent"),
    [("2.00", "2.00", "skipped", False), ("1.50", "0.50", "pending", True)],
)
def test_a_transfer_of_nothing_is_skipped_and_one_of_a_euro_is_sent(
    client: Client,
    scripted: ScriptedStripe,
    django_capture_on_commit_callbacks: Any,
    goods: str,
    commission: str,
    status: str,
    sent: bool,
) -> None:
    shop_order = _paid_for(client, goods, commission)

    with django_capture_on_commit_callbacks() as callbacks:
        transfer = transfer_schedule(shop_order_id=shop_order.pk)

    assert transfer is not None
    assert (transfer.amount, transfer.status) == (shop_order.payout, status)
    assert bool(callbacks) is sent  # only a transfer of something is sent
