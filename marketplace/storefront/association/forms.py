"""The back office's forms. They parse input only; the services decide (their error codes come
back onto these forms through `add_service_errors`)."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from marketplace.catalog.models import Category
from marketplace.core.collation import FrenchOrder
from marketplace.governance.models import AuditAction, StripeFeesPayer
from marketplace.towns.models import Town, TownStaffRole
from payments.refund_preview import refund_preview_confirmed
from vendors.models import Vendor, VendorStatus

DATETIME_INPUT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
# Decimals in the language's form ("3,5" in French) in a text box with a decimal keyboard on phones.
DECIMAL_INPUT = forms.TextInput(attrs={"inputmode": "decimal"})
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()


def add_service_errors(
    form: forms.Form, error: ValidationError, aliases: dict[str, str] | None = None
) -> None:
    """Puts a service's errors (`{field: [ValidationError(code=…)]}`) on the form's fields.

    The services name fields as the API does (`validFrom`); a field the form does not have
    (or `id`) becomes a form-wide error. Codes are kept (`form.has_error(field, code)`).
    """
    aliases = aliases or {}
    if not hasattr(error, "error_dict"):
        for item in error.error_list:
            form.add_error(None, item)
        return
    for name, items in error.error_dict.items():
        field = aliases.get(name, _snake(name))
        target = field if field in form.fields else None
        for item in items:
            form.add_error(target, item)


class ShopChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """A town's shops, by their name."""

    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (public)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,  # the service says when it is missing (REASON_REQUIRED)
        max_length=2000,
    )


class OrderSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Order number or customer's email"), required=False, max_length=254, strip=True
    )


class OrderRefundForm(forms.Form):
    amount = forms.DecimalField(
        localize=True, widget=DECIMAL_INPUT, label=_("Amount to refund"), decimal_places=2
    )
    # How long it may be is the refund service's rule (`refund_reason_clean`), said by its error.
    reason = forms.CharField(
        label=_("Reason (told to the customer and the shop)"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    # The amount whose preview the confirm step showed (its hidden field, written unlocalised).
    previewed_amount = forms.CharField(widget=forms.HiddenInput, required=False, max_length=32)

    def confirms_the_preview(self, data: Any) -> bool:
        """Whether the staff member confirmed the very amount whose preview they saw."""
        return "confirm" in data and refund_preview_confirmed(
            previewed_amount=self.cleaned_data["previewed_amount"],
            amount=self.cleaned_data["amount"],
        )


class ShopOrderCancelForm(forms.Form):
    # Required, and how long, are the service's rules (`shop_order_cancel_by_staff`).
    reason = forms.CharField(
        label=_("Reason (told to the customer and the shop)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )


class RuleTermsForm(forms.Form):
    """What a rule charges: the fields a new rule and a new version of a rule share."""

    percentage = forms.DecimalField(
        localize=True, widget=DECIMAL_INPUT, label=_("Percentage of the goods (%)")
    )
    fixed_amount = forms.DecimalField(
        localize=True, widget=DECIMAL_INPUT, label=_("Fixed amount per shop order"), required=False
    )
    min_amount = forms.DecimalField(
        localize=True, widget=DECIMAL_INPUT, label=_("Minimum per shop order"), required=False
    )
    max_amount = forms.DecimalField(
        localize=True, widget=DECIMAL_INPUT, label=_("Maximum per shop order"), required=False
    )


class RuleCreateForm(RuleTermsForm):
    field_order = ["vendor", "category", *RuleTermsForm.base_fields, "valid_from", "valid_until"]

    vendor = ShopChoiceField(
        label=_("Shop"),
        queryset=Vendor.objects.none(),
        required=False,
        empty_label=_("Every shop"),
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.order_by(FrenchOrder("name")),
        required=False,
        empty_label=_("Every category"),
    )
    valid_from = forms.DateTimeField(
        label=_("Valid from (empty: now)"), required=False, widget=DATETIME_INPUT
    )
    valid_until = forms.DateTimeField(
        label=_("Valid until (empty: no end)"), required=False, widget=DATETIME_INPUT
    )

    def __init__(self, *args: Any, town: Town, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["percentage"].initial = "5"
        vendor_field = self.fields["vendor"]
        assert isinstance(vendor_field, forms.ModelChoiceField)
        vendor_field.queryset = Vendor.objects.filter(town=town).order_by(FrenchOrder("name"))


class RuleUpdateForm(RuleTermsForm):
    valid_until = forms.DateTimeField(
        label=_("Valid until (empty: no end)"), required=False, widget=DATETIME_INPUT
    )


class RuleEndForm(forms.Form):
    at = forms.DateTimeField(label=_("End at (empty: now)"), required=False, widget=DATETIME_INPUT)


class PreviewForm(forms.Form):
    vendor = ShopChoiceField(label=_("Shop"), queryset=Vendor.objects.none())
    goods = forms.DecimalField(
        localize=True,
        widget=DECIMAL_INPUT,
        label=_("Goods in the order"),
        min_value=0,
        max_digits=10,
        decimal_places=2,
        initial="50",
    )
    at = forms.DateTimeField(
        label=_("Order placed on (empty: now)"), required=False, widget=DATETIME_INPUT
    )

    def __init__(self, *args: Any, town: Town, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        vendor_field = self.fields["vendor"]
        assert isinstance(vendor_field, forms.ModelChoiceField)
        vendor_field.queryset = Vendor.objects.filter(
            town=town, status=VendorStatus.APPROVED
        ).order_by(FrenchOrder("name"))


class TownSettingsForm(forms.Form):
    refund_commission = forms.BooleanField(
        label=_("Give the commission back when a shop order is refunded"), required=False
    )
    stripe_fees_payer = forms.ChoiceField(
        label=_("Who bears Stripe's fees"), choices=StripeFeesPayer.choices
    )
    # Checked by the settings service (town_contact_email_clean), as the town's file is.
    contact_email = forms.CharField(
        label=_("The association's contact email"),
        help_text=_(
            "Shown to shops and customers, and the address shops' decision emails answer to. "
            "Leave empty for none."
        ),
        required=False,
        widget=forms.EmailInput,
    )


class StaffGrantForm(forms.Form):
    email = forms.EmailField(label=_("Email of the account"))
    role = forms.ChoiceField(label=_("Role"), choices=TownStaffRole.choices)


class StaffRevokeForm(forms.Form):
    email = forms.EmailField(widget=forms.HiddenInput)


class AuditFilterForm(forms.Form):
    who = forms.CharField(label=_("Who (email)"), required=False, max_length=320)
    action = forms.ChoiceField(
        label=_("What"), required=False, choices=[("", _("Every action")), *AuditAction.choices]
    )
    since = forms.DateField(label=_("From"), required=False, widget=DATE_INPUT)
    until = forms.DateField(label=_("To (included)"), required=False, widget=DATE_INPUT)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error(
                "until",
                ValidationError(_("The end comes before the start."), code="INVALID_PERIOD"),
            )
        return data
