"""The merchants' forms: they parse input; the services decide."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from marketplace.catalog.models import Category
from marketplace.core.collation import FrenchOrder
from marketplace.towns.models import Town
from payments.refund_preview import refund_preview_confirmed
from vendors.models import FulfilmentMethodName, StockMovementReason, VendorRole
from vendors.opening_hours import DAY_NAMES, DAYS
from vendors.stock_updates import ADJUST_REASONS

METHODS = list(FulfilmentMethodName)


class FulfilmentFieldsMixin(forms.Form):
    """One checkbox and one fee per fulfilment method (pickup, local delivery, shipping)."""

    def add_fulfilment_fields(self) -> None:
        for method in METHODS:
            self.fields[f"offer_{method.value}"] = forms.BooleanField(
                label=method.label, required=False
            )
            self.fields[f"fee_{method.value}"] = forms.DecimalField(
                localize=True,
                label=_("Fee"),
                required=False,
                min_value=Decimal("0"),
                decimal_places=2,
            )

    def fulfilment_rows(self) -> list[tuple[Any, Any]]:
        return [(self[f"offer_{m.value}"], self[f"fee_{m.value}"]) for m in METHODS]

    def clean(self) -> dict[str, Any]:
        """A ticked method needs its fee written (0 for free): an empty one is not taken for free."""
        cleaned = super().clean() or {}
        for method in METHODS:
            fee = f"fee_{method.value}"
            ticked = cleaned.get(f"offer_{method.value}")
            if ticked and fee not in self.errors and cleaned.get(fee) is None:
                self.add_error(fee, _("Enter the fee, 0 if it is free."))
        return cleaned

    def fulfilment_methods(self) -> list[dict[str, Any]]:
        return [
            {"method": m.value, "fee": self.cleaned_data[f"fee_{m.value}"]}
            for m in METHODS
            if self.cleaned_data.get(f"offer_{m.value}")
        ]

    def fulfilment_error_fields(self) -> dict[str, str]:
        """The service's `fulfilment_methods.<i>.fee` → the fee field of the i-th ticked method."""
        ticked = [m for m in METHODS if self.cleaned_data.get(f"offer_{m.value}")]
        return {
            f"fulfilment_methods.{index}.fee": f"fee_{method.value}"
            for index, method in enumerate(ticked)
        }


