import uuid

import pytest
from django.core import mail
from django.core.cache import caches

from marketplace.accounts.models import User
from marketplace.accounts.throttle import _keys
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

REGISTER = """mutation($input: AccountRegisterInput!) { accountRegister(input: $input) {
    user { email firstName lastName } errors { field code message } } }"""
LOGIN = """mutation($email: String!, $password: String!) { tokenCreate(email: $email, password: $password) {
    token refreshToken user { email } errors { field code message } } }"""


def test_a_customer_registers_and_is_welcomed_by_email(
    gql, settings, django_capture_on_commit_callbacks
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    with django_capture_on_commit_callbacks(execute=True):
        data = gql.execute(
            REGISTER,
            {
                "input": {
                    "email": " Alice@Example.org ",
                    "password": "un-panier-pour-la-ville",
                    "firstName": "Alice",
                    "lastName": "Martin",
                }
            },
        )

    assert data["accountRegister"] == {
        "user": {"email": "alice@example.org", "firstName": "Alice", "lastName": "Martin"},
        "errors": [],
    }
    assert User.objects.get(email="alice@example.org").check_password("un-panier-pour-la-ville")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["alice@example.org"]
    assert mail.outbox[0].subject == "Bienvenue sur la place de marché de votre ville"


@pytest.mark.parametrize(
    ("email", "password", "field", "code"),
    [
        ("taken@example.org", "un-panier-pour-la-ville", "email", "UNIQUE"),
        ("TAKEN@example.org", "un-panier-pour-la-ville", "email", "UNIQUE"),
        ("not-an-email", "un-panier-pour-la-ville", "email", "INVALID"),
        ("new@example.org", "123", "password", "PASSWORD_TOO_WEAK"),
        ("new@example.org", "password", "password", "PASSWORD_TOO_WEAK"),
    ],
)
def test_a_bad_registration_gets_a_coded_error_and_creates_nobody(
    gql, email, password, field, code
):
    UserFactory(email="taken@example.org")

    data = gql.execute(REGISTER, {"input": {"email": email, "password": password}})

    errors = data["accountRegister"]["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [(field, code)]
    assert errors[0]["message"]
    assert data["accountRegister"]["user"] is None
    assert User.objects.count() == 1


def test_a_user_logs_in_and_sees_themself(gql):
    UserFactory(email="bob@example.org")

    login = gql.execute(LOGIN, {"email": "BOB@example.org", "password": PASSWORD})["tokenCreate"]
    gql.token = login["token"]
    me = gql.execute("{ me { email firstName } }")

    assert login["errors"] == [] and login["user"] == {"email": "bob@example.org"}
    assert me == {"me": {"email": "bob@example.org", "firstName": "Camille"}}


def test_anonymous_me_is_null(gql):
    assert gql.execute("{ me { email } }") == {"me": None}


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(gql):
    UserFactory(email="bob@example.org")

    wrong_password = gql.execute(LOGIN, {"email": "bob@example.org", "password": "nope"})[
        "tokenCreate"
    ]
    unknown_email = gql.execute(LOGIN, {"email": "nobody@example.org", "password": "nope"})[
        "tokenCreate"
    ]

    assert wrong_password["token"] is None
    assert wrong_password["errors"] == unknown_email["errors"]
    assert wrong_password["errors"][0]["code"] == "INVALID_CREDENTIALS"


def test_a_disabled_account_cannot_log_in(gql):
    UserFactory(email="gone@example.org", is_active=False)

    errors = gql.execute(LOGIN, {"email": "gone@example.org", "password": PASSWORD})["tokenCreate"][
        "errors"
    ]

    assert [e["code"] for e in errors] == ["INACTIVE"]


def test_a_refresh_token_gives_a_new_access_token_but_is_not_one(gql):
    UserFactory(email="bob@example.org")
    login = gql.execute(LOGIN, {"email": "bob@example.org", "password": PASSWORD})["tokenCreate"]

    gql.token = login["refreshToken"]
    as_access = gql.execute("{ me { email } }")
    gql.token = None
    refreshed = gql.execute(
        """mutation($t: String!) { tokenRefresh(refreshToken: $t) { token errors { code } } }""",
        {"t": login["refreshToken"]},
    )["tokenRefresh"]
    gql.token = refreshed["token"]

    assert as_access == {"me": None}
    assert gql.execute("{ me { email } }") == {"me": {"email": "bob@example.org"}}


def test_changing_the_password_revokes_earlier_tokens(gql):
    user = UserFactory(email="bob@example.org")
    gql.login(user)
    user.set_password("a-brand-new-secret-2026")
    user.save(update_fields=["password"])

    assert gql.execute("{ me { email } }") == {"me": None}


def test_a_garbage_token_is_anonymous(gql):
    gql.token = "not.a.token"

    assert gql.execute("{ me { email } }") == {"me": None}


def test_login_attempts_are_rate_limited(gql, settings):
    # Given an account never tried before, and limits with windows of their own (no reset during
    # the test, no count left by another test); the limits cache is shared with the broker's
    # Redis, so only this test's counters are deleted, never the whole database
    settings.LOGIN_RATE_LIMIT = "3/h"
    settings.LOGIN_ADDRESS_RATE_LIMIT = "100/2h"
    email = f"bob-{uuid.uuid4().hex[:8]}@example.org"
    UserFactory(email=email)
    limits = caches[settings.LIMITS_CACHE]
    counters = [key for key, _limit, _period in _keys(email=email, address="127.0.0.1")]
    limits.delete_many(counters)
    try:
        # When the wrong password is tried four times
        codes = [
            gql.execute(LOGIN, {"email": email, "password": "nope"})["tokenCreate"]["errors"][0][
                "code"
            ]
            for _ in range(4)
        ]
        # Then the fourth is refused without being checked
        assert codes == ["INVALID_CREDENTIALS"] * 3 + ["RATE_LIMITED"]
        assert limits.get_many(counters) == {counters[0]: 3, counters[1]: 3}
    finally:
        limits.delete_many(counters)
