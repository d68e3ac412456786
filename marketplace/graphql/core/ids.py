"""Relay global ids."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from graphql_relay import from_global_id


def decode_id(global_id: str, expected_type: str, *, field: str = "id") -> int:
    """The primary key inside a global id of the expected type, or a coded error on `field`."""
    try:
        type_name, raw_pk = from_global_id(global_id)
        pk = int(raw_pk)
    except (ValueError, TypeError, UnicodeDecodeError) as error:
        raise _invalid(global_id, expected_type, field) from error
    if type_name != expected_type or pk <= 0:
        raise _invalid(global_id, expected_type, field)
    return pk


def _invalid(global_id: str, expected_type: str, field: str) -> ValidationError:
    message = _("%(id)r is not a valid %(type)s id.") % {"id": global_id, "type": expected_type}
    return ValidationError({field: ValidationError(message, code="INVALID")})


def decode_id_or_none(global_id: str, expected_type: str) -> int | None:
    try:
        return decode_id(global_id, expected_type)
    except ValidationError:
        return None
