"""Telling a shop what the association decided about it."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from marketplace.governance.models import AuditAction
from vendors.models import Vendor, VendorRole

# What a shop is told of: a decision (its audit action), or the refusal of its application (audited
# as a suspension of a shop still pending: `approval.vendor_suspension_is_refusal`).
VENDOR_REFUSAL = "vendor.refuse"

SUBJECTS: dict[str, Callable[[], str]] = {
    AuditAction.VENDOR_APPROVE: lambda: _("Your shop is open on the town's marketplace"),
    AuditAction.VENDOR_SUSPEND: lambda: _("Your shop is suspended from the town's marketplace"),
    VENDOR_REFUSAL: lambda: _("Your shop's application to the town's marketplace is turned down"),
    AuditAction.VENDOR_REINSTATE: lambda: _("Your shop is open again on the town's marketplace"),
}


def vendor_decision_email_send(*, vendor_id: int, action: str) -> bool:
    """Emails the shop and its owners about `action` (a key of SUBJECTS); False when the shop is
    gone or the action is unknown."""
    vendor = Vendor.objects.select_related("town").filter(pk=vendor_id).first()
    if vendor is None or action not in SUBJECTS:
        return False
    owners = vendor.members.filter(role=VendorRole.OWNER).select_related("user")
    recipients = sorted({vendor.email, *(member.user.email for member in owners)})
    language = next((m.user.language for m in owners), settings.LANGUAGE_CODE)
    with translation.override(language):
        subject = str(SUBJECTS[action]())
        body = render_to_string(
            "governance/email/vendor_decision.txt",
            {"vendor": vendor, "action": action, "site": settings.PUBLIC_BASE_URL},
        )
    # An answer goes to the town's association, when it gave an address.
    reply_to = [vendor.town.contact_email] if vendor.town.contact_email else None
    EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, recipients, reply_to=reply_to).send()
    return True
