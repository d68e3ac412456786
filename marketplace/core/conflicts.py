"""Transactions PostgreSQL ended to resolve a conflict between them, which may be tried again."""

from __future__ import annotations

from django.db import OperationalError, transaction
from psycopg import errors


def conflict_retriable(error: BaseException, *, using: str | None = None) -> bool:
    """True when PostgreSQL rolled the transaction back to break a deadlock or a serialization
    conflict (the other transaction went on), and that transaction was the caller's outermost:
    nothing it did remains, so the same work, tried again at once, can succeed. Inside an outer
    atomic block the whole outer transaction is lost: its owner decides."""
    return (
        isinstance(error, OperationalError)
        and isinstance(error.__cause__, (errors.DeadlockDetected, errors.SerializationFailure))
        and not transaction.get_connection(using).in_atomic_block
    )
