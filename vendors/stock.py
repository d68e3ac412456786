"""Stock's one home: what is free, and every write to a stock row.

Verbs (all inside the caller's transaction; rows locked in primary-key order, ids in a sorted list):
- `stocks_lock` / `stock_lock`: lock the rows (`stock_lock` creates a missing one);
- `stock_allocate`: checkoutComplete's conditional UPDATE, re-checked after the locks;
- `stock_release` (allocation given back), `stock_consume` (goods left the shop: a SALE movement);
- `stock_set` (one counted quantity) and, in bulk, `stocks_create` / `stocks_set` (one statement
  per batch); each quantity change writes its `StockMovement` (who, delta, quantity after, why).
The low-stock email and search's dirty marks stay with the callers (`stock_updates.py`, …).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import connection, transaction
from django.db.models import (
    Case,
    DateTimeField,
    Expression,
    F,
    IntegerField,
    QuerySet,
    UUIDField,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.accounts.models import User
from marketplace.accounts.requester import Requester
from marketplace.checkout.models import Reservation
from marketplace.core.compiled import Slot, Slots, compiled_query, compiled_statement
from marketplace.core.updates import (
    Statement,
    statements_returning,
    update_returning_statement,
)
from vendors.error_codes import VendorErrorCode
from vendors.models import Stock, StockMovement, StockMovementReason, Variant
from vendors.validation import field_error

# Rows per statement of the bulk verbs.
BATCH_SIZE = 2000


class InsufficientStock(Exception):
    """`stock_allocate` found too little free stock for these variants (sorted ids).

    Other rows may have been allocated already: the caller lets its transaction roll back.
    """

    def __init__(self, variant_ids: list[int]) -> None:
        super().__init__(f"insufficient stock for variants {variant_ids}")
        self.variant_ids = variant_ids


class _FreeQuantity(Expression):
    """quantity - allocated - unexpired reservations of the outer Stock row, as SQL written once.

    The same rule as an ORM Subquery cost about 2.5 ms of Python per query to build and compile
    (10 times the query itself); this compiles in microseconds. Its parameters are adapted as the
    fields would be (SQLite stores datetimes and uuids as text).
    """

    output_field = IntegerField()

    def __init__(self, exclude_checkout: Any, now: Any = None) -> None:
        super().__init__()
        self.exclude_checkout = exclude_checkout
        self.now = now

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        quote = connection.ops.quote_name
        stock = compiler.quote_name_unless_alias(compiler.query.get_initial_alias())
        reservations = quote(Reservation._meta.db_table)
        # A value is compiled as a Value of its field (adapted as the field would be: SQLite
        # stores datetimes and uuids as text); a Slot of a compiled query as itself.
        now_sql, params = compiler.compile(
            _as_expression(timezone.now() if self.now is None else self.now, DateTimeField())
        )
        # Identifiers only (quoted); the values are parameters.
        sql = (
            f"{stock}.{quote('quantity')} - {stock}.{quote('quantity_allocated')} - COALESCE(("  # noqa: S608
            f"SELECT SUM(r.{quote('quantity')}) FROM {reservations} r"
            f" WHERE r.{quote('variant_id')} = {stock}.{quote('variant_id')}"
            f" AND r.{quote('expires_at')} > {now_sql}"
        )
        params = tuple(params)
        if self.exclude_checkout is not None:
            checkout_sql, checkout_params = compiler.compile(
                _as_expression(self.exclude_checkout, UUIDField())
            )
            sql += f" AND r.{quote('checkout_id')} <> {checkout_sql}"
            params += tuple(checkout_params)
        return f"{sql}), 0)", params


def _as_expression(value: Any, field: Any) -> Any:
    return value if hasattr(value, "as_sql") else Value(value, output_field=field)


def free_quantity(*, exclude_checkout: Any = None, now: Any = None) -> Any:
    """The expression, on a Stock row, of quantity - allocated - unexpired reservations (those of
    `exclude_checkout` apart): what available_quantities reads and stock_allocate allocates from.
    `now`: the instant reservations are unexpired at (default: now); in a compiled query
    (marketplace.core.compiled) `now` and `exclude_checkout` may be Slots.
    """
    return _FreeQuantity(exclude_checkout, now)


def available_quantities(
    variant_ids: Iterable[int], *, exclude_checkout: uuid.UUID | str | None = None
) -> dict[int, int]:
    """quantity - allocated - unexpired reservations for each variant (0 when it has no stock).

    Reservations of `exclude_checkout` (the asking customer's own checkout) do not count against
    it. A reservation stops counting the instant it expires (expires_at > now), purge or not.
    One SQL query.
    """
    ids = list(variant_ids)
    if not ids:
        return {}
    # Compiled once per shape (marketplace.core.compiled): pages ask it on every view.
    count, excluding = len(ids), exclude_checkout is not None
    rows = compiled_query(
        ("available_quantities", count, excluding),
        lambda: _available_query(count, excluding=excluding),
    ).run(now=timezone.now(), checkout=exclude_checkout, **_numbered("v", ids))
    found = {variant_id: max(0, free) for variant_id, free in rows}
    return {variant_id: found.get(variant_id, 0) for variant_id in ids}


def _numbered(prefix: str, values: Sequence[Any]) -> dict[str, Any]:
    return {f"{prefix}{i}": value for i, value in enumerate(values)}


def reservation_slots() -> tuple[Slot, Slot]:
    """The slots `now` and `checkout` (the reservation instant and the checkout left out) of a
    compiled query's free_quantity (marketplace.core.compiled)."""
    return (
        Slot("now", Reservation._meta.get_field("expires_at")),
        Slot("checkout", Reservation._meta.get_field("checkout")),
    )


def _available_query(count: int, *, excluding: bool) -> QuerySet[Stock, tuple[int, int]]:
    now, checkout = reservation_slots()
    return Stock.objects.filter(variant_id__in=variant_slots(count)).values_list(
        "variant_id", free_quantity(exclude_checkout=checkout if excluding else None, now=now)
    )


def allocated_message(allocated: int) -> str:
    """Why a quantity below what orders hold is refused (STOCK_BELOW_ALLOCATED)."""
    return _("%(allocated)d units are already allocated to orders.") % {"allocated": allocated}


def _actor(user: Requester | None) -> User | None:
    """The user a movement records: an account, else nobody."""
    return user if user is not None and user.is_authenticated else None


def _per_variant(quantities: Mapping[int, int]) -> Case:
    """A CASE giving each stock row its variant's number (for one UPDATE over several rows)."""
    return Case(
        *[When(variant_id=v, then=Value(n)) for v, n in sorted(quantities.items())],
        output_field=IntegerField(),
    )


def stocks_lock(*, variant_ids: Iterable[int]) -> dict[int, Stock]:
    """Locks the stock rows of these variants in primary-key order: {variant_id: Stock}.

    Variants without a stock row are absent. One SELECT … FOR UPDATE.
    """
    ids = sorted(set(variant_ids))
    if not ids:
        return {}
    rows = Stock.objects.select_for_update().filter(variant_id__in=ids).order_by("pk")
    return {stock.variant_id: stock for stock in rows}


def stock_lock(*, variant_id: int) -> Stock:
    """Locks one variant's stock row, creating it (quantity 0) when it is missing."""
    stock = stocks_lock(variant_ids=[variant_id]).get(variant_id)
    if stock is None:
        stock, created = Stock.objects.get_or_create(variant_id=variant_id)
        if not created:  # another transaction created it meanwhile: wait for its lock
            stock = Stock.objects.select_for_update().get(pk=stock.pk)
    return stock


def stock_allocate(
    *, quantities: Mapping[int, int], exclude_checkout: uuid.UUID | str | None = None
) -> list[int]:
    """Allocates `quantities` ({variant_id: units > 0}) if every variant has that much free, and
    gives back the variants it sold out: nothing of them is left unallocated (sorted ids).

    Locks the rows in pk order (reading what they hold), then one conditional UPDATE whose check
    (free stock, reservations of `exclude_checkout` apart) reads them after the locks, and which
    returns the variants it allocated: the others (short, or without a stock row) raise
    InsufficientStock. Nothing is recorded as a movement (the quantity on hand does not change).
    """
    assert transaction.get_connection().in_atomic_block
    wanted = {v: n for v, n in quantities.items() if n > 0}
    ids = sorted(wanted)
    if not ids:
        return []
    # Two statements, not one: the UPDATE's snapshot must be taken once the locks are held, so
    # that a checkout completed meanwhile no longer counts by its reservations (deleted) as
    # well as by its allocation. Locking in a sub-select of the UPDATE undersold (the 50-buyer
    # race in tests/checkout/test_concurrency.py).
    # Locked reading three numbers of each row, no model instance. Both statements are
    # compiled once per number of variants (marketplace.core.compiled): the UPDATE's SQL costs
    # milliseconds of CPU to build, per checkout.
    count = len(ids)
    values: dict[str, Any] = {f"v{i}": v for i, v in enumerate(ids)}
    values.update({f"n{i}": wanted[v] for i, v in enumerate(ids)})
    held = compiled_query(("stock_allocate_lock", count), lambda: _allocate_lock_query(count)).run(
        **values
    )
    excluding = exclude_checkout is not None
    statement = compiled_statement(
        ("stock_allocate", count, excluding),
        lambda: _allocate_statement(count, excluding=excluding),
        using=Stock.objects.db,
    )
    allocated = statements_returning(
        using=Stock.objects.db,
        statements=[statement.sql_params(**values, now=timezone.now(), checkout=exclude_checkout)],
    )
    if len(allocated) != len(ids):
        raise InsufficientStock(sorted(set(ids) - set(allocated)))
    # The rows are locked: what the UPDATE added to them is exactly what was wanted.
    return sorted(
        variant
        for variant, quantity, allocated_before in held
        if sold_out(quantity, allocated_before + wanted[variant])
    )


def sold_out(quantity: int, allocated: int) -> bool:
    """Nothing of the row is left unsold (`unsold_quantities`)."""
    return quantity - allocated <= 0


def variant_slots(count: int) -> Slots:
    """The slots v0 … v{count-1} of a compiled query's variant ids."""
    return Slots("v", count, Stock._meta.get_field("variant"))


def _allocate_lock_query(count: int) -> QuerySet[Stock, tuple[int, int, int]]:
    return (
        Stock.objects.select_for_update()
        .filter(variant_id__in=variant_slots(count))
        .order_by("pk")
        .values_list("variant_id", "quantity", "quantity_allocated")
    )


def _allocate_statement(count: int, *, excluding: bool) -> Statement:
    """stock_allocate's UPDATE of `count` variants (slots v0…, their units n0…, `now`, and the
    `checkout` whose reservations do not count when `excluding`)."""
    variants = variant_slots(count)
    quantity = Case(
        *[
            When(variant_id=variant, then=Slot(f"n{i}", IntegerField()))
            for i, variant in enumerate(variants.slots)
        ],
        output_field=IntegerField(),
    )
    now, checkout = reservation_slots()
    free = free_quantity(exclude_checkout=checkout if excluding else None, now=now)
    return update_returning_statement(
        Stock.objects.filter(variant_id__in=variants)
        .alias(free=free, wanted=quantity)
        .filter(free__gte=F("wanted")),
        {"quantity_allocated": F("quantity_allocated") + quantity},
        returning="variant_id",
    )


def _lock_allocated(quantities: Mapping[int, int]) -> tuple[dict[int, Stock], dict[int, int]]:
    """Locks the rows (pk order); each variant's units capped at what its row holds allocated
    (variants left with nothing to move are dropped)."""
    stocks = stocks_lock(variant_ids=[v for v, n in quantities.items() if n > 0])
    capped = {v: min(quantities[v], stock.quantity_allocated) for v, stock in stocks.items()}
    return stocks, {v: n for v, n in capped.items() if n > 0}


def stock_release(*, quantities: Mapping[int, int]) -> list[int]:
    """Gives back allocated units ({variant_id: units}), at most what each row holds, and gives
    back the variants it brought back: nothing of them was left unallocated (sorted ids).

    Locks in pk order, one UPDATE; no movement (the quantity on hand does not change).
    """
    stocks, released = _lock_allocated(quantities)
    if not released:
        return []
    back = sorted(v for v in released if sold_out(stocks[v].quantity, stocks[v].quantity_allocated))
    Stock.objects.filter(variant_id__in=sorted(released)).update(
        quantity_allocated=F("quantity_allocated") - _per_variant(released)
    )
    return back


def stock_consume(
    *, quantities: Mapping[int, int], user: Requester | None, note: str = ""
) -> dict[int, int]:
    """The goods left the shop: quantity and allocated both lose the units ({variant_id: units},
    at most what each row holds allocated), recorded as SALE movements.

    Locks in pk order, one UPDATE, one INSERT of the movements. Returns the units per variant.
    """
    stocks, consumed = _lock_allocated(quantities)
    if not consumed:
        return consumed
    delta = _per_variant(consumed)
    Stock.objects.filter(variant_id__in=sorted(consumed)).update(
        quantity=F("quantity") - delta, quantity_allocated=F("quantity_allocated") - delta
    )
    movements = []
    for v, n in sorted(consumed.items()):
        stock = stocks[v]
        stock.quantity -= n
        stock.quantity_allocated -= n
        movements.append(
            StockMovement(
                stock=stock,
                user=_actor(user),
                delta=-n,
                quantity_after=stock.quantity,
                reason=StockMovementReason.SALE,
                note=note[:255],
            )
        )
    StockMovement.objects.bulk_create(movements)
    return consumed


def stock_set(
    *,
    stock: Stock,
    quantity: int,
    user: Requester | None,
    reason: str = StockMovementReason.SET,
    note: str = "",
    field: str = "quantity",
) -> int:
    """Sets the quantity on hand of a locked row and records the movement; returns the delta
    (0: nothing written). Below what orders hold allocated: STOCK_BELOW_ALLOCATED on `field`."""
    if quantity < stock.quantity_allocated:
        raise field_error(
            field,
            allocated_message(stock.quantity_allocated),
            VendorErrorCode.STOCK_BELOW_ALLOCATED,
        )
    delta = quantity - stock.quantity
    if delta == 0:
        return 0
    stock.quantity = quantity
    stock.save(update_fields=["quantity"])
    StockMovement.objects.create(
        stock=stock,
        user=_actor(user),
        delta=delta,
        quantity_after=quantity,
        reason=reason,
        note=note[:255],
    )
    return delta


def stocks_create(
    *,
    quantities: Sequence[tuple[Variant, int]],
    user: Requester | None,
    reason: str,
    record_zero: bool = False,
) -> list[Stock]:
    """Creates the stock rows of new variants ((variant, quantity) pairs) and the movements of
    their opening quantities (zero ones too when `record_zero`). One INSERT per batch of each."""
    stocks = Stock.objects.bulk_create(
        [Stock(variant=variant, quantity=quantity) for variant, quantity in quantities],
        batch_size=BATCH_SIZE,
    )
    StockMovement.objects.bulk_create(
        [
            StockMovement(
                stock=stock,
                user=_actor(user),
                delta=stock.quantity,
                quantity_after=stock.quantity,
                reason=reason,
            )
            for stock in stocks
            if stock.quantity or record_zero
        ],
        batch_size=BATCH_SIZE,
    )
    return stocks


def stocks_set(
    *, quantities: Sequence[tuple[Stock, int]], user: Requester | None, reason: str
) -> list[Stock]:
    """Sets the quantities on hand of locked rows ((stock, quantity) pairs, already checked against
    what is allocated; the CHECK constraint is the backstop) and records the movements.

    One UPDATE … FROM (VALUES …) and one INSERT per batch. Returns the rows that changed.
    """
    changed = [(stock, quantity) for stock, quantity in quantities if stock.quantity != quantity]
    table = connection.ops.quote_name(Stock._meta.db_table)
    movements = []
    for start in range(0, len(changed), BATCH_SIZE):
        batch = changed[start : start + BATCH_SIZE]
        values = ", ".join(["(%s, %s)"] * len(batch))
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET quantity = v.column2 FROM (VALUES {values}) AS v "  # noqa: S608
                f"WHERE {table}.id = v.column1",
                [value for stock, quantity in batch for value in (stock.pk, quantity)],
            )
    for stock, quantity in changed:
        movements.append(
            StockMovement(
                stock=stock,
                user=_actor(user),
                delta=quantity - stock.quantity,
                quantity_after=quantity,
                reason=reason,
            )
        )
        stock.quantity = quantity
    StockMovement.objects.bulk_create(movements, batch_size=BATCH_SIZE)
    return [stock for stock, _quantity in changed]


def unsold_quantities(variant_ids: Iterable[int]) -> dict[int, int]:
    """quantity - allocated for each variant (0 when it has no stock): what its shop has not sold
    yet, whatever carts hold for their few minutes (search's "in stock": it changes only when an
    order sells it out, an order gives units back or the shop counts its stock). One query."""
    ids = list(variant_ids)
    found = dict(
        Stock.objects.filter(variant_id__in=ids).values_list(
            "variant_id", F("quantity") - F("quantity_allocated")
        )
    )
    return {variant_id: max(0, found.get(variant_id, 0)) for variant_id in ids}


def vendor_available_quantities(*, vendor_id: int) -> dict[int, int]:
    """available_quantities of every variant of a shop that has a stock row. One SQL query."""
    rows = compiled_query(("vendor_available_quantities",), _vendor_available_query).run(
        vendor=vendor_id, now=timezone.now()
    )
    return {variant_id: max(0, free) for variant_id, free in rows}


def _vendor_available_query() -> QuerySet[Stock, tuple[int, int]]:
    now, _checkout = reservation_slots()
    return Stock.objects.filter(
        variant__vendor_id=Slot("vendor", Variant._meta.get_field("vendor"))
    ).values_list("variant_id", free_quantity(now=now))
