"""Logging in through the API."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from marketplace.accounts.error_codes import AccountErrorCode
from marketplace.accounts.models import User, normalize_email
from marketplace.accounts.throttle import login_failure_record, login_throttled
from marketplace.accounts.tokens import create_access_token, create_refresh_token

# Hashing a dummy password when the email is unknown keeps response times alike.
_DUMMY_HASH = "pbkdf2_sha256$1000000$dummy$7Zx1HfjCfTF0Yl0mN2E+V1u0kq3zXQ0bqxEN7l0l9uE="


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
        check_password(password, _DUMMY_HASH)
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
