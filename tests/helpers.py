"""Helpers shared by the tests: a GraphQL client that posts like a real one."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from marketplace.accounts.tokens import create_access_token


class GraphQLClient:
    """Posts to /graphql/ like a real client; `token` adds Authorization: Bearer."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.token: str | None = None

    def login(self, user: Any) -> GraphQLClient:
        self.token = create_access_token(user)
        return self

    def logout(self) -> GraphQLClient:
        self.token = None
        return self

    def execute(
        self, query: str, variables: dict[str, Any] | None = None, *, expect_errors: bool = False
    ) -> dict[str, Any]:
        headers = {"HTTP_AUTHORIZATION": f"Bearer {self.token}"} if self.token else {}
        response = self.client.post(
            "/graphql/",
            json.dumps({"query": query, "variables": variables or {}}),
            content_type="application/json",
            **headers,
        )
        body = response.json()
        if not expect_errors:
            assert "errors" not in body, body["errors"]
        return body if expect_errors else body["data"]
