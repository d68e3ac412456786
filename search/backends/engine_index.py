"""The engine's per-town indices: analysis, mapping, versioned indices behind an alias.

A town's public name is the alias `<prefix>-<town>`; it points at exactly one concrete index
`<prefix>-<town>-v<microseconds>`. A rebuild fills a new version, swaps the alias in one
`_aliases` call (remove + add) and deletes the old versions. Incremental writes go to every
version of the town (the live one and one being built), with external versions (the time the
document was read from the database), so a rebuild and a concurrent update never lose a change.
"""

from __future__ import annotations

import logging
import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from django.conf import settings
from opensearchpy import OpenSearch, helpers

logger = logging.getLogger(__name__)

FRENCH_ELISION_ARTICLES = [
    "l", "m", "t", "qu", "n", "s", "j", "d", "c", "jusqu", "quoiqu", "lorsqu", "puisqu",
]  # fmt: skip

INDEX_SETTINGS: dict[str, Any] = {
    "number_of_shards": 1,
    "number_of_replicas": 0,
    "refresh_interval": "1s",
    "analysis": {
        "filter": {
            "fr_elision": {
                "type": "elision",
                "articles_case": True,
                "articles": FRENCH_ELISION_ARTICLES,
            },
            "fr_stop": {"type": "stop", "stopwords": "_french_"},
            "fr_stemmer": {"type": "stemmer", "language": "light_french"},
            "fr_edge": {"type": "edge_ngram", "min_gram": 2, "max_gram": 15},
        },
        "normalizer": {
            "folded": {"type": "custom", "filter": ["lowercase", "asciifolding"]},
        },
        "analyzer": {
            # Full-text French: l'huile -> huil, bières -> bier, gaufres -> gaufr.
            "fr_text": {
                "tokenizer": "standard",
                "filter": ["fr_elision", "lowercase", "asciifolding", "fr_stop", "fr_stemmer"],
            },
            # Whole words, folded but not stemmed: the search side of prefix queries.
            "fr_exact": {
                "tokenizer": "standard",
                "filter": ["fr_elision", "lowercase", "asciifolding"],
            },
            # Index side of the autocomplete sub-fields: every prefix of 2..15 letters.
            "fr_autocomplete": {
                "tokenizer": "standard",
                "filter": ["fr_elision", "lowercase", "asciifolding", "fr_edge"],
            },
        },
    },
}

_PREFIX_FIELD: dict[str, Any] = {
    "type": "text",
    "analyzer": "fr_autocomplete",
    "search_analyzer": "fr_exact",
}
_TEXT_WITH_PREFIX: dict[str, Any] = {
    "type": "text",
    "analyzer": "fr_text",
    "fields": {
        "prefix": _PREFIX_FIELD,
        "sort": {"type": "keyword", "normalizer": "folded", "ignore_above": 256},
    },
}

MAPPINGS: dict[str, Any] = {
    "dynamic": "strict",
    "properties": {
        "product_id": {"type": "long"},
        "slug": {"type": "keyword"},
        "name": _TEXT_WITH_PREFIX,
        "description": {"type": "text", "analyzer": "fr_text"},
        "town": {"type": "keyword"},
        "vendor_id": {"type": "long"},
        "vendor_slug": {"type": "keyword", "eager_global_ordinals": True},
        "vendor_name": _TEXT_WITH_PREFIX,
        "category_slugs": {"type": "keyword", "eager_global_ordinals": True},
        "category_names": {"type": "text", "analyzer": "fr_text"},
        "prices": {"type": "double"},
        "price_min": {"type": "double"},
        "price_max": {"type": "double"},
        "in_stock": {"type": "boolean"},
        "location": {"type": "geo_point"},
        "fulfilment": {"type": "keyword", "eager_global_ordinals": True},
    },
}


_CLIENTS: dict[tuple[int, str, float], OpenSearch] = {}


def get_client(*, timeout: float = 10) -> OpenSearch:
    """The process's client for this address and timeout: its connections are kept open between
    requests (a search page no longer opens one). Keyed by process id too: a forked worker never
    shares its parent's sockets."""
    key = (os.getpid(), settings.SEARCH_URL, timeout)
    client = _CLIENTS.get(key)
    if client is None:
        client = _CLIENTS.setdefault(
            key,
            OpenSearch(
                hosts=[settings.SEARCH_URL],
                timeout=timeout,
                max_retries=0,
                retry_on_timeout=False,
                http_compress=False,
            ),
        )
    return client


def alias_name(town_slug: str) -> str:
    return f"{settings.SEARCH_INDEX_PREFIX}-{town_slug}"


def town_versions(client: OpenSearch, town_slug: str) -> list[str]:
    """Every concrete index of the town (live and being built)."""
    pattern = f"{alias_name(town_slug)}-v*"
    return sorted(client.indices.get(index=pattern, allow_no_indices=True, expand_wildcards="open"))


def live_indices(client: OpenSearch, town_slug: str) -> list[str]:
    found = client.indices.get_alias(name=alias_name(town_slug), ignore=404)
    if "error" in found or found.get("status") == 404:
        return []
    return sorted(found)


