"""One writer of `Order.status` and `ShopOrder.status`: `marketplace/orders/status.py`.

The guard reads the source tree (AST) and fails when a status is written anywhere else; then the
writer's own checks (refused moves change nothing) and the notifications each caller records.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from marketplace.core.models import OutboxMessage
from marketplace.core.updates import update_statement
from marketplace.orders.lifecycle import (
    order_cancel_unpaid,
    order_mark_paid,
    shop_order_accept,
    shop_order_cancel,
    shop_order_fulfil,
    shop_order_mark_ready,
    shop_order_refuse,
)
from marketplace.orders.models import Order, OrderStatus, ShopOrder, ShopOrderStatus
from marketplace.orders.status import (
    order_move,
    order_move_with_shop_orders,
    shop_order_move,
    shop_order_move_refund_failed,
    shop_order_move_refunded,
    shop_orders_move,
)
from marketplace.orders.tasks import send_order_notification
from marketplace.orders.transitions import shop_order_may_be_cancelled
from payments.refunds import shop_order_refund

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
SOURCE_DIRS = ("marketplace", "payments", "vendors", "search")
WRITER = "marketplace/orders/status.py"

# Query methods that write the fields they are given.
WRITING_METHODS = {"update", "create", "get_or_create", "update_or_create", "bulk_update"}
# Raw SQL setting it (`UPDATE orders_shoporder SET …, status = …`, before any WHERE). The ORM
# creates in the model's initial state (a status passed to it is flagged); a raw INSERT must name
# every column, the initial status included, so it is not read.
RAW_UPDATE = re.compile(
    r"\bupdate\s+\"?orders_(shop)?order\"?\s+set\s(?:(?!\bwhere\b)[^;])*?\bstatus\"?\s*=", re.I
)


def _names_an_order(node: ast.expr) -> bool:
    """`shop_order`, `order`, `refund.shop_order`, `ShopOrder.objects.filter(…)`, `orders[0]`…"""
    while True:
        if isinstance(node, ast.Name):
            return "order" in node.id.lower()
        if isinstance(node, ast.Attribute):
            if "order" in node.attr.lower():
                return True
            node = node.value
        elif isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Subscript):
            node = node.value
        else:
            return False


def _mentions_status(node: ast.expr | None) -> bool:
    return node is not None and any(
        isinstance(sub, ast.Constant) and sub.value == "status" for sub in ast.walk(node)
    )


def _query_writes_status(call: ast.Call) -> bool:
    """`<an order queryset>.update(status=…)` and the like."""
    if not isinstance(call.func, ast.Attribute) or not _names_an_order(call.func.value):
        return False
    method = call.func.attr
    keywords = {k.arg: k.value for k in call.keywords}
    if method == "save":
        return _mentions_status(keywords.get("update_fields"))
    return (
        method in WRITING_METHODS
        and (
            "status" in keywords
            or None in keywords  # **fields: cannot tell, so not allowed
            or any(_mentions_status(keywords.get(k)) for k in ("defaults", "create_defaults"))
            or (method == "bulk_update" and any(_mentions_status(a) for a in call.args[1:]))
            or _mentions_status(keywords.get("fields"))
        )
    )


def _function_writes_status(call: ast.Call) -> bool:
    """`setattr(order, "status", …)`, `ShopOrder(status=…)`."""
    if not isinstance(call.func, ast.Name):
        return False
    if call.func.id == "setattr":
        return (
            len(call.args) > 1 and _names_an_order(call.args[0]) and _mentions_status(call.args[1])
        )
    return call.func.id in {"Order", "ShopOrder"} and any(k.arg == "status" for k in call.keywords)


def status_writes(source: str) -> list[int]:
    """The lines of `source` that write the status of an Order or a ShopOrder."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(
                isinstance(sub, ast.Attribute)
                and sub.attr == "status"
                and _names_an_order(sub.value)
                for target in targets
                for sub in ast.walk(target)
            ):
                lines.append(node.lineno)
        elif isinstance(node, ast.Call):
            if _query_writes_status(node) or _function_writes_status(node):
                lines.append(node.lineno)
        elif (  # raw SQL
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and RAW_UPDATE.search(node.value)
        ):
            lines.append(node.lineno)
    return sorted(set(lines))


