from __future__ import annotations

from typing import Any

import graphene
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from marketplace.accounts.error_codes import AccountErrorCode
from marketplace.accounts.tokens import refresh_token_rotate
from marketplace.graphql.accounts.types import AccountError, UserType
from marketplace.graphql.core.mutations import BaseMutation


class TokenRefresh(BaseMutation):
    """A new access token and a new refresh token; the refresh token given is used up."""

    error_type_class = AccountError

    class Arguments:
        refresh_token = graphene.String(required=True)

    token = graphene.String()
    refresh_token = graphene.String(description="Use it for the next refresh: each is used once.")
    user = graphene.Field(UserType)

    @classmethod
    def perform(cls, root: Any, info: Any, *, refresh_token: str) -> dict[str, Any]:
        pair = refresh_token_rotate(refresh_token=refresh_token)
        if pair is None:
            raise ValidationError(
                {
                    "refreshToken": ValidationError(
                        _("The refresh token is invalid or expired."),
                        code=AccountErrorCode.INVALID.value,
                    )
                }
            )
        return {"token": pair.token, "refresh_token": pair.refresh_token, "user": pair.user}
