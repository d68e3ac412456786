"""checkoutComplete: a checkout becomes an order, then its payment is started.

One transaction: lock the checkout row, create the Order and one ShopOrder per shop with snapshots
and the payment (pending, no PaymentIntent yet), then lock the stock rows in pk order, re-check
availability after the locks and allocate (the stock rows come last so that these contended locks
are held for the shortest time); nothing is visible to others before the commit, and a shortage
rolls it all back. Then, outside any transaction, the PaymentIntent is created (a network call that
holds no lock) and recorded. When the provider fails, the order stays unpaid: completing again
drives its payment again with the same idempotency key, and the payment timeout cancels it.
Completing twice returns the same order (Order.checkout_token is unique = the checkout id).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, OperationalError, connections, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.accounts.requester import Requester
from marketplace.checkout.access import check_checkout_access, not_found, parse_checkout_id
from marketplace.checkout.contact import delivery_address_missing, delivery_address_required
from marketplace.checkout.error_codes import CheckoutErrorCode
from marketplace.checkout.models import Checkout, CheckoutDelivery, CheckoutLine, Reservation
from marketplace.checkout.pricing import CheckoutSummary, checkout_summary
from marketplace.core.compiled import Slot, compiled_query
from marketplace.core.conflicts import conflict_retriable
from marketplace.core.inserts import rows_insert
from marketplace.governance.commission import commission_quotes
from marketplace.orders.models import Order, OrderLine, OrderStatus, ShopOrder
from marketplace.orders.numbers import order_number
from payments.charges import PaymentOutcome, payment_pending, payment_start_for_order
from payments.models import Payment
from search.indexing import mark_products_dirty
from vendors.models import VendorStatus
from vendors.stock import InsufficientStock, stock_allocate


@dataclass(frozen=True)
class CheckoutCompletion:
    order: Order
    payment: PaymentOutcome | None  # None when the order already existed and was not unpaid
    created: bool
    prepared: Payment | None = None  # the new order's payment, before its intent is created
    # The new order's shop orders (their vendors cached) and lines, as inserted: its payment
    # and the API's answer need not read them back.
    shop_orders: tuple[ShopOrder, ...] = ()
    lines: tuple[OrderLine, ...] = ()


def _error(field: str | None, message: str, code: CheckoutErrorCode) -> ValidationError:
    return ValidationError({field or "__all__": ValidationError(message, code=code.value)})


def _existing(checkout_id: uuid.UUID, user: Requester) -> Order | None:
    order = Order.objects.filter(checkout_token=checkout_id).first()
    if (
        order is not None
        and order.user_id is not None
        and (not user.is_authenticated or user.pk != order.user_id)
    ):
        raise PermissionDenied(_("This checkout is not yours."))
    return order


def checkout_complete(*, checkout_id: Any, user: Requester) -> CheckoutCompletion:
    pk = parse_checkout_id(checkout_id)
    for attempt in range(2):
        try:
            with transaction.atomic():
                completion = _complete(pk, user)
            break
        except IntegrityError:
            # Another request completed this checkout between our look-up and our insert, or
            # (very rarely) the order number drawn was taken: completed again with a new one.
            order = _existing(pk, user)
            if order is not None:
                completion = CheckoutCompletion(order=order, payment=None, created=False)
                break
            if attempt:
                raise
        except OperationalError as error:
            # Under load, a deadlock with another writer (or a serialization failure) ends this
            # transaction: nothing of it remains, and the other went on; tried once more.
            if attempt or not conflict_retriable(error):
                raise
    if not completion.created and completion.order.status != OrderStatus.UNPAID:
        return completion
    # Committed: the PaymentIntent is created outside any transaction (again for an unpaid order
    # completed before, whose payment start failed: the same idempotency key, never two intents).
    payment = payment_start_for_order(
        order=completion.order,
        payment=completion.prepared,
        shop_orders=list(completion.shop_orders) if completion.created else None,
    )
    order = payment.order or completion.order
    return CheckoutCompletion(
        order=order,
        payment=payment,
        created=completion.created,
        shop_orders=completion.shop_orders,
        lines=completion.lines,
    )


def _lock_query() -> QuerySet[Checkout]:
    return (
        Checkout.objects.select_related("town")
        .select_for_update(of=("self",))
        .filter(pk=Slot("pk", Checkout._meta.pk))
    )


def _complete(pk: uuid.UUID, user: Requester) -> CheckoutCompletion:
    # Compiled once per process (marketplace.core.compiled), as the summary's queries.
    checkout = next(iter(compiled_query(("checkout_complete_lock",), _lock_query).run(pk=pk)), None)
    if checkout is None:
        order = _existing(pk, user)  # completed already (the checkout became the order)
        if order is None:
            raise not_found()
        return CheckoutCompletion(order=order, payment=None, created=False)
    check_checkout_access(checkout, user)
    if not checkout.email:
        raise _error("email", _("An email address is required."), CheckoutErrorCode.EMAIL_REQUIRED)
    summary = checkout_summary(checkout=checkout)
    if not summary.groups:
        raise _error(None, _("The checkout is empty."), CheckoutErrorCode.EMPTY_CHECKOUT)
    for group in summary.groups:
        if group.vendor.status != VendorStatus.APPROVED:
            raise _error(
                "lines",
                _("%(shop)s does not sell at the moment.") % {"shop": group.vendor.name},
                CheckoutErrorCode.VARIANT_NOT_AVAILABLE,
            )
        for line in group.lines:
            if not line.variant.product.is_published:
                raise _error(
                    "lines",
                    _("%(product)s is no longer sold: remove it to order.")
                    % {"product": line.variant.product.name},
                    CheckoutErrorCode.VARIANT_NOT_AVAILABLE,
                )
        if group.delivery_method is None:
            raise _error(
                "delivery_method",
                _("%(shop)s offers no delivery method.") % {"shop": group.vendor.name},
                CheckoutErrorCode.DELIVERY_METHOD_NOT_OFFERED,
            )
    # A shop that delivers needs the address (read from the row and the summary: no query).
    if not checkout.delivery_address and delivery_address_required(groups=summary.groups):
        raise ValidationError({"delivery_address": delivery_address_missing()})
    # The checkout has become the order: deleted in the statement that inserts the order.
    order, prepared, shop_orders, lines = _create_order(
        summary, also=_checkout_deletes(checkout.pk)
    )
    # The stock rows are what concurrent buyers wait for: locked last, so held the least time.
    # A shortage found now rolls the whole transaction back (order and payment included).
    sold_out = set(_allocate(summary))
    if sold_out:
        # Search shows whether a product is in stock, not how many are left: only an order that
        # sells a variant out changes what it shows (`search.indexing.mark_products_dirty`).
        shops = {
            line.variant.product_id: (line.variant.vendor_id, checkout.town_id)
            for line in summary.lines
            if line.variant.pk in sold_out
        }
        mark_products_dirty(product_ids=list(shops), shops=shops)
    return CheckoutCompletion(
        order=order,
        payment=None,
        created=True,
        prepared=prepared,
        shop_orders=tuple(shop_orders),
        lines=tuple(lines),
    )


_CHILDREN = (CheckoutLine, CheckoutDelivery, Reservation)


def _checkout_deletes(pk: uuid.UUID) -> list[tuple[str, list[Any]]]:
    """The statements that drop the checkout with its lines, delivery choices and reservations,
    children first (run by `rows_insert` with the order's INSERT: one statement on PostgreSQL,
    where the foreign keys are checked at the commit; one DELETE each elsewhere)."""
    connection = connections[Checkout.objects.db]
    key = Checkout._meta.pk.get_db_prep_value(pk, connection)
    # Only the models' table names are formatted in; the checkout id is a bound parameter.
    table = connection.ops.quote_name
    return [
        (f"DELETE FROM {table(model._meta.db_table)} WHERE {column} = %s", [key])  # noqa: S608
        for model, column in (*((child, "checkout_id") for child in _CHILDREN), (Checkout, "id"))
    ]


def _allocate(summary: CheckoutSummary) -> list[int]:
    """Allocates the lines' stock (vendors.stock.stock_allocate: locks in pk order, re-checks after
    the locks) and gives back the variants it sold out; a shortage raises INSUFFICIENT_STOCK with
    the short variants."""
    wanted: dict[int, int] = {}
    for line in summary.lines:
        wanted[line.variant.pk] = wanted.get(line.variant.pk, 0) + line.quantity
    try:
        return stock_allocate(quantities=wanted, exclude_checkout=summary.checkout.pk)
    except InsufficientStock as shortage:
        message = _("Not enough stock left for some items; please update your cart.")
        raise ValidationError(
            {
                "lines": ValidationError(
                    message,
                    code=CheckoutErrorCode.INSUFFICIENT_STOCK.value,
                    params={"variants": shortage.variant_ids},
                )
            }
        ) from shortage


def _create_order(
    summary: CheckoutSummary, *, also: list[tuple[str, list[Any]]]
) -> tuple[Order, Payment, list[ShopOrder], list[OrderLine]]:
    """The order with its shop orders (snapshots of the commission), lines (snapshots of the
    names and prices) and payment, inserted together with the writes `also` (one statement on
    PostgreSQL, and now and then one drawing keys ahead: `rows_insert`)."""
    checkout = summary.checkout
    now = timezone.now()
    order = Order(
        number=order_number(at=now),
        checkout_token=checkout.pk,
        town=checkout.town,
        user_id=checkout.user_id,
        customer_name=checkout.customer_name,
        email=checkout.email,
        phone=checkout.phone,
        delivery_address=checkout.delivery_address,
        currency=summary.currency,
        subtotal=summary.subtotal,
        delivery_total=summary.delivery_total,
        total=summary.total,
        language=checkout.language,
    )
    quotes = commission_quotes(
        orders=[(group.vendor, group.subtotal) for group in summary.groups], at=now
    )
    shop_orders = []
    for group, quote in zip(summary.groups, quotes, strict=True):
        shop_orders.append(
            ShopOrder(
                order=order,
                vendor=group.vendor,
                currency=summary.currency,
                subtotal=group.subtotal,
                delivery_method=group.delivery_method or "",
                delivery_fee=group.delivery_fee,
                commission_rule=quote.rule,
                commission_percentage=quote.percentage,
                commission_fixed=quote.fixed_amount,
                commission=quote.amount,
                payout=group.subtotal + group.delivery_fee - quote.amount,
                vat_breakdown=group.vat_breakdown(),
            )
        )
    order_lines = []
    for group, shop_order in zip(summary.groups, shop_orders, strict=True):
        for line in group.lines:
            variant = line.variant
            order_lines.append(
                OrderLine(
                    shop_order=shop_order,
                    variant=variant,
                    product_name=variant.product.name,
                    variant_name=variant.name,
                    sku=variant.sku,
                    category_slug=variant.product.category.slug,
                    quantity=line.quantity,
                    unit_price=line.unit_price,
                    total=line.total,
                    vat_rate=line.vat_rate,
                    vat_amount=line.vat,
                    quantity_allocated=line.quantity,
                )
            )
    # The payment, pending: its intent is created after the commit.
    payment = payment_pending(order=order)
    rows_insert(groups=[[order], shop_orders, order_lines, [payment]], also=also)
    return order, payment, shop_orders, order_lines
