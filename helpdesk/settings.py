"""Settings for the helpdesk project, read from environment variables.

Every variable is documented in .env.example. A bad value raises
ImproperlyConfigured at start-up instead of surfacing later as a wrong answer.
"""

import re
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from helpdesk.env import (
    env_bool,
    env_email_list,
    env_float,
    env_int,
    env_list,
    env_rate,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", default=False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is missing: set it to a long random string, "
            "or set DEBUG=1 for local development."
        )
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
for origin in CSRF_TRUSTED_ORIGINS:
    if not origin.startswith(("http://", "https://")):
        raise ImproperlyConfigured(
            f"CSRF_TRUSTED_ORIGINS entry {origin!r} is invalid: "
            "it must start with http:// or https://."
        )

INSTALLED_APPS = [
    # Django's admin with the project's site, see helpdesk/admin_site.py.
    "helpdesk.apps.HelpdeskAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "knowledge",
    "chat",
    "tickets",
]

MIDDLEWARE = [
    # First, so that every later middleware logs with the request id.
    "helpdesk.request_id.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "helpdesk.staticfiles.StaticFilesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "helpdesk.middleware.RemoteUserHeaderMiddleware",
    "helpdesk.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "helpdesk.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "helpdesk.urls"
WSGI_APPLICATION = "helpdesk.wsgi.application"
ASGI_APPLICATION = "helpdesk.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0, minimum=0),
    )
}
# Connections per app process that psycopg's pool keeps open to PostgreSQL.
# Under ASGI every request runs its database code in a new thread, so a
# persistent connection would never be reused. The pool hands a connection
# to a request, or to one step of a reply stream, and takes it back after.
DATABASE_POOL_MAX_SIZE = env_int("DATABASE_POOL_MAX_SIZE", 10, minimum=0)
if (
    DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    and DATABASE_POOL_MAX_SIZE
):
    if DATABASES["default"]["CONN_MAX_AGE"]:
        raise ImproperlyConfigured(
            "DATABASE_CONN_MAX_AGE must be 0 while DATABASE_POOL_MAX_SIZE is "
            "set, because the pool already keeps connections open. Set "
            "DATABASE_POOL_MAX_SIZE=0 to use persistent connections instead."
        )
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": min(2, DATABASE_POOL_MAX_SIZE),
        "max_size": DATABASE_POOL_MAX_SIZE,
        # Seconds a request waits for a free connection before it fails.
        "timeout": 10,
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the stream view write while page views read the same file.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Rate-limit counters live in the cache, so several app servers need a shared
# Redis cache. Without REDIS_URL each process counts on its own.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    if not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured(
            f"REDIS_URL={REDIS_URL!r} is invalid: it must start with redis://, "
            "rediss:// or unix://."
        )
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "helpdesk",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

PASSWORD_VALIDATION = "django.contrib.auth.password_validation"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"{PASSWORD_VALIDATION}.UserAttributeSimilarityValidator"},
    {"NAME": f"{PASSWORD_VALIDATION}.MinimumLengthValidator"},
    {"NAME": f"{PASSWORD_VALIDATION}.CommonPasswordValidator"},
    {"NAME": f"{PASSWORD_VALIDATION}.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"

# request.META key in which a trusted reverse proxy puts the signed-in user's
# name, such as HTTP_X_REMOTE_USER for an X-Remote-User header. Empty: off.
HELPDESK_REMOTE_USER_HEADER = env_str("HELPDESK_REMOTE_USER_HEADER")
if HELPDESK_REMOTE_USER_HEADER and not re.fullmatch(
    r"[A-Z][A-Z0-9_]*", HELPDESK_REMOTE_USER_HEADER
):
    raise ImproperlyConfigured(
        f"HELPDESK_REMOTE_USER_HEADER={HELPDESK_REMOTE_USER_HEADER!r} is invalid: "
        "expected a request.META key in capitals, such as HTTP_X_REMOTE_USER."
    )
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
if HELPDESK_REMOTE_USER_HEADER:
    AUTHENTICATION_BACKENDS.append("django.contrib.auth.backends.RemoteUserBackend")

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ru", _("Russian"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

FIXTURE_DIRS = [BASE_DIR / "fixtures"]

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
}

