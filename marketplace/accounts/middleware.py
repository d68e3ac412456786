"""`Authorization: Bearer <token>` authenticates API requests."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject

from marketplace.accounts.requester import Requester
from marketplace.accounts.tokens import user_from_token


class BearerTokenMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        header = request.headers.get("Authorization", "")
        if header.lower().startswith("bearer "):
            token = header[7:].strip()
            request.user = SimpleLazyObject(lambda: _user_or_anonymous(token))  # type: ignore[assignment]
        return self.get_response(request)


def _user_or_anonymous(token: str) -> Requester:

    return user_from_token(token) or AnonymousUser()
