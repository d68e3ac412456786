"""Per-town governance settings, and the read-side the payments app calls."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from marketplace.governance.audit import audit_record
from marketplace.governance.error_codes import GovernanceErrorCode
from marketplace.governance.models import AuditAction, StripeFeesPayer, TownSettings
from marketplace.towns.models import Town


@dataclass(frozen=True)
class GovernanceSettings:
    town_id: int
    # Whether a refund also gives the commission back (the shop's transfer reversal excludes it).
    refund_commission: bool
    # "association" (default) or "vendor": who bears Stripe's processing fees.
    stripe_fees_payer: str


def _of(town_id: int, row: TownSettings | None) -> GovernanceSettings:
    if row is None:
        return GovernanceSettings(
            town_id=town_id,
            refund_commission=True,
            stripe_fees_payer=StripeFeesPayer.ASSOCIATION.value,
        )
    return GovernanceSettings(
        town_id=town_id,
        refund_commission=row.refund_commission,
        stripe_fees_payer=str(row.stripe_fees_payer),
    )


def governance_settings_for(town_id: int) -> GovernanceSettings:
    """The town's settings, or the defaults when never set. Read-only; for payments."""
    return _of(town_id, TownSettings.objects.filter(town_id=town_id).first())


def town_settings_update(
    *,
    town_id: int,
    actor: Any,
    refund_commission: bool | None = None,
    stripe_fees_payer: str | None = None,
) -> GovernanceSettings:
    if stripe_fees_payer is not None and stripe_fees_payer not in StripeFeesPayer.values:
        raise ValidationError(
            {
                "stripeFeesPayer": ValidationError(
                    _("Unknown payer."), code=GovernanceErrorCode.INVALID.value
                )
            }
        )
    with transaction.atomic():
        town = Town.objects.select_for_update().filter(pk=town_id).first()
        if town is None:
            raise ValidationError(
                {
                    "town": ValidationError(
                        _("No such town."), code=GovernanceErrorCode.NOT_FOUND.value
                    )
                }
            )
        row, _created = TownSettings.objects.get_or_create(town=town)
        before = {
            "refund_commission": row.refund_commission,
            "stripe_fees_payer": row.stripe_fees_payer,
        }
        if refund_commission is not None:
            row.refund_commission = refund_commission
        if stripe_fees_payer is not None:
            row.stripe_fees_payer = stripe_fees_payer
        row.updated_by = actor if getattr(actor, "is_authenticated", False) else None
        row.save(
            update_fields=["refund_commission", "stripe_fees_payer", "updated_by", "updated_at"]
        )
        audit_record(
            town_id=town.pk,
            actor=actor,
            action=AuditAction.TOWN_SETTINGS_UPDATE,
            obj=row,
            before=before,
            after={
                "refund_commission": row.refund_commission,
                "stripe_fees_payer": row.stripe_fees_payer,
            },
        )
    return _of(town.pk, row)
