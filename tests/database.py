"""The test database as PostgreSQL sees it: the other connections, the waits for a lock, a real
deadlock; its URL for the processes a test starts."""

from __future__ import annotations

import threading
from urllib.parse import quote

from django.db import OperationalError, connection, transaction


def database_url() -> str:
    """The test database's DATABASE_URL (its host quoted: a socket's directory is a path)."""
    db = connection.settings_dict
    host = quote(db["HOST"] or "", safe="")
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


def database_drop(name: str) -> None:
    """Drops the database `name` (made by a test), ending this role's connections to it first.

    Not `WITH (FORCE)`: it must end every connection, and an autovacuum worker busy on a freshly
    restored database is the server's, which this role may not end (InsufficientPrivilege). A
    plain DROP DATABASE asks autovacuum to stop and waits for it."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND usename = current_user AND pid <> pg_backend_pid()",
            [name],
        )
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')


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


def real_deadlock() -> OperationalError:
    """The error PostgreSQL raises in the transaction it ends to break a deadlock: two
    transactions, each holding an advisory lock the other then asks for."""
    both_hold_one = threading.Barrier(2)
    ended: list[OperationalError] = []

    def transaction_locking(first: int, second: int) -> None:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [first])
                both_hold_one.wait(10)
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [second])
        except OperationalError as error:
            ended.append(error)
        finally:
            connection.close()

    keys = (0x5EED_0001, 0x5EED_0002)
    threads = [
        threading.Thread(target=transaction_locking, args=keys),
        threading.Thread(target=transaction_locking, args=keys[::-1]),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(ended) == 1, ended
    return ended[0]
