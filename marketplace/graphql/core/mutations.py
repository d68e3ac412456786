"""The base of every mutation: validate input, check permissions, call one service, map errors."""

from __future__ import annotations

import enum
from typing import Any, ClassVar

import graphene
from django.core.exceptions import PermissionDenied, ValidationError

from marketplace.graphql.core.errors import MutationError, errors_from_validation_error


class BaseMutation(graphene.Mutation):
    """Subclasses declare `errors = graphene.List(graphene.NonNull(XError), required=True)`,
    set `error_codes` to their domain enum, and implement `perform(info, **data) -> dict`.
    """

    error_codes: ClassVar[type[enum.Enum]]

    class Meta:
        abstract = True

    @classmethod
    def mutate(cls, root: Any, info: Any, **data: Any) -> Any:
        try:
            # `perform` is declared by each subclass with its own keyword arguments.
            payload = cls.perform(root, info, **data)  # type: ignore[attr-defined]
        except ValidationError as error:
            return cls(errors=errors_from_validation_error(error, default_code="INVALID"))
        except PermissionDenied as error:
            message = str(error) or "You do not have permission to perform this action."
            return cls(
                errors=[MutationError(field=None, code="PERMISSION_DENIED", message=message)]
            )
        return cls(errors=[], **payload)
