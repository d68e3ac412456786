from __future__ import annotations

from typing import Any

import graphene

from marketplace.accounts.data_rights import account_data_export
from marketplace.graphql.accounts.types import AccountError
from marketplace.graphql.core.mutations import BaseMutation
from marketplace.graphql.governance.access import require_login


class AccountDataExport(BaseMutation):
    """Everything the marketplace holds about the logged-in user, as JSON."""

    error_type_class = AccountError

    data = graphene.JSONString()

    @classmethod
    def perform(cls, root: Any, info: Any) -> dict[str, Any]:
        user = require_login(info)
        return {"data": account_data_export(user=user)}
