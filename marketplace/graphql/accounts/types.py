from __future__ import annotations

from typing import Any

import graphene
from graphene import relay

from marketplace.accounts.error_codes import AccountErrorCode
from marketplace.accounts.models import User
from marketplace.graphql.core.errors import error_type
from marketplace.graphql.core.pagination import paginate_queryset
from marketplace.graphql.orders.types import OrderConnection
from marketplace.orders.models import Order

AccountError = error_type("AccountError", AccountErrorCode)


class UserType(graphene.ObjectType):
    class Meta:
        name = "User"
        interfaces = (relay.Node,)
        possible_types = (User,)

    email = graphene.String(required=True)
    first_name = graphene.String(required=True)
    last_name = graphene.String(required=True)
    language = graphene.String(required=True)
    orders = graphene.Field(
        "marketplace.graphql.orders.types.OrderConnection",
        first=graphene.Int(),
        after=graphene.String(),
        description="The user's orders, newest first.",
    )

    @classmethod
    def get_node(cls, info: Any, pk: str) -> Any:
        user = info.context.user
        if user.is_authenticated and (str(user.pk) == pk or user.is_superuser):
            return User.objects.filter(pk=pk).first()
        return None

    @staticmethod
    def resolve_orders(
        root: User, info: Any, first: int | None = None, after: str | None = None
    ) -> Any:

        if not (info.context.user.is_authenticated and info.context.user.pk == root.pk):
            return None
        queryset = Order.objects.filter(user_id=root.pk).order_by("-created_at", "-pk")
        return paginate_queryset(OrderConnection, queryset, first=first, after=after)
