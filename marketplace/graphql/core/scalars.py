"""Scalars and small shared types: Decimal that accepts string literals, Money, geo point."""

from __future__ import annotations

import decimal
from decimal import Decimal as D
from typing import Any, TypedDict

import graphene
from graphql.language import ast


class Decimal(graphene.Scalar):
    """A decimal number, given as a string ("12.50") or a number; always returned as a string."""

    @staticmethod
    def serialize(value: Any) -> str:
        return str(value)

    @staticmethod
    def parse_value(value: Any) -> D:
        return _to_decimal(value)

    @staticmethod
    def parse_literal(node: Any, _variables: Any = None) -> D:
        if isinstance(node, ast.StringValueNode | ast.IntValueNode | ast.FloatValueNode):
            return _to_decimal(node.value)
        raise ValueError("Decimal must be a string or a number.")


def _to_decimal(value: Any) -> D:
    if isinstance(value, bool):
        raise ValueError("Decimal must be a string or a number.")
    try:
        result = D(str(value).strip())
    except (decimal.InvalidOperation, ValueError) as error:
        raise ValueError(f"{value!r} is not a decimal number.") from error
    if not result.is_finite():
        raise ValueError(f"{value!r} is not a finite decimal number.")
    return result


class MoneyValue(TypedDict):
    """What a `Money` field resolves to."""

    amount: D
    currency: str


class Money(graphene.ObjectType):
    amount = graphene.Field(Decimal, required=True)
    currency = graphene.String(required=True)

    @staticmethod
    def of(amount: D | None, currency: str) -> MoneyValue | None:
        if amount is None:
            return None
        return {"amount": amount, "currency": currency}

    @staticmethod
    def resolve_amount(root: MoneyValue, _info: Any) -> D:
        return root["amount"]

    @staticmethod
    def resolve_currency(root: MoneyValue, _info: Any) -> str:
        return root["currency"]


def money_field(attribute: str, **kwargs: Any) -> graphene.Field:
    """A Money field read from `root.<attribute>` in `root.currency`."""

    def resolve(root: Any, _info: Any) -> MoneyValue | None:
        return Money.of(getattr(root, attribute), root.currency)

    return graphene.Field(Money, resolver=resolve, **kwargs)


class GeoPoint(graphene.ObjectType):
    latitude = graphene.Float(required=True)
    longitude = graphene.Float(required=True)


class GeoPointInput(graphene.InputObjectType):
    latitude = graphene.Float(required=True)
    longitude = graphene.Float(required=True)
