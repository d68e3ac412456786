"""The test database as PostgreSQL sees it: the other connections, the waits for a lock; its URL
for the processes a test starts."""

from __future__ import annotations

from urllib.parse import quote

from django.db import connection


def database_url() -> str:
    """The test database's DATABASE_URL (its host quoted: a socket's directory is a path)."""
    db = connection.settings_dict
    host = quote(db["HOST"] or "", safe="")
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


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
