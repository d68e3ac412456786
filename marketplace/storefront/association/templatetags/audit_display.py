"""How an audit entry reads for the association's staff: what changed, on what, by which role."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

register = template.Library()

OBJECT_LABELS = {
    "vendor": _("Shop"),
    "commissionrule": _("Commission rule"),
    "townsettings": _("Town settings"),
    "townstaff": pgettext_lazy("audit", "Staff member"),
    "order": _("Order"),
    "shoporder": _("Shop's part of an order"),
}
ROLE_LABELS = {
    "admin": _("administrator"),
    "moderator": _("moderator"),
    "superuser": _("platform administrator"),
}


@register.filter
def audit_object(entry: Any) -> str:
    label = OBJECT_LABELS.get(entry.object_type, entry.object_type)
    return f"{label} n° {entry.object_id}"


@register.filter
def audit_role(role: str) -> str:
    return str(ROLE_LABELS.get(role, role))


@register.filter
def audit_changes(entry: Any) -> list[tuple[str, Any, Any]]:
    """(field, before, after) for each field whose value differs, in a stable order."""
    before = entry.before if isinstance(entry.before, dict) else {}
    after = entry.after if isinstance(entry.after, dict) else {}
    return [
        (key, before.get(key, "—"), after.get(key, "—"))
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    ]
