"""Django's model backend with the login limit (web session login, /admin/login/)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from marketplace.accounts.models import User
from marketplace.accounts.throttle import login_failure_record, login_throttled


def client_address(request: HttpRequest | None) -> str | None:
    return request.META.get("REMOTE_ADDR") if request is not None else None


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
        address = client_address(request)
        if login_throttled(email=email, address=address):
            raise PermissionDenied("Too many login attempts.")  # authenticate() stops here
        user = super().authenticate(request, username=email, password=password, **kwargs)
        if user is None:
            login_failure_record(email=email, address=address)
        return user  # type: ignore[return-value]
