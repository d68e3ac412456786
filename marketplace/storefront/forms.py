"""The customers' forms. They parse input only; the services decide and their errors are shown."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


def add_service_errors(
    form: forms.Form, error: ValidationError, fields: dict[str, str] | None = None
) -> None:
    """A service's coded errors on the form: on the matching field, else above the form."""
    fields = fields or {}
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            target = fields.get(name, name if name in form.fields else None)
            for item in errors:
                form.add_error(target, ValidationError(item.messages, code=item.code))
    else:
        form.add_error(None, error)


QUANTITY_RANGE = _("Enter a quantity between %(low)s and %(high)s.")
SOLD_OUT_CHOICE = pgettext_lazy("a product's choice", "%(choice)s (out of stock)")


class VariantSelect(forms.Select):
    """The product's choices; those sold out are shown but cannot be chosen."""

    def __init__(self, *, sold_out: Collection[int]) -> None:
        super().__init__()
        self.sold_out = {str(variant_id) for variant_id in sold_out}

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option: dict[str, Any] = super().create_option(*args, **kwargs)
        if str(option["value"]) in self.sold_out:
            option["attrs"]["disabled"] = True
        return option


def quantity_field(*, low: int, high: int) -> forms.IntegerField:
    """A quantity from `low` to `high` (checkout.lines.line_quantity_max): the input's max and
    every message say the same numbers."""
    message = QUANTITY_RANGE % {"low": low, "high": high}
    return forms.IntegerField(
        label=_("Quantity"),
        min_value=low,
        max_value=high,
        error_messages={
            "required": message,
            "invalid": message,
            "min_value": message,
            "max_value": message,
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


class AddToCartForm(forms.Form):
    variant = forms.TypedChoiceField(label=_("Choice"), coerce=int)

    def __init__(
        self,
        *args: Any,
        variants: list[Any],
        max_quantity: int,
        sold_out: Collection[int] = (),
        **kwargs: Any,
    ) -> None:
        """`sold_out`: the variants nobody can buy now (checkout.lines.buyable_quantities);
        `max_quantity`: the most of one product per line (checkout.lines.line_quantity_max)."""
        super().__init__(*args, **kwargs)
        self.fields["quantity"] = quantity_field(low=1, high=max_quantity)
        choice = self.fields["variant"]
        assert isinstance(choice, forms.ChoiceField)
        choice.choices = [
            (
                v.pk,
                SOLD_OUT_CHOICE % {"choice": v.name or v.sku}
                if v.pk in sold_out
                else v.name or v.sku,
            )
            for v in variants
        ]
        choice.widget = VariantSelect(sold_out=sold_out)
        choice.widget.choices = choice.choices
        on_sale = [v.pk for v in variants if v.pk not in sold_out]
        if on_sale:
            choice.initial = on_sale[0]
        if len(variants) == 1:
            self.fields["variant"].widget = forms.HiddenInput()
            self.fields["variant"].initial = variants[0].pk
        self.fields["quantity"].widget.attrs.update({"size": 4})


class QuantityForm(forms.Form):
    """A cart line's new quantity: 0 removes it."""

    def __init__(self, *args: Any, max_quantity: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["quantity"] = quantity_field(low=0, high=max_quantity)


class DeliveryForm(forms.Form):
    method = forms.CharField(label=_("Delivery"), max_length=16)


class ContactForm(forms.Form):
    """Parses only: checkout_contact_update checks every field at once (a form that refused the
    email first would tell the address's error only on the next try). The inputs' maxlength are
    hints; the service says what is wrong."""

    customer_name = forms.CharField(
        label=_("Your name"),
        required=False,
        help_text=_("The shops hand the order over to you under this name."),
        widget=forms.TextInput(attrs={"autocomplete": "name", "maxlength": 150}),
    )
    email = forms.CharField(
        label=_("Email"),
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "maxlength": 320}),
    )
    phone = forms.CharField(
        label=_("Phone (optional)"),
        required=False,
        widget=forms.TextInput(
            attrs={"autocomplete": "tel", "inputmode": "tel", "type": "tel", "maxlength": 32}
        ),
    )
    delivery_address = forms.CharField(
        label=_("Delivery address"),
        required=False,
        help_text=_("Street and number, postcode and town, floor or door code."),
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "street-address"}),
    )


class EmailAuthenticationForm(AuthenticationForm):
    # Django's message says both fields are case-sensitive; the email is not.
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("Wrong email or password."),
    }
    username = forms.EmailField(
        label=_("Email"),
        max_length=320,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


class RegisterForm(forms.Form):
    email = forms.EmailField(
        label=_("Email"), max_length=320, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    password = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
    )


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        strip=False,
    )
