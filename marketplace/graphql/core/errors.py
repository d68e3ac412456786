"""Mutation errors: `errors: [{ field, code, message }]` with a code enum per domain.

Services raise django.core.exceptions.ValidationError, either keyed by field
(`ValidationError({"valid_from": ValidationError(msg, code=GovernanceErrorCode.INVALID.value)})`)
or plain (field null). Services name fields in snake_case; `api_field_name` gives the API's
camelCase name (`validFrom`, `variants.0.removeVariants`). `errors_from_validation_error` turns
the error into the list that mutations return; an error's `params` stay available to the error
type's extra fields (the short variants of INSUFFICIENT_STOCK on CheckoutError).
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from typing import Any

import graphene
from django.core.exceptions import ValidationError
from graphene.utils.orderedtype import OrderedType
from graphene.utils.str_converters import to_camel_case

# Every domain's code enum has these: the base mutation falls back to them.
GENERIC_CODE = "INVALID"
PERMISSION_CODE = "PERMISSION_DENIED"


@dataclasses.dataclass(frozen=True)
class MutationError:
    field: str | None
    code: str
    message: str
    params: Mapping[str, Any] = dataclasses.field(default_factory=dict)


def api_field_name(name: str | None) -> str | None:
    """A service's field path (`valid_from`, `variants.0.remove_variants`) as the API names it."""
    if name is None:
        return None
    return ".".join(to_camel_case(part) for part in name.split("."))


def errors_from_validation_error(
    error: ValidationError, *, default_code: str
) -> list[MutationError]:
    result: list[MutationError] = []
    if hasattr(error, "error_dict"):
        for name, field_errors in error.error_dict.items():
            for item in field_errors:
                result.append(
                    _one(item, field=None if name == "__all__" else name, default_code=default_code)
                )
    else:
        for item in error.error_list:
            result.append(
                _one(item, field=(item.params or {}).get("field"), default_code=default_code)
            )
    return result


def _one(item: ValidationError, *, field: str | None, default_code: str) -> MutationError:
    code = item.code.value if isinstance(item.code, enum.Enum) else item.code
    message = item.message % item.params if item.params else item.message
    return MutationError(
        field=api_field_name(field),
        code=str(code or default_code).upper(),
        message=str(message),
        params=dict(item.params or {}),
    )


def error_type(
    name: str, code_enum: type[enum.Enum], **extra_fields: Any
) -> type[graphene.ObjectType]:
    """Builds the `<Domain>Error` GraphQL type for a domain's error-code enum (kept on the type as
    `code_enum`, which the base mutation builds its `errors` field from); `extra_fields` are more
    fields with their resolvers (`resolve_<name>`) reading the MutationError's params."""
    missing = {GENERIC_CODE, PERMISSION_CODE} - set(code_enum.__members__)
    if missing:
        raise TypeError(f"{code_enum.__name__} lacks the codes {sorted(missing)}.")
    graphql_enum = graphene.Enum.from_enum(code_enum, name=f"{name}Code")

    def resolve_code(root: MutationError, _info: Any) -> Any:
        return code_enum(root.code)

    base_fields = {
        "field": graphene.String(description="The input field at fault, null for the whole input."),
        "code": graphene.Field(graphql_enum, required=True),
        "message": graphene.String(required=True),
    }
    for value in extra_fields.values():
        if isinstance(value, OrderedType):
            value.reset_counter()  # after field, code and message
    return type(
        name,
        (graphene.ObjectType,),
        {
            "__doc__": f"An error of a {name.removesuffix('Error')} operation.",
            "code_enum": code_enum,
            **base_fields,
            "resolve_code": staticmethod(resolve_code),
            **extra_fields,
        },
    )
