"""End to end: a 3-shop order paid with Stripe (stripe-mock), shops paid, one part refunded."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from marketplace.orders.models import Order, OrderStatus, ShopOrder, ShopOrderStatus
from payments.models import LedgerEntry, Payment, PaymentStatus, Refund, Transfer
from tests.checkout.helpers import COMPLETE, CREATE, food, gid, line, shop, town, variant
from tests.factories import UserFactory, VendorMemberFactory
from tests.payments.factories import payable
from tests.payments.helpers import event, intent_object, post_event
from tests.payments.ledger_checks import assert_ledger_invariants

pytestmark = pytest.mark.django_db(transaction=True)

FULFIL = """
mutation($id: ID!) { shopOrderFulfil(id: $id) { shopOrder { status } errors { code } } }"""
ACCEPT = """
mutation($id: ID!) { shopOrderAccept(id: $id) { shopOrder { status } errors { code } } }"""
READY = """
mutation($id: ID!) { shopOrderMarkReady(id: $id) { shopOrder { status } errors { code } } }"""
REFUND = """
mutation($id: ID!, $amount: Decimal!) {
  shopOrderRefund(id: $id, amount: $amount) {
    shopOrder { status refundedAmount { amount } }
    refund { sequence status amount { amount currency } shopShare { amount }
             commissionRefunded { amount } }
    errors { field code message }
  }
}"""


def _three_shop_order(gql: Any, customer: Any) -> tuple[dict[str, Any], list[Any], list[Any]]:
    place = town()
    food()
    shops = [shop(place, slug) for slug in ("fromager", "boulanger", "primeur")]
    items = [
        variant(shops[0], price="10.00"),
        variant(shops[1], price="35.50"),
        variant(shops[2], price="12.30"),
    ]
    owners = []
    for vendor in shops:
        payable(vendor)
        owner = UserFactory()
        VendorMemberFactory(vendor=vendor, user=owner)
        owners.append(owner)
    gql.login(customer)
    created = gql.execute(
        CREATE,
        {
            "input": {
                "town": place.slug,
                "lines": [line(items[0], 2), line(items[1], 1), line(items[2], 1)],
            }
        },
    )["checkoutCreate"]
    assert created["errors"] == []
    completed = gql.execute(COMPLETE, {"id": created["checkout"]["id"]})["checkoutComplete"]
    assert completed["errors"] == []
    return completed, shops, owners


def test_a_three_shop_order_paid_with_stripe_pays_three_shops_and_refunds_one(
    gql: Any, client: Any, customer: Any, stripe: Any, mailoutbox: list[Any]
) -> None:
    # given a 3-shop order completed through the API with the Stripe gateway
    completed, shops, owners = _three_shop_order(gql, customer)
    order = Order.objects.get(number=completed["order"]["number"])
    payment = Payment.objects.get(order=order)
    assert completed["payment"]["gateway"] == "stripe"
    assert completed["payment"]["status"] == "pending"
    assert completed["payment"]["clientSecret"] == payment.client_secret != ""
    assert payment.intent_id.startswith("pi_")
    assert (payment.amount, payment.status, order.status) == (
        Decimal("67.80"),
        PaymentStatus.PENDING,
        OrderStatus.UNPAID,
    )

    # when Stripe says the payment succeeded (signed webhook)
    response = post_event(
        client, event("payment_intent.succeeded", intent_object(payment, charge="ch_flow"))
    )

    # then the order is paid and the charge is in the ledger
    assert response.status_code == 200
    order.refresh_from_db()
    payment.refresh_from_db()
    assert (order.status, payment.status, payment.charge_id) == ("paid", "succeeded", "ch_flow")
    assert payment.fee == Decimal("0.00")  # stripe-mock's balance transaction fee
    assert Transfer.objects.count() == 0

    # when each shop fulfils its part
    shop_orders = list(ShopOrder.objects.filter(order=order).order_by("vendor__slug"))
    by_vendor = {so.vendor_id: so for so in shop_orders}
    for vendor, owner in zip(shops, owners, strict=True):
        so_id = gid("ShopOrder", by_vendor[vendor.pk].pk)
        gql.login(owner)
        for document, name in ((ACCEPT, "shopOrderAccept"), (READY, "shopOrderMarkReady")):
            assert gql.execute(document, {"id": so_id})[name]["errors"] == []
        assert gql.execute(FULFIL, {"id": so_id})["shopOrderFulfil"]["shopOrder"] == {
            "status": "FULFILLED"
        }

    # then three transfers of the right amounts went out, on the charge, to each shop's account
    transfers = {t.vendor.slug: t for t in Transfer.objects.select_related("vendor")}
    assert {slug: (t.status, t.amount) for slug, t in transfers.items()} == {
        "fromager": ("sent", Decimal("19.00")),  # 20.00 - 1.00 commission
        "boulanger": ("sent", Decimal("33.72")),  # 35.50 - 1.78
        "primeur": ("sent", Decimal("11.68")),  # 12.30 - 0.62
    }
    for so in shop_orders:
        assert transfers[so.vendor.slug].amount == so.payout
        assert transfers[so.vendor.slug].transfer_id.startswith("tr_")
    assert (
        sum(t.amount for t in transfers.values()) + sum(so.commission for so in shop_orders)
        == order.total
    )
    assert_ledger_invariants()

    # when the boulanger refunds 10.00 of its part
    boulanger = by_vendor[shops[1].pk]
    gql.login(owners[1])
    result = gql.execute(REFUND, {"id": gid("ShopOrder", boulanger.pk), "amount": "10.00"})[
        "shopOrderRefund"
    ]

    # then only that shop's part is touched: refund on the charge, reversal of its transfer
    assert result["errors"] == []
    assert result["refund"] == {
        "sequence": 1,
        "status": "SUCCEEDED",
        "amount": {"amount": "10.00", "currency": "EUR"},
        "shopShare": {"amount": "9.50"},
        "commissionRefunded": {"amount": "0.50"},
    }
    assert result["shopOrder"] == {"status": "FULFILLED", "refundedAmount": {"amount": "10.00"}}
    refund = Refund.objects.get()
    assert refund.refund_id.startswith("re_") and refund.reversal_id.startswith("trr_")
    assert refund.reversal_amount == Decimal("9.50")
    reversed_by_shop = {t.vendor.slug: t.reversed_amount for t in Transfer.objects.all()}
    assert reversed_by_shop == {
        "fromager": Decimal("0.00"),
        "boulanger": Decimal("9.50"),
        "primeur": Decimal("0.00"),
    }
    assert set(
        LedgerEntry.objects.filter(kind__in=["refund", "reversal"]).values_list(
            "vendor__slug", flat=True
        )
    ) == {"boulanger"}
    refund_mails = [mail for mail in mailoutbox if "10,00\xa0€" in mail.subject]
    assert sorted(mail.to[0] for mail in refund_mails) == sorted([customer.email, shops[1].email])
    assert_ledger_invariants()

    # when the rest of that part is refunded: the shop order is fully refunded
    result = gql.execute(REFUND, {"id": gid("ShopOrder", boulanger.pk), "amount": "25.50"})[
        "shopOrderRefund"
    ]
    assert result["errors"] == []
    assert result["shopOrder"] == {"status": "REFUNDED", "refundedAmount": {"amount": "35.50"}}
    assert (result["refund"]["shopShare"], result["refund"]["commissionRefunded"]) == (
        {"amount": "24.22"},
        {"amount": "1.28"},
    )
    assert Transfer.objects.get(vendor=shops[1]).reversed_amount == Decimal("33.72")
    assert_ledger_invariants()


def test_a_forged_webhook_is_refused_and_changes_nothing(
    gql: Any, client: Any, customer: Any, stripe: Any
) -> None:
    # given a 3-shop order waiting for its payment
    completed, _shops, _owners = _three_shop_order(gql, customer)
    payment = Payment.objects.get(order__number=completed["order"]["number"])
    forged = event("payment_intent.succeeded", intent_object(payment))

    # when the event comes signed with another secret, unsigned, or with a bad header
    responses = [
        post_event(client, forged, secret="whsec_forged").status_code,
        post_event(client, forged, header="").status_code,
        post_event(client, forged, header="t=1,v1=deadbeef").status_code,
    ]

    # then each is refused and nothing is written
    assert responses == [400, 400, 400]
    payment.refresh_from_db()
    assert payment.status == "pending"
    assert Order.objects.get(pk=payment.order_id).status == "unpaid"
    assert LedgerEntry.objects.count() == 0
    from payments.models import WebhookEvent

    assert WebhookEvent.objects.count() == 0
    assert ShopOrder.objects.filter(status=ShopOrderStatus.UNCONFIRMED).count() == 3
