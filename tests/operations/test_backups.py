"""Backups, with the commands the README gives an operator (django-dbbackup, run as processes):
the database dumped while the site runs and restored into an empty database with every row (the
ledger to the cent); the uploaded images archived and put back."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.db import connection

from payments.ledger import ledger_record
from payments.models import LedgerEntryKind
from tests.database import database_drop, database_url
from tests.factories import OrderFactory, TownFactory, VendorFactory

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _url_of(name: str) -> str:
    db = connection.settings_dict
    host = quote(db["HOST"] or "", safe="")
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{host}:{db['PORT'] or 5432}/{name}"


def _contents(url: str) -> dict[str, object]:
    """Every table's row count, and the ledger's totals by kind."""
    with psycopg.connect(url) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            )
        ]
        counts: dict[str, object] = {
            table: conn.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]  # type: ignore[index]
            for table in tables
        }
        counts["ledger by kind"] = dict(
            conn.execute(
                "SELECT kind, sum(amount) FROM payments_ledgerentry GROUP BY kind ORDER BY kind"
            ).fetchall()
        )
    return counts


@pytest.fixture
def empty_database() -> Iterator[str]:
    name = f"restored_{connection.settings_dict['NAME']}"[:63]
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    yield name
    database_drop(name)


def test_a_backup_restores_into_an_empty_database_with_every_row_and_the_ledger(
    tmp_path: Path, empty_database: str
) -> None:
    # given a town with a shop, an order and its ledger entries
    town = TownFactory()
    shop = VendorFactory(town=town)
    order = OrderFactory(town=town, shops=[(shop, "30.00", "4.00", "1.50")])
    common = {"currency": "EUR", "town_id": town.pk, "order_id": order.pk, "reference": "ch_1"}
    ledger_record(key="charge:1", kind=LedgerEntryKind.CHARGE, amount=Decimal("34.00"), **common)
    ledger_record(
        key="commission:1", kind=LedgerEntryKind.COMMISSION, amount=Decimal("1.50"), **common
    )
    env = {**os.environ, "DATABASE_URL": database_url(), "BACKUP_DIR": str(tmp_path)}

    # when the operator backs the database up, then restores it into an empty database
    backup = _manage("dbbackup", "--noinput", "--compress", env=env)
    assert backup.returncode == 0, backup.stderr
    [dump] = tmp_path.glob("*.psql.bin.gz")
    restored_url = _url_of(empty_database)
    restore = _manage(
        "dbrestore",
        "--noinput",
        "--uncompress",
        "--input-filename",
        dump.name,
        env={**env, "DATABASE_URL": restored_url},
    )
    assert restore.returncode == 0, restore.stderr

    # then the restored database holds every table with every row, the ledger to the cent
    source = _contents(database_url())
    assert source["ledger by kind"] == {"charge": Decimal("34.00"), "commission": Decimal("1.50")}
    assert source["orders_order"] == 1 and source["django_migrations"] > 0
    assert _contents(restored_url) == source


def test_the_uploaded_images_are_archived_and_put_back(tmp_path: Path) -> None:
    # given an uploaded image
    media = tmp_path / "media"
    image = media / "products" / "miel.jpg"
    image.parent.mkdir(parents=True)
    image.write_bytes(b"\xff\xd8 an image \xff\xd9")
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "BACKUP_DIR": str(tmp_path / "backups"),
        "MEDIA_ROOT": str(media),
    }

    # when the images are backed up, lost, then restored
    backup = _manage("mediabackup", "--noinput", "--compress", env=env)
    assert backup.returncode == 0, backup.stderr
    image.unlink()
    restore = _manage("mediarestore", "--noinput", "--uncompress", env=env)
    assert restore.returncode == 0, restore.stderr

    # then the image is back, the same bytes
    assert image.read_bytes() == b"\xff\xd8 an image \xff\xd9"


def test_the_demos_database_is_backed_up_and_restored_too(tmp_path: Path) -> None:
    # given the demo's settings (SQLite in its own folder, no service) and its database
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "SEARCH_URL", "STRIPE_SECRET_KEY")
        and not key.startswith("DJANGO_")
    }
    env.update(DJANGO_DEBUG="1", MARKETPLACE_VAR_DIR=str(tmp_path))
    assert _manage("migrate", "--noinput", "-v", "0", env=env).returncode == 0
    database = tmp_path / "demo.sqlite3"

    def town_names() -> list[str]:
        script = "from marketplace.towns.models import Town; print(sorted(Town.objects.values_list('name', flat=True)))"
        return _manage("shell", "-c", script, env=env).stdout.strip().splitlines()[-1:]

    create = "from tests.factories import TownFactory; TownFactory(name='Bourg')"
    assert _manage("shell", "-c", create, env=env).returncode == 0

    # when it is backed up, a town renamed, then the backup restored
    backup = _manage("dbbackup", "--noinput", "--compress", env=env)
    assert backup.returncode == 0, backup.stderr
    rename = "from marketplace.towns.models import Town; Town.objects.update(name='Changed')"
    assert _manage("shell", "-c", rename, env=env).returncode == 0
    assert town_names() == ["['Changed']"]
    restore = _manage("dbrestore", "--noinput", "--uncompress", env=env)
    assert restore.returncode == 0, restore.stderr

    # then the town has its name back, in the demo's own database file
    assert town_names() == ["['Bourg']"]
    assert database.exists() and list((tmp_path / "backups").glob("*.sqlite3.gz"))
