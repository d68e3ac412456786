"""Service errors (coded ValidationErrors) shown as form errors, in the request's language."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError


def add_service_errors(
    form: forms.BaseForm, error: ValidationError, fields: dict[str, str] | None = None
) -> None:
    """Each service field (`name`, `address.city`, `variants.0.sku`, ...) goes to the form field
    `fields` maps it to (or the field of the same name); anything else is a non-field error."""
    fields = fields or {}
    if not hasattr(error, "error_dict"):
        for message in error.messages:
            form.add_error(None, message)
        return
    for key, errors in error.error_dict.items():
        target: str | None = fields.get(key, key)
        if target not in form.fields:
            prefix = next((f for f in fields if key.startswith(f + ".")), None)
            target = fields[prefix] if prefix else None
        for item in errors:
            for message in item.messages:
                form.add_error(target if target in form.fields else None, message)
