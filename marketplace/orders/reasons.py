"""The reasons a shop order's status keeps (`ShopOrder.status_reason`), as people read them.

A person's reason (a shop refusing, a customer or a shop cancelling) is kept as they wrote it.
The system's own are codes (the API gives them as they are); pages and emails tell them in words,
in the reader's language.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

STATUS_REASON_TEXTS = {
    "cancelled_by_customer": _("cancelled by the customer"),
    "cancelled_by_staff": _("cancelled by the town's association"),
    "payment_timeout": _("not paid in time"),
}


def status_reason_text(reason: str) -> str:
    """The reason in words: a code's text in the active language, else the reason as written."""
    text = STATUS_REASON_TEXTS.get(reason)
    return reason if text is None else str(text)
