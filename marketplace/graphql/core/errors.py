"""Mutation errors: `errors: [{ field, code, message }]` with a code enum per domain.

Services raise django.core.exceptions.ValidationError, either keyed by field
(`ValidationError({"price": ValidationError(msg, code=VendorErrorCode.INVALID.value)})`) or plain
(field null). `errors_from_validation_error` turns it into the list that mutations return.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

import graphene
from django.core.exceptions import ValidationError


@dataclass(frozen=True)
class MutationError:
    field: str | None
    code: str
    message: str


def errors_from_validation_error(
    error: ValidationError, *, default_code: str
) -> list[MutationError]:
    result: list[MutationError] = []
    if hasattr(error, "error_dict"):
        for field, field_errors in error.error_dict.items():
            for item in field_errors:
                result.append(
                    _one(
                        item, field=None if field == "__all__" else field, default_code=default_code
                    )
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
    return MutationError(field=field, code=str(code or default_code).upper(), message=str(message))


def error_type(name: str, code_enum: type[enum.Enum]) -> type[graphene.ObjectType]:
    """Builds the `<Domain>Error` GraphQL type for a domain's error-code enum."""
    graphql_enum = graphene.Enum.from_enum(code_enum, name=f"{name}Code")

    def resolve_code(root: MutationError, _info: Any) -> Any:
        return code_enum(root.code)

    return type(
        name,
        (graphene.ObjectType,),
        {
            "__doc__": f"An error of a {name.removesuffix('Error')} operation.",
            "field": graphene.String(
                description="The input field at fault, null for the whole input."
            ),
            "code": graphene.Field(graphql_enum, required=True),
            "message": graphene.String(required=True),
            "resolve_code": staticmethod(resolve_code),
        },
    )
