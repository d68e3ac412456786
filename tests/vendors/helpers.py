"""Helpers of the merchant tests: global ids, GraphQL multipart uploads."""

from __future__ import annotations

import json
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from graphql_relay import to_global_id


def gid(type_name: str, pk: int) -> str:
    return to_global_id(type_name, pk)


def upload(
    gql: Any,
    query: str,
    variables: dict[str, Any],
    *,
    file_variable: str,
    name: str,
    content: bytes,
    content_type: str = "application/octet-stream",
) -> dict[str, Any]:
    """POST a GraphQL multipart request (the file goes to `variables[file_variable]`)."""
    operations = {"query": query, "variables": {**variables, file_variable: None}}
    headers = {"HTTP_AUTHORIZATION": f"Bearer {gql.token}"} if gql.token else {}
    response = gql.client.post(
        "/graphql/",
        {
            "operations": json.dumps(operations),
            "map": json.dumps({"0": [f"variables.{file_variable}"]}),
            "0": SimpleUploadedFile(name, content, content_type=content_type),
        },
        **headers,
    )
    body = response.json()
    assert "errors" not in body, body["errors"]
    return body["data"]
