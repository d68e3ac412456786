"""Commission rules: create, change (a new version), end. A version in use is never edited.

Every write of a town's rules locks the town row first, so that two administrators cannot create
overlapping rules at the same time.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.accounts.requester import Requester
from marketplace.catalog.models import Category
from marketplace.core.money import ZERO, money_round
from marketplace.governance.audit import audit_record
from marketplace.governance.error_codes import GovernanceErrorCode as Code
from marketplace.governance.models import AuditAction, CommissionRule
from marketplace.towns.models import Town
from vendors.models import Vendor

HUNDRED = Decimal(100)
# The largest amount the columns hold (max_digits=10, decimal_places=2).
MAX_AMOUNT = Decimal("99999999.99")
MILLI = Decimal("0.001")
# A client's "now" may lag the server's by a little.
_GRACE = timedelta(minutes=5)


@dataclass(frozen=True)
class RuleTerms:
    """What a version says: rates, bounds, window (the scope never changes between versions)."""

    percentage: Decimal
    fixed_amount: Decimal
    min_amount: Decimal | None
    max_amount: Decimal | None
    valid_from: datetime
    valid_until: datetime | None


def rule_snapshot(rule: CommissionRule) -> dict[str, Any]:
    return {
        "id": rule.pk,
        "town_id": rule.town_id,
        "vendor_id": rule.vendor_id,
        "category_id": rule.category_id,
        "scope": str(rule.scope),
        "percentage": rule.percentage,
        "fixed_amount": rule.fixed_amount,
        "min_amount": rule.min_amount,
        "max_amount": rule.max_amount,
        "valid_from": rule.valid_from,
        "valid_until": rule.valid_until,
        "previous_id": rule.previous_id,
    }


def _error(field: str, message: str, code: Code) -> ValidationError:
    return ValidationError({field: ValidationError(message, code=code.value)})


def _validate_terms(terms: RuleTerms) -> None:
    errors: dict[str, list[ValidationError]] = {}

    def add(field: str, message: str, code: Code) -> None:
        errors.setdefault(field, []).append(ValidationError(message, code=code.value))

    exponent = terms.percentage.as_tuple().exponent
    if not (ZERO <= terms.percentage <= HUNDRED) or (isinstance(exponent, int) and exponent < -3):
        add(
            "percentage",
            _("The percentage must be between 0 and 100, with at most 3 decimals."),
            Code.INVALID_PERCENTAGE,
        )
    for field, value in (
        ("fixed_amount", terms.fixed_amount),
        ("min_amount", terms.min_amount),
        ("max_amount", terms.max_amount),
    ):
        if value is None:
            continue
        exponent = value.as_tuple().exponent
        if value < ZERO:
            add(field, _("An amount cannot be negative."), Code.NEGATIVE_AMOUNT)
        elif value > MAX_AMOUNT:
            add(field, _("An amount is at most %(max)s.") % {"max": MAX_AMOUNT}, Code.INVALID)
        elif isinstance(exponent, int) and exponent < -2:
            add(field, _("An amount has at most 2 decimals."), Code.INVALID)
    if (
        terms.min_amount is not None
        and terms.max_amount is not None
        and terms.min_amount > terms.max_amount
    ):
        add(
            "min_amount",
            _("The minimum cannot exceed the maximum."),
            Code.MIN_GREATER_THAN_MAX,
        )
    if terms.valid_until is not None and terms.valid_until <= terms.valid_from:
        add(
            "valid_until",
            _("The end of validity must come after its start."),
            Code.INVALID_WINDOW,
        )
    if errors:
        raise ValidationError(errors)


def _normalised(terms: RuleTerms) -> RuleTerms:
    """The terms at the precision they are stored with (3 decimals for %, cents for money)."""

    def cents(value: Decimal | None) -> Decimal | None:
        return None if value is None else money_round(value)

    return RuleTerms(
        percentage=terms.percentage.quantize(MILLI),
        fixed_amount=money_round(terms.fixed_amount),
        min_amount=cents(terms.min_amount),
        max_amount=cents(terms.max_amount),
        valid_from=terms.valid_from,
        valid_until=terms.valid_until,
    )


def _overlapping(
    *,
    town_id: int,
    vendor_id: int | None,
    category_id: int | None,
    valid_from: datetime,
    valid_until: datetime | None,
) -> QuerySet[CommissionRule]:
    """Versions of the same scope whose window meets [valid_from, valid_until)."""
    same_scope = (
        Q(town_id=town_id)
        & (Q(vendor__isnull=True) if vendor_id is None else Q(vendor_id=vendor_id))
        & (Q(category__isnull=True) if category_id is None else Q(category_id=category_id))
    )
    queryset = CommissionRule.objects.filter(same_scope).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gt=valid_from)
    )
    if valid_until is not None:
        queryset = queryset.filter(valid_from__lt=valid_until)
    # Empty windows (ended before they started) never apply.
    return queryset.exclude(valid_until__isnull=False, valid_until__lte=F("valid_from"))


def _refuse_overlap(rule_scope: dict[str, Any], terms: RuleTerms, exclude_pk: int | None) -> None:
    clash = _overlapping(valid_from=terms.valid_from, valid_until=terms.valid_until, **rule_scope)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise _error(
            "valid_from",
            _("Another rule of the same scope is valid during this period; end it first."),
            Code.OVERLAPPING_RULE,
        )


def _rule_insert(
    *,
    scope: dict[str, int | None],
    terms: RuleTerms,
    previous: CommissionRule | None,
    actor: Requester | None,
) -> CommissionRule:
    """A new rule (or a new version of `previous`) with `terms` over `scope`."""
    return CommissionRule.objects.create(
        **scope,
        percentage=terms.percentage,
        fixed_amount=terms.fixed_amount,
        min_amount=terms.min_amount,
        max_amount=terms.max_amount,
        valid_from=terms.valid_from,
        valid_until=terms.valid_until,
        previous=previous,
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )


def _audit_rule(
    *,
    town_id: int,
    actor: Requester | None,
    action: AuditAction,
    rule: CommissionRule,
    before: dict[str, Any] | None = None,
) -> None:
    """The audit log's entry for a change of `rule` (its terms before and after)."""
    audit_record(
        town_id=town_id,
        actor=actor,
        action=action,
        obj=rule,
        before=before,
        after=rule_snapshot(rule),
    )


