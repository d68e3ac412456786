"""JSON Web Tokens for the API: a short-lived access token and a long-lived refresh token.

A token names its user's `token_version` (raised by every password change), never anything
derived from the password. A refresh token is used once: `refresh_token_rotate` deletes its row
and issues a new pair, so a stolen refresh token dies at its next legitimate use and a replayed
one is refused.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import jwt
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from marketplace.accounts.models import RefreshToken, User

ALGORITHM = "HS256"
ACCESS = "access"
REFRESH = "refresh"


@dataclass(frozen=True)
class TokenPair:
    user: User
    token: str
    refresh_token: str


def _encode(user: User, kind: str, *, jti: str | None = None) -> str:
    now = timezone.now()
    ttl = settings.JWT_ACCESS_TTL if kind == ACCESS else settings.JWT_REFRESH_TTL
    payload: dict[str, Any] = {
        "sub": str(user.pk),
        "email": user.email,
        "type": kind,
        "iat": int(now.timestamp()),
        "exp": int((now + ttl).timestamp()),
        "ver": user.token_version,
    }
    if jti is not None:
        payload["jti"] = jti
    return jwt.encode(payload, settings.SECRET_KEY, algorithm=ALGORITHM)


def create_access_token(user: User) -> str:
    return _encode(user, ACCESS)


def create_refresh_token(user: User) -> str:
    now = timezone.now()
    RefreshToken.objects.filter(user=user, expires_at__lt=now).delete()
    jti = secrets.token_urlsafe(32)
    RefreshToken.objects.create(user=user, jti=jti, expires_at=now + settings.JWT_REFRESH_TTL)
    return _encode(user, REFRESH, jti=jti)


def refresh_tokens_purge_expired() -> int:
    """Deletes the refresh tokens past their expiry, of every user (daily beat, besides each user's
    own at login); returns how many."""
    deleted, _by_model = RefreshToken.objects.filter(expires_at__lt=timezone.now()).delete()
    return deleted


def _payload(token: str, kind: str) -> dict[str, Any] | None:
    try:
        payload: dict[str, Any] = jwt.decode(token, settings.SECRET_KEY, algorithms=[ALGORITHM])
    except jwt.PyJWTError:
        return None
    if payload.get("type") != kind:
        return None
    subject = payload.get("sub")
    if not isinstance(subject, str) or not subject.isdigit() or len(subject) > 18:
        return None
    return payload


def user_from_token(token: str, *, kind: str = ACCESS) -> User | None:
    """The active user a valid token of that kind names, or None."""
    payload = _payload(token, kind)
    if payload is None:
        return None
    user = User.objects.filter(pk=int(payload["sub"]), is_active=True).first()
    if user is None or payload.get("ver") != user.token_version:
        return None
    return user


def refresh_token_rotate(*, refresh_token: str) -> TokenPair | None:
    """A new access and refresh token for a valid, unused refresh token (used up), or None."""
    payload = _payload(refresh_token, REFRESH)
    jti = payload.get("jti") if payload else None
    if payload is None or not isinstance(jti, str):
        return None
    with transaction.atomic():
        used, _ = RefreshToken.objects.filter(
            jti=jti, user_id=int(payload["sub"]), expires_at__gt=timezone.now()
        ).delete()
        user = user_from_token(refresh_token, kind=REFRESH) if used else None
        if user is None:
            return None
        return TokenPair(
            user=user, token=create_access_token(user), refresh_token=create_refresh_token(user)
        )
