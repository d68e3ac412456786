"""The README's own commands: load a new town into a running demo, then search it, with and
without the engine. The command lines are read from README.md, so what it says is what runs."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command

from marketplace.governance.approval import vendor_approve
from marketplace.towns.loading import load_towns
from search.backends import engine_index
from search.backends.engine_query import build_body
from search.query import SearchRequest
from tests.factories import UserFactory
from tests.search.helpers import closed_port
from vendors.models import Vendor, VendorStatus

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
SAMPLE_PATH = "path/to/towns.json"  # the README's placeholder
# What the environment of a person who just cloned the project does not hold.
NOT_IN_A_FRESH_SHELL = re.compile(
    r"^(DJANGO_|DATABASE_URL|REDIS_URL|SEARCH_|STRIPE_|PAYMENT_|CELERY_|GUNICORN_|PYTEST)"
)

QUERY = """query($town: String!, $query: String) {
  search(town: $town, query: $query) {
    totalCount backend edges { node { product { name } } }
  }
}"""
NEW_TOWN = {
    "format": "commons-marketplace-towns/1",
    "currency": "EUR",
    "categories": [{"slug": "alimentation", "name": "Alimentation", "parent": None}],
    "towns": [
        {
            "slug": "lannion",
            "name": "Lannion",
            "region": "Bretagne",
            "center": {"lat": 48.7326, "lon": -3.4566},
            "vendors": [
                {
                    "slug": "chocolaterie-du-trieux",
                    "name": "Chocolaterie du Trieux",
                    "category": "alimentation",
                    "email": "contact@chocolaterie-du-trieux.lannion.example",
                    "address": {
                        "street": "3 Quai d'Aiguillon",
                        "postal_code": "22300",
                        "city": "Lannion",
                    },
                    "location": {"lat": 48.7311, "lon": -3.4572},
                    "fulfilment": ["pickup"],
                    "products": [
                        {
                            "slug": "chocolat-chaud",
                            "name": "Chocolat chaud à l'ancienne",
                            "category": "alimentation",
                            "variants": [{"sku": "LAN-CHOC-1", "price": "4.50", "stock": 20}],
                        },
                        {
                            "slug": "caramel-beurre-sale",
                            "name": "Caramel au beurre salé",
                            "category": "alimentation",
                            "variants": [{"sku": "LAN-CARA-1", "price": "6.20", "stock": 12}],
                        },
                    ],
                }
            ],
        }
    ],
}


def readme_command(starts_with: str) -> str:
    """The README's command line (in a ```sh block) that starts so, without its comment."""
    for block in re.findall(r"```sh\n(.*?)```", README, flags=re.S):
        for line in block.splitlines():
            if line.startswith(starts_with):
                return line.split("#", 1)[0].strip()
    raise AssertionError(f"README.md has no command {starts_with!r}")


def fresh_shell(**variables: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not NOT_IN_A_FRESH_SHELL.match(k)}
    return {**env, **variables}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


@contextmanager
def running_demo(env: dict[str, str], log: Path) -> Iterator[str]:
    """`make demo` as the README writes it, serving on a free port; stopped afterwards."""
    port = free_port()
    with log.open("w") as out:
        process = subprocess.Popen(
            ["bash", "-c", readme_command("make demo")],
            cwd=ROOT,
            env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": "1"},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300
        while True:
            assert process.poll() is None, log.read_text()
            try:
                if get(f"{base}/health/") in (200, 503):
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.5)
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)


