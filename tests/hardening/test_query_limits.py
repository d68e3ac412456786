"""Item 1 and 2 of issue #15: what one document may ask for is bounded before it runs."""

from __future__ import annotations

import pytest

from tests.hardening.helpers import post_json

pytestmark = pytest.mark.django_db


def _codes(body):
    return [error.get("extensions", {}).get("code") for error in body["errors"]]


def fragment_bomb(levels: int) -> str:
    fragments = "".join(
        f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}\n" for i in range(levels)
    )
    return "query { ...F0 }\n" + fragments + f"fragment F{levels} on Query {{ towns {{ slug }} }}\n"


def test_a_fragment_bomb_is_refused_for_its_cost_at_once(client, no_hang):
    query = fragment_bomb(25)
    assert len(query) < 1100

    response = post_json(client, {"query": query})

    assert response.status_code == 400
    body = response.json()
    assert _codes(body) == ["QUERY_TOO_COSTLY", "TOO_MANY_ROOT_FIELDS"]
    assert f"coûte {2**25 * 2}," in body["errors"][0]["message"]


def test_an_unknown_fragment_is_a_graphql_error(client):
    response = post_json(client, {"query": "query { ...Missing }"})

    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == "Unknown fragment 'Missing'."


def test_a_fragment_spreading_itself_is_a_graphql_error(client, no_hang):
    query = "query { ...A } fragment A on Query { towns { slug } ...A }"

    response = post_json(client, {"query": query})

    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == "Cannot spread fragment 'A' within itself."


def test_fragments_spreading_each_other_are_a_graphql_error(client, no_hang):
    query = (
        "query { ...A } fragment A on Query { ...B } fragment B on Query { towns { slug } ...A }"
    )

    response = post_json(client, {"query": query})

    assert response.status_code == 400
    assert "Cannot spread fragment" in response.json()["errors"][0]["message"]


def test_introspection_is_off_unless_asked_for(client, settings):
    settings.GRAPHQL_INTROSPECTION = False

    refused = post_json(client, {"query": "{ __schema { types { name } } }"})
    typename = post_json(client, {"query": "{ __typename }"})
    settings.GRAPHQL_INTROSPECTION = True
    allowed = post_json(client, {"query": "{ __schema { types { name } } }"})

    assert refused.status_code == 400
    assert "introspection" in refused.json()["errors"][0]["message"]
    assert typename.json() == {"data": {"__typename": "Query"}}
    assert allowed.status_code == 200 and allowed.json()["data"]["__schema"]["types"]


def test_introspection_carries_its_real_weight(client, settings, no_hang):
    settings.GRAPHQL_INTROSPECTION = True
    aliases = " ".join(f"s{i}: __schema {{ types {{ name }} }}" for i in range(6))

    response = post_json(client, {"query": f"{{ {aliases} }}"})

    assert response.status_code == 400
    assert _codes(response.json()) == ["QUERY_TOO_COSTLY"]


def test_search_carries_its_real_weight(client, no_hang):
    aliases = " ".join(
        f's{i}: search(town: "x", query: "pain", first: 1) {{ totalCount }}' for i in range(11)
    )

    response = post_json(client, {"query": f"{{ {aliases} }}"})

    assert response.status_code == 400
    assert _codes(response.json()) == ["QUERY_TOO_COSTLY"]


def test_aliases_are_capped(client, settings):
    settings.GRAPHQL_MAX_ALIASES = 30
    within = " ".join(f"a{i}: slug" for i in range(30))
    beyond = " ".join(f"a{i}: slug" for i in range(1500))

    assert post_json(client, {"query": f"{{ towns {{ {within} }} }}"}).status_code == 200
    response = post_json(client, {"query": f"{{ towns {{ {beyond} }} }}"})

    assert response.status_code == 400
    assert "TOO_MANY_ALIASES" in _codes(response.json())


def test_root_fields_are_capped(client, settings):
    settings.GRAPHQL_MAX_ROOT_FIELDS = 20
    fields = " ".join("towns { slug }" for _ in range(21))

    response = post_json(client, {"query": f"{{ {fields} }}"})

    assert response.status_code == 400
    assert _codes(response.json()) == ["TOO_MANY_ROOT_FIELDS"]


def test_a_document_longer_than_the_limit_is_refused_before_parsing(client, settings):
    settings.GRAPHQL_MAX_QUERY_BYTES = 20_000
    query = "{ __typename }" + "#" * 20_000

    response = post_json(client, {"query": query})

    assert response.status_code == 400
    assert _codes(response.json()) == ["QUERY_TOO_LARGE"]


def test_a_document_of_too_many_tokens_is_refused_while_parsing(client, settings):
    settings.GRAPHQL_MAX_TOKENS = 500
    query = "{ " + "__typename " * 600 + "}"

    response = post_json(client, {"query": query})

    assert response.status_code == 400
    assert "more than 500 tokens" in response.json()["errors"][0]["message"]


def test_graphiql_s_introspection_query_stays_within_the_limits(client, settings):
    from graphql import get_introspection_query

    settings.GRAPHQL_INTROSPECTION = True

    response = post_json(client, {"query": get_introspection_query(descriptions=True)})

    assert response.status_code == 200, response.json()
