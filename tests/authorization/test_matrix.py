"""The authorization matrix (tests/authorization/matrix.py) through the GraphQL API.

Each cell runs its operation as its actor on a world built once for this module (each test
rolls back to it): an allowed mutation succeeds and changes something; a refused one answers
PERMISSION_DENIED (or its operation's code) and changes no row of any table. An allowed query
shows the private data; a refused one hides it (null, empty or PERMISSION_DENIED).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import override_settings
from graphql import build_schema

from marketplace.accounts.tokens import create_access_token
from tests.authorization.matrix import DENIED, OPERATIONS, PUBLIC_QUERIES, parse_matrix
from tests.authorization.world import ACTORS, World, build_world, changed_tables, snapshot

SCHEMA = Path(__file__).resolve().parents[2] / "schema.graphql"
RULES = parse_matrix()
CELLS = [(line, actor) for line in RULES for actor in ACTORS]

FAST = {
    "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
    "PAYMENT_GATEWAY": "dummy",
    "TRANSFER_TRIGGER": "fulfilment",
    # Limits are not what this matrix is about (and `make mutation` runs it again and again).
    "CHECKOUT_CREATE_RATE_LIMIT": "100000/m",
}


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any) -> Iterator[World]:
    """Built once; every test runs in a savepoint of this transaction and rolls back to it."""
    with django_db_blocker.unblock(), override_settings(**FAST):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_world()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _post(client: Any, token: str | None, operation: Any, variables: dict[str, Any]) -> Any:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    if operation.upload is None:
        body = json.dumps({"query": operation.document, "variables": variables})
        return client.post("/graphql/", body, content_type="application/json", **headers).json()
    name, content = operation.upload
    operations = {"query": operation.document, "variables": {**variables, "file": None}}
    return client.post(
        "/graphql/",
        {
            "operations": json.dumps(operations),
            "map": json.dumps({"0": ["variables.file"]}),
            "0": SimpleUploadedFile(name, content, content_type="application/octet-stream"),
        },
        **headers,
    ).json()


@pytest.mark.parametrize(("line", "actor"), CELLS, ids=[f"{line}-{actor}" for line, actor in CELLS])
def test_matrix(world: World, db: Any, client: Any, settings: Any, tmp_path: Path, line, actor):
    # Given the world, as the actor
    operation = OPERATIONS[line]
    allowed = RULES[line][actor]
    settings.MEDIA_ROOT = tmp_path
    for name, value in {**FAST, **operation.settings}.items():
        setattr(settings, name, value)
    user = world.users.get(actor)
    token = create_access_token(user) if user is not None else None
    before = snapshot()

    # When the operation is run
    body = _post(client, token, operation, operation.variables(world))

    # Then it is allowed or refused as the matrix says, and a refusal changed nothing
    after = snapshot()
    field = line.split(":")[0]
    if operation.is_query:
        errors = body.get("errors") or []
        codes = [e.get("extensions", {}).get("code") for e in errors]
        assert set(codes) <= {DENIED}, body
        seen = not errors and operation.seen(body["data"], world)
        assert seen == allowed, body
        assert changed_tables(before, after) == []
        return
    assert "errors" not in body, body["errors"]
    errors = body["data"][field]["errors"]
    if allowed:
        assert errors == [], errors
        if operation.changes:
            assert changed_tables(before, after) != [], "allowed, but nothing changed"
    else:
        expected = DENIED if user is None else operation.refused_code
        assert errors == [{"code": expected}]
        assert changed_tables(before, after) == []


def test_every_mutation_and_private_query_has_a_line() -> None:
    # Given the operations of schema.graphql
    schema = build_schema(SCHEMA.read_text(encoding="utf-8"))
    mutations = set(schema.mutation_type.fields)
    queries = set(schema.query_type.fields)
    covered = {line.split(":")[0] for line in RULES}
    # Then each mutation has a line, and each query a line unless it is public
    assert sorted(mutations - covered) == []
    assert sorted(queries - covered - set(PUBLIC_QUERIES)) == []
    # And nothing stale: every line and public query names an operation that exists
    assert sorted(covered - mutations - queries) == []
    assert sorted(set(PUBLIC_QUERIES) - queries) == []
    # And every line knows how to run
    assert sorted(set(RULES) ^ set(OPERATIONS)) == []