class ApplyForm(FulfilmentFieldsMixin):
    town = forms.ModelChoiceField(
        label=_("Town"), queryset=Town.objects.order_by(FrenchOrder("name"))
    )
    name = forms.CharField(label=_("Shop name"), max_length=160)
    slug = forms.SlugField(
        label=_("Address of the shop's page"),
        max_length=80,
        required=False,
        help_text=_("Lowercase letters, digits and hyphens; made from the name when empty."),
    )
    email = forms.EmailField(label=_("Shop's email"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea, required=False)
    street = forms.CharField(label=_("Street"), max_length=200, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=16, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    # Only asked of a visitor without an account.
    account_email = forms.EmailField(label=_("Your email (to log in)"), required=False)
    password = forms.CharField(
        label=_("Choose a password"), widget=forms.PasswordInput, required=False
    )
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)

    def __init__(self, *args: Any, with_account: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.add_fulfilment_fields()
        self.with_account = with_account
        if with_account:
            self.fields["account_email"].required = True
            self.fields["password"].required = True
        else:
            for name in ("account_email", "password", "first_name"):
                del self.fields[name]
        if not self.is_bound:
            self.initial.setdefault("offer_pickup", True)
            self.initial.setdefault("fee_pickup", Decimal("0"))

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "slug": data["slug"] or None,
            "email": data["email"] or None,
            "phone": data["phone"],
            "description": data["description"],
            "address": {
                "street": data["street"],
                "postal_code": data["postal_code"],
                "city": data["city"],
                "country": "FR",
            },
            "fulfilment_methods": self.fulfilment_methods(),
        }


# A service's error field → the form's field. Both spellings: the services are moving from the
# API's camelCase to their own snake_case names (the GraphQL layer converts).
SHOP_ERROR_FIELDS = {
    "address.street": "street",
    "address.postalCode": "postal_code",
    "address.postal_code": "postal_code",
    "address.city": "city",
    "address.country": "country",
    "location": "latitude",
    "fulfilmentMethods": "offer_pickup",
    "fulfilment_methods": "offer_pickup",
    # Each day's problems under its day (a problem of the hours as a whole: above the form).
    **{f"opening_hours.{day}": f"hours_{day}" for day in DAYS},
    "name": "name",
}


class ProfileForm(FulfilmentFieldsMixin):
    name = forms.CharField(label=_("Shop name"), max_length=160)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea, required=False)
    email = forms.EmailField(label=_("Shop's email"))
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)
    street = forms.CharField(label=_("Street"), max_length=200, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=16, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    country = forms.CharField(label=_("Country (two letters)"), max_length=2, initial="FR")
    latitude = forms.FloatField(label=_("Latitude"), required=False)
    longitude = forms.FloatField(label=_("Longitude"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for day in DAYS:
            self.fields[f"hours_{day}"] = forms.CharField(
                label=DAY_NAMES[day],
                required=False,
                max_length=100,
                help_text=_("e.g. 09:00-12:00,14:00-19:00; empty: closed"),
            )
        self.add_fulfilment_fields()

    def hours_fields(self) -> list[Any]:
        return [self[f"hours_{day}"] for day in DAYS]

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        result: dict[str, Any] = {
            "name": data["name"],
            "description": data["description"],
            "email": data["email"],
            "phone": data["phone"],
            "address": {
                "street": data["street"],
                "postal_code": data["postal_code"],
                "city": data["city"],
                "country": data["country"],
            },
            "opening_hours": {day: (data[f"hours_{day}"] or "").strip() or None for day in DAYS},
            "fulfilment_methods": self.fulfilment_methods(),
        }
        if data.get("latitude") is not None or data.get("longitude") is not None:
            result["location"] = {
                "latitude": data.get("latitude"),
                "longitude": data.get("longitude"),
            }
        return result


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class RefundForm(forms.Form):
    # Which amounts and reasons a refund takes is the refund service's rule (`shop_order_refund`:
    # positive, whole cents; `refund_reason_clean`), said by its errors in French amounts.
    amount = forms.DecimalField(localize=True, label=_("Amount to refund"))
    reason = forms.CharField(label=_("Reason"))
    # The amount whose share the confirm step showed (its hidden field, written unlocalised).
    previewed_amount = forms.CharField(widget=forms.HiddenInput, required=False, max_length=32)

    def confirms_the_preview(self, data: Any) -> bool:
        """Whether the shopkeeper confirmed the very amount whose preview they saw (the rule:
        `payments.refund_preview.refund_preview_confirmed`)."""
        return "confirm" in data and refund_preview_confirmed(
            previewed_amount=self.cleaned_data["previewed_amount"],
            amount=self.cleaned_data["amount"],
        )


class ProductForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea, required=False)
    category = forms.ModelChoiceField(
        label=_("Category (sets the VAT rate)"),
        queryset=Category.objects.order_by(FrenchOrder("name")),
    )
    image = forms.ImageField(label=_("Photo (JPEG, PNG or WebP, 5 MB at most)"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["category"]
        field.label_from_instance = lambda c: f"{c.name} ({number_format(c.vat_rate, 2)} %)"
        # The product's service checks the image (a real JPEG, PNG or WebP, 5 MB, pixels) before
        # it writes anything: Django's own check would do it twice.
        self.fields["image"] = forms.FileField(label=self.fields["image"].label, required=False)


class VariantForm(forms.Form):
    id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    sku = forms.CharField(label=_("SKU"), max_length=64)
    name = forms.CharField(label=_("Variant"), max_length=120, required=False)
    price = forms.DecimalField(
        localize=True, label=_("Price incl. VAT"), decimal_places=2, max_digits=10
    )
    stock = forms.IntegerField(label=_("Stock"), min_value=0, required=False)
    low_stock_threshold = forms.IntegerField(
        label=_("Low stock below"), min_value=0, required=False
    )
    remove = forms.BooleanField(label=_("Remove"), required=False)

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        values: dict[str, Any] = {
            "sku": data["sku"],
            "name": data["name"],
            "price": data["price"],
            "low_stock_threshold": data["low_stock_threshold"],
        }
        if data.get("stock") is not None:
            values["stock"] = data["stock"]
        return values


VariantFormSet = forms.formset_factory(VariantForm, extra=1, max_num=50, validate_max=True)


class StockAdjustForm(forms.Form):
    delta = forms.IntegerField(label=_("Units (+ or −)"))
    reason = forms.ChoiceField(
        label=_("Reason"),
        choices=[(r.value, StockMovementReason(r).label) for r in ADJUST_REASONS],
    )
    note = forms.CharField(label=_("Note"), max_length=255, required=False)


class ProductFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.order_by(FrenchOrder("name")), required=False
    )
    stock = forms.ChoiceField(
        label=_("Stock"),
        required=False,
        choices=[("", _("All")), ("out", _("Out of stock")), ("low", _("Low stock"))],
    )
    published = forms.ChoiceField(
        label=_("Publication"),
        required=False,
        choices=[("", _("All")), ("yes", _("Published")), ("no", _("Unpublished"))],
    )


class PublishForm(forms.Form):
    published = forms.TypedChoiceField(
        choices=[("1", "1"), ("0", "0")], coerce=lambda value: value == "1"
    )
    next = forms.CharField(required=False)


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file"))


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Email"))
    role = forms.ChoiceField(label=_("Role"), choices=VendorRole.choices, initial=VendorRole.STAFF)


class InvitationAcceptForm(forms.Form):
    code = forms.CharField(label=_("Invitation code"), max_length=100)


class PickingDayForm(forms.Form):
    jour = forms.DateField(
        label=_("Day"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class MonthForm(forms.Form):
    month = forms.RegexField(regex=r"^\d{4}-(0[1-9]|1[0-2])$", required=False)
