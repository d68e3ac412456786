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


class ThrowawayDatabase:
    def __init__(self, what: str) -> None:
        url = os.environ.get("DATABASE_URL", DEFAULT_URL)
        self.server = server_params(url)
        parsed = urlparse(url)
        self.name = f"{parsed.path.lstrip('/') or 'marketplace'}_bench_{what}"
        os.environ["DATABASE_URL"] = urlunparse(parsed._replace(path=f"/{self.name}"))

    def admin(self, sql: str) -> None:
        """Runs one statement on the server's `postgres` database (CREATE/DROP DATABASE). A DROP
        that meets the server's autovacuum on the database (a process it may not end) is tried
        again a few times, a second apart."""
        for attempt in range(10):
            try:
                with psycopg.connect(**self.server, dbname="postgres", autocommit=True) as conn:
                    conn.execute(sql)
                return
            except psycopg.errors.InsufficientPrivilege:
                if attempt == 9:
                    raise
                time.sleep(1)
