"""Who asks: the type every service takes for its `user` (or `actor`).

A request carries a logged-in `User` or Django's `AnonymousUser`; `user.is_authenticated` tells
them apart and narrows the type to `User` for mypy. A service that only a logged-in account may
call takes `User`; one that also records system writes (a task, a test, a deleted account's job)
takes `Requester | None`.
"""

from __future__ import annotations

from typing import TypeAlias

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest

from marketplace.accounts.models import User

Requester: TypeAlias = User | AnonymousUser


class AuthenticatedHttpRequest(HttpRequest):
    """The request of a view behind `login_required`: its user is an account (django-stubs'
    idiom for typing such views)."""

    user: User
