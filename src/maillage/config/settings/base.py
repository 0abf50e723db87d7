"""Settings shared by every environment. Environment-specific values come from ``env``."""

from __future__ import annotations

from datetime import timedelta

import dj_database_url
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

from maillage.config import env

BASE_DIR = env.PACKAGE_DIR
DATA_DIR = env.DATA_DIR

INSTALLED_APPS = [
    "maillage.common",
    "maillage.accounts",
    "maillage.directory",
    "maillage.diagnostics",
    "maillage.matching",
    "maillage.scenarios",
    "maillage.analytics",
    "maillage.feedback",
    "maillage.collective",
    "maillage.interop",
    "maillage.chantiers",
    "maillage.audit",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "django_htmx",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "rules.apps.AutodiscoverRulesConfig",
    "csp",
    "axes",
    "auditlog",
]

MIDDLEWARE = [
    "maillage.common.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "maillage.common.middleware.ApiLanguageMiddleware",
    "maillage.common.middleware.RefuseNulPathMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "maillage.audit.middleware.AuditMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the translated lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "maillage.config.urls"
FORM_RENDERER = "maillage.common.forms.FormRenderer"
WSGI_APPLICATION = "maillage.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "maillage.common.context_processors.site",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env.DATABASE_URL or f"sqlite:///{DATA_DIR / 'maillage.sqlite3'}",
        conn_max_age=env.DB_CONN_MAX_AGE,
        # A kept connection is checked before reuse: after a database restart, the next request reconnects.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    # WAL lets the web process read while the worker writes; a busy timeout avoids spurious locks.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }

if env.DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        env.DATABASE_REPLICA_URL, conn_max_age=env.DB_CONN_MAX_AGE, conn_health_checks=True
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["maillage.common.replica.ReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Background work (allocation runs): django-tasks with its database backend; `maillage serve` starts a
# worker next to the web server, and `maillage db_worker` runs one on its own.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First: django-axes refuses a locked-out login before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "directory:home"

# Argon2 (the winner of the Password Hashing Competition); passwords hashed before with PBKDF2 still work
# and are re-hashed with Argon2 at their next login.
PASSWORD_HASHERS = [
    "maillage.accounts.hashers.Argon2Hasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# French first, English second. Source strings are English; the French catalogue is complete.
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "America/Toronto"
FORMAT_MODULE_PATH = ["maillage.common.formats"]
LANGUAGE_COOKIE_NAME = "maillage_language"

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = DATA_DIR / "media"

DEFAULT_FROM_EMAIL = env.DEFAULT_FROM_EMAIL
SITE_URL = env.SITE_URL

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# Pages of the directory and of the API.
MAILLAGE_PAGE_SIZE = 25
MAILLAGE_API_MAX_PAGE_SIZE = 200

NINJA_PAGINATION_PER_PAGE = 25

# Open data imports (the page « Données ouvertes » and /api/interop/imports): the largest upload, and the most
# a zip archive (HSDS's tabular data package) may hold once unpacked. Uploads wait in MEDIA_ROOT/imports.
MAILLAGE_IMPORT_MAX_BYTES = 200 * 1024 * 1024
MAILLAGE_IMPORT_MAX_UNZIPPED_BYTES = 1024 * 1024 * 1024

# Login throttling (django-axes): five failed logins for one address from one IP lock that pair out for
# 15 minutes; a successful login resets the count. Behind a proxy, set MAILLAGE_CLIENT_IP_HEADER (e.g.
# HTTP_X_REAL_IP, which nginx overwrites) so that people are told apart by their own address.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"
AXES_LOCKOUT_CALLABLE = "maillage.accounts.views.locked_out"
AXES_CLIENT_IP_CALLABLE = "maillage.common.middleware.client_ip"
AXES_VERBOSE = False
MAILLAGE_CLIENT_IP_HEADER = env.CLIENT_IP_HEADER

# A strict Content Security Policy: scripts, styles, images and fonts from this site only, no inline script
# or style, no plugin, no framing. The one exception is the DEBUG error page, which django-csp leaves alone.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# The audit log (django-auditlog): who changed what, when, from where; read by stewards on /audit/.
# The models it follows are registered in maillage.common.audit; passwords and tokens are never logged.
AUDITLOG_DISABLE_ON_RAW_SAVE = True
AUDITLOG_STORE_JSON_CHANGES = True


# Logs go to standard error, one record a line: plain text by default, JSON (python-json-logger) when
# MAILLAGE_LOG_FORMAT=json, as in production, for a log collector. Every request is logged by
# common.middleware.RequestLogMiddleware on "maillage.request" (5xx only unless MAILLAGE_LOG_REQUESTS=1).
def logging_config(log_format: str, requests: bool) -> dict:
    formatter = (
        {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(process)d",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        }
        if log_format == "json"
        else {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
    )
    request_level = "INFO" if requests else "WARNING"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"default": formatter},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "default"}},
        "root": {"handlers": ["console"], "level": "WARNING"},
        "loggers": {
            "maillage": {"handlers": ["console"], "level": "INFO", "propagate": False},
            "maillage.request": {"handlers": ["console"], "level": request_level, "propagate": False},
            "django_tasks": {"handlers": ["console"], "level": "INFO", "propagate": False},
        },
    }


LOGGING = logging_config(env.LOG_FORMAT or "text", env.LOG_REQUESTS is True)
