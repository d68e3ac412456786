"""A page's request that PostgreSQL ended to break a conflict with another (a deadlock) answers
409 with a page saying so, not the server error page: nothing was saved, and sending it again
can succeed (`marketplace.core.conflicts.is_conflict`)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from marketplace.core.conflicts import is_conflict

logger = logging.getLogger(__name__)


class ConflictPageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_conflict(exception):
            return None
        logger.warning("conflict on %s %s: %s", request.method, request.path, exception)
        return render(request, "409.html", status=409)
