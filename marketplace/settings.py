"""Django settings.

Everything is configured from environment variables. When a service's variable is unset the
embedded default is used, so that `make demo` runs with no service at all:

| variable          | unset (demo)                    | set (tests, production)          |
|-------------------|---------------------------------|----------------------------------|
| DATABASE_URL      | SQLite file var/demo.sqlite3    | PostgreSQL                       |
| REDIS_URL         | Celery eager, local-memory cache| Celery broker + cache on Redis   |
| SEARCH_URL        | database search backend         | OpenSearch / Elasticsearch API   |
| STRIPE_SECRET_KEY | dummy payment gateway           | Stripe Connect                   |
"""

from __future__ import annotations

import contextlib
import os
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("MARKETPLACE_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.")
    SECRET_KEY = "insecure-demo-key-never-use-in-production"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must be set when DJANGO_DEBUG is off.")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "graphene_django",
    "marketplace.core",
    "marketplace.accounts",
    "marketplace.towns",
    "marketplace.catalog",
    "vendors",
    "marketplace.checkout",
    "marketplace.orders",
    "marketplace.governance",
    "payments",
    "search",
    "django_htmx",
    "dbbackup",
    "marketplace.storefront",
    "marketplace.storefront.merchant",
    "marketplace.storefront.association",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "marketplace.accounts.middleware.BearerTokenMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "marketplace.storefront.middleware.MethodNotAllowedPageMiddleware",
    # Last: the first to see a view's exception.
    "marketplace.storefront.middleware.ConflictPageMiddleware",
]

ROOT_URLCONF = "marketplace.urls"
WSGI_APPLICATION = "marketplace.wsgi.application"
ASGI_APPLICATION = "marketplace.asgi.application"

TEMPLATES = [
    {
        # Django's, its check aware of the i18n library replaced below (see the module).
        "BACKEND": "marketplace.core.template_backend.Templates",
        "NAME": "django",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            # {% url %} with its answers kept per process (same output as Django's: see the module).
            "builtins": ["marketplace.core.templatetags.kept_urls"],
            # {% load i18n %}: Django's tags, constant {% translate %}s kept per language (see it).
            "libraries": {"i18n": "marketplace.core.templatetags.kept_i18n"},
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    # Parameters bound by the server, and a statement run 5 times on a connection prepared
    # (psycopg): PostgreSQL parses and plans the hot statements once per connection (#16).
    # Needs session-level connections (Django's own, CONN_MAX_AGE): not a pooler in transaction
    # mode. DATABASE_SERVER_SIDE_BINDING=0 turns it off.
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and (
        os.environ.get("DATABASE_SERVER_SIDE_BINDING", "1") != "0"
    ):
        # Added to the URL's own (`?sslmode=require`, `?application_name=web`), never instead.
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            server_side_binding=True, prepare_threshold=5
        )
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "demo.sqlite3"),
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Redis, cache, Celery ---------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHES: dict[str, dict[str, Any]]
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "marketplace.core.redis_cache.ReusedClientRedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Rows read on every page and written almost never (a town), kept a short while in each process.
CACHES["local"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "marketplace-local",
}
# Search results, keyed by what visitors type: kept in each process, a bounded number (the
# version that says whether one is current is read from the default cache).
CACHES["fragments-local"] = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "marketplace-fragments",
    "OPTIONS": {"MAX_ENTRIES": 1000},
}
# Counters every worker must share (login and checkout limits): Redis, else the database
# (its table is created by the accounts migrations).
LIMITS_CACHE = "limits"
CACHES[LIMITS_CACHE] = (
    {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "limits",
    }
    if REDIS_URL
    else {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "marketplace_limits_cache",
    }
)

CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_QUEUE", "marketplace")
CELERY_TIMEZONE = "UTC"
# Celery's Django fixup closes the worker's database connections before and after every task
# unless this is set; then only every this many tasks. The worker closes them itself around each
# task when Django would (CONN_MAX_AGE, errors: marketplace/celery.py), so this is only a bound.
CELERY_DB_REUSE_MAX = 1000
# Periodic jobs; each app documents its own task. Keys are stable names.
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    "checkout-purge-expired-reservations": {
        "task": "marketplace.checkout.tasks.purge_expired_reservations",
        "schedule": timedelta(minutes=1),
    },
    "search-sweep-dirty-products": {
        "task": "search.tasks.sweep_dirty_products",
        "schedule": timedelta(seconds=30),
    },
    "payments-cancel-unpaid-orders": {
        "task": "payments.tasks.cancel_unpaid_orders",
        "schedule": timedelta(minutes=1),
    },
    "vendors-sweep-merchant-notifications": {
        "task": "vendors.tasks.sweep_merchant_notifications",
        "schedule": timedelta(minutes=10),
    },
    "payments-retry-pending-transfers": {
        "task": "payments.tasks.retry_pending_transfers",
        "schedule": timedelta(minutes=5),
    },
    # manage.py ledger_check, daily: each town's staff is emailed the violations found.
    "payments-ledger-check": {
        "task": "payments.tasks.ledger_check_daily",
        "schedule": timedelta(days=1),
    },
    # The outbox's sweep: every side effect whose task has not run to its end (marketplace/core).
    "core-outbox-relay": {
        "task": "marketplace.core.tasks.outbox_sweep",
        "schedule": timedelta(minutes=1),
    },
    "core-outbox-purge": {
        "task": "marketplace.core.tasks.outbox_purge",
        "schedule": timedelta(days=1),
    },
    "accounts-purge-expired-refresh-tokens": {
        "task": "marketplace.accounts.tasks.purge_expired_refresh_tokens",
        "schedule": timedelta(days=1),
    },
}

# --- Search -------------------------------------------------------------------------------------
SEARCH_URL = os.environ.get("SEARCH_URL", "")
SEARCH_BACKEND = os.environ.get("SEARCH_BACKEND", "engine" if SEARCH_URL else "database")
SEARCH_INDEX_PREFIX = os.environ.get("SEARCH_INDEX_PREFIX", "products")
# A commit's products reach the index this long after it at the earliest: the writes of that
# while share one drain (search/indexing.py). 0: a drain at once (more drains, each smaller).
SEARCH_INDEX_DELAY_SECONDS = float(os.environ.get("SEARCH_INDEX_DELAY_SECONDS", "1"))
# A commit's side effects (emails, payments' follow-ups) run this long after it at the earliest:
# the commits of that while share one outbox drain (marketplace/core/outbox.py). 0: at once.
OUTBOX_DRAIN_DELAY_SECONDS = float(os.environ.get("OUTBOX_DRAIN_DELAY_SECONDS", "0.5"))

# --- Payments -----------------------------------------------------------------------------------
STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
# The web payment page's Stripe Payment Element (the browser side of the same account).
STRIPE_PUBLISHABLE_KEY = os.environ.get("STRIPE_PUBLISHABLE_KEY", "")
STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "")
STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
STRIPE_WEBHOOK_TOLERANCE_SECONDS = int(os.environ.get("STRIPE_WEBHOOK_TOLERANCE_SECONDS", "300"))
PAYMENT_GATEWAY = os.environ.get("PAYMENT_GATEWAY", "stripe" if STRIPE_SECRET_KEY else "dummy")
# When shops are paid: "fulfilment" (default) or "payment".
TRANSFER_TRIGGER = os.environ.get("TRANSFER_TRIGGER", "fulfilment")
PAYMENT_TIMEOUT_MINUTES = int(os.environ.get("PAYMENT_TIMEOUT_MINUTES", "60"))

# --- Marketplace rules ----------------------------------------------------------------------------
RESERVATION_MINUTES = int(os.environ.get("RESERVATION_MINUTES", "15"))
DEFAULT_COMMISSION_PERCENTAGE = Decimal(os.environ.get("DEFAULT_COMMISSION_PERCENTAGE", "5"))
DEFAULT_VAT_RATE = Decimal("20.00")
REDUCED_VAT_RATE = Decimal("5.50")
MAX_PAGE_SIZE = int(os.environ.get("MAX_PAGE_SIZE", "100"))

# --- GraphQL --------------------------------------------------------------------------------------
GRAPHENE = {
    "SCHEMA": "marketplace.graphql.schema.schema",
    "RELAY_CONNECTION_MAX_LIMIT": MAX_PAGE_SIZE,
    "ATOMIC_MUTATIONS": False,
}
GRAPHQL_MAX_DEPTH = int(os.environ.get("GRAPHQL_MAX_DEPTH", "10"))
GRAPHQL_MAX_COST = int(os.environ.get("GRAPHQL_MAX_COST", "50000"))
# Limits of one document (README, "Limits"); introspection only in the demo unless asked for.
GRAPHQL_MAX_QUERY_BYTES = int(os.environ.get("GRAPHQL_MAX_QUERY_BYTES", "20000"))
GRAPHQL_MAX_TOKENS = int(os.environ.get("GRAPHQL_MAX_TOKENS", "5000"))
GRAPHQL_MAX_ALIASES = int(os.environ.get("GRAPHQL_MAX_ALIASES", "30"))
GRAPHQL_MAX_ROOT_FIELDS = int(os.environ.get("GRAPHQL_MAX_ROOT_FIELDS", "20"))
GRAPHQL_INTROSPECTION = env_bool("GRAPHQL_INTROSPECTION", DEBUG)
# The cost of one call of a field whose work is far more than a column's.
GRAPHQL_FIELD_WEIGHTS = {
    "__schema": int(os.environ.get("GRAPHQL_INTROSPECTION_COST", "10000")),
    "__type": int(os.environ.get("GRAPHQL_INTROSPECTION_COST", "10000")) // 10,
    "search": int(os.environ.get("GRAPHQL_SEARCH_COST", "5000")),
}

