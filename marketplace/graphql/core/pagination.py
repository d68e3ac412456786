"""Relay connections with `totalCount`, built from querysets or from lists."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import graphene
from django.conf import settings
from django.utils.translation import gettext as _
from graphql import GraphQLError
from graphql_relay import cursor_to_offset, offset_to_cursor


class CountableConnection(graphene.relay.Connection):
    class Meta:
        abstract = True

    total_count = graphene.Int(required=True)

    @staticmethod
    def resolve_total_count(root: Any, _info: Any) -> int:
        length: int = root.length
        return length


def connection_args(first: int | None, after: str | None) -> tuple[int, int]:
    """(offset, limit) from Relay's first/after, validated."""
    limit = settings.MAX_PAGE_SIZE if first is None else first
    if limit < 0 or limit > settings.MAX_PAGE_SIZE:
        raise GraphQLError(
            _("first must be between 0 and %(max)d.") % {"max": settings.MAX_PAGE_SIZE},
            extensions={"code": "INVALID", "field": "first"},
        )
    offset = 0
    if after:
        position = cursor_to_offset(after)
        if position is None or position < 0:
            raise GraphQLError(
                _("Invalid cursor."), extensions={"code": "INVALID", "field": "after"}
            )
        offset = position + 1
    return offset, limit


def build_connection(
    connection_type: type[CountableConnection],
    items: Sequence[Any],
    *,
    offset: int,
    total: int,
    limit: int,
) -> CountableConnection:
    edges = [
        connection_type.Edge(node=item, cursor=offset_to_cursor(offset + index))
        for index, item in enumerate(items[:limit])
    ]
    page_info = graphene.relay.PageInfo(
        start_cursor=edges[0].cursor if edges else None,
        end_cursor=edges[-1].cursor if edges else None,
        has_previous_page=offset > 0,
        has_next_page=offset + len(edges) < total,
    )
    connection = connection_type(edges=edges, page_info=page_info)
    connection.length = total
    return connection


def paginate_queryset(
    connection_type: type[CountableConnection],
    queryset: Any,
    *,
    first: int | None,
    after: str | None,
) -> CountableConnection:
    offset, limit = connection_args(first, after)
    total = queryset.count()
    items = list(queryset[offset : offset + limit]) if limit else []
    return build_connection(connection_type, items, offset=offset, total=total, limit=limit)


def paginate_list(
    connection_type: type[CountableConnection],
    items: Sequence[Any],
    *,
    first: int | None,
    after: str | None,
) -> CountableConnection:
    offset, limit = connection_args(first, after)
    return build_connection(
        connection_type,
        items[offset : offset + limit],
        offset=offset,
        total=len(items),
        limit=limit,
    )
