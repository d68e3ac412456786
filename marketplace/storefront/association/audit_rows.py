"""How the town's audit log reads for its staff: each entry's object by its name (the shop's name,
the order's number), each change under its field's label, its values in words (states' labels,
dates in the town's timezone, amounts as money, shops and categories by their names).

The one home of the audit fields' labels (`FIELD_LABELS`) and of the objects' (`OBJECT_LABELS`).
The entries keep the raw values (`governance.audit`); only their reading is here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import TextChoices
from django.utils import dateformat
from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from marketplace.catalog.models import Category
from marketplace.core.money import money_text
from marketplace.governance.models import AuditEntry, CommissionScope, StripeFeesPayer
from marketplace.orders.models import Order, OrderStatus, ShopOrder, ShopOrderStatus
from marketplace.towns.models import Town, TownStaffRole
from vendors.models import Vendor, VendorStatus

OBJECT_LABELS: dict[str, Promise] = {
    "vendor": gettext_lazy("Shop"),
    "commissionrule": gettext_lazy("Commission rule"),
    "townsettings": gettext_lazy("Town settings"),
    "townstaff": pgettext_lazy("audit", "Staff member"),
    "order": pgettext_lazy("the noun", "Order"),
    "shoporder": gettext_lazy("Shop's part of an order"),
}
ROLE_LABELS: dict[str, Promise] = {
    "admin": gettext_lazy("administrator"),
    "moderator": gettext_lazy("moderator"),
    "superuser": gettext_lazy("platform administrator"),
}
FIELD_LABELS: dict[str, Promise] = {
    "status": gettext_lazy("State"),
    "status_reason": gettext_lazy("Public reason"),
    "amount": gettext_lazy("Amount"),
    "town_id": gettext_lazy("Town"),
    "vendor_id": gettext_lazy("Shop"),
    "category_id": gettext_lazy("Category"),
    "scope": gettext_lazy("Applies to"),
    "percentage": gettext_lazy("Percentage of the goods"),
    "fixed_amount": gettext_lazy("Fixed amount per shop order"),
    "min_amount": gettext_lazy("Minimum per shop order"),
    "max_amount": gettext_lazy("Maximum per shop order"),
    "valid_from": gettext_lazy("Valid from"),
    "valid_until": gettext_lazy("Valid until"),
    "previous_id": gettext_lazy("Version it replaces"),
    "refund_commission": gettext_lazy("Give the commission back when a shop order is refunded"),
    "stripe_fees_payer": gettext_lazy("Who bears Stripe's fees"),
    "checkout_max_units_per_variant": gettext_lazy("Most units of one product per order"),
    "checkout_max_units": gettext_lazy("Most units per order"),
    "audit_show_staff_names": gettext_lazy("Staff names shown in the public log"),
    "contact_email": gettext_lazy("The association's contact email"),
    "email": gettext_lazy("Email"),
    "role": gettext_lazy("Role"),
}
# Named by the entry's object already ("Order MP-…", "Commission rule n° 3"): not a change.
SUBJECT_FIELDS = frozenset({"id", "order"})
STATUS_CHOICES: dict[str, type[TextChoices]] = {
    "vendor": VendorStatus,
    "order": OrderStatus,
    "shoporder": ShopOrderStatus,
}
CHOICE_FIELDS: dict[str, type[TextChoices]] = {
    "scope": CommissionScope,
    "role": TownStaffRole,
    "stripe_fees_payer": StripeFeesPayer,
}
MONEY_FIELDS = frozenset({"amount", "fixed_amount", "min_amount", "max_amount"})
MOMENT_FIELDS = frozenset({"valid_from", "valid_until"})
NONE = "—"


@dataclass(frozen=True)
class AuditChange:
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class AuditRow:
    entry: AuditEntry
    subject: str
    role: str
    changes: list[AuditChange]


def audit_role(role: str) -> str:
    return str(ROLE_LABELS.get(role, role))


@dataclass(frozen=True)
class _Names:
    """The names the page's entries refer to, read once per page (one query per kind)."""

    vendors: dict[int, str]
    categories: dict[int, str]
    towns: dict[int, str]
    orders: dict[int, str]
    shop_orders: dict[int, tuple[str, str]]

    @classmethod
    def of(cls, entries: list[AuditEntry]) -> _Names:
        def ids(object_type: str, *fields: str) -> set[int]:
            found = {e.object_id for e in entries if e.object_type == object_type}
            for entry in entries:
                for side in (entry.before, entry.after):
                    if isinstance(side, dict):
                        found |= {v for f in fields if isinstance(v := side.get(f), int)}
            return found

        shop_orders = ShopOrder.objects.filter(pk__in=ids("shoporder")).values_list(
            "pk", "vendor__name", "order__number"
        )
        return cls(
            vendors=dict(
                Vendor.objects.filter(pk__in=ids("vendor", "vendor_id")).values_list("pk", "name")
            ),
            categories=dict(
                Category.objects.filter(pk__in=ids("", "category_id")).values_list("pk", "name")
            ),
            towns=dict(Town.objects.filter(pk__in=ids("", "town_id")).values_list("pk", "name")),
            orders=dict(Order.objects.filter(pk__in=ids("order")).values_list("pk", "number")),
            shop_orders={pk: (shop, number) for pk, shop, number in shop_orders},
        )


