from __future__ import annotations

from typing import Any

import graphene

from marketplace.accounts.registration import account_register
from marketplace.graphql.accounts.types import AccountError, UserType
from marketplace.graphql.core.mutations import BaseMutation


class AccountRegisterInput(graphene.InputObjectType):
    email = graphene.String(required=True)
    password = graphene.String(required=True)
    first_name = graphene.String()
    last_name = graphene.String()
    language = graphene.String(description='"fr" (default) or "en".')


class AccountRegister(BaseMutation):
    """Create a customer account."""

    error_type_class = AccountError

    class Arguments:
        input = AccountRegisterInput(required=True)

    user = graphene.Field(UserType)

    @classmethod
    def perform(cls, root: Any, info: Any, *, input: dict[str, Any]) -> dict[str, Any]:
        user = account_register(
            email=input["email"],
            password=input["password"],
            first_name=input.get("first_name") or "",
            last_name=input.get("last_name") or "",
            language=input.get("language") or "fr",
        )
        return {"user": user}