def _source_files() -> list[Path]:
    return sorted(
        path
        for folder in SOURCE_DIRS
        for path in (ROOT / folder).rglob("*.py")
        if "migrations" not in path.parts and "tests" not in path.parts
    )


def test_only_the_status_module_writes_an_order_status() -> None:
    # given every module of the apps (views, commands, tasks, API included)
    files = _source_files()
    assert len(files) > 100
    # when each is read
    writes = {
        str(path.relative_to(ROOT)): status_writes(path.read_text(encoding="utf-8"))
        for path in files
    }
    # then only the writer writes a status (and it does: the guard sees its writes)
    assert {name: found for name, found in writes.items() if found and name != WRITER} == {}
    assert len(writes[WRITER]) >= 3


@pytest.mark.parametrize(
    "source",
    [
        "shop_order.status = 'paid'",
        "self.order.status = OrderStatus.CLOSED",
        "orders[0].status = 'paid'",
        "ShopOrder.objects.filter(pk=1).update(status='refunded')",
        "Order.objects.select_for_update().filter(pk=1).update(status='closed', updated_at=now)",
        "shop_orders.update(**fields)",
        "ShopOrder.objects.bulk_update(rows, ['status'])",
        "ShopOrder.objects.bulk_update(rows, fields=['status', 'updated_at'])",
        "Order.objects.update_or_create(pk=1, defaults={'status': 'paid'})",
        "ShopOrder(order=order, status='paid')",
        "ShopOrder.objects.create(order=order, status='paid')",
        "shop_order.save(update_fields=['status'])",
        "setattr(shop_order, 'status', 'paid')",
        "cursor.execute('UPDATE orders_shoporder SET status = %s WHERE id = %s', [s, pk])",
        'sql = """UPDATE "orders_order"\n SET "updated_at" = now(), "status" = %s"""',
    ],
)
def test_the_guard_sees_each_way_of_writing_a_status(source: str) -> None:
    assert status_writes(source) == [1]


@pytest.mark.parametrize(
    "source",
    [
        "vendor.status = VendorStatus.APPROVED",
        "refund.status = RefundStatus.FAILED",
        "Payment.objects.filter(order=order).update(status='canceled')",
        "ShopOrder.objects.filter(pk=1).update(refunded_amount=amount)",
        "ShopOrder.objects.filter(order_id=1, status='paid').exists()",
        "shop_order.save(update_fields=['refunded_amount'])",
        "status = order.status",
        "sql = 'UPDATE orders_order SET number = %s WHERE id = %s AND status = %s'",
        "sql = 'INSERT INTO orders_shoporder (order_id, status) VALUES (%s, %s)'",
    ],
)
def test_the_guard_lets_other_writes_and_reads_be(source: str) -> None:
    assert status_writes(source) == []


@pytest.fixture
def paid_order(two_shop_order: tuple[Order, object, object]) -> Order:
    """A paid order (the dummy gateway) of two shops, its emails recorded in the outbox."""
    return two_shop_order[0]


def _shop_orders(order: Order) -> list[ShopOrder]:
    return list(ShopOrder.objects.filter(order=order).order_by("pk"))


def _emails() -> list[tuple[str, str, int | None]]:
    """The order emails recorded so far: (event, cause, shop order)."""
    return [
        (m.kwargs["event"], f"{m.cause_type}:{m.reason}", m.kwargs["shop_order_id"])
        for m in OutboxMessage.objects.filter(task_name=send_order_notification.name).order_by("pk")
    ]


def _snapshot(order: Order) -> tuple[str, list[tuple[str, str]], int]:
    order.refresh_from_db()
    return (
        order.status,
        [(so.status, so.status_reason) for so in _shop_orders(order)],
        OutboxMessage.objects.count(),
    )


