"""Django's model backend with the login limit (web session login, /admin/login/)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from marketplace.accounts.models import User, normalize_email
from marketplace.accounts.throttle import login_failure_record, login_throttled


def client_address(request: HttpRequest | None) -> str | None:
    """The address the rate limits count: the peer, or behind `TRUSTED_PROXY_COUNT` reverse proxies
    the address the outermost of them saw (each proxy appends its peer to X-Forwarded-For, so the
    client's own entries on the left, which it can forge, are never read)."""
    if request is None:
        return None
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        hops: list[str] = [
            hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        ]
        hops = [hop for hop in hops if hop]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR")


class ThrottledModelBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        email = username if username is not None else kwargs.get(User.USERNAME_FIELD)
        if not email or password is None:
            return None
        # Emails are kept as `normalize_email` writes them: "Client@Example.org" logs in too.
        email = normalize_email(email)
        address = client_address(request)
        if login_throttled(email=email, address=address):
            raise PermissionDenied("Too many login attempts.")  # authenticate() stops here
        user = super().authenticate(request, username=email, password=password, **kwargs)
        if user is None:
            login_failure_record(email=email, address=address)
        return user
