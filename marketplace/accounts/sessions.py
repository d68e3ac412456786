"""Sessions kept in the database (Django's `db` backend), read by a query compiled once.

Every page reads the visitor's session (the cart, the login). Django's backend builds and
compiles the same `Session.objects.get(...)` on each request, which cost more CPU than the rest
of the request's middleware together (#11); here the lookup is compiled once per process
(`marketplace.core.compiled`) and only its values change. Storage, expiry, writes and key
rotation stay Django's.
"""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from marketplace.core.compiled import Slot, compiled_query

_KEY = Session._meta.get_field("session_key")
_EXPIRES = Session._meta.get_field("expire_date")


class SessionStore(DatabaseSessionStore):
    def _get_session_from_db(self) -> Any:
        found = compiled_query(
            "session_load",
            lambda: Session.objects.filter(
                session_key=Slot("key", _KEY), expire_date__gt=Slot("now", _EXPIRES)
            ),
        ).run(key=self.session_key, now=timezone.now())
        if found:
            return found[0]
        self._session_key = None
        return None
