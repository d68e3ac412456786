"""The governance audit log: every action, who did it, when, why, before and after.

Services call `audit_record` inside their own transaction, so an action and its entry commit
(or roll back) together. Entries are never changed.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any, overload

from django.db.models import Model, QuerySet

from marketplace.accounts.requester import Requester
from marketplace.governance.models import PUBLIC_ACTIONS, AuditEntry
from marketplace.towns.models import TownStaff


def actor_role(*, user: Requester | None, town_id: int | None) -> str:
    """The role under which `user` acts for the town, for the record."""
    if user is None or not user.is_authenticated:
        return ""
    if user.is_superuser:
        return "superuser"
    if town_id is None:
        return ""
    role = (
        TownStaff.objects.filter(user_id=user.pk, town_id=town_id)
        .values_list("role", flat=True)
        .first()
    )
    return role or ""


def audit_record(
    *,
    town_id: int | None,
    actor: Requester | None,
    action: str,
    obj: Model,
    reason: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    return AuditEntry.objects.create(
        town_id=town_id,
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_role=actor_role(user=actor, town_id=town_id),
        action=action,
        object_type=obj._meta.model_name or "",
        object_id=obj.pk,
        reason=reason,
        before=jsonable(before),
        after=jsonable(after),
        is_public=action in PUBLIC_ACTIONS,
    )


@overload
def jsonable(value: dict[str, Any]) -> dict[str, Any]: ...
@overload
def jsonable(value: None) -> None: ...
@overload
def jsonable(value: object) -> object: ...
def jsonable(value: Any) -> Any:
    """Decimals as strings, datetimes as ISO 8601: what a JSON column and an export can hold."""
    if isinstance(value, dict):
        return {key: jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return value


def audit_entries(*, town_id: int, include_private: bool) -> QuerySet[AuditEntry]:
    """A town's log, newest first; the public part unless `include_private`."""
    queryset = AuditEntry.objects.filter(town_id=town_id)
    if not include_private:
        queryset = queryset.filter(is_public=True)
    return queryset.order_by("-created_at", "-id")
