"""Shop decisions by the association: approve, refuse, suspend, reinstate.

Only approved shops sell and are indexed. A decision re-indexes the shop's products (the search
app drops a non-approved shop's products), and checkout refuses a non-approved shop's variants at
once since it reads `vendor.status`. Orders already placed go on.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from marketplace.accounts.requester import Requester
from marketplace.core.outbox import Cause, queue_task_on_commit
from marketplace.governance.audit import audit_record
from marketplace.governance.error_codes import GovernanceErrorCode
from marketplace.governance.models import AuditAction
from marketplace.governance.notifications import VENDOR_REFUSAL
from marketplace.governance.tasks import send_vendor_decision_email
from marketplace.orders.models import ShopOrder
from marketplace.orders.transitions import OPEN_STATES, PAID_STATES
from search.indexing import mark_town_opened, mark_vendor_dirty
from vendors.models import Vendor, VendorStatus

# A public reason is a sentence or two, not a document.
MAX_REASON_LENGTH = 1000
# action -> (allowed "from" statuses, the "to" status)
_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    AuditAction.VENDOR_APPROVE: (frozenset({VendorStatus.PENDING}), VendorStatus.APPROVED),
    AuditAction.VENDOR_SUSPEND: (
        frozenset({VendorStatus.PENDING, VendorStatus.APPROVED}),
        VendorStatus.SUSPENDED,
    ),
    AuditAction.VENDOR_REINSTATE: (frozenset({VendorStatus.SUSPENDED}), VendorStatus.APPROVED),
}


def vendor_approve(*, vendor_id: int, actor: Requester) -> Vendor:
    """pending → approved."""
    return _vendor_decide(
        vendor_id=vendor_id, action=AuditAction.VENDOR_APPROVE, reason="", actor=actor
    )


def vendor_suspend(*, vendor_id: int, reason: str, actor: Requester) -> Vendor:
    """approved (or pending: a refusal) → suspended. The reason is public."""
    return _vendor_decide(
        vendor_id=vendor_id,
        action=AuditAction.VENDOR_SUSPEND,
        reason=_required_reason(reason, missing=_("Give the reason for the suspension.")),
        actor=actor,
    )


# A suspended shop's orders already placed go on: those paid and not handed over yet (to accept,
# to prepare, ready) are still its to serve.
UNHANDLED_PAID_STATES: frozenset[str] = PAID_STATES & OPEN_STATES


def vendor_suspend_preview(*, vendor_id: int, reason: str) -> int:
    """How many paid orders the shop has not handed over yet (a suspension does not stop them),
    before anyone confirms its suspension for `reason`. Refuses what `vendor_suspend` would
    refuse (no reason, a shop that cannot be suspended); nothing is written."""
    _required_reason(reason, missing=_("Give the reason for the suspension."))
    vendor = Vendor.objects.filter(pk=vendor_id).first()
    if vendor is None:
        raise _not_found()
    allowed, target = _TRANSITIONS[AuditAction.VENDOR_SUSPEND]
    if vendor.status not in allowed:
        raise _not_allowed(vendor.status, target)
    return ShopOrder.objects.filter(vendor_id=vendor.pk, status__in=UNHANDLED_PAID_STATES).count()


def vendor_refuse(*, vendor_id: int, reason: str, actor: Requester) -> Vendor:
    """pending → suspended: an application turned down. The reason is public.

    Unlike `vendor_suspend`, it refuses a shop already approved (that one is suspended, not
    refused). Audited as a suspension whose `before` status is `pending`.
    """
    return _vendor_decide(
        vendor_id=vendor_id,
        action=AuditAction.VENDOR_SUSPEND,
        reason=_required_reason(reason, missing=_("Give the reason for the refusal.")),
        actor=actor,
        allowed=frozenset({VendorStatus.PENDING}),
    )


def vendor_suspension_is_refusal(*, status_before: str | None) -> bool:
    """A suspension of a shop still pending is its application turned down (`vendor_refuse`)."""
    return status_before == VendorStatus.PENDING


def _required_reason(reason: str, *, missing: str) -> str:
    """`reason` trimmed; `missing` (what the decision is: a suspension, a refusal) when empty."""
    reason = reason.strip()
    if not reason:
        raise ValidationError(
            {
                "reason": ValidationError(
                    missing,
                    code=GovernanceErrorCode.REASON_REQUIRED.value,
                )
            }
        )
    if len(reason) > MAX_REASON_LENGTH:
        raise ValidationError(
            {
                "reason": ValidationError(
                    _("At most %(max)d characters.") % {"max": MAX_REASON_LENGTH},
                    code=GovernanceErrorCode.INVALID.value,
                )
            }
        )
    return reason


def vendor_reinstate(*, vendor_id: int, actor: Requester) -> Vendor:
    """suspended → approved."""
    return _vendor_decide(
        vendor_id=vendor_id, action=AuditAction.VENDOR_REINSTATE, reason="", actor=actor
    )


def _not_found() -> ValidationError:
    return ValidationError(
        {"id": ValidationError(_("No such shop."), code=GovernanceErrorCode.NOT_FOUND.value)}
    )


def _not_allowed(status: str, target: str) -> ValidationError:
    return ValidationError(
        {
            "id": ValidationError(
                _("A shop that is %(status)s cannot be %(target)s.")
                % {"status": VendorStatus(status).label, "target": VendorStatus(target).label},
                code=GovernanceErrorCode.INVALID_STATUS_TRANSITION.value,
            )
        }
    )


def _vendor_decide(
    *,
    vendor_id: int,
    action: str,
    reason: str,
    actor: Requester,
    allowed: frozenset[str] | None = None,
) -> Vendor:
    default_allowed, target = _TRANSITIONS[action]
    allowed = default_allowed if allowed is None else allowed
    with transaction.atomic():
        vendor = Vendor.objects.select_for_update().filter(pk=vendor_id).first()
        if vendor is None:
            raise _not_found()
        if vendor.status not in allowed:
            raise _not_allowed(vendor.status, target)
        before = {"status": vendor.status, "status_reason": vendor.status_reason}
        vendor.status = target
        vendor.status_reason = reason
        vendor.save(update_fields=["status", "status_reason", "updated_at"])
        audit_record(
            town_id=vendor.town_id,
            actor=actor,
            action=action,
            obj=vendor,
            reason=reason,
            before=before,
            after={"status": vendor.status, "status_reason": vendor.status_reason},
        )
        mark_vendor_dirty(vendor_id=vendor.pk)
        if target == VendorStatus.APPROVED:
            mark_town_opened(town_id=vendor.town_id)  # its first shop: the town's index is built
        refused = action == AuditAction.VENDOR_SUSPEND and vendor_suspension_is_refusal(
            status_before=before["status"]
        )
        told = VENDOR_REFUSAL if refused else action
        queue_task_on_commit(
            send_vendor_decision_email,
            cause=Cause("vendor", vendor.pk, told),
            vendor_id=vendor.pk,
            action=told,
        )
    return vendor
