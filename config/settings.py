"""CarBridge settings: one module, configured only by environment variables.

With nothing set the app runs on SQLite with Celery in eager mode (the embedded
default). `DATABASE_URL` and `REDIS_URL` switch it to PostgreSQL and a real
Celery worker on Redis. Every variable is listed in the README.
"""

from pathlib import Path
from typing import Any

import django_stubs_ext
import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

# Django's generic classes (DetailView[Lot], ModelAdmin[Lot], ModelForm[Lot]…)
# take their type arguments at run time too, as django-stubs gives them.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()


def _env_str(name: str) -> str | None:
    """An environment variable's value, with an empty value counting as unset."""
    value = env.str(name, default="").strip()
    return value or None


DEBUG = env.bool("DJANGO_DEBUG", default=False)

SECRET_KEY = _env_str("DJANGO_SECRET_KEY")
if SECRET_KEY is None:
    if not DEBUG:
        raise ImproperlyConfigured("Set DJANGO_SECRET_KEY (or DJANGO_DEBUG=true for local development).")
    SECRET_KEY = "django-insecure-local-development-only"  # noqa: S105 - DEBUG only

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "allauth",
    "allauth.account",
    "django_countries",
    # Its translations of the phone number field's messages (the admin shows them).
    "phonenumber_field",
    "django_filters",
    "django_htmx",
    "rules.apps.AutodiscoverRulesConfig",
    "core",
    "accounts",
    "matchmaking",
    "conversations",
    "events",
    "deals",
    # Above every app: it seeds them all.
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.SavedLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "config.middleware.DatabaseBusyMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "accounts.context_processors.membership",
            ],
        },
    },
]

# Database -------------------------------------------------------------------

DATABASES = {"default": env.db_url_config(_env_str("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
# A request either saves everything it set out to or nothing at all.
DATABASES["default"]["ATOMIC_REQUESTS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded database has one writer at a time. A transaction that reads
    # first and writes later (every request does, under ATOMIC_REQUESTS) cannot
    # wait for the writer ahead of it: SQLite answers "database is locked" at
    # once, and one of two people acting together got a 500. Taking the write
    # lock as each transaction begins (IMMEDIATE) makes them queue instead, each
    # waiting up to `timeout` seconds (below gunicorn's 30 s); the rare request
    # that waits longer is answered "busy, try again" (config.middleware). WAL
    # keeps reads outside transactions (sessions, tasks, commands) from waiting
    # on the writer. NORMAL sync is WAL's usual companion: a crash of the app
    # loses nothing, a power cut at most the last commits.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        **DATABASES["default"].get("OPTIONS", {}),
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis, cache and Celery -------------------------------------------------------

REDIS_URL = _env_str("REDIS_URL")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "carbridge",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# The in-process broker is named a host so kombu does not warn "No hostname
# was supplied" on the first task of every process.
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = None
# Without a broker every task runs in-process, so each feature works in the
# embedded default exactly as it does with a worker.
CELERY_TASK_ALWAYS_EAGER = REDIS_URL is None
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="carbridge")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# `celery beat` (started with the worker by `make run` and `make worker`)
# sends each event's day-before reminders; the task sends each event's once.
CELERY_BEAT_SCHEDULE = {
    "event-reminders": {"task": "events.tasks.reminders_send_task", "schedule": 60 * 30},
    # Fails imports whose worker died mid-task, so their pages stop saying "Checking".
    "stalled-imports": {"task": "matchmaking.tasks.import_jobs_recover_task", "schedule": 60 * 5},
}

# Authentication ----------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "dashboard"

# django-allauth 65: email is the login; nobody picks a username.
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupForm"
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = env.str(
    "ACCOUNT_EMAIL_VERIFICATION", default="optional" if DEBUG else "mandatory"
)
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_REDIRECT_URL = "home"
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_PREVENT_ENUMERATION = True
# allauth's defaults, stated so nobody turns them off by accident.
ACCOUNT_RATE_LIMITS = {
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reset_password": "20/m/ip,5/m/key",
    "reauthenticate": "10/m/user",
    "reset_password_from_key": "20/m/ip",
    "signup": "20/m/ip",
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "confirm_email": "1/3m/key",
}
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("DJANGO_TRUSTED_PROXY_COUNT", default=0)

# Email -------------------------------------------------------------------------

vars().update(env.email_url_config(_env_str("EMAIL_URL") or "consolemail://"))
DEFAULT_FROM_EMAIL: str = env.str("DEFAULT_FROM_EMAIL", default="CarBridge <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Internationalisation ----------------------------------------------------------

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("zh-hans", _("Simplified Chinese")),
    ("ru", _("Russian")),
    ("fa", _("Persian")),
    ("ar", _("Arabic")),
    ("vi", _("Vietnamese")),
    ("es", _("Spanish")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Country pickers: the fair's usual destinations first (Russia and Central
# Asia, Iran, Vietnam, West and East Africa, the Gulf, Egypt, Latin America),
# then every country; both parts sorted by name in the reader's language.
COUNTRIES_FIRST = [
    "RU",
    "KZ",
    "UZ",
    "KG",
    "TJ",
    "IR",
    "IQ",
    "VN",
    "NG",
    "GH",
    "KE",
    "AE",
    "SA",
    "EG",
    "PE",
    "CL",
    "MX",
]
COUNTRIES_FIRST_SORT = True
COUNTRIES_FIRST_BREAK = "──────────"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# Static and media files --------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env.str("DJANGO_MEDIA_ROOT", default=str(BASE_DIR / "media")))
# Files only their company may read (import spreadsheets): never under
# MEDIA_ROOT, and served only by views that check permission.
PRIVATE_MEDIA_ROOT = Path(env.str("DJANGO_PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / "private")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {"BACKEND": "matchmaking.storage.PrivateFileStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Security ----------------------------------------------------------------------

SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env.bool("DJANGO_BEHIND_TLS_PROXY", default=False):
    # Only trust this header when a proxy we run sets it on every request.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Logging -----------------------------------------------------------------------

LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    # runserver's "Watching for file changes" line, twice (Django's own
    # handler and ours), between the demo logins and the address.
    "loggers": {"django.utils.autoreload": {"level": "WARNING"}},
}
if CELERY_TASK_ALWAYS_EAGER:
    # Tasks run inside the request or command that sent them: a "Task …
    # succeeded" line for each would bury what the command prints (the demo
    # logins under fifty of them). A worker's own log keeps them.
    LOGGING["loggers"]["celery.app.trace"] = {"level": "WARNING"}

# CarBridge ---------------------------------------------------------------------

# How long an emailed invitation to join an organisation stays valid.
CARBRIDGE_INVITATION_DAYS = 14
# Where emailed links point (invitations, agendas); no request is at hand when
# a worker sends them.
CARBRIDGE_SITE_URL: str = env.str("CARBRIDGE_SITE_URL", default="http://127.0.0.1:8000")
