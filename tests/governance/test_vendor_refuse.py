"""vendor_refuse: an application (pending shop) turned down with a public reason."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from marketplace.governance.approval import vendor_refuse, vendor_suspend
from marketplace.governance.models import AuditEntry
from tests.factories import VendorFactory
from vendors.models import VendorStatus

pytestmark = pytest.mark.django_db


def test_a_pending_shop_is_refused_with_its_reason_and_the_refusal_is_audited(town, moderator):
    vendor = VendorFactory(town=town, status=VendorStatus.PENDING)

    refused = vendor_refuse(vendor_id=vendor.pk, reason="  Hors du territoire  ", actor=moderator)

    assert (refused.status, refused.status_reason) == (VendorStatus.SUSPENDED, "Hors du territoire")
    entry = AuditEntry.objects.get(object_id=vendor.pk)
    assert (entry.action, entry.actor, entry.reason) == (
        "vendor.suspend",
        moderator,
        "Hors du territoire",
    )
    assert entry.before == {"status": "pending", "status_reason": ""}


def test_an_approved_shop_cannot_be_refused_and_nothing_changes(town, moderator):
    vendor = VendorFactory(town=town, status=VendorStatus.APPROVED)

    with pytest.raises(ValidationError) as raised:
        vendor_refuse(vendor_id=vendor.pk, reason="Trop tard", actor=moderator)

    assert raised.value.error_dict["id"][0].code == "INVALID_STATUS_TRANSITION"
    with translation.override("fr"), pytest.raises(ValidationError) as in_french:
        vendor_refuse(vendor_id=vendor.pk, reason="Trop tard", actor=moderator)
    assert in_french.value.error_dict["id"][0].messages == [
        "Un commerce à l’état « Approuvée » ne peut pas passer à l’état « Suspendue »."
    ]
    vendor.refresh_from_db()
    assert vendor.status == VendorStatus.APPROVED
    assert not AuditEntry.objects.exists()


def test_a_refusal_needs_a_reason_and_says_it_is_the_refusals(town, moderator):
    vendor = VendorFactory(town=town, status=VendorStatus.PENDING)

    with translation.override("fr"), pytest.raises(ValidationError) as refusal:
        vendor_refuse(vendor_id=vendor.pk, reason="   ", actor=moderator)
    with translation.override("fr"), pytest.raises(ValidationError) as suspension:
        vendor_suspend(vendor_id=vendor.pk, reason="", actor=moderator)

    [error] = refusal.value.error_dict["reason"]
    assert (error.code, error.messages) == ("REASON_REQUIRED", ["Indiquez le motif du refus."])
    assert suspension.value.error_dict["reason"][0].messages == [
        "Indiquez le motif de la suspension."
    ]
    vendor.refresh_from_db()
    assert vendor.status == VendorStatus.PENDING
