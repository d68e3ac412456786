"""Django's Redis cache, keeping one `redis.Redis` client per connection pool.

Django's `RedisCacheClient.get_client` builds a new `redis.Redis` around the pool for every cache
call; building one fills its table of response callbacks (some 170 entries), which cost more
than the round trip itself on a page making a few cache calls. A `redis.Redis` is thread-safe and
holds nothing but its pool and options, so one per pool does the same work; the pools (and so
reconnection and fork safety) stay Django's and redis-py's.

`cache_add_setting_many`: a flag added and other values set in one round trip (a commit's drain
request and the page versions it renews, #16).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class ReusedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        # the same private members as Django's own get_client (django-stubs leave them out)
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)  # type: ignore[attr-defined]
        return client


class ReusedClientRedisCache(RedisCache):
    """`django.core.cache.backends.redis.RedisCache` with `ReusedClientRedisCacheClient`."""

    def __init__(self, server: Any, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient

    def add_setting_many(
        self, key: str, value: Any, timeout: int, *, values: Mapping[str, Any]
    ) -> bool:
        """`set_many(values, timeout=None)` and `add(key, value, timeout)` in one round trip (a
        pipeline, not a transaction: each command is atomic on its own); True if `key` was
        added."""
        if not values:
            return bool(self.add(key, value, timeout))
        client_wrapper: Any = self._cache  # Django's client: its serializer and write client
        pipeline = client_wrapper.get_client(None, write=True).pipeline(transaction=False)
        dumps = client_wrapper._serializer.dumps
        pipeline.mset({self.make_and_validate_key(k): dumps(v) for k, v in values.items()})
        pipeline.set(self.make_and_validate_key(key), dumps(value), ex=timeout, nx=True)
        return bool(pipeline.execute()[-1])


def cache_add_setting_many(
    cache: BaseCache, key: str, value: Any, timeout: int, *, values: Mapping[str, Any]
) -> bool:
    """`cache.set_many(values, timeout=None)` then `cache.add(key, value, timeout)`: one round
    trip on Redis (`ReusedClientRedisCache`), two calls on any other cache."""
    if timeout <= 0:
        raise ValueError("cache_add_setting_many takes a time to live")
    if not values:  # one command: no pipeline
        return cache.add(key, value, timeout)
    if isinstance(cache, ReusedClientRedisCache):
        return cache.add_setting_many(key, value, timeout, values=values)
    cache.set_many(dict(values), timeout=None)
    return cache.add(key, value, timeout)
