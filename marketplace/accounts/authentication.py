"""Logging in through the API."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from marketplace.accounts.error_codes import AccountErrorCode
from marketplace.accounts.models import User, normalize_email
from marketplace.accounts.throttle import login_failure_record, login_throttled
from marketplace.accounts.tokens import create_access_token, create_refresh_token


@dataclass(frozen=True)
class IssuedTokens:
    user: User
    token: str
    refresh_token: str


def token_create(*, email: str, password: str, address: str | None = None) -> IssuedTokens:
    """Tokens for the right email and password, within the login limit (marketplace.throttle)."""
    if login_throttled(email=email, address=address):
        raise ValidationError(
            _("Too many login attempts; try again in a minute."),
            code=AccountErrorCode.RATE_LIMITED.value,
        )
    user = User.objects.filter(email__iexact=normalize_email(email)).first()
    if user is None:
        # Hashing with the configured hasher when the email is unknown (as Django's backend
        # does) keeps response times alike, and no slower than a real account's.
        User().set_password(password)
    if user is None or not user.check_password(password):
        login_failure_record(email=email, address=address)
        raise ValidationError(
            {
                "email": ValidationError(
                    _("Wrong email or password."), code=AccountErrorCode.INVALID_CREDENTIALS.value
                )
            }
        )
    if not user.is_active:
        raise ValidationError(
            {
                "email": ValidationError(
                    _("This account is disabled."), code=AccountErrorCode.INACTIVE.value
                )
            }
        )
    return IssuedTokens(
        user=user, token=create_access_token(user), refresh_token=create_refresh_token(user)
    )
