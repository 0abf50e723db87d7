"""The one place where Maillage reads its environment.

Every setting that differs between machines comes from an environment variable read
here, with a development default where one is safe. Settings modules import from this
module; nothing else reads ``os.environ``.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

PACKAGE_DIR = Path(__file__).resolve().parent.parent

#: Where the embedded database, uploaded files and collected static files live.
DATA_DIR = Path(os.environ.get("MAILLAGE_DATA_DIR", Path.cwd() / "var")).resolve()


DATABASE_URL = os.environ.get("DATABASE_URL", "")
# A streaming replica of the primary, read by the analytics dashboards (see maillage.common.replica).
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
# Seconds a database connection is kept between requests (0: one per request; 60 suits gunicorn in production).
DB_CONN_MAX_AGE = int(os.environ.get("MAILLAGE_DB_CONN_MAX_AGE", "0") or 0)

SECRET_KEY = os.environ.get("MAILLAGE_SECRET_KEY", "")

ALLOWED_HOSTS = [h.strip() for h in os.environ.get("MAILLAGE_ALLOWED_HOSTS", "").split(",") if h.strip()]

CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("MAILLAGE_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

EMAIL_URL = os.environ.get("MAILLAGE_EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("MAILLAGE_EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("MAILLAGE_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("MAILLAGE_EMAIL_PASSWORD", "")
DEFAULT_FROM_EMAIL = os.environ.get("MAILLAGE_FROM_EMAIL", "Maillage <noreply@localhost>")
# The address of the site, for links in e-mails.
SITE_URL = os.environ.get("MAILLAGE_SITE_URL", "http://127.0.0.1:8000").rstrip("/")


# The request header a trusted proxy sets to the client's address (e.g. HTTP_X_REAL_IP), for login
# throttling and the audit log; empty when the site is reached directly.
CLIENT_IP_HEADER = os.environ.get("MAILLAGE_CLIENT_IP_HEADER", "").strip().upper().replace("-", "_")


# Logs: "text" or "json" (one JSON object a line), and whether every request is logged (True/False), or
# empty/None for the environment's default (text and 5xx only in development, JSON and every request in
# production).
LOG_FORMAT = os.environ.get("MAILLAGE_LOG_FORMAT", "").strip().lower()
_log_requests = os.environ.get("MAILLAGE_LOG_REQUESTS", "").strip().lower()
LOG_REQUESTS = None if not _log_requests else _log_requests in ("1", "true", "yes", "on")


def require(name: str, value: str) -> str:
    """Fail at start-up, with the variable's name, when production lacks a setting."""
    if not value:
        raise ImproperlyConfigured(f"Set the environment variable {name} (required in production).")
    return value
