"""Per-town governance settings, and the read-side the payments app calls."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from marketplace.accounts.requester import Requester
from marketplace.governance.audit import audit_record
from marketplace.governance.error_codes import GovernanceErrorCode
from marketplace.governance.models import AuditAction, StripeFeesPayer, TownSettings
from marketplace.towns.contact import town_contact_email_clean
from marketplace.towns.models import Town


@dataclass(frozen=True)
class GovernanceSettings:
    town_id: int
    # Whether a refund also gives the commission back (the shop's transfer reversal excludes it).
    refund_commission: bool
    # "association" (default) or "vendor": who bears Stripe's processing fees.
    stripe_fees_payer: str
    # The most units of one variant, and in all, that one checkout may hold.
    checkout_max_units_per_variant: int = 50
    checkout_max_units: int = 200
    # Whether the public audit log names the staff member (else only their role).
    audit_show_staff_names: bool = False


# A town may raise the checkout caps up to this (a line's own maximum).
CHECKOUT_UNITS_CEILING = 10_000


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
        checkout_max_units_per_variant=row.checkout_max_units_per_variant,
        checkout_max_units=row.checkout_max_units,
        audit_show_staff_names=row.audit_show_staff_names,
    )


def _check_units(field: str, value: int | None) -> None:
    if value is not None and not 1 <= value <= CHECKOUT_UNITS_CEILING:
        raise ValidationError(
            {
                field: ValidationError(
                    _("Enter a whole number between 1 and %(max)d.")
                    % {"max": CHECKOUT_UNITS_CEILING},
                    code=GovernanceErrorCode.INVALID.value,
                )
            }
        )


def governance_settings_for(town_id: int) -> GovernanceSettings:
    """The town's settings, or the defaults when never set. Read-only; for payments."""
    return _of(town_id, TownSettings.objects.filter(town_id=town_id).first())


def town_settings_update(
    *,
    town_id: int,
    actor: Requester,
    refund_commission: bool | None = None,
    stripe_fees_payer: str | None = None,
    checkout_max_units_per_variant: int | None = None,
    checkout_max_units: int | None = None,
    audit_show_staff_names: bool | None = None,
    contact_email: str | None = None,
) -> GovernanceSettings:
    """Changes the settings given (None: kept), audited as one change. `contact_email` is the
    association's address on the town ("" removes it)."""
    if contact_email is not None:
        try:
            contact_email = town_contact_email_clean(contact_email)
        except ValidationError as error:
            raise ValidationError({"contact_email": error}) from error
    _check_units("checkout_max_units_per_variant", checkout_max_units_per_variant)
    _check_units("checkout_max_units", checkout_max_units)
    if stripe_fees_payer is not None and stripe_fees_payer not in StripeFeesPayer.values:
        raise ValidationError(
            {
                "stripe_fees_payer": ValidationError(
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
        changes = {
            "refund_commission": refund_commission,
            "stripe_fees_payer": stripe_fees_payer,
            "checkout_max_units_per_variant": checkout_max_units_per_variant,
            "checkout_max_units": checkout_max_units,
            "audit_show_staff_names": audit_show_staff_names,
        }
        given = [name for name, value in changes.items() if value is not None]
        before = {name: getattr(row, name) for name in given}
        after = {name: changes[name] for name in given}
        for name in given:
            setattr(row, name, changes[name])
        if contact_email is not None:
            before["contact_email"] = town.contact_email
            after["contact_email"] = contact_email
            town.contact_email = contact_email
            town.save(update_fields=["contact_email"])
        row.updated_by = actor if actor.is_authenticated else None
        row.save(update_fields=[*changes, "updated_by", "updated_at"])
        audit_record(
            town_id=town.pk,
            actor=actor,
            action=AuditAction.TOWN_SETTINGS_UPDATE,
            obj=row,
            before=before,
            after=after,
        )
    return _of(town.pk, row)
