"""Items 8 and 12 of issue #15: tokens without the password hash, rotating refresh tokens, and a
login limit per account and per address in a shared cache (the API, the web login, the admin)."""

from __future__ import annotations

import json

import jwt
import pytest
from django.core.management import call_command
from django.test import Client

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = """mutation($email: String!, $password: String!) { tokenCreate(email: $email, password: $password) {
    token refreshToken errors { field code } } }"""
REFRESH = """mutation($t: String!) { tokenRefresh(refreshToken: $t) {
    token refreshToken errors { field code } } }"""


def _login(client, email, password, address="10.0.0.1", **headers):
    response = client.post(
        "/graphql/",
        json.dumps({"query": LOGIN, "variables": {"email": email, "password": password}}),
        content_type="application/json",
        REMOTE_ADDR=address,
        **headers,
    )
    return response.json()["data"]["tokenCreate"]


def _code(result):
    return result["errors"][0]["code"] if result["errors"] else "OK"


def test_a_token_carries_nothing_of_the_password_hash(client):
    user = UserFactory(email="bob@example.org")

    tokens = _login(client, "bob@example.org", PASSWORD)

    for token in (tokens["token"], tokens["refreshToken"]):
        payload = jwt.decode(token, options={"verify_signature": False})
        assert "pwd" not in payload
        assert payload["ver"] == user.token_version
        assert not any(
            isinstance(value, str) and len(value) >= 4 and value in user.password
            for value in payload.values()
        )


def test_a_refresh_token_rotates_on_use_and_is_refused_when_replayed(gql, client):
    UserFactory(email="bob@example.org")
    first = _login(client, "bob@example.org", PASSWORD)["refreshToken"]

    rotated = gql.execute(REFRESH, {"t": first})["tokenRefresh"]
    replayed = gql.execute(REFRESH, {"t": first})["tokenRefresh"]
    again = gql.execute(REFRESH, {"t": rotated["refreshToken"]})["tokenRefresh"]

    assert rotated["errors"] == [] and rotated["refreshToken"] != first
    assert replayed == {
        "token": None,
        "refreshToken": None,
        "errors": [{"field": "refreshToken", "code": "INVALID"}],
    }
    assert again["errors"] == [] and again["token"]


def test_a_password_change_kills_access_and_refresh_tokens(gql, client):
    user = UserFactory(email="bob@example.org")
    tokens = _login(client, "bob@example.org", PASSWORD)
    user.set_password("a-brand-new-secret-2026")
    user.save(update_fields=["password"])

    gql.token = tokens["token"]
    assert gql.execute("{ me { email } }") == {"me": None}
    refreshed = gql.execute(REFRESH, {"t": tokens["refreshToken"]})["tokenRefresh"]
    assert refreshed["errors"] == [{"field": "refreshToken", "code": "INVALID"}]


def test_one_locked_account_does_not_lock_the_others_behind_the_same_address(client, settings):
    settings.LOGIN_RATE_LIMIT = "3/h"
    settings.LOGIN_ADDRESS_RATE_LIMIT = "100/h"
    UserFactory(email="bob@example.org")
    UserFactory(email="alice@example.org")

    bob = [_code(_login(client, "bob@example.org", "wrong")) for _ in range(4)]
    bob_right = _code(_login(client, "bob@example.org", PASSWORD, address="10.9.9.9"))
    alice = _code(_login(client, "alice@example.org", PASSWORD))

    assert bob == ["INVALID_CREDENTIALS"] * 3 + ["RATE_LIMITED"]
    assert bob_right == "RATE_LIMITED"  # the account is locked from every address
    assert alice == "OK"  # the same address, another account


def test_an_address_guessing_many_accounts_is_stopped_there_only(client, settings):
    settings.LOGIN_RATE_LIMIT = "3/h"
    settings.LOGIN_ADDRESS_RATE_LIMIT = "5/h"
    UserFactory(email="alice@example.org")

    guesses = [_code(_login(client, f"user{i}@example.org", "guess")) for i in range(5)]
    from_there = _code(_login(client, "alice@example.org", PASSWORD))
    from_elsewhere = _code(_login(client, "alice@example.org", PASSWORD, address="10.0.0.2"))

    assert guesses == ["INVALID_CREDENTIALS"] * 5
    assert from_there == "RATE_LIMITED"
    assert from_elsewhere == "OK"


def test_behind_a_reverse_proxy_each_client_is_counted_on_its_own_address(client, settings):
    """Every request reaches gunicorn from the proxy (127.0.0.1): the address counted is the one the
    proxy appended, so one guesser is stopped and the town's other customers are not; the entries a
    client writes itself on the left of X-Forwarded-For are not believed."""
    settings.TRUSTED_PROXY_COUNT = 1
    settings.LOGIN_RATE_LIMIT = "3/h"
    settings.LOGIN_ADDRESS_RATE_LIMIT = "5/h"
    UserFactory(email="alice@example.org")

    def via_proxy(email, password, forwarded):
        return _code(_login(client, email, password, "127.0.0.1", HTTP_X_FORWARDED_FOR=forwarded))

    guesses = [
        via_proxy(f"user{i}@example.org", "guess", f"198.51.100.{i}, 203.0.113.7") for i in range(5)
    ]
    guesser_again = via_proxy("alice@example.org", PASSWORD, "192.0.2.99, 203.0.113.7")
    neighbour = via_proxy("alice@example.org", PASSWORD, "203.0.113.8")

    assert guesses == ["INVALID_CREDENTIALS"] * 5
    assert guesser_again == "RATE_LIMITED"  # forging the left-hand entries changes nothing
    assert neighbour == "OK"


def test_the_counts_are_shared_between_workers(client, settings):
    """Two workers are two processes: they share only the limits cache (Redis here)."""
    settings.LOGIN_RATE_LIMIT = "2/h"
    UserFactory(email="bob@example.org")
    _login(client, "bob@example.org", "wrong")
    _login(Client(), "bob@example.org", "wrong")

    assert settings.CACHES[settings.LIMITS_CACHE]["BACKEND"].endswith("RedisCache")
    assert _code(_login(Client(), "bob@example.org", PASSWORD)) == "RATE_LIMITED"


def test_without_redis_the_limit_is_kept_in_the_database_cache(client, settings):
    settings.CACHES = {
        **settings.CACHES,
        "limits": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "marketplace_limits_cache",
        },
    }
    call_command("createcachetable", verbosity=0)
    settings.LOGIN_RATE_LIMIT = "1/h"
    UserFactory(email="bob@example.org")

    _login(client, "bob@example.org", "wrong")

    assert _code(_login(client, "bob@example.org", PASSWORD)) == "RATE_LIMITED"


def test_the_admin_login_is_limited_too(settings):
    settings.LOGIN_RATE_LIMIT = "3/h"
    UserFactory(email="admin@example.org", is_staff=True, is_superuser=True)
    client = Client()

    for _ in range(3):
        client.post("/admin/login/", {"username": "admin@example.org", "password": "wrong"})
    response = client.post("/admin/login/", {"username": "admin@example.org", "password": PASSWORD})

    assert response.status_code == 200  # the form again, not the redirect of a login
    assert "_auth_user_id" not in client.session
