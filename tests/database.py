"""The test database as PostgreSQL sees it: the other connections, the waits for a lock."""

from __future__ import annotations

from django.db import connection


def other_backends() -> set[tuple[int, object]]:
    """The test database's connections other than this one: (server pid, when it connected)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, backend_start FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return set(cursor.fetchall())


def lock_waits() -> int:
    """How many of the test database's connections wait for a lock now."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return int(cursor.fetchone()[0])
