from __future__ import annotations

from typing import Any

import graphene
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from marketplace.graphql.core.ids import decode_id
from marketplace.graphql.core.mutations import BaseMutation
from marketplace.graphql.payments.types import PaymentError, VendorPaymentAccountType
from payments.error_codes import PaymentErrorCode
from payments.onboarding import connected_account_onboard
from vendors.access import is_vendor_member
from vendors.models import Vendor


class VendorPaymentOnboard(BaseMutation):
    """Start or resume a shop's payment onboarding (Stripe Connect Express); shop members only.
    Returns the onboarding URL to send the member to."""

    error_codes = PaymentErrorCode

    class Arguments:
        vendor = graphene.ID(required=True)
        return_url = graphene.String(description="Where Stripe sends the member back.")
        refresh_url = graphene.String(description="Where Stripe sends an expired link.")

    url = graphene.String()
    account = graphene.Field(VendorPaymentAccountType)
    errors = graphene.List(graphene.NonNull(PaymentError), required=True)

    @classmethod
    def perform(
        cls,
        root: Any,
        info: Any,
        *,
        vendor: str,
        return_url: str | None = None,
        refresh_url: str | None = None,
    ) -> dict[str, Any]:
        vendor_id = decode_id(vendor, "Vendor", field="vendor")
        if not Vendor.objects.filter(pk=vendor_id).exists():
            raise ValidationError(
                {
                    "vendor": ValidationError(
                        _("Shop not found."), code=PaymentErrorCode.NOT_FOUND.value
                    )
                }
            )
        if not is_vendor_member(info.context.user, vendor_id):
            raise PermissionDenied(_("Only the shop's members may onboard it."))
        account, url = connected_account_onboard(
            vendor_id=vendor_id, return_url=return_url, refresh_url=refresh_url
        )
        return {"url": url, "account": account}
