import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_health_reports_the_real_database_redis_and_search_engine(client):
    response = client.get("/health/")

    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "ok"
    assert body["checks"]["database"] == {
        "ok": True,
        "detail": "postgresql",
        "ms": body["checks"]["database"]["ms"],
    }
    assert body["checks"]["redis"]["detail"] == "ok"
    assert body["checks"]["search"]["ok"] is True
    assert body["checks"]["search"]["detail"] in {"green", "yellow"}


@pytest.mark.django_db
def test_health_says_unavailable_when_redis_does_not_answer(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"

    response = client.get("/health/")

    assert response.status_code == 503
    assert response.json()["checks"]["redis"]["ok"] is False


def test_the_test_suite_runs_on_the_real_services():
    assert django_settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    assert django_settings.SEARCH_BACKEND == "engine"
    assert django_settings.CELERY_BROKER_URL.startswith("redis://")
    assert django_settings.STRIPE_API_BASE.startswith("http://127.0.0.1")


@pytest.mark.django_db
def test_the_services_environment_reaches_postgresql_through_its_socket():
    # deploy/services-env.sh: on one machine, half the server's CPU per statement of TCP (#16).
    with connection.cursor() as cursor:
        cursor.execute("SELECT inet_server_addr()")  # NULL through a Unix socket
        assert cursor.fetchone() == (None,)


def test_the_database_urls_own_options_are_kept():
    # The settings add server-side binding to the URL's options (sslmode, application_name...):
    # a town's `?sslmode=require` must never be dropped silently.
    url = os.environ["DATABASE_URL"]
    result = _settings_process(
        {
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "x" * 50,
            "DJANGO_ALLOWED_HOSTS": "shops.example",
            "DATABASE_URL": url + ("&" if "?" in url else "?") + "application_name=town-web",
        },
        "from django.db import connection; cursor = connection.cursor(); "
        "cursor.execute('SHOW application_name'); "
        "print(cursor.fetchone()[0], connection.connection.prepare_threshold, "
        "connection.settings_dict['OPTIONS']['server_side_binding'])",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "town-web 5 True"


def _settings_process(env: dict[str, str], code: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    clean.update(env)
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; " + code,
        ],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "marketplace.settings"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_production_settings_refuse_to_start_without_a_secret_key():
    result = _settings_process(
        {"DJANGO_DEBUG": "0", "DJANGO_ALLOWED_HOSTS": "shops.example"}, "print('started')"
    )

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_settings_refuse_to_start_without_allowed_hosts():
    result = _settings_process(
        {"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "x" * 50}, "print('started')"
    )

    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS must be set" in result.stderr


def test_production_settings_are_safe():
    result = _settings_process(
        {
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "x" * 50,
            "DJANGO_ALLOWED_HOSTS": "shops.example",
        },
        "print(settings.DEBUG, settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE, "
        "settings.SECURE_HSTS_SECONDS > 0, settings.ALLOWED_HOSTS)",
    )

    assert result.stdout.strip() == "False True True True ['shops.example']"


@pytest.mark.django_db
def test_an_unknown_page_is_a_plain_404_without_debug_details(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert b"Traceback" not in response.content and b"URLconf" not in response.content


@pytest.mark.django_db
def test_messages_are_french_by_default_and_english_on_request(client):
    french = client.get("/")
    english = client.get("/", headers={"accept-language": "en"})

    assert "Les commerces de notre ville" in french.content.decode()
    assert "Our town's shops" in english.content.decode()
