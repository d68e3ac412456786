"""Item 3 of issue #15: a body that is not what GraphQL over HTTP says answers 400 with a message."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.hardening.helpers import post_json

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"query": 5}, "query doit être une chaîne de caractères."),
        ({"query": ["{ towns { slug } }"]}, "query doit être une chaîne de caractères."),
        ({"query": "{ towns { slug } }", "variables": 5}, "variables doit être un objet JSON."),
        ({"query": "{ towns { slug } }", "variables": [1]}, "variables doit être un objet JSON."),
        (
            {"query": "{ towns { slug } }", "operationName": 5},
            "operationName doit être une chaîne de caractères.",
        ),
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
        ("not json", "{}", "Les champs operations et map doivent être du JSON."),
        ("[1, 2]", "{}", "Le champ operations doit être un objet JSON."),
        (
            json.dumps({"query": QUERY}),
            "not json",
            "Les champs operations et map doivent être du JSON.",
        ),
        (
            json.dumps({"query": QUERY}),
            "[]",
            "Le champ map doit associer à chaque clé de fichier une liste de chemins.",
        ),
        (
            json.dumps({"query": QUERY}),
            '{"0": "variables.file"}',
            "Le champ map doit associer à chaque clé de fichier une liste de chemins.",
        ),
        (
            json.dumps({"query": QUERY}),
            '{"1": ["variables.file"]}',
            "Le champ map nomme des fichiers qui n’ont pas été envoyés : 1.",
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