def create_version(client: OpenSearch, town_slug: str, *, loading: bool = False) -> str:
    name = f"{alias_name(town_slug)}-v{time.time_ns() // 1000}"
    index_settings = dict(INDEX_SETTINGS)
    if loading:
        index_settings["refresh_interval"] = "-1"
    client.indices.create(index=name, body={"settings": index_settings, "mappings": MAPPINGS})
    return name


def swap_alias(client: OpenSearch, town_slug: str, new_index: str) -> list[str]:
    """Points the alias at new_index in one atomic call; returns the versions now unused."""
    alias = alias_name(town_slug)
    current = live_indices(client, town_slug)
    actions: list[dict[str, Any]] = [
        {"remove": {"index": index, "alias": alias}} for index in current if index != new_index
    ]
    actions.append({"add": {"index": new_index, "alias": alias}})
    client.indices.update_aliases(body={"actions": actions})
    return [index for index in town_versions(client, town_slug) if index != new_index]


def indexed_towns(client: OpenSearch, town_slugs: list[str]) -> set[str]:
    """Those of the towns whose alias exists (one call)."""
    prefix = f"{settings.SEARCH_INDEX_PREFIX}-"
    found = client.indices.get_alias(name=f"{prefix}*", ignore=404)
    aliases = {
        alias
        for index, body in found.items()
        if isinstance(body, dict)
        for alias in body.get("aliases", {})
    }
    return {slug for slug in town_slugs if alias_name(slug) in aliases}


def _actions(
    index: str, documents: Iterable[dict[str, Any]], version: int
) -> Iterator[dict[str, Any]]:
    for document in documents:
        yield {
            "_op_type": "index",
            "_index": index,
            "_id": str(document["product_id"]),
            "version": version,
            "version_type": "external_gte",
            "_source": document,
        }


def rebuild_town(
    client: OpenSearch,
    town_slug: str,
    documents: Iterable[dict[str, Any]],
    *,
    version: int,
    on_progress: Callable[[int], None] | None = None,
    chunk_size: int = 2000,
) -> tuple[str, int]:
    """Fills a new version, swaps the alias, deletes old versions. Returns (index, count)."""
    index = create_version(client, town_slug, loading=True)
    count = 0

    def send(chunk: list[dict[str, Any]]) -> int:
        _done, errors = helpers.bulk(
            client, chunk, raise_on_error=False, stats_only=False, request_timeout=120
        )
        for item in errors:
            if _status(item) != 409:
                raise RuntimeError(f"bulk indexing failed: {item}")
        return len(chunk)

    try:
        # Documents are read from the database in this thread (its connection, its
        # transaction) while two threads send the previous chunks to the engine.
        with ThreadPoolExecutor(max_workers=2) as pool:
            pending: deque[Future[int]] = deque()
            chunk: list[dict[str, Any]] = []
            for action in _actions(index, documents, version):
                chunk.append(action)
                if len(chunk) >= chunk_size:
                    pending.append(pool.submit(send, chunk))
                    chunk = []
                while len(pending) > 2:
                    sent = pending.popleft().result()
                    count += sent
                    if on_progress is not None:
                        on_progress(sent)
            if chunk:
                pending.append(pool.submit(send, chunk))
            while pending:
                sent = pending.popleft().result()
                count += sent
                if on_progress is not None:
                    on_progress(sent)
        client.indices.put_settings(index=index, body={"index": {"refresh_interval": "1s"}})
        client.indices.refresh(index=index)
        unused = swap_alias(client, town_slug, index)
    except BaseException:
        client.indices.delete(index=index, ignore_unavailable=True)
        raise
    for old in unused:
        client.indices.delete(index=old, ignore_unavailable=True)
    return index, count


def _status(item: dict[str, Any]) -> int:
    for result in item.values():
        return int(result.get("status", 0))
    return 0


def write(
    client: OpenSearch,
    town_slug: str,
    *,
    documents: list[dict[str, Any]],
    delete_ids: list[int],
    version: int,
    refresh: bool = False,
) -> set[int]:
    """Indexes and deletes in bulk in every version of the town; returns the ids that failed."""
    failed: set[int] = set()
    # No index yet: nothing to update; the town's first build (its first shop approved, the
    # sweeper or the rebuild command) reads everything from the database. Writes never create
    # indices (other areas' tests write in many towns).
    for index in town_versions(client, town_slug):
        actions: list[dict[str, Any]] = list(_actions(index, documents, version))
        actions += [
            {
                "_op_type": "delete",
                "_index": index,
                "_id": str(product_id),
                "version": version,
                "version_type": "external_gte",
            }
            for product_id in delete_ids
        ]
        if not actions:
            continue
        _, errors = helpers.bulk(
            client,
            actions,
            raise_on_error=False,
            raise_on_exception=True,
            refresh=refresh,
            request_timeout=30,
        )
        for item in errors:
            status = _status(item)
            # 409: a newer version is already there; 404: deleting what is not indexed.
            if status not in (404, 409):
                result = next(iter(item.values()))
                failed.add(int(result["_id"]))
                logger.warning("search: indexing error %s", result)
    return failed
