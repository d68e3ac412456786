from __future__ import annotations

from typing import Any

import graphene

from marketplace.accounts.data_rights import account_delete
from marketplace.graphql.accounts.types import AccountError
from marketplace.graphql.core.mutations import BaseMutation
from marketplace.graphql.governance.access import require_login


class AccountDelete(BaseMutation):
    """Delete the logged-in account (password required). Orders are kept, anonymised."""

    error_type_class = AccountError

    class Arguments:
        password = graphene.String(required=True)

    deleted = graphene.Boolean(required=True)
    anonymised_orders = graphene.Int(required=True)

    @classmethod
    def perform(cls, root: Any, info: Any, *, password: str) -> dict[str, Any]:
        user = require_login(info)
        count = account_delete(user=user, password=password)
        return {"deleted": True, "anonymised_orders": count}

    @classmethod
    def mutate(cls, root: Any, info: Any, **data: Any) -> Any:
        result = super().mutate(root, info, **data)
        if result.errors:
            result.deleted = False
            result.anonymised_orders = 0
        return result
