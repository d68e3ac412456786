"""Shop onboarding on Stripe Connect (Express) and the shop's payment status.

A shop that cannot be paid yet still sells: its transfers wait (status `waiting`) until
`account.updated` says it can receive them.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from marketplace.core.outbox import Cause, queue_task_on_commit
from payments.error_codes import PaymentErrorCode
from payments.gateways import GatewayError, get_gateway
from payments.models import ConnectedAccount, Transfer, TransferStatus
from payments.tasks import send_transfer
from vendors.models import Vendor


def _gateway_error(error: GatewayError) -> ValidationError:
    return ValidationError(
        {
            "vendor": ValidationError(
                _("The payment provider could not be reached, please try again."),
                code=PaymentErrorCode.GATEWAY_ERROR.value,
            )
        }
    )


def connected_account_onboard(
    *, vendor_id: int, return_url: str | None = None, refresh_url: str | None = None
) -> tuple[ConnectedAccount, str]:
    """Creates the shop's connected account once, and a fresh onboarding link (its URL).

    Provider calls run outside any transaction; the row is saved before and after them.
    """
    gateway = get_gateway()
    with transaction.atomic():
        vendor = Vendor.objects.get(pk=vendor_id)
        account, _created = ConnectedAccount.objects.get_or_create(
            vendor=vendor, defaults={"gateway": gateway.name}
        )
        ConnectedAccount.objects.filter(pk=account.pk).update(link_count=F("link_count") + 1)
        account.refresh_from_db(fields=["link_count"])
    if not account.account_id:
        try:
            account_id = gateway.account_create(
                country=vendor.country or "FR",
                email=vendor.email,
                metadata={"vendor_id": str(vendor.pk), "town_id": str(vendor.town_id)},
                idempotency_key=f"vendor-{vendor.pk}-account",
            )
        except GatewayError as error:
            raise _gateway_error(error) from error
        with transaction.atomic():
            account = ConnectedAccount.objects.select_for_update().get(pk=account.pk)
            if not account.account_id:
                account.account_id = account_id
                fields = ["account_id", "updated_at"]
                if gateway.name == "dummy":
                    account.charges_enabled = account.payouts_enabled = True
                    account.details_submitted = True
                    fields += ["charges_enabled", "payouts_enabled", "details_submitted"]
                account.save(update_fields=fields)
    base = getattr(settings, "PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
    try:
        url = gateway.account_link_create(
            account_id=account.account_id,
            refresh_url=refresh_url or f"{base}/?payments=onboarding-refresh",
            return_url=return_url or f"{base}/?payments=onboarding-done",
            idempotency_key=f"vendor-{vendor.pk}-account-link-{account.link_count}",
        )
    except GatewayError as error:
        raise _gateway_error(error) from error
    return account, url


def connected_account_apply_event(*, account_data: dict[str, Any], created: int) -> bool:
    """Applies an `account.updated` snapshot unless a newer one was applied. Returns whether the
    account changed; when it can now receive transfers, its waiting transfers are sent on commit.
    """
    with transaction.atomic():
        account = (
            ConnectedAccount.objects.select_for_update()
            .filter(account_id=str(account_data.get("id", "")))
            .first()
        )
        if account is None or created < account.last_event_created:
            return False
        could_before = account.can_receive_transfers
        requirements = account_data.get("requirements") or {}
        account.charges_enabled = bool(account_data.get("charges_enabled"))
        account.payouts_enabled = bool(account_data.get("payouts_enabled"))
        account.details_submitted = bool(account_data.get("details_submitted"))
        account.requirements_due = list(requirements.get("currently_due") or [])
        account.disabled_reason = str(requirements.get("disabled_reason") or "")
        account.last_event_created = created
        account.save(
            update_fields=[
                "charges_enabled",
                "payouts_enabled",
                "details_submitted",
                "requirements_due",
                "disabled_reason",
                "last_event_created",
                "updated_at",
            ]
        )
        if account.can_receive_transfers and not could_before:
            transfer_ids = list(
                Transfer.objects.filter(
                    vendor_id=account.vendor_id,
                    status__in=[TransferStatus.WAITING, TransferStatus.PENDING],
                )
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            cause = Cause("connected_account", account.pk, "can_receive_transfers")
            for transfer_id in transfer_ids:
                queue_task_on_commit(send_transfer, cause=cause, transfer_id=transfer_id)
    return True
