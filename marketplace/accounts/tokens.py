"""JSON Web Tokens for the API: a short-lived access token and a long-lived refresh token."""

from __future__ import annotations

from typing import Any

import jwt
from django.conf import settings
from django.utils import timezone

from marketplace.accounts.models import User

ALGORITHM = "HS256"
ACCESS = "access"
REFRESH = "refresh"


def _encode(user: User, kind: str) -> str:
    now = timezone.now()
    ttl = settings.JWT_ACCESS_TTL if kind == ACCESS else settings.JWT_REFRESH_TTL
    payload = {
        "sub": str(user.pk),
        "email": user.email,
        "type": kind,
        "iat": int(now.timestamp()),
        "exp": int((now + ttl).timestamp()),
        # Changing the password changes this, which invalidates every earlier token.
        "pwd": user.password[-12:],
    }
    return jwt.encode(payload, settings.SECRET_KEY, algorithm=ALGORITHM)


def create_access_token(user: User) -> str:
    return _encode(user, ACCESS)


def create_refresh_token(user: User) -> str:
    return _encode(user, REFRESH)


def user_from_token(token: str, *, kind: str = ACCESS) -> User | None:
    """The active user a valid token of that kind names, or None."""
    try:
        payload: dict[str, Any] = jwt.decode(token, settings.SECRET_KEY, algorithms=[ALGORITHM])
    except jwt.PyJWTError:
        return None
    if payload.get("type") != kind:
        return None
    subject = payload.get("sub")
    if not isinstance(subject, str) or not subject.isdigit():
        return None
    user = User.objects.filter(pk=int(subject), is_active=True).first()
    if user is None or user.password[-12:] != payload.get("pwd"):
        return None
    return user