# --- Tokens ---------------------------------------------------------------------------------------
JWT_ACCESS_TTL = timedelta(minutes=int(os.environ.get("JWT_ACCESS_MINUTES", "30")))
JWT_REFRESH_TTL = timedelta(days=int(os.environ.get("JWT_REFRESH_DAYS", "30")))
RATELIMIT_USE_CACHE = LIMITS_CACHE
# Reverse proxies in front of gunicorn that append the client's address to X-Forwarded-For (0: none,
# the peer is the client). The rate limits read the address the outermost proxy saw.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))

# --- I18n -----------------------------------------------------------------------------------------
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "marketplace" / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

# --- Static and media ---------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
# Backups (django-dbbackup: `manage.py dbbackup`, `mediabackup`, `dbrestore`, `mediarestore`):
# the database (pg_dump's custom format, or SQLite's online backup) and the uploaded images, as
# files in BACKUP_DIR. Copy them off the machine: a backup on the same disk is not a backup.
BACKUP_DIR = Path(os.environ.get("BACKUP_DIR", VAR_DIR / "backups"))
# `mediabackup` before any image was uploaded: an empty archive, not an error.
with contextlib.suppress(OSError):
    MEDIA_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "dbbackup": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(BACKUP_DIR)},
    },
}
DBBACKUP_DATABASES = ["default"]
DBBACKUP_CLEANUP_KEEP = int(os.environ.get("BACKUP_KEEP", "30"))
# A request's body apart from its files (JSON, form fields): 400 beyond it.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("REQUEST_MAX_BYTES", str(2 * 1024 * 1024)))
# Uploads: an image's pixels are checked from its header before it is decoded.
IMAGE_MAX_PIXELS = int(os.environ.get("IMAGE_MAX_PIXELS", "24000000"))
CATALOG_IMPORT_MAX_BYTES = int(os.environ.get("CATALOG_IMPORT_MAX_BYTES", str(5 * 1024 * 1024)))
CATALOG_IMPORT_MAX_ROWS = int(os.environ.get("CATALOG_IMPORT_MAX_ROWS", "10000"))
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- Email ----------------------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "marketplace@localhost")
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))

# --- Security (production-safe whenever DEBUG is off) -------------------------------------------------
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- The web pages: sessions, login, Content-Security-Policy ----------------------------------------
# Pages allow only what they need: the project's own scripts and styles, no inline code. The payment
# page alone adds Stripe's script and frames (a per-view override, see the storefront).
LOGIN_URL = "storefront:login"
LOGIN_REDIRECT_URL = "storefront:home"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "frame-src": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
SESSION_COOKIE_HTTPONLY = True
# Django's database sessions, read by a query compiled once per process (see the module).
SESSION_ENGINE = "marketplace.accounts.sessions"

# --- Logging (structured JSON in production, readable in the demo) ------------------------------------
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "structured": {"()": "marketplace.logs.build_formatter", "as_json": not DEBUG},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "structured"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "opensearch": {"level": "WARNING"},
        "urllib3": {"level": "WARNING"},
        # The backup commands print their progress themselves (on stderr): not twice.
        "dbbackup.command": {"propagate": False},
    },
}
# Failed logins: per account (any address), and per client address (any account).
LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10/15m")
LOGIN_ADDRESS_RATE_LIMIT = os.environ.get("LOGIN_ADDRESS_RATE_LIMIT", "100/h")
AUTHENTICATION_BACKENDS = ["marketplace.accounts.backends.ThrottledModelBackend"]
# New checkouts per client (a logged-in user, else an address): reservations cannot be renewed
# without end by opening checkout after checkout.
CHECKOUT_CREATE_RATE_LIMIT = os.environ.get("CHECKOUT_CREATE_RATE_LIMIT", "30/10m")
