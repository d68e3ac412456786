"""The pages' answers that Django leaves bare:

- a request that PostgreSQL ended to break a conflict with another (a deadlock) answers 409 with
  a page saying so, not the server error page: nothing was saved, and sending it again can succeed
  (`marketplace.core.conflicts.is_conflict`);
- a form's address opened as a page (a bookmark, a reload, the browser's history) answers 405
  with a page saying so and where to go, not an empty one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from marketplace.core.conflicts import is_conflict

logger = logging.getLogger(__name__)

# The API answers its clients, not people: its 405s stay as they are.
API_PREFIXES = ("/graphql", "/payments/")


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


class MethodNotAllowedPageMiddleware:
    """A GET (or HEAD) that a form's view refused (405, no body: `require_POST`) gets the site's
    page, in the layout, still 405 with its Allow header. The API's 405s are left as they are."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code != 405
            or response.content
            or request.method not in ("GET", "HEAD")
            or request.path.startswith(API_PREFIXES)
        ):
            return response
        page = render(request, "405.html", status=405)
        if response.has_header("Allow"):
            page["Allow"] = response["Allow"]
        return page
