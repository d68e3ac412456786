"""The visitors' sessions (marketplace.accounts.sessions): Django's database sessions, read by a
compiled query; what a session holds, and when it stops, are Django's."""

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.utils import timezone

from marketplace.accounts.sessions import SessionStore

pytestmark = pytest.mark.django_db


def test_a_saved_session_is_read_back_by_its_key():
    session = SessionStore()
    session["carts"] = {"bourg": "a-checkout"}
    session.save()

    again = SessionStore(session.session_key)
    assert again["carts"] == {"bourg": "a-checkout"}
    assert again.session_key == session.session_key


def test_an_expired_session_reads_as_empty_and_gets_a_new_key_when_saved():
    session = SessionStore()
    session["carts"] = {"bourg": "a-checkout"}
    session.save()
    Session.objects.filter(session_key=session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )

    again = SessionStore(session.session_key)
    assert dict(again.items()) == {}
    again["carts"] = {}
    again.save()
    assert again.session_key != session.session_key


def test_an_unknown_key_reads_as_empty():
    assert dict(SessionStore("x" * 32).items()) == {}


def test_the_site_uses_it(client, settings):
    assert settings.SESSION_ENGINE == "marketplace.accounts.sessions"
    client.get("/")
    assert isinstance(client.session, SessionStore)