def test_a_refused_single_move_changes_nothing(paid_order: Order) -> None:
    # given a shop order fulfilled
    bakery, _cheese = _shop_orders(paid_order)
    shop_order_accept(shop_order_id=bakery.pk)
    shop_order_mark_ready(shop_order_id=bakery.pk)
    shop_order_fulfil(shop_order_id=bakery.pk)
    before = _snapshot(paid_order)
    # when it is moved back to accepted through the writer
    locked = ShopOrder.objects.select_for_update().get(pk=bakery.pk)
    with pytest.raises(ValidationError) as refused:
        shop_order_move(shop_order=locked, to=ShopOrderStatus.ACCEPTED, notify=True)
    # then INVALID_TRANSITION on id, nothing written, nothing told
    assert refused.value.error_dict["id"][0].code == "INVALID_TRANSITION"
    assert refused.value.error_dict["id"][0].params == {"from": "fulfilled", "to": "accepted"}
    assert _snapshot(paid_order) == before


def test_a_refused_bulk_move_changes_nothing(paid_order: Order) -> None:
    # given a paid order (its shop orders paid)
    before = _snapshot(paid_order)
    # when its shop orders are moved from paid back to unconfirmed, or from paid to fulfilled
    for target in (ShopOrderStatus.UNCONFIRMED, ShopOrderStatus.FULFILLED):
        with pytest.raises(ValidationError) as refused:
            shop_orders_move(
                order_id=paid_order.pk, from_=ShopOrderStatus.PAID, to=target, notify=True
            )
        # then refused before any UPDATE
        assert refused.value.error_dict["id"][0].code == "INVALID_TRANSITION"
    assert _snapshot(paid_order) == before


def test_a_refused_order_move_changes_nothing(paid_order: Order) -> None:
    # given a paid order
    before = _snapshot(paid_order)
    # when it is moved back to unpaid, or cancelled although paid
    for target in (OrderStatus.UNPAID, OrderStatus.CANCELLED):
        locked = Order.objects.select_for_update().get(pk=paid_order.pk)
        with pytest.raises(ValidationError) as refused:
            order_move(order=locked, to=target)
        assert refused.value.error_dict["id"][0].code == "INVALID_TRANSITION"
        assert refused.value.error_dict["id"][0].params == {"from": "paid", "to": target}
    # then nothing changed
    assert _snapshot(paid_order) == before


def test_a_move_without_an_email_cannot_be_told(paid_order: Order) -> None:
    # given a paid shop order
    bakery, _cheese = _shop_orders(paid_order)
    before = _snapshot(paid_order)
    locked = ShopOrder.objects.select_for_update().get(pk=bakery.pk)
    # when a caller asks to notify a move that has no email of its own (refunded)
    with pytest.raises(ValueError, match="refunded"):
        shop_order_move(shop_order=locked, to=ShopOrderStatus.REFUNDED, notify=True)
    # then nothing changed
    assert _snapshot(paid_order) == before


def test_a_failed_refund_takes_back_only_a_shop_order_refunded_from_a_known_state(
    paid_order: Order,
) -> None:
    # given one shop order refunded in full from paid, one refunded before its state was kept
    bakery, cheese = _shop_orders(paid_order)
    locked = ShopOrder.objects.select_for_update().get(pk=bakery.pk)
    assert shop_order_move_refunded(shop_order=locked) == "paid"
    ShopOrder.objects.filter(pk=cheese.pk).update(status="refunded")
    moved_back = []
    for shop_order in _shop_orders(paid_order):
        # when a refund of each fails
        moved_back.append(shop_order_move_refund_failed(shop_order=shop_order))
    # then the first is cancelled (its stock went back with the refund), the second stays
    assert moved_back == ["cancelled", None]
    assert [(so.status, so.status_before_refund) for so in _shop_orders(paid_order)] == [
        ("cancelled", "paid"),
        ("refunded", ""),
    ]
    # and a shop order not refunded stays as it is (a second failure changes nothing)
    assert shop_order_move_refund_failed(shop_order=_shop_orders(paid_order)[0]) is None
    assert _shop_orders(paid_order)[0].status == "cancelled"


