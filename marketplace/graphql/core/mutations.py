"""The base of every mutation: validate input, check permissions, call one service, map errors."""

from __future__ import annotations

import enum
import logging
from typing import Any, ClassVar

import graphene
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from marketplace.graphql.core.errors import (
    GENERIC_CODE,
    PERMISSION_CODE,
    MutationError,
    errors_from_validation_error,
)

logger = logging.getLogger(__name__)


class BaseMutation(graphene.Mutation):
    """Subclasses set `error_type_class` to their domain's error type (built by
    `core.errors.error_type` from the domain's code enum) and implement
    `perform(root, info, **data) -> dict`; the base adds `errors: [<Domain>Error!]!`.

    Services raise ValidationError with snake_case field names and their domain's codes: the
    fields reach the API in camelCase; a code the enum does not have is logged and answered as
    INVALID with a generic message (the service's text is not shown).
    """

    error_type_class: ClassVar[type[graphene.ObjectType]]
    error_codes: ClassVar[type[enum.Enum]]

    class Meta:
        abstract = True

    @classmethod
    def __init_subclass_with_meta__(cls, **options: Any) -> None:
        error_type_class = getattr(cls, "error_type_class", None)
        code_enum = getattr(error_type_class, "code_enum", None)
        if error_type_class is None or not (
            isinstance(code_enum, type) and issubclass(code_enum, enum.Enum)
        ):
            raise TypeError(
                f"{cls.__name__}: set error_type_class to a type built by error_type(name, enum)."
            )
        if "errors" in cls.__dict__:
            raise TypeError(
                f"{cls.__name__}: `errors` is built by BaseMutation, do not declare it."
            )
        cls.error_codes = code_enum
        # Set before graphene collects the fields, so that `errors` comes last in the payload.
        cls.errors = graphene.List(graphene.NonNull(error_type_class), required=True)
        super().__init_subclass_with_meta__(**options)

    @classmethod
    def mutate(cls, root: Any, info: Any, **data: Any) -> Any:
        try:
            # `perform` is declared by each subclass with its own keyword arguments.
            payload = cls.perform(root, info, **data)
        except ValidationError as error:
            errors = errors_from_validation_error(error, default_code=GENERIC_CODE)
            return cls(errors=[cls._known(item) for item in errors])
        except PermissionDenied as error:
            message = str(error) or "You do not have permission to perform this action."
            return cls(errors=[MutationError(field=None, code=PERMISSION_CODE, message=message)])
        return cls(errors=[], **payload)

    @classmethod
    def _known(cls, error: MutationError) -> MutationError:
        """The error itself when its code is one of the mutation's, else a generic INVALID."""
        if error.code in {code.value for code in cls.error_codes}:
            return error
        logger.error(
            "%s: a service raised the code %r, which %s does not have (field %r): %s",
            cls.__name__,
            error.code,
            cls.error_codes.__name__,
            error.field,
            error.message,
        )
        return MutationError(field=error.field, code=GENERIC_CODE, message=_("Invalid input."))
