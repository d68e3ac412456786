"""A throwaway PostgreSQL database for one benchmark: `<DATABASE_URL's name>_bench_<what>`.

Creating it points DATABASE_URL at it, so import this before Django's settings are read.
"""

from __future__ import annotations

import os
import time
from urllib.parse import urlparse, urlunparse

import psycopg

DEFAULT_URL = "postgres://marketplace:marketplace@127.0.0.1:5432/marketplace"


class ThrowawayDatabase:
    def __init__(self, what: str) -> None:
        self.parsed = urlparse(os.environ.get("DATABASE_URL", DEFAULT_URL))
        self.name = f"{self.parsed.path.lstrip('/') or 'marketplace'}_bench_{what}"
        os.environ["DATABASE_URL"] = urlunparse(self.parsed._replace(path=f"/{self.name}"))

    def admin(self, sql: str) -> None:
        """Runs one statement on the server's `postgres` database (CREATE/DROP DATABASE). A DROP
        that meets the server's autovacuum on the database (a process it may not end) is tried
        again a few times, a second apart."""
        for attempt in range(10):
            try:
                with psycopg.connect(
                    host=self.parsed.hostname,
                    port=self.parsed.port or 5432,
                    user=self.parsed.username,
                    password=self.parsed.password,
                    dbname="postgres",
                    autocommit=True,
                ) as conn:
                    conn.execute(sql)
                return
            except psycopg.errors.InsufficientPrivilege:
                if attempt == 9:
                    raise
                time.sleep(1)
