"""Helpers of the hardening tests: raw HTTP posts."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client


def post_json(client: Client, body: Any, **headers: Any) -> Any:
    return client.post("/graphql/", json.dumps(body), content_type="application/json", **headers)
