"""The mutations' error contract, kept by BaseMutation: every mutation answers
`errors: [<Domain>Error!]!` whose `code` is its domain's enum; a mutation cannot be declared
without one; a code the enum lacks is logged and answered as INVALID with a generic message;
services' snake_case field names reach the API in camelCase."""

from __future__ import annotations

import enum
import logging
from typing import Any

import graphene
import pytest
from django.core.exceptions import ValidationError
from graphql import get_introspection_query, graphql_sync

from marketplace.checkout.error_codes import CheckoutErrorCode
from marketplace.graphql.core.errors import api_field_name, error_type
from marketplace.graphql.core.mutations import BaseMutation
from marketplace.graphql.schema import schema


def _unwrap(ref: dict[str, Any]) -> tuple[str, str]:
    """'NON_NULL LIST NON_NULL OBJECT' and the innermost name of a type reference."""
    kinds = []
    while ref["ofType"] is not None:
        kinds.append(ref["kind"])
        ref = ref["ofType"]
    kinds.append(ref["kind"])
    return " ".join(kinds), ref["name"]


def test_every_mutation_answers_errors_of_an_error_type_with_a_code_enum():
    result = graphql_sync(schema.graphql_schema, get_introspection_query())
    assert result.errors is None
    types = {t["name"]: t for t in result.data["__schema"]["types"]}
    mutation = types[result.data["__schema"]["mutationType"]["name"]]
    assert len(mutation["fields"]) > 30
    for operation in mutation["fields"]:
        payload = types[_unwrap(operation["type"])[1]]
        errors = {f["name"]: f for f in payload["fields"]}.get("errors")
        assert errors is not None, operation["name"]
        shape, error_name = _unwrap(errors["type"])
        assert shape == "NON_NULL LIST NON_NULL OBJECT", operation["name"]
        fields = {f["name"]: _unwrap(f["type"]) for f in types[error_name]["fields"]}
        assert fields["field"] == ("SCALAR", "String"), operation["name"]
        assert fields["message"] == ("NON_NULL SCALAR", "String"), operation["name"]
        kind, code_enum = fields["code"]
        assert kind == "NON_NULL ENUM", operation["name"]
        codes = {value["name"] for value in types[code_enum]["enumValues"]}
        assert {"INVALID", "PERMISSION_DENIED"} <= codes, operation["name"]


class ExampleCode(enum.Enum):
    INVALID = "INVALID"
    PERMISSION_DENIED = "PERMISSION_DENIED"
    TOO_LATE = "TOO_LATE"


ExampleError = error_type("ExampleError", ExampleCode)


class ExampleMutation(BaseMutation):
    error_type_class = ExampleError

    class Arguments:
        code = graphene.String(required=True)

    done = graphene.Boolean()

    @classmethod
    def perform(cls, root: Any, info: Any, *, code: str) -> dict[str, Any]:
        raise ValidationError(
            {"opening_hours.0.closes_at": ValidationError("Secret detail %(x)s", code=code)},
            params={"x": "42"},
        )


class Mutation(graphene.ObjectType):
    example = ExampleMutation.Field()


class Query(graphene.ObjectType):
    ok = graphene.Boolean()


EXAMPLE = graphene.Schema(query=Query, mutation=Mutation)
DOCUMENT = (
    "mutation($code: String!) { example(code: $code) { done errors { field code message } } }"
)


def test_a_known_code_is_answered_with_its_message_and_the_camel_case_field():
    result = EXAMPLE.execute(DOCUMENT, variables={"code": "TOO_LATE"})
    assert result.errors is None
    assert result.data["example"]["errors"] == [
        {"field": "openingHours.0.closesAt", "code": "TOO_LATE", "message": "Secret detail %(x)s"}
    ]


def test_an_unknown_code_is_logged_and_answered_as_invalid_without_the_services_text(caplog):
    with caplog.at_level(logging.ERROR, logger="marketplace.graphql.core.mutations"):
        result = EXAMPLE.execute(DOCUMENT, variables={"code": "NOT_IN_THE_ENUM"})
    assert result.errors is None
    [error] = result.data["example"]["errors"]
    assert (error["field"], error["code"]) == ("openingHours.0.closesAt", "INVALID")
    assert "Secret" not in error["message"]
    assert error["message"]
    assert "NOT_IN_THE_ENUM" in caplog.text and "ExampleMutation" in caplog.text


def test_a_mutation_without_an_error_type_cannot_be_declared():
    with pytest.raises(TypeError, match="error_type_class"):

        class NoErrors(BaseMutation):
            done = graphene.Boolean()

            @classmethod
            def perform(cls, root: Any, info: Any) -> dict[str, Any]:
                return {}

    with pytest.raises(TypeError, match="error_type_class"):

        class EnumInsteadOfType(BaseMutation):
            error_type_class = CheckoutErrorCode  # type: ignore[assignment]


def test_errors_cannot_be_written_by_hand():
    with pytest.raises(TypeError, match="errors"):

        class HandWritten(BaseMutation):
            error_type_class = ExampleError
            errors = graphene.List(graphene.NonNull(ExampleError), required=True)


def test_an_error_type_needs_the_generic_codes():
    class Partial(enum.Enum):
        LATE = "LATE"

    with pytest.raises(TypeError, match="INVALID"):
        error_type("PartialError", Partial)


@pytest.mark.parametrize(
    ("service", "api"),
    [
        (None, None),
        ("email", "email"),
        ("valid_from", "validFrom"),
        ("validFrom", "validFrom"),
        ("variants.0.remove_variants", "variants.0.removeVariants"),
        ("address.postal_code", "address.postalCode"),
    ],
)
def test_service_field_names_map_to_the_apis(service, api):
    assert api_field_name(service) == api