def commission_rule_create(
    *,
    town_id: int,
    vendor_id: int | None = None,
    category_id: int | None = None,
    percentage: Decimal = ZERO,
    fixed_amount: Decimal = ZERO,
    min_amount: Decimal | None = None,
    max_amount: Decimal | None = None,
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
    actor: Requester | None = None,
) -> CommissionRule:
    """A first version of a rule for the town (optionally for one shop and/or one category).

    `valid_from` defaults to now and cannot lie in the past: history is not rewritten.
    """
    now = timezone.now()
    terms = RuleTerms(
        percentage=percentage,
        fixed_amount=fixed_amount,
        min_amount=min_amount,
        max_amount=max_amount,
        valid_from=valid_from or now,
        valid_until=valid_until,
    )
    _validate_terms(terms)
    terms = _normalised(terms)
    if terms.valid_from < now - _GRACE:
        raise _error("valid_from", _("A rule cannot start in the past."), Code.INVALID_WINDOW)
    if terms.valid_from < now:
        # A "now" that lags by a little starts now: history is never rewritten.
        terms = replace(terms, valid_from=now)
        _validate_terms(terms)
    if category_id is not None and not Category.objects.filter(pk=category_id).exists():
        raise _error("category", _("No such category."), Code.NOT_FOUND)
    with transaction.atomic():
        town = Town.objects.select_for_update().filter(pk=town_id).first()
        if town is None:
            raise _error("town", _("No such town."), Code.NOT_FOUND)
        if vendor_id is not None:
            vendor_town = (
                Vendor.objects.filter(pk=vendor_id).values_list("town_id", flat=True).first()
            )
            if vendor_town is None:
                raise _error("vendor", _("No such shop."), Code.NOT_FOUND)
            if vendor_town != town.pk:
                raise _error(
                    "vendor", _("This shop belongs to another town."), Code.VENDOR_NOT_IN_TOWN
                )
        scope = {"town_id": town.pk, "vendor_id": vendor_id, "category_id": category_id}
        _refuse_overlap(scope, terms, exclude_pk=None)
        rule = _rule_insert(scope=scope, terms=terms, previous=None, actor=actor)
        _audit_rule(
            town_id=town.pk, actor=actor, action=AuditAction.COMMISSION_RULE_CREATE, rule=rule
        )
    return rule


