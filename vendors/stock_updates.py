"""Every change of a stock's quantity by a shop: recorded, never below what is allocated.

The low-stock email: when a stock with a threshold goes below it (quantity < threshold) and the
shop has not been told yet, a Celery task emails the shop once; `low_stock_notified_at` is cleared
when the quantity is back at or above the threshold.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.accounts.requester import Requester
from marketplace.core.outbox import Cause, queue_task_on_commit
from search.indexing import mark_products_dirty
from vendors.error_codes import VendorErrorCode
from vendors.models import Stock, StockMovementReason, Variant
from vendors.stock import sold_out, stock_lock, stock_set, stocks_lock
from vendors.tasks import notify_low_stock
from vendors.validation import field_error

ADJUST_REASONS = (
    StockMovementReason.ADJUSTMENT,
    StockMovementReason.RECEIVED,
    StockMovementReason.LOSS,
    StockMovementReason.RETURN,
)


def low_stock_transition(*, quantity: int, threshold: int | None, notified: bool) -> str | None:
    """ "notify" when the stock is low and not yet notified, "reset" when it rose back, else None."""
    if threshold is None:
        return "reset" if notified else None
    if quantity < threshold:
        return None if notified else "notify"
    return "reset" if notified else None


def apply_low_stock_rules(stocks: Iterable[tuple[Stock, int | None]]) -> None:
    """Inside the transaction: reset flags that no longer apply, schedule the emails that do."""
    to_reset: list[int] = []
    to_notify: list[int] = []
    for stock, threshold in stocks:
        transition = low_stock_transition(
            quantity=stock.quantity,
            threshold=threshold,
            notified=stock.low_stock_notified_at is not None,
        )
        if transition == "reset":
            to_reset.append(stock.pk)
            stock.low_stock_notified_at = None
        elif transition == "notify":
            to_notify.append(stock.pk)
    if to_reset:
        Stock.objects.filter(pk__in=to_reset).update(low_stock_notified_at=None)
    for stock_id in to_notify:
        queue_task_on_commit(
            notify_low_stock, cause=Cause("stock", stock_id, "low"), stock_id=stock_id
        )


# Far below the column's 2³¹ − 1, so that sums over a shop's stocks stay in range too.
MAX_STOCK_QUANTITY = 10**9


def _change(
    *,
    variant: Variant,
    stock: Stock,
    new_quantity: int,
    user: Requester | None,
    reason: str,
    note: str,
) -> Stock:
    if new_quantity < 0:
        raise field_error(
            "quantity", _("Stock cannot be negative."), VendorErrorCode.INVALID_QUANTITY
        )
    if new_quantity > MAX_STOCK_QUANTITY:
        raise field_error(
            "quantity",
            _("Stock cannot exceed %(max)d units.") % {"max": MAX_STOCK_QUANTITY},
            VendorErrorCode.INVALID_QUANTITY,
        )
    was_sold_out = sold_out(stock.quantity, stock.quantity_allocated)
    if not stock_set(stock=stock, quantity=new_quantity, user=user, reason=reason, note=note):
        return stock
    apply_low_stock_rules([(stock, variant.low_stock_threshold)])
    if sold_out(stock.quantity, stock.quantity_allocated) != was_sold_out:
        # Search shows whether units are left unsold, not how many, and the pages read the stock
        # themselves: only a count that empties the variant or brings it back is re-indexed.
        mark_products_dirty(product_ids=[variant.product_id])
    return stock


def _change_locked(
    *,
    variant_id: int,
    quantity: int | None,
    delta: int,
    user: Requester | None,
    reason: str,
    note: str,
) -> Stock:
    """Locks the variant's stock and sets it to `quantity`, or moves it by `delta` when None."""
    with transaction.atomic():
        variant = Variant.objects.get(pk=variant_id)
        stock = stock_lock(variant_id=variant_id)
        return _change(
            variant=variant,
            stock=stock,
            new_quantity=stock.quantity + delta if quantity is None else quantity,
            user=user,
            reason=reason,
            note=note,
        )


def stock_update(
    *, variant_id: int, quantity: int, user: Requester | None, note: str = ""
) -> Stock:
    """Set the quantity on hand (a stock count)."""
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        raise field_error("quantity", _("Enter a whole number."), VendorErrorCode.INVALID_QUANTITY)
    return _change_locked(
        variant_id=variant_id,
        quantity=quantity,
        delta=0,
        user=user,
        reason=StockMovementReason.SET,
        note=note,
    )


def stock_adjust(
    *, variant_id: int, delta: int, reason: str, user: Requester | None, note: str = ""
) -> Stock:
    """Add or remove units (goods received, loss, return, adjustment)."""
    if isinstance(delta, bool) or not isinstance(delta, int) or delta == 0:
        raise field_error(
            "delta", _("Enter a whole number other than 0."), VendorErrorCode.INVALID_QUANTITY
        )
    if reason not in ADJUST_REASONS:
        raise field_error("reason", _("Unknown reason."), VendorErrorCode.INVALID)
    return _change_locked(
        variant_id=variant_id, quantity=None, delta=delta, user=user, reason=reason, note=note
    )


def stock_low_notify(*, stock_id: int) -> bool:
    """Email the shop that a variant runs low, at most once per crossing. True when sent."""
    with transaction.atomic():
        found = (
            Stock.objects.select_related("variant__product", "variant__vendor")
            .filter(pk=stock_id)
            .first()
        )
        if found is None:
            return False
        # Read without a lock (the variant, product and shop rows stay free), then the stock row
        # is locked and re-read: the decision is taken on the locked row.
        stock = stocks_lock(variant_ids=[found.variant_id]).get(found.variant_id)
        if stock is None:
            return False
        variant = found.variant
        transition = low_stock_transition(
            quantity=stock.quantity,
            threshold=variant.low_stock_threshold,
            notified=stock.low_stock_notified_at is not None,
        )
        if transition != "notify":
            return False
        stock.low_stock_notified_at = timezone.now()
        stock.save(update_fields=["low_stock_notified_at"])
        vendor = variant.vendor
        send_mail(
            subject=_("Low stock: %(product)s (%(sku)s)")
            % {"product": variant.product.name, "sku": variant.sku},
            message=_(
                "%(product)s (%(sku)s) has %(quantity)d units left, below your threshold of "
                "%(threshold)d."
            )
            % {
                "product": variant.product.name,
                "sku": variant.sku,
                "quantity": stock.quantity,
                "threshold": variant.low_stock_threshold,
            },
            from_email=None,
            recipient_list=[vendor.email],
        )
    return True


def stock_low_sweep() -> int:
    """Notify every low stock not yet notified (its on-commit task never ran); the beat sweeper."""
    ids = list(
        Stock.objects.filter(
            low_stock_notified_at__isnull=True,
            variant__low_stock_threshold__isnull=False,
            quantity__lt=F("variant__low_stock_threshold"),
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:500]
    )
    return sum(1 for pk in ids if stock_low_notify(stock_id=pk))
