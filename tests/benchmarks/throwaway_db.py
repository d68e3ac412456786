"""A throwaway PostgreSQL database for one benchmark: `<DATABASE_URL's name>_bench_<what>`.

Creating it points DATABASE_URL at it, so import this before Django's settings are read.
"""

from __future__ import annotations

import os
import time
from typing import Any
from urllib.parse import urlparse, urlunparse

import dj_database_url
import psycopg
from psycopg import sql

DEFAULT_URL = "postgres://marketplace:marketplace@127.0.0.1:5432/marketplace"


def server_params(url: str) -> dict[str, Any]:
    """psycopg's connection parameters but the database's, from a DATABASE_URL (its host a name,
    an address or a socket's directory: `postgres://user:pw@%2Fvar%2Frun%2Fpostgresql/db`)."""
    parsed = dj_database_url.parse(url)
    return {
        "host": parsed["HOST"] or None,
        "port": int(parsed["PORT"] or 5432),
        "user": parsed["USER"],
        "password": parsed["PASSWORD"],
    }


def database_drop(server: dict[str, Any], name: str) -> None:
    """Drops the database `name`, ending this role's connections to it first.

    Not `WITH (FORCE)`: that must end every connection, and an autovacuum worker busy on the
    database is the server's, which this role may not end (InsufficientPrivilege). A plain DROP
    DATABASE asks autovacuum to stop and waits for it. One still in use (a connection of this role
    opening meanwhile) is tried again a few times, a second apart."""
    for attempt in range(10):
        try:
            with psycopg.connect(**server, dbname="postgres", autocommit=True) as conn:
                conn.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = %s AND usename = current_user AND pid <> pg_backend_pid()",
                    [name],
                )
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
            return
        except psycopg.errors.ObjectInUse:
            if attempt == 9:
                raise
            time.sleep(1)


class ThrowawayDatabase:
    def __init__(self, what: str) -> None:
        url = os.environ.get("DATABASE_URL", DEFAULT_URL)
        self.server = server_params(url)
        parsed = urlparse(url)
        self.name = f"{parsed.path.lstrip('/') or 'marketplace'}_bench_{what}"
        os.environ["DATABASE_URL"] = urlunparse(parsed._replace(path=f"/{self.name}"))

    def admin(self, statement: str) -> None:
        """Runs one statement on the server's `postgres` database (CREATE DATABASE)."""
        with psycopg.connect(**self.server, dbname="postgres", autocommit=True) as conn:
            conn.execute(statement)  # type: ignore[arg-type]

    def drop(self) -> None:
        """Drops the database (`database_drop`)."""
        database_drop(self.server, self.name)
