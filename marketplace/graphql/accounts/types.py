from __future__ import annotations

from typing import Any

import graphene
from graphene import relay

from marketplace.accounts.error_codes import AccountErrorCode
from marketplace.accounts.models import User
from marketplace.graphql.core.errors import error_type

AccountError = error_type("AccountError", AccountErrorCode)


class UserType(graphene.ObjectType):
    class Meta:
        name = "User"
        interfaces = (relay.Node,)

    email = graphene.String(required=True)
    first_name = graphene.String(required=True)
    last_name = graphene.String(required=True)
    language = graphene.String(required=True)

    @classmethod
    def get_node(cls, info: Any, pk: str) -> Any:
        user = info.context.user
        if user.is_authenticated and (str(user.pk) == pk or user.is_superuser):
            return User.objects.filter(pk=pk).first()
        return None
