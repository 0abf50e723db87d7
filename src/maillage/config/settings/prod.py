"""Production: PostgreSQL, secrets and hosts from the environment, secure cookies and HSTS.

``maillage check --deploy`` is clean with these settings (a test checks it).
"""

import os

from .base import *  # noqa: F403
from .base import DATABASES, env, logging_config

DEBUG = False
SECRET_KEY = env.require("MAILLAGE_SECRET_KEY", env.SECRET_KEY)
ALLOWED_HOSTS = env.ALLOWED_HOSTS or [env.require("MAILLAGE_ALLOWED_HOSTS", "")]
CSRF_TRUSTED_ORIGINS = env.CSRF_TRUSTED_ORIGINS

# Each gunicorn process keeps its database connection for 60 s unless MAILLAGE_DB_CONN_MAX_AGE says
# otherwise (0 behind a transaction pooler): a connection per request costs PostgreSQL a new backend
# process, whose cold caches slow every query of the page. Each is checked before reuse
# (``conn_health_checks``), so a database restart costs one reconnection.
if "MAILLAGE_DB_CONN_MAX_AGE" not in os.environ:
    for database in DATABASES.values():
        database["CONN_MAX_AGE"] = 60

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = True
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

if env.EMAIL_URL:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = env.EMAIL_URL
    EMAIL_PORT = env.EMAIL_PORT
    EMAIL_HOST_USER = env.EMAIL_HOST_USER
    EMAIL_HOST_PASSWORD = env.EMAIL_HOST_PASSWORD
    EMAIL_USE_TLS = True
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

# One JSON object a line, every request included, unless the environment says otherwise.
LOGGING = logging_config(env.LOG_FORMAT or "json", env.LOG_REQUESTS is not False)
