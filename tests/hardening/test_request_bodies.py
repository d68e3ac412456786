"""Item 3 of issue #15: a body that is not what GraphQL over HTTP says answers 400 with a message."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.hardening.conftest import post_json

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"query": 5}, "query must be a string."),
        ({"query": ["{ towns { slug } }"]}, "query must be a string."),
        ({"query": "{ towns { slug } }", "variables": 5}, "variables must be a JSON object."),
        ({"query": "{ towns { slug } }", "variables": [1]}, "variables must be a JSON object."),
        ({"query": "{ towns { slug } }", "operationName": 5}, "operationName must be a string."),
        ([{"query": "{ towns { slug } }"}], "The received data is not a valid JSON query."),
    ],
)
def test_a_json_body_of_the_wrong_shape_answers_400(client, body, message):
    response = post_json(client, body)

    assert response.status_code == 400
    assert response.json() == {"errors": [{"message": message}]}


def _multipart(client, operations, files_map, files=None):
    return client.post("/graphql/", {"operations": operations, "map": files_map, **(files or {})})


def _file():
    return SimpleUploadedFile("a.csv", b"sku\n", content_type="text/csv")


QUERY = 'mutation($file: Upload!) { catalogImport(vendor: "x", file: $file) { errors { code } } }'


@pytest.mark.parametrize(
    ("operations", "files_map", "message"),
    [
        ("not json", "{}", "The operations and map fields must be JSON."),
        ("[1, 2]", "{}", "The operations field must be a JSON object."),
        (json.dumps({"query": QUERY}), "not json", "The operations and map fields must be JSON."),
        (
            json.dumps({"query": QUERY}),
            "[]",
            "The map field must map each file key to a list of paths.",
        ),
        (
            json.dumps({"query": QUERY}),
            '{"0": "variables.file"}',
            "The map field must map each file key to a list of paths.",
        ),
        (
            json.dumps({"query": QUERY}),
            '{"1": ["variables.file"]}',
            "The map names files that were not sent: 1.",
        ),
        (
            json.dumps({"query": QUERY, "variables": {"file": None}}),
            '{"0": ["variables.nowhere.deep"]}',
            "A path of the map does not lead to a null value.",
        ),
        (
            json.dumps({"query": QUERY}),
            '{"0": ["variables.file"]}',
            "A path of the map does not lead to a null value.",
        ),
        (
            json.dumps({"query": QUERY, "variables": {"file": 1}}),
            '{"0": ["variables.file"]}',
            "A path of the map does not lead to a null value.",
        ),
        (
            json.dumps({"query": QUERY, "variables": {"files": []}}),
            '{"0": ["variables.files.3"]}',
            "A path of the map does not lead to a null value.",
        ),
        (
            json.dumps({"query": QUERY, "variables": {"files": []}}),
            '{"0": ["variables.files.x"]}',
            "A path of the map does not lead to a null value.",
        ),
    ],
)
def test_a_multipart_request_not_per_the_spec_answers_400(client, operations, files_map, message):
    response = _multipart(client, operations, files_map, {"0": _file()})

    assert response.status_code == 400
    assert response.json() == {"errors": [{"message": message}]}


def test_a_multipart_request_per_the_spec_still_runs(client):
    operations = json.dumps({"query": QUERY, "variables": {"file": None}})

    response = _multipart(client, operations, '{"0": ["variables.file"]}', {"0": _file()})

    assert response.status_code == 200
    assert response.json()["data"]["catalogImport"]["errors"][0]["code"] == "INVALID"