_UNSET: Any = object()


def _locked_current_version(rule_id: int, *, now: datetime) -> tuple[Town, CommissionRule]:
    """Locks the rule's town then the rule; refuses versions already ended or superseded."""
    town_id = CommissionRule.objects.filter(pk=rule_id).values_list("town_id", flat=True).first()
    if town_id is None:
        raise _error("id", _("No such commission rule."), Code.NOT_FOUND)
    town = Town.objects.select_for_update().get(pk=town_id)
    rule = CommissionRule.objects.select_for_update().get(pk=rule_id)
    if CommissionRule.objects.filter(previous_id=rule.pk).exists():
        raise _error(
            "id", _("This version has been replaced by a newer one."), Code.RULE_SUPERSEDED
        )
    if rule.valid_until is not None and rule.valid_until <= now:
        raise _error("id", _("This rule has already ended."), Code.RULE_ENDED)
    return town, rule


def commission_rule_update(
    *,
    rule_id: int,
    percentage: Decimal | None = None,
    fixed_amount: Decimal | None = None,
    min_amount: Decimal | None = _UNSET,
    max_amount: Decimal | None = _UNSET,
    valid_until: datetime | None = _UNSET,
    actor: Requester | None = None,
) -> CommissionRule:
    """A new version of the rule from the change time on; the old version ends at that time.

    The change time is now, or the old version's start if it has not started yet (the old
    version then keeps an empty window: it never applied). Omitted terms are carried over;
    `min_amount`, `max_amount` and `valid_until` given as None are cleared.
    """
    now = timezone.now()
    with transaction.atomic():
        town, old = _locked_current_version(rule_id, now=now)
        change_at = max(now, old.valid_from)
        terms = RuleTerms(
            percentage=old.percentage if percentage is None else percentage,
            fixed_amount=old.fixed_amount if fixed_amount is None else fixed_amount,
            min_amount=old.min_amount if min_amount is _UNSET else min_amount,
            max_amount=old.max_amount if max_amount is _UNSET else max_amount,
            valid_from=change_at,
            valid_until=old.valid_until if valid_until is _UNSET else valid_until,
        )
        _validate_terms(terms)
        terms = _normalised(terms)
        scope = {"town_id": town.pk, "vendor_id": old.vendor_id, "category_id": old.category_id}
        _refuse_overlap(scope, terms, exclude_pk=old.pk)
        before = rule_snapshot(old)
        old.valid_until = change_at
        old.ended_at = now
        old.save(update_fields=["valid_until", "ended_at"])
        rule = _rule_insert(scope=scope, terms=terms, previous=old, actor=actor)
        _audit_rule(
            town_id=town.pk,
            actor=actor,
            action=AuditAction.COMMISSION_RULE_UPDATE,
            rule=rule,
            before=before,
        )
    return rule


def commission_rule_end(
    *, rule_id: int, at: datetime | None = None, actor: Requester | None = None
) -> CommissionRule:
    """Ends the rule at `at` (default now; never in the past, never later than its own end).

    A rule that has not started by `at` gets an empty window: it never applies.
    """
    now = timezone.now()
    at = at or now
    if at < now - _GRACE:
        raise _error("at", _("A rule cannot be ended in the past."), Code.INVALID_WINDOW)
    at = max(at, now)
    with transaction.atomic():
        town, rule = _locked_current_version(rule_id, now=now)
        if rule.valid_until is not None and at >= rule.valid_until:
            raise _error("at", _("The rule already ends before this date."), Code.INVALID_WINDOW)
        before = rule_snapshot(rule)
        rule.valid_until = max(at, rule.valid_from)
        rule.ended_at = now
        rule.save(update_fields=["valid_until", "ended_at"])
        _audit_rule(
            town_id=town.pk,
            actor=actor,
            action=AuditAction.COMMISSION_RULE_END,
            rule=rule,
            before=before,
        )
    return rule


def commission_rules_of_town(*, town_id: int) -> QuerySet[CommissionRule]:
    """Every version of the town's rules, current and past, newest first."""
    return CommissionRule.objects.filter(town_id=town_id).order_by("-valid_from", "-id")