def test_a_refund_in_full_is_refused_from_a_state_that_was_never_paid(paid_order: Order) -> None:
    # given an unpaid order
    Order.objects.filter(pk=paid_order.pk).update(status="unpaid", paid_at=None)
    ShopOrder.objects.filter(order=paid_order).update(status="unconfirmed")
    before = _snapshot(paid_order)
    locked = ShopOrder.objects.select_for_update().get(pk=_shop_orders(paid_order)[0].pk)
    # when one is moved to refunded
    with pytest.raises(ValidationError) as refused:
        shop_order_move_refunded(shop_order=locked)
    # then refused, nothing written
    assert refused.value.error_dict["id"][0].params == {"from": "unconfirmed", "to": "refunded"}
    assert _snapshot(paid_order) == before


def test_a_bulk_move_takes_only_the_rows_still_in_its_state(paid_order: Order) -> None:
    # given an order back to unpaid, one of its shop orders already paid (a concurrent writer)
    Order.objects.filter(pk=paid_order.pk).update(status="unpaid", paid_at=None)
    _bakery, cheese = _shop_orders(paid_order)
    ShopOrder.objects.filter(pk=cheese.pk).update(status="unconfirmed")
    # when the unconfirmed ones move to cancelled
    moved = shop_orders_move(
        order_id=paid_order.pk,
        from_=ShopOrderStatus.UNCONFIRMED,
        to=ShopOrderStatus.CANCELLED,
        reason="expired",
        notify=False,
    )
    # then only that one moved, with its reason
    assert moved == 1
    assert [(so.status, so.status_reason) for so in _shop_orders(paid_order)] == [
        ("paid", ""),
        ("cancelled", "expired"),
    ]


def test_an_order_moved_with_its_shop_orders_takes_only_those_still_in_their_state(
    paid_order: Order,
) -> None:
    # given an order back to unpaid, one of its shop orders already cancelled (a concurrent
    # writer), the caller holding instances of both
    Order.objects.filter(pk=paid_order.pk).update(status="unpaid", paid_at=None)
    bakery, cheese = _shop_orders(paid_order)
    ShopOrder.objects.filter(pk=bakery.pk).update(status="cancelled")
    ShopOrder.objects.filter(pk=cheese.pk).update(status="unconfirmed")
    bakery, cheese = _shop_orders(paid_order)
    locked = Order.objects.select_for_update().get(pk=paid_order.pk)
    emails = len(_emails())
    # when the order moves to paid with its unconfirmed shop orders
    left = order_move_with_shop_orders(
        order=locked,
        to=OrderStatus.PAID,
        shop_orders_from=ShopOrderStatus.UNCONFIRMED,
        shop_orders_to=ShopOrderStatus.PAID,
        notify=True,
        shop_orders=[bakery, cheese],
    )
    # then the order is paid, only the unconfirmed one moved (rows and instances alike), and the
    # order-wide email is recorded once
    assert left == "unpaid"
    paid_order.refresh_from_db()
    assert (paid_order.status, paid_order.paid_at) == ("paid", locked.paid_at)
    assert paid_order.paid_at is not None
    assert [so.status for so in _shop_orders(paid_order)] == ["cancelled", "paid"]
    assert [bakery.status, cheese.status] == ["cancelled", "paid"]
    assert _emails()[emails:] == [("order_paid", "order:order_paid", None)]


def test_the_callers_other_writes_are_made_even_when_the_order_was_paid_already(
    paid_order: Order,
) -> None:
    # given a paid order, and a caller's write riding with its move to paid
    bakery, _cheese = _shop_orders(paid_order)
    write = update_statement(ShopOrder.objects.filter(pk=bakery.pk), {"status_reason": "noted"})
    locked = Order.objects.select_for_update().get(pk=paid_order.pk)
    before = _snapshot(paid_order)
    # when it is marked paid again
    order_mark_paid(order=locked, also=[write])
    # then nothing moved, and the caller's write was made
    assert _snapshot(paid_order)[0] == before[0]
    assert _shop_orders(paid_order)[0].status_reason == "noted"