if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Behind a proxy that terminates TLS, SECURE_PROXY_SSL_HEADER marks its
    # requests secure, so only plain HTTP that bypasses it is redirected.
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    # Probes of load balancers often speak plain HTTP to the app directly.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    # The HSTS preload directive consents to browsers listing the whole
    # registrable domain as HTTPS-only, so its owner decides, not one app.
    SILENCED_SYSTEM_CHECKS = ["security.W021"]

EMAIL_BACKEND_PATH = env_str(
    "EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
MAILERS = {"default": {"BACKEND": EMAIL_BACKEND_PATH, "OPTIONS": {}}}
if EMAIL_BACKEND_PATH.endswith("smtp.EmailBackend"):
    MAILERS["default"]["OPTIONS"] = {
        "host": env_str("EMAIL_HOST", "localhost"),
        "port": env_int("EMAIL_PORT", 25, minimum=1),
        "username": env_str("EMAIL_HOST_USER"),
        "password": env_str("EMAIL_HOST_PASSWORD"),
        "use_tls": env_bool("EMAIL_USE_TLS", default=False),
        "timeout": env_float("EMAIL_TIMEOUT", 10.0, minimum=1, maximum=300),
    }
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "helpdesk@localhost")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "helpdesk.request_id.RequestIdFilter"}},
    "formatters": {
        # The request id is in brackets, and "-" outside a request.
        "plain": {
            "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["request_id"],
        },
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # The HTTP client under the anthropic SDK logs every request at INFO, and
    # the SDK logs whole requests, conversation text included, at DEBUG.
    "loggers": {
        "httpx2": {"level": "WARNING"},
        "httpx": {"level": "WARNING"},
        "anthropic": {"level": "INFO"},
    },
}

# The assistant.
ANTHROPIC_API_KEY = env_str("ANTHROPIC_API_KEY")
ANTHROPIC_BASE_URL = env_str("ANTHROPIC_BASE_URL") or None
CLAUDE_MODEL = env_str("CLAUDE_MODEL", "claude-haiku-4-5")
CLAUDE_TIMEOUT = env_float("CLAUDE_TIMEOUT", 30.0, minimum=1, maximum=600)
CLAUDE_MAX_TOKENS = env_int("CLAUDE_MAX_TOKENS", 1024, minimum=64)
CLAUDE_MAX_RETRIES = env_int("CLAUDE_MAX_RETRIES", 2, minimum=0)
HELPDESK_CONFIDENCE_THRESHOLD = env_float(
    "HELPDESK_CONFIDENCE_THRESHOLD", 0.6, minimum=0.0, maximum=1.0
)
HELPDESK_REQUIRE_LOGIN = env_bool("HELPDESK_REQUIRE_LOGIN", default=False)
# Shared mailboxes of the IT team. They receive every new ticket, and the
# employee's replies on tickets without an assignee.
HELPDESK_STAFF_EMAILS = env_email_list("HELPDESK_STAFF_EMAILS")
# Claude tokens per employee per day, counted from midnight in TIME_ZONE. Past
# it, answers come from the knowledge base alone. Zero: no limit.
HELPDESK_DAILY_TOKEN_BUDGET = env_int("HELPDESK_DAILY_TOKEN_BUDGET", 200_000, minimum=0)

# Rate limits, counted per session, per signed-in user and per client address.
HELPDESK_CHAT_RATE = env_rate("HELPDESK_CHAT_RATE", "20/minute")
HELPDESK_TICKET_RATE = env_rate("HELPDESK_TICKET_RATE", "5/hour")
# Messages an employee can send in one conversation. Past it, the chat rejects
# new messages and offers a new conversation or a ticket, which keeps the
# history sent to the model bounded.
HELPDESK_CONVERSATION_MAX_MESSAGES = env_int(
    "HELPDESK_CONVERSATION_MAX_MESSAGES", 100, minimum=1
)
# Number of reverse proxies in front of the app that append to X-Forwarded-For.
# With zero the client address is REMOTE_ADDR.
HELPDESK_TRUSTED_PROXY_COUNT = env_int("HELPDESK_TRUSTED_PROXY_COUNT", 0, minimum=0)

# Pause between words of the offline responder's answer, in seconds, so the
# answer streams in like a model's. Zero streams it at once.
HELPDESK_OFFLINE_WORD_DELAY = env_float(
    "HELPDESK_OFFLINE_WORD_DELAY", 0.02, minimum=0.0, maximum=1.0
)
