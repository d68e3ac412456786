"""shopOrderRefund: who may, how much, and how it is split."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from marketplace.governance.models import AuditEntry
from marketplace.orders.lifecycle import shop_order_accept, shop_order_fulfil, shop_order_mark_ready
from marketplace.orders.models import OrderLine, ShopOrder
from payments.models import LedgerEntry, Payment, Refund
from payments.refunds import shop_order_refund
from tests.checkout.helpers import gid
from tests.factories import (
    OrderFactory,
    TownFactory,
    TownStaffFactory,
    UserFactory,
    VendorFactory,
    VendorMemberFactory,
)
from tests.payments.factories import payable, start_payment
from tests.payments.helpers import event, intent_object, post_event, run_on_commit
from tests.payments.ledger_checks import assert_ledger_invariants
from vendors.models import Stock

pytestmark = pytest.mark.django_db

REFUND = """
mutation($id: ID!, $amount: Decimal!) {
  shopOrderRefund(id: $id, amount: $amount) {
    shopOrder { status refundedAmount { amount } }
    refund { sequence status amount { amount } shopShare { amount } commissionRefunded { amount } }
    errors { field code message }
  }
}"""


def _paid(client: Client, goods: str = "33.33", fee: str = "0.00", commission: str = "1.67") -> Any:
    place = TownFactory()
    vendor = VendorFactory(town=place)
    payable(vendor)
    order = OrderFactory(town=place, shops=[(vendor, goods, fee, commission)])
    start_payment(order)
    payment = Payment.objects.select_related("order").get(order=order)
    post_event(client, event("payment_intent.succeeded", intent_object(payment, charge="ch_r")))
    return ShopOrder.objects.select_related("order").get(order=order)


def _refund(gql: Any, shop_order: ShopOrder, amount: str) -> dict[str, Any]:
    with run_on_commit():
        return gql.execute(REFUND, {"id": gid("ShopOrder", shop_order.pk), "amount": amount})[
            "shopOrderRefund"
        ]


def test_refunds_are_split_in_proportion_and_the_last_takes_the_remainder(
    stripe: Any, client: Client, gql: Any
) -> None:
    # given a paid shop order of 33.33 with 1.67 commission, and town staff
    shop_order = _paid(client)
    staff = TownStaffFactory(town=shop_order.order.town).user
    gql.login(staff)

    # when it is refunded in three parts
    parts = [_refund(gql, shop_order, amount) for amount in ("10.00", "10.00", "13.33")]

    # then each part gives back its share of commission, rounded half up, to the exact total
    assert [p["errors"] for p in parts] == [[], [], []]
    assert [
        (p["refund"]["shopShare"]["amount"], p["refund"]["commissionRefunded"]["amount"])
        for p in parts
    ] == [("9.50", "0.50"), ("9.50", "0.50"), ("12.66", "0.67")]
    assert parts[-1]["shopOrder"] == {"status": "REFUNDED", "refundedAmount": {"amount": "33.33"}}
    assert sum(r.commission_refunded for r in Refund.objects.all()) == Decimal("1.67")
    assert_ledger_invariants()


def test_without_commission_refund_the_shop_bears_the_refund(
    stripe: Any, client: Client, gql: Any
) -> None:
    # given a town that keeps its commission on refunds
    from marketplace.governance.models import TownSettings

    shop_order = _paid(client, goods="20.00", commission="1.00")
    TownSettings.objects.create(town=shop_order.order.town, refund_commission=False)
    gql.login(TownStaffFactory(town=shop_order.order.town).user)

    # when it is refunded 5.00 then the remaining 15.00
    first = _refund(gql, shop_order, "5.00")
    last = _refund(gql, shop_order, "15.00")

    # then the shop bears the refunds as long as it received enough, the rest is the association's
    assert (first["refund"]["shopShare"], first["refund"]["commissionRefunded"]) == (
        {"amount": "5.00"},
        {"amount": "0.00"},
    )
    assert (last["refund"]["shopShare"], last["refund"]["commissionRefunded"]) == (
        {"amount": "14.00"},
        {"amount": "1.00"},
    )
    assert_ledger_invariants()


def test_bad_refunds_get_a_code_and_change_nothing(stripe: Any, client: Client, gql: Any) -> None:
    # given a paid shop order of 33.33, its owner, and a stranger
    shop_order = _paid(client)
    owner, stranger = UserFactory(), UserFactory()
    VendorMemberFactory(vendor=shop_order.vendor, user=owner)

    # when refunds are asked that cannot be made
    results = [
        _refund(gql.login(owner), shop_order, "33.34"),
        _refund(gql, shop_order, "0"),
        _refund(gql, shop_order, "-1"),
        _refund(gql, shop_order, "1.005"),
        _refund(gql.login(stranger), shop_order, "1.00"),
        _refund(gql.logout(), shop_order, "1.00"),
    ]

    # then each gets its code and nothing moves
    assert [(r["errors"][0]["field"], r["errors"][0]["code"]) for r in results] == [
        ("amount", "AMOUNT_TOO_LARGE"),
        ("amount", "INVALID_AMOUNT"),
        ("amount", "INVALID_AMOUNT"),
        ("amount", "INVALID_AMOUNT"),
        (None, "PERMISSION_DENIED"),
        (None, "PERMISSION_DENIED"),
    ]
    shop_order.refresh_from_db()
    assert shop_order.refunded_amount == Decimal("0.00")
    assert (Refund.objects.count(), LedgerEntry.objects.filter(kind="refund").count()) == (0, 0)


def test_an_unpaid_shop_order_cannot_be_refunded(stripe: Any, gql: Any) -> None:
    place = TownFactory()
    order = OrderFactory(town=place, shops=[(VendorFactory(town=place), "10.00", "0.00", "0.50")])
    start_payment(order)
    shop_order = ShopOrder.objects.get(order=order)
    gql.login(TownStaffFactory(town=place).user)

    result = _refund(gql, shop_order, "1.00")

    assert [(e["field"], e["code"]) for e in result["errors"]] == [("id", "NOT_PAID")]
    assert Refund.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_two_refunds_racing_for_the_last_euros_one_wins(stripe: Any, client: Client) -> None:
    # given a paid shop order of 20.00 and two refunds of 15.00 asked at the same time
    import threading

    from django.core.exceptions import ValidationError
    from django.db import connection

    shop_order = _paid(client, goods="20.00", commission="1.00")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def refund() -> None:
        try:
            barrier.wait()
            shop_order_refund(shop_order_id=shop_order.pk, amount=Decimal("15.00"))
            outcomes.append("refunded")
        except ValidationError as error:
            outcomes.append(error.error_dict["amount"][0].code)
        finally:
            connection.close()

    from payments.refunds import shop_order_refund

    # when both run in their own threads and connections
    threads = [threading.Thread(target=refund) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then exactly one is made, the other refused with a code
    assert sorted(outcomes) == ["AMOUNT_TOO_LARGE", "refunded"]
    shop_order.refresh_from_db()
    assert shop_order.refunded_amount == Decimal("15.00")
    assert Refund.objects.count() == 1


def test_refunding_the_last_open_shop_order_in_full_closes_the_order(
    stripe: Any, client: Client, gql: Any
) -> None:
    # given a paid order with one shop order
    shop_order = _paid(client)
    gql.login(TownStaffFactory(town=shop_order.order.town).user)

    # when that shop order is refunded in full
    result = _refund(gql, shop_order, "33.33")

    # then nothing is left open and the order is closed
    assert result["errors"] == []
    shop_order.order.refresh_from_db()
    assert shop_order.order.status == "closed"


REFUND_WITH_REASON = """
mutation($id: ID!, $amount: Decimal!, $reason: String) {
  shopOrderRefund(id: $id, amount: $amount, reason: $reason) {
    refund { sequence reason amount { amount } }
    errors { field code }
  }
}"""


def test_a_refunds_reason_is_kept_and_told_to_the_customer(
    stripe: Any, client: Client, gql: Any, mailoutbox: Any
) -> None:
    # given a paid shop order and its owner
    shop_order = _paid(client)
    owner = UserFactory()
    VendorMemberFactory(vendor=shop_order.vendor, user=owner)
    gql.login(owner)
    shop_order_id = gid("ShopOrder", shop_order.pk)

    # when a refund is asked with a too long reason, then with a reason, then without
    with run_on_commit():
        too_long = gql.execute(
            REFUND_WITH_REASON, {"id": shop_order_id, "amount": "5.00", "reason": "x" * 1001}
        )["shopOrderRefund"]
        told = gql.execute(
            REFUND_WITH_REASON,
            {"id": shop_order_id, "amount": "5.00", "reason": "  Fraises abîmées.  "},
        )["shopOrderRefund"]
        untold = gql.execute(REFUND_WITH_REASON, {"id": shop_order_id, "amount": "1.00"})[
            "shopOrderRefund"
        ]

    # then the too long one changes nothing, the others keep their reason (trimmed)
    assert too_long == {"refund": None, "errors": [{"field": "reason", "code": "INVALID"}]}
    assert told["refund"] == {
        "sequence": 1,
        "reason": "Fraises abîmées.",
        "amount": {"amount": "5.00"},
    }
    assert untold["refund"]["reason"] == ""
    assert list(Refund.objects.order_by("sequence").values_list("reason", flat=True)) == [
        "Fraises abîmées.",
        "",
    ]
    # and the customer's email of the first refund gives the reason
    to_customer = {
        amount: [
            m.body for m in mailoutbox if m.to == [shop_order.order.email] and amount in m.subject
        ]
        for amount in ("5,00\xa0€", "1,00\xa0€")
    }
    assert [len(to_customer["5,00\xa0€"]), len(to_customer["1,00\xa0€"])] == [1, 1]
    assert "Fraises abîmées." in to_customer["5,00\xa0€"][0]
    assert "Fraises" not in to_customer["1,00\xa0€"][0]


def test_a_full_refund_of_a_shop_order_not_yet_handed_over_gives_its_stock_back(
    stripe: Any, client: Client
) -> None:
    # given two paid shop orders (2 units allocated each): one still waiting, one fulfilled
    waiting = _paid(client)
    fulfilled = _paid(client)
    with run_on_commit():
        shop_order_accept(shop_order_id=fulfilled.pk)
        shop_order_mark_ready(shop_order_id=fulfilled.pk)
        shop_order_fulfil(shop_order_id=fulfilled.pk)
    waiting_stock = Stock.objects.get(
        variant_id=OrderLine.objects.get(shop_order=waiting).variant_id
    )
    handed_stock = Stock.objects.get(
        variant_id=OrderLine.objects.get(shop_order=fulfilled).variant_id
    )
    assert (waiting_stock.quantity, waiting_stock.quantity_allocated) == (10, 2)
    handed = (handed_stock.quantity, handed_stock.quantity_allocated)

    # when each is refunded in full
    for shop_order in (waiting, fulfilled):
        shop_order_refund(shop_order_id=shop_order.pk, amount=Decimal("33.33"))

    # then the waiting one's 2 units are free again; the fulfilled one's left with the buyer
    waiting_stock.refresh_from_db()
    handed_stock.refresh_from_db()
    assert (waiting_stock.quantity, waiting_stock.quantity_allocated) == (10, 0)
    assert (handed_stock.quantity, handed_stock.quantity_allocated) == handed
    assert {s.status for s in ShopOrder.objects.filter(pk__in=[waiting.pk, fulfilled.pk])} == {
        "refunded"
    }


def test_a_refund_by_the_towns_staff_is_in_its_audit_log_and_one_by_the_shop_is_not(
    stripe: Any, client: Client, gql: Any
) -> None:
    # given a paid shop order, a member of its shop and a moderator of its town
    shop_order = _paid(client)
    member = VendorMemberFactory(vendor=shop_order.vendor).user
    staff = TownStaffFactory(town=shop_order.order.town, role="moderator").user

    # when each refunds part of it
    gql.login(member)
    assert _refund(gql, shop_order, "1.00")["errors"] == []
    gql.login(staff)
    assert _refund(gql, shop_order, "2.00")["errors"] == []

    # then only the staff's refund is in the town's log: who, in which role, how much, of what
    [entry] = AuditEntry.objects.all()
    assert (entry.town_id, entry.actor, entry.actor_role, entry.action) == (
        shop_order.order.town_id,
        staff,
        "moderator",
        "shop_order.refund",
    )
    assert (entry.object_type, entry.object_id, entry.is_public) == (
        "shoporder",
        shop_order.pk,
        False,
    )
    assert entry.after == {"order": shop_order.order.number, "amount": "2.00"}