def load(env: dict[str, str], file: Path) -> subprocess.CompletedProcess[str]:
    command = readme_command("make load-towns").replace(SAMPLE_PATH, str(file))
    assert str(file) in command
    return subprocess.run(
        ["bash", "-c", command],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def graphql_over_http(base: str, town: str, query: str) -> dict[str, Any]:
    request = urllib.request.Request(
        f"{base}/graphql/",
        data=json.dumps({"query": QUERY, "variables": {"town": town, "query": query}}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return dict(json.loads(response.read()))


def search_over_http(base: str, town: str, query: str) -> dict[str, Any]:
    body = graphql_over_http(base, town, query)
    assert "errors" not in body, body
    return dict(body["data"]["search"])


def found(result: dict[str, Any]) -> list[str]:
    return [edge["node"]["product"]["name"] for edge in result["edges"]]


@pytest.fixture
def private_engine(settings: Any) -> Iterator[Any]:
    """The real engine, with indices of this test only (a prefix no other run of the suite
    uses, as the demo's processes get it through SEARCH_INDEX_PREFIX); deleted afterwards."""
    settings.SEARCH_BACKEND = "engine"
    settings.SEARCH_INDEX_PREFIX = f"{django_settings.SEARCH_INDEX_PREFIX}-readme-{os.getpid()}"
    client = engine_index.get_client()
    pattern = f"{settings.SEARCH_INDEX_PREFIX}-*"
    client.indices.delete(index=pattern, ignore_unavailable=True, allow_no_indices=True)
    yield client
    client.indices.delete(index=pattern, ignore_unavailable=True, allow_no_indices=True)


def engine_finds(engine: Any, town: str, text: str) -> list[str]:
    """The names the engine itself finds in the town's index (not the database fallback)."""
    response = engine.search(
        index=engine_index.alias_name(town),
        body={**build_body(SearchRequest(town=town, query=text)), "_source": ["name"]},
    )
    return [hit["_source"]["name"] for hit in response["hits"]["hits"]]


@pytest.fixture
def workdir() -> Iterator[Path]:
    """A directory of this test alone (not pytest's tmp_path: other runs of the suite on this
    machine may rotate those away while the demo still uses it)."""
    with tempfile.TemporaryDirectory(prefix="readme-demo-") as path:
        yield Path(path)


@pytest.fixture
def town_file(workdir: Path) -> Path:
    path = workdir / "lannion.json"
    path.write_text(json.dumps(NEW_TOWN, ensure_ascii=False), encoding="utf-8")
    return path


def test_make_load_towns_uses_the_demo_settings_unless_production_ones_are_set() -> None:
    # Given the README's command line
    command = readme_command("make load-towns")
    # When make prints what it would run, in a fresh shell and with production variables
    demo = subprocess.run(
        ["bash", "-c", f"{command} -n"], cwd=ROOT, env=fresh_shell(), capture_output=True,
        text=True, check=True,
    )  # fmt: skip
    production = subprocess.run(
        ["bash", "-c", f"{command} -n"],
        cwd=ROOT,
        env=fresh_shell(DJANGO_SECRET_KEY="x" * 50, DJANGO_ALLOWED_HOSTS="shops.example"),
        capture_output=True,
        text=True,
        check=True,
    )
    # Then the demo's debug settings are given only when production's are not
    assert "DJANGO_DEBUG=1 .venv/bin/python manage.py load_towns" in demo.stdout
    assert "DJANGO_DEBUG" not in production.stdout
    assert ".venv/bin/python manage.py load_towns" in production.stdout


def test_a_town_loaded_into_the_running_demo_is_searchable_at_once(
    workdir: Path, town_file: Path
) -> None:
    # Given the demo running as the README says, on its embedded defaults (a temporary SQLite)
    env = fresh_shell(DATABASE_URL=f"sqlite:///{workdir / 'demo.sqlite3'}")
    with running_demo(env, workdir / "demo.log") as demo:
        unknown = graphql_over_http(demo, "lannion", "chocolat")
        assert [error["extensions"]["code"] for error in unknown["errors"]] == ["TOWN_NOT_FOUND"]
        # When a new town's file is loaded with the README's command
        result = load(env, town_file)
        # Then it is loaded, the command says so, and the town is searched in the database
        assert result.returncode == 0, result.stderr
        assert re.search(r"created .*1 towns, 1 vendors, .*2 products, 2 variants", result.stdout)
        assert "Search: database backend, the towns are searchable now." in result.stdout
        answer = search_over_http(demo, "lannion", "chocolta")  # a typo: two letters swapped
        assert (answer["backend"], found(answer)[0]) == ("DATABASE", "Chocolat chaud à l'ancienne")
        # And loading it again changes nothing
        again = load(env, town_file)
        assert again.returncode == 0, again.stderr
        assert f"{town_file}: already loaded, nothing changed." in again.stdout


@pytest.mark.engine
def test_with_the_engine_a_loaded_town_is_indexed_and_searched_there(
    workdir: Path, town_file: Path, private_engine: Any, settings: Any
) -> None:
    # Given the demo running on the real engine (this test's private indices)
    prefix = settings.SEARCH_INDEX_PREFIX
    env = fresh_shell(
        DATABASE_URL=f"sqlite:///{workdir / 'demo.sqlite3'}",
        SEARCH_URL=django_settings.SEARCH_URL,
        SEARCH_INDEX_PREFIX=prefix,
    )
    with running_demo(env, workdir / "demo.log") as demo:
        assert private_engine.indices.exists_alias(name=f"{prefix}-montpellier")
        assert not private_engine.indices.exists_alias(name=f"{prefix}-lannion")
        # When a new town's file is loaded with the README's command, on production settings
        production = {**env, "DJANGO_SECRET_KEY": "x" * 50, "DJANGO_ALLOWED_HOSTS": "shops.example"}
        result = load(production, town_file)
        # Then the command says what it indexed
        assert result.returncode == 0, result.stderr
        assert re.search(
            rf"^Search: lannion: 2 product\(s\) indexed into {prefix}-lannion-v\d+\.$",
            result.stdout,
            flags=re.M,
        ), result.stdout
        # And the engine holds the town's products, and the running demo finds them
        assert (
            engine_finds(private_engine, "lannion", "chocolta")[0] == "Chocolat chaud à l'ancienne"
        )
        answer = search_over_http(demo, "lannion", "chocolta")
        assert (answer["backend"], found(answer)[0]) == ("ENGINE", "Chocolat chaud à l'ancienne")
        assert found(search_over_http(demo, "lannion", "caramel")) == ["Caramel au beurre salé"]
        # And loading it again leaves the index as it is
        again = load(production, town_file)
        assert again.returncode == 0, again.stderr
        assert "Search: every town of the file is already indexed." in again.stdout


@pytest.mark.engine
@pytest.mark.django_db(transaction=True)
def test_approving_a_towns_first_shop_builds_its_index(
    private_engine: Any, settings: Any, gql: Any
) -> None:
    # Given a town whose shops are all pending, so it has no index
    settings.CELERY_TASK_ALWAYS_EAGER = True
    load_towns(NEW_TOWN, vendor_status=VendorStatus.PENDING)
    alias = engine_index.alias_name("lannion")
    assert not private_engine.indices.exists_alias(name=alias)
    vendor = Vendor.objects.get(town__slug="lannion")
    # When the association approves its first shop (the indexing task runs after the commit)
    vendor_approve(vendor_id=vendor.pk, actor=UserFactory())
    # Then the town has its index and the shop's products are found on the engine
    assert private_engine.indices.exists_alias(name=alias)
    assert engine_finds(private_engine, "lannion", "chocolat")[0] == "Chocolat chaud à l'ancienne"
    answer = gql.execute(QUERY, {"town": "lannion", "query": "chocolat"})["search"]
    assert (answer["backend"], found(answer)[0]) == ("ENGINE", "Chocolat chaud à l'ancienne")


@pytest.mark.django_db
def test_with_the_engine_down_the_load_is_kept_and_the_command_says_so(settings: Any) -> None:
    # Given the engine configured but not answering
    settings.SEARCH_BACKEND = "engine"
    settings.SEARCH_URL = f"http://127.0.0.1:{closed_port()}"
    out, err = StringIO(), StringIO()
    with tempfile.TemporaryDirectory(prefix="readme-towns-") as directory:
        path = Path(directory) / "lannion.json"
        path.write_text(json.dumps(NEW_TOWN, ensure_ascii=False), encoding="utf-8")
        # When the towns file is loaded
        call_command("load_towns", str(path), stdout=out, stderr=err)
    # Then the town is loaded, and the command says the engine will get it later
    assert Vendor.objects.filter(town__slug="lannion").count() == 1
    assert "Search engine unavailable" in err.getvalue()
    assert "the load is kept" in err.getvalue()
