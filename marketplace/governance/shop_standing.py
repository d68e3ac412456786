"""Where a shop stands with the association, as its own back office tells its members.

A shop that is not approved is either waiting for the association's decision (pending, since
its application) or was suspended: its reason is the shop's `status_reason` (public, set by the
decision), its date that of the decision's audit entry. A suspension of a shop that was pending
is an application turned down (`approval.vendor_refuse`), told as a refusal.
"""

from __future__ import annotations

import datetime
import enum
from dataclasses import dataclass
from typing import Any

from marketplace.governance.approval import vendor_suspension_is_refusal
from marketplace.governance.models import AuditAction, AuditEntry
from vendors.models import Vendor, VendorStatus


class ShopStandingKind(enum.StrEnum):
    PENDING = "pending"
    SUSPENDED = "suspended"
    REFUSED = "refused"


@dataclass(frozen=True)
class ShopStanding:
    kind: ShopStandingKind
    # Since when: the application (pending) or the decision; None when no decision was recorded
    # (a shop suspended outside the association's services, such as by a data load).
    since: datetime.datetime | None
    # The association's public reason ("" while pending).
    reason: str


def vendor_standing(*, vendor: Vendor) -> ShopStanding | None:
    """None for an approved shop (without a query); otherwise what the shop is waiting for or
    what the association decided, when and why (one query for a suspended shop)."""
    if vendor.status == VendorStatus.APPROVED:
        return None
    if vendor.status == VendorStatus.PENDING:
        return ShopStanding(kind=ShopStandingKind.PENDING, since=vendor.created_at, reason="")
    decision = (
        AuditEntry.objects.filter(
            action=AuditAction.VENDOR_SUSPEND,
            object_type=Vendor._meta.model_name,
            object_id=vendor.pk,
        )
        .order_by("-created_at", "-id")
        .values("created_at", "before")
        .first()
    )
    before: dict[str, Any] = (decision["before"] if decision else None) or {}
    refused = vendor_suspension_is_refusal(status_before=before.get("status"))
    return ShopStanding(
        kind=ShopStandingKind.REFUSED if refused else ShopStandingKind.SUSPENDED,
        since=decision["created_at"] if decision else None,
        reason=vendor.status_reason,
    )
