from __future__ import annotations

from typing import Any

import graphene

from marketplace.accounts.authentication import token_create
from marketplace.accounts.backends import client_address
from marketplace.graphql.accounts.types import AccountError, UserType
from marketplace.graphql.core.mutations import BaseMutation


class TokenCreate(BaseMutation):
    """Log in: an access token (Authorization: Bearer) and a refresh token."""

    error_type_class = AccountError

    class Arguments:
        email = graphene.String(required=True)
        password = graphene.String(required=True)

    token = graphene.String()
    refresh_token = graphene.String()
    user = graphene.Field(UserType)

    @classmethod
    def perform(cls, root: Any, info: Any, *, email: str, password: str) -> dict[str, Any]:
        issued = token_create(email=email, password=password, address=client_address(info.context))
        return {"token": issued.token, "refresh_token": issued.refresh_token, "user": issued.user}
