"""Items 4 and 12 of issue #15: CSRF on /graphql/, and no internal error text in answers (a
conflict PostgreSQL ended is answered as such)."""

from __future__ import annotations

import logging

import pytest
from django.test import Client

from marketplace.accounts.tokens import create_access_token
from marketplace.core.conflicts import is_conflict
from marketplace.graphql.checkout.mutations import checkout_create as checkout_create_mutation
from tests.database import real_deadlock
from tests.factories import UserFactory
from tests.hardening.helpers import post_json

pytestmark = pytest.mark.django_db

ME = "{ me { email } }"


@pytest.fixture
def browser(db):
    """A browser with a logged-in session (as the web pages log in), enforcing CSRF like prod."""
    user = UserFactory(email="victim@example.org", is_superuser=True, is_staff=True)
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def test_a_cross_site_form_post_with_the_session_cookie_is_refused(browser):
    response = browser.post(
        "/graphql/", {"query": 'mutation { tokenCreate(email: "a@b.c", password: "x") { token } }'}
    )

    assert response.status_code == 403
    assert response.json()["errors"][0]["extensions"] == {"code": "CSRF_FAILED"}


def test_a_cookie_authenticated_json_post_without_the_token_is_refused(browser):
    response = post_json(browser, {"query": ME})

    assert response.status_code == 403


def test_a_cookie_authenticated_post_with_the_csrf_token_runs_as_graphiql_does(browser):
    page = browser.get("/graphql/", HTTP_ACCEPT="text/html")
    token = page.cookies["csrftoken"].value

    response = post_json(browser, {"query": ME}, HTTP_X_CSRFTOKEN=token)

    assert response.status_code == 200
    assert response.json() == {"data": {"me": {"email": "victim@example.org"}}}


def test_an_api_post_draws_no_csrf_cookie_but_graphiqls_page_does(db):
    client = Client(enforce_csrf_checks=True)

    api = post_json(client, {"query": ME})
    page = client.get("/graphql/", HTTP_ACCEPT="text/html")

    assert api.json() == {"data": {"me": None}}
    assert "csrftoken" not in api.cookies
    assert page.cookies["csrftoken"].value


def test_a_bearer_call_needs_no_csrf_token(db):
    user = UserFactory(email="api@example.org")
    client = Client(enforce_csrf_checks=True)

    response = post_json(
        client, {"query": ME}, HTTP_AUTHORIZATION=f"Bearer {create_access_token(user)}"
    )

    assert response.json() == {"data": {"me": {"email": "api@example.org"}}}


def test_an_anonymous_call_needs_no_csrf_token(db):
    response = post_json(Client(enforce_csrf_checks=True), {"query": ME})

    assert response.json() == {"data": {"me": None}}


def test_a_database_error_reaches_the_client_as_a_generic_message_and_is_logged(gql, caplog):
    caplog.set_level(logging.ERROR, logger="marketplace.graphql.core.execution")

    body = gql.execute('{ town(slug: "a\\u0000b") { slug } }', expect_errors=True)

    assert body["data"] == {"town": None}
    assert body["errors"][0]["message"] == (
        "Erreur interne : elle a été enregistrée ; veuillez réessayer plus tard."
    )
    assert body["errors"][0]["extensions"] == {"code": "INTERNAL_ERROR"}
    assert body["errors"][0]["path"] == ["town"]
    assert "NUL" in caplog.text  # the real text is in the log only


def test_graphiql_s_page_may_load_its_scripts_under_the_site_s_csp(client):
    page = client.get("/graphql/", HTTP_ACCEPT="text/html")
    json_answer = post_json(client, {"query": "{ __typename }"})

    policy = page["Content-Security-Policy"]
    assert page.status_code == 200 and "graphiql" in page.content.decode().lower()
    assert "script-src 'self' https://cdn.jsdelivr.net 'unsafe-inline'" in policy
    assert "cdn.jsdelivr.net" not in json_answer.get("Content-Security-Policy", "")


@pytest.mark.django_db(transaction=True)
def test_a_request_postgresql_ends_in_a_deadlock_answers_conflict_not_internal_error(
    gql, caplog, monkeypatch
):
    # Given a request whose transaction PostgreSQL ends to let another one go on
    deadlock = real_deadlock()
    assert is_conflict(deadlock)

    def ended(**_kwargs):
        raise deadlock

    monkeypatch.setattr(checkout_create_mutation, "checkout_create", ended)
    caplog.set_level(logging.WARNING, logger="marketplace.graphql.core.execution")

    body = gql.execute(
        'mutation { checkoutCreate(input: {town: "bourg", email: "a@example.org", lines: []})'
        " { checkout { id } errors { code } } }",
        expect_errors=True,
    )

    assert body["errors"][0]["extensions"] == {"code": "CONFLICT"}
    assert body["errors"][0]["message"] == (
        "Quelqu’un a modifié les mêmes données au même moment : rien n’a été enregistré. "
        "Veuillez réessayer."
    )
    assert body["errors"][0]["path"] == ["checkoutCreate"]
    assert [record.levelname for record in caplog.records] == ["WARNING"]
