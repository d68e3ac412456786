"""Relay global ids."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from graphql_relay import from_global_id


def decode_id(global_id: str, expected_type: str, *, field: str = "id") -> int:
    """The primary key inside a global id of the expected type, or a coded error on `field`."""
    try:
        type_name, raw_pk = from_global_id(global_id)
        pk = int(raw_pk)
    except (ValueError, TypeError, UnicodeDecodeError) as error:
        raise ValidationError(
            {
                field: ValidationError(
                    f"{global_id!r} is not a valid {expected_type} id.", code="INVALID"
                )
            }
        ) from error
    if type_name != expected_type or pk <= 0:
        raise ValidationError(
            {
                field: ValidationError(
                    f"{global_id!r} is not a valid {expected_type} id.", code="INVALID"
                )
            }
        )
    return pk


def decode_id_or_none(global_id: str, expected_type: str) -> int | None:
    try:
        return decode_id(global_id, expected_type)
    except ValidationError:
        return None
