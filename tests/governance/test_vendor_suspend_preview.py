"""vendor_suspend_preview: before a suspension is confirmed, how many paid orders the shop has
still to hand over; it refuses what the suspension would refuse, and writes nothing."""

import pytest
from django.core.exceptions import ValidationError

from marketplace.governance.approval import vendor_suspend_preview
from marketplace.governance.models import AuditEntry
from tests.factories import ShopOrderFactory, VendorFactory
from vendors.models import VendorStatus

pytestmark = pytest.mark.django_db


def test_it_counts_the_paid_orders_not_handed_over_yet(town):
    shop = VendorFactory(town=town, status=VendorStatus.APPROVED)
    for status in ("paid", "accepted", "ready", "fulfilled", "refused", "refunded", "unconfirmed"):
        ShopOrderFactory(order__town=town, vendor=shop, status=status)
    ShopOrderFactory(order__town=town, status="paid")

    assert vendor_suspend_preview(vendor_id=shop.pk, reason="Impayés") == 3
    shop.refresh_from_db()
    assert shop.status == VendorStatus.APPROVED and not AuditEntry.objects.exists()


@pytest.mark.parametrize(
    ("status", "reason", "field", "code"),
    [
        (VendorStatus.APPROVED, "  ", "reason", "REASON_REQUIRED"),
        (VendorStatus.SUSPENDED, "Impayés", "id", "INVALID_STATUS_TRANSITION"),
    ],
)
def test_it_refuses_what_the_suspension_refuses(town, status, reason, field, code):
    shop = VendorFactory(town=town, status=status)

    with pytest.raises(ValidationError) as raised:
        vendor_suspend_preview(vendor_id=shop.pk, reason=reason)

    assert [
        (name, [e.code for e in errors]) for name, errors in raised.value.error_dict.items()
    ] == [(field, [code])]
