"""Helpers of the search tests: the search query, a GraphQL search, an unreachable engine's port."""

from __future__ import annotations

import socket
from typing import Any

from django.conf import settings as django_settings

SEARCH_QUERY = """
query Search($town: String!, $query: String, $filter: SearchFilterInput, $near: SearchNearInput,
             $sortBy: SearchSortBy, $first: Int, $after: String) {
  search(town: $town, query: $query, filter: $filter, near: $near, sortBy: $sortBy,
         first: $first, after: $after) {
    totalCount
    backend
    facets {
      categories { value label count }
      vendors { value label count }
      fulfilment { value label count }
      availability { value label count }
      priceRanges { value start end count }
    }
    edges { cursor node { distanceKm product { id slug name vendor { slug } } } }
    pageInfo { hasNextPage hasPreviousPage endCursor }
  }
}
"""


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released): an unreachable engine."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def search(
    gql: Any, town: str, query: str = "", *, answered_by: str | None = None, **variables: Any
) -> dict[str, Any]:
    """The search's result, after checking which backend answered it: the configured one
    (SEARCH_BACKEND) unless `answered_by` says otherwise ("ENGINE" or "DATABASE"). So an engine
    test fails when the engine did not answer, even if the database fallback found the same."""
    result = gql.execute(SEARCH_QUERY, {"town": town, "query": query, **variables})["search"]
    expected = answered_by or str(django_settings.SEARCH_BACKEND).upper()
    assert result["backend"] == expected, f"answered by {result['backend']}, not {expected}"
    return result


def names(result: dict[str, Any]) -> list[str]:
    return [edge["node"]["product"]["name"] for edge in result["edges"]]
