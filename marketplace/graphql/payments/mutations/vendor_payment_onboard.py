from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

import graphene
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from marketplace.graphql.core.ids import decode_id
from marketplace.graphql.core.mutations import BaseMutation
from marketplace.graphql.payments.types import PaymentError, VendorPaymentAccountType
from payments.error_codes import PaymentErrorCode
from payments.onboarding import connected_account_onboard
from vendors.access import is_vendor_member
from vendors.models import Vendor


def _is_ours(url: str) -> bool:
    """Stripe sends the member back only to this site (PUBLIC_BASE_URL's scheme and host)."""
    ours = urlparse(getattr(settings, "PUBLIC_BASE_URL", ""))
    theirs = urlparse(url)
    return (theirs.scheme, theirs.netloc) == (ours.scheme, ours.netloc) and bool(ours.netloc)


class VendorPaymentOnboard(BaseMutation):
    """Start or resume a shop's payment onboarding (Stripe Connect Express); shop members only.
    Returns the onboarding URL to send the member to."""

    error_type_class = PaymentError

    class Arguments:
        vendor = graphene.ID(required=True)
        return_url = graphene.String(
            description="Where Stripe sends the member back (on this site)."
        )
        refresh_url = graphene.String(
            description="Where Stripe sends an expired link (on this site)."
        )

    url = graphene.String()
    account = graphene.Field(VendorPaymentAccountType)

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
        for field, url in (("returnUrl", return_url), ("refreshUrl", refresh_url)):
            if url is not None and not _is_ours(url):
                raise ValidationError(
                    {
                        field: ValidationError(
                            _("The address must be on this site."),
                            code=PaymentErrorCode.INVALID.value,
                        )
                    }
                )
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
