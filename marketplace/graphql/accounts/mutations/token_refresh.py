from __future__ import annotations

from typing import Any

import graphene
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from marketplace.accounts.error_codes import AccountErrorCode
from marketplace.accounts.tokens import REFRESH, create_access_token, user_from_token
from marketplace.graphql.accounts.types import AccountError, UserType
from marketplace.graphql.core.mutations import BaseMutation


class TokenRefresh(BaseMutation):
    """A new access token from a refresh token."""

    error_codes = AccountErrorCode

    class Arguments:
        refresh_token = graphene.String(required=True)

    token = graphene.String()
    user = graphene.Field(UserType)
    errors = graphene.List(graphene.NonNull(AccountError), required=True)

    @classmethod
    def perform(cls, root: Any, info: Any, *, refresh_token: str) -> dict[str, Any]:
        user = user_from_token(refresh_token, kind=REFRESH)
        if user is None:
            raise ValidationError(
                {
                    "refreshToken": ValidationError(
                        _("The refresh token is invalid or expired."),
                        code=AccountErrorCode.INVALID.value,
                    )
                }
            )
        return {"token": create_access_token(user), "user": user}
