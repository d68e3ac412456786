"""Request-scoped dataloaders (graphql-sync-dataloaders): every relation resolver goes through one.

A loader class is instantiated once per request and kept on the request (`info.context`), so
that all the `load()` calls of one query level are batched into one SQL query.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Any, ClassVar, Generic, TypeVar

from django.db.models import Model, QuerySet
from graphql_sync_dataloaders import SyncDataLoader
from graphql_sync_dataloaders.sync_future import SyncFuture

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class DataLoader(Generic[K, V]):
    """Subclass and implement `batch_load(keys) -> list of values in the keys' order`."""

    context_key: ClassVar[str] = ""

    def __new__(cls, context: Any) -> DataLoader[K, V]:
        key = cls.context_key or f"{cls.__module__}.{cls.__qualname__}"
        loaders = context.__dict__.setdefault("_dataloaders", {})
        if key not in loaders:
            instance = super().__new__(cls)
            instance.context = context
            instance._loader = SyncDataLoader(instance.batch_load)
            loaders[key] = instance
        return loaders[key]  # type: ignore[no-any-return]

    context: Any
    _loader: SyncDataLoader

    def batch_load(self, keys: Sequence[K]) -> list[V]:
        raise NotImplementedError

    def load(self, key: K) -> SyncFuture:
        return self._loader.load(key)

    def load_many(self, keys: Iterable[K]) -> SyncFuture:
        return gather([self.load(key) for key in keys])

    def prime(self, key: K, value: V) -> None:
        if key not in self._loader._cache:
            future = SyncFuture()
            future.set_result(value)
            self._loader._cache[key] = future


def then(future: SyncFuture, fn: Callable[[Any], Any]) -> SyncFuture:
    """A future of fn(result): maps a loader's result to another value.

    If fn returns another pending future (a second load), that load is dispatched at once:
    correct, but not batched with its siblings, so prefer one loader that returns what you need.
    """
    chained = SyncFuture()

    def on_done() -> None:
        error = future.exception()
        if error is not None:
            chained.set_exception(error)
            return
        try:
            value = fn(future.result())
        except Exception as exc:
            chained.set_exception(exc)
            return
        if isinstance(value, SyncFuture):
            if value.done():
                _copy(value, chained)
            else:
                value.add_done_callback(lambda: _copy(value, chained))
                if value.deferred_callback:
                    value.deferred_callback()
        else:
            chained.set_result(value)

    if future.done():
        on_done()
    else:
        future.add_done_callback(on_done)
        chained.deferred_callback = future.deferred_callback
    return chained


def _copy(source: SyncFuture, target: SyncFuture) -> None:
    error = source.exception()
    if error is not None:
        target.set_exception(error)
    else:
        target.set_result(source.result())


def gather(futures: list[SyncFuture]) -> SyncFuture:
    """One future of the list of results of several futures."""
    result = SyncFuture()
    pending = [f for f in futures if not f.done()]

    def finish() -> None:
        errors = [f.exception() for f in futures if f.exception() is not None]
        if errors:
            result.set_exception(errors[0])
        else:
            result.set_result([f.result() for f in futures])

    if not pending:
        finish()
        return result
    remaining = {"count": len(pending)}

    def on_done() -> None:
        remaining["count"] -= 1
        if remaining["count"] == 0:
            finish()

    for future in pending:
        future.add_done_callback(on_done)
    callbacks = [f.deferred_callback for f in pending if f.deferred_callback]

    def run_all() -> None:
        for callback in callbacks:
            callback()

    result.deferred_callback = run_all
    return result


M = TypeVar("M", bound=Model)


class ByIdLoader(DataLoader[int, M | None]):
    """Loads model instances by primary key."""

    def queryset(self) -> QuerySet[M]:
        raise NotImplementedError

    def batch_load(self, keys: Sequence[int]) -> list[M | None]:
        found = self.queryset().in_bulk(list(keys))
        return [found.get(key) for key in keys]


class ByForeignKeyLoader(DataLoader[int, list[M]]):
    """Loads, for each parent id, the list of children pointing at it through `field`."""

    field: ClassVar[str]

    def queryset(self) -> QuerySet[M]:
        raise NotImplementedError

    def batch_load(self, keys: Sequence[int]) -> list[list[M]]:
        grouped: dict[int, list[M]] = defaultdict(list)
        for item in self.queryset().filter(**{f"{self.field}__in": list(keys)}):
            grouped[getattr(item, f"{self.field}_id")].append(item)
        return [grouped.get(key, []) for key in keys]