def audit_rows(*, entries: Iterable[AuditEntry], town: Town) -> list[AuditRow]:
    """Each entry as the staff read it (the page's names in a few queries, not one per entry)."""
    entries = list(entries)
    names = _Names.of(entries)
    return [
        AuditRow(
            entry=entry,
            subject=_subject(entry, names),
            role=audit_role(entry.actor_role),
            changes=_changes(entry, names, town),
        )
        for entry in entries
    ]


def _subject(entry: AuditEntry, names: _Names) -> str:
    number = entry.object_id
    if entry.object_type == "vendor" and number in names.vendors:
        return names.vendors[number]
    if entry.object_type == "order" and number in names.orders:
        return _("Order %(number)s") % {"number": names.orders[number]}
    if entry.object_type == "shoporder" and number in names.shop_orders:
        shop, order_number = names.shop_orders[number]
        return _("Part of %(shop)s in order %(number)s") % {"shop": shop, "number": order_number}
    if entry.object_type == "townsettings":
        return str(OBJECT_LABELS["townsettings"])
    if entry.object_type == "townstaff":
        email = _side_value(entry, "email")
        if email:
            return _("Staff role of %(email)s") % {"email": email}
    label = OBJECT_LABELS.get(entry.object_type, entry.object_type)
    return f"{label} n° {number}"


def _side_value(entry: AuditEntry, field: str) -> Any:
    for side in (entry.after, entry.before):
        if isinstance(side, dict) and side.get(field):
            return side[field]
    return None


def _changes(entry: AuditEntry, names: _Names, town: Town) -> list[AuditChange]:
    """The fields whose value differs, in the labels' order (then any other, by name)."""
    before = entry.before if isinstance(entry.before, dict) else {}
    after = entry.after if isinstance(entry.after, dict) else {}
    order = list(FIELD_LABELS)
    fields = sorted(
        (set(before) | set(after)) - SUBJECT_FIELDS,
        key=lambda f: (order.index(f) if f in FIELD_LABELS else len(order), f),
    )
    read = _reader(entry, names, town)
    return [
        AuditChange(
            label=str(FIELD_LABELS.get(field, field)),
            before=read(field, before.get(field)),
            after=read(field, after.get(field)),
        )
        for field in fields
        if before.get(field) != after.get(field)
    ]


def _reader(entry: AuditEntry, names: _Names, town: Town) -> Callable[[str, Any], str]:
    zone = ZoneInfo(town.timezone or "Europe/Paris")

    def read(field: str, value: Any) -> str:
        if value is None or value == "":
            return NONE
        if isinstance(value, bool):
            return _("yes") if value else _("no")
        choices = STATUS_CHOICES.get(entry.object_type) if field == "status" else None
        choices = choices or CHOICE_FIELDS.get(field)
        if choices is not None and value in choices.values:
            return str(choices(value).label)
        if field == "vendor_id":
            return names.vendors.get(value, f"n° {value}")
        if field == "category_id":
            return names.categories.get(value, f"n° {value}")
        if field == "town_id":
            return names.towns.get(value, f"n° {value}")
        if field == "previous_id":
            return f"n° {value}"
        if field in MOMENT_FIELDS:
            return _moment(value, zone)
        if field in MONEY_FIELDS:
            return _decimal(value, lambda amount: money_text(amount, town.currency))
        if field == "percentage":
            return _decimal(value, lambda rate: f"{number_format(_plain(rate), use_l10n=True)} %")
        return str(value)

    return read


def _moment(value: Any, zone: ZoneInfo) -> str:
    try:
        moment = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return dateformat.format(moment.astimezone(zone), "d/m/Y H:i")


def _plain(rate: Decimal) -> Decimal:
    """A rate without its trailing zeros (`4.500` → `4.5`, `5.000` → `5`)."""
    return rate.quantize(Decimal(1)) if rate == rate.to_integral() else rate.normalize()


def _decimal(value: Any, show: Callable[[Decimal], str]) -> str:
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    return show(amount) if amount.is_finite() else str(value)