def test_a_refused_order_move_with_its_shop_orders_changes_nothing(paid_order: Order) -> None:
    # given a paid order
    before = _snapshot(paid_order)
    locked = Order.objects.select_for_update().get(pk=paid_order.pk)
    # when it is moved back to unpaid with its shop orders
    with pytest.raises(ValidationError) as refused:
        order_move_with_shop_orders(
            order=locked,
            to=OrderStatus.UNPAID,
            shop_orders_from=ShopOrderStatus.PAID,
            shop_orders_to=ShopOrderStatus.CANCELLED,
            notify=True,
        )
    # then INVALID_TRANSITION, nothing written, nothing told
    assert refused.value.error_dict["id"][0].code == "INVALID_TRANSITION"
    assert _snapshot(paid_order) == before


def test_each_caller_records_the_same_emails_as_before(paid_order: Order) -> None:
    # given a paid order: one email task for the whole order (customer + each shop)
    bakery, cheese = _shop_orders(paid_order)
    assert _emails() == [("order_paid", "order:order_paid", None)]
    # when the bakery goes through every step, and the cheese shop refuses
    shop_order_accept(shop_order_id=bakery.pk)
    shop_order_mark_ready(shop_order_id=bakery.pk)
    shop_order_fulfil(shop_order_id=bakery.pk)
    shop_order_refuse(shop_order_id=cheese.pk, reason="out of stock")
    # and the fulfilled one is then refunded in full
    bakery.refresh_from_db()
    shop_order_refund(shop_order_id=bakery.pk, amount=bakery.subtotal + bakery.delivery_fee)
    # then one email task per shop order move, none for the refund (payments tells of it)
    assert _emails()[1:] == [
        ("accepted", "shop_order:accepted", bakery.pk),
        ("ready", "shop_order:ready", bakery.pk),
        ("fulfilled", "shop_order:fulfilled", bakery.pk),
        ("refused", "shop_order:refused", cheese.pk),
    ]
    assert [so.status for so in _shop_orders(paid_order)] == ["refunded", "refused"]
    paid_order.refresh_from_db()
    assert paid_order.status == "closed"


def test_cancelling_records_the_customers_and_the_shops_email(paid_order: Order) -> None:
    # given a paid order
    bakery, _cheese = _shop_orders(paid_order)
    # when the customer cancels one shop order
    shop_order_cancel(shop_order_id=bakery.pk, reason="changed my mind", by_customer=True)
    # then one "cancelled" task for it (the customer and the shop hear of it)
    assert _emails()[1:] == [("cancelled", "shop_order:cancelled", bakery.pk)]


def test_an_unpaid_order_cancelled_records_one_email(paid_order: Order) -> None:
    # given an order whose payment is pending
    Order.objects.filter(pk=paid_order.pk).update(status="unpaid", paid_at=None)
    ShopOrder.objects.filter(order=paid_order).update(status="unconfirmed")
    OutboxMessage.objects.all().delete()
    # when it is given up, then paid late (nothing to mark any more)
    order_cancel_unpaid(order_id=paid_order.pk, reason="payment expired")
    order_mark_paid(order=Order.objects.select_for_update().get(pk=paid_order.pk))
    # then one task for the whole order, every shop order cancelled with the reason
    assert _emails() == [("order_cancelled", "order:order_cancelled", None)]
    assert [(so.status, so.status_reason) for so in _shop_orders(paid_order)] == [
        ("cancelled", "payment expired"),
        ("cancelled", "payment expired"),
    ]


@pytest.mark.parametrize(
    ("status", "by_anyone", "by_customer"),
    [
        ("unconfirmed", False, False),  # the order is unpaid: cancelled whole
        ("paid", True, True),
        ("accepted", True, False),  # the shop took it on: the customer asks the shop
        ("ready", True, False),
        ("fulfilled", False, False),
        ("cancelled", False, False),
        ("refunded", False, False),
    ],
)
def test_who_may_be_offered_to_cancel_a_shop_order_alone(status, by_anyone, by_customer):
    assert shop_order_may_be_cancelled(status) is by_anyone
    assert shop_order_may_be_cancelled(status, by_customer=True) is by_customer
