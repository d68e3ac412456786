"""Transactions PostgreSQL ended to resolve a conflict between them, which may be tried again."""

from __future__ import annotations

from django.db import OperationalError, transaction
from psycopg import errors


def is_conflict(error: BaseException) -> bool:
    """True when PostgreSQL rolled the transaction back to break a deadlock or a serialization
    conflict with another one (which went on): nothing of it was saved, and the same request,
    sent again, can succeed. The API and the pages answer it as such, not as an internal error."""
    return isinstance(error, OperationalError) and isinstance(
        error.__cause__, (errors.DeadlockDetected, errors.SerializationFailure)
    )


def conflict_retriable(error: BaseException, *, using: str | None = None) -> bool:
    """A conflict (`is_conflict`) whose transaction was the caller's outermost: nothing it did
    remains, so the same work, tried again at once, can succeed. Inside an outer atomic block
    the whole outer transaction is lost: its owner decides."""
    return is_conflict(error) and not transaction.get_connection(using).in_atomic_block
