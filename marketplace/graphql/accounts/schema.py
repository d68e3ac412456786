from __future__ import annotations

from typing import Any

import graphene

from marketplace.graphql.accounts.mutations.account_register import AccountRegister
from marketplace.graphql.accounts.mutations.token_create import TokenCreate
from marketplace.graphql.accounts.mutations.token_refresh import TokenRefresh
from marketplace.graphql.accounts.types import UserType


class Query(graphene.ObjectType):
    me = graphene.Field(UserType, description="The logged-in user, or null.")

    @staticmethod
    def resolve_me(_root: Any, info: Any) -> Any:
        user = info.context.user
        return user if user.is_authenticated else None


class Mutation(graphene.ObjectType):
    token_create = TokenCreate.Field()
    token_refresh = TokenRefresh.Field()
    account_register = AccountRegister.Field()
