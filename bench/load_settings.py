"""Settings of the load test (`bench/load.py`): production's, minus what needs TLS in front.

Everything comes from ``maillage.config.settings.prod`` (DEBUG off, hashed and compressed static files
served by WhiteNoise after ``collectstatic``, the production password hasher, sessions and CSRF as in
production), so that the load test follows production's settings as they change. Only what cannot work
over plain HTTP on the loopback, without the TLS proxy that production has in front, is turned off: the
redirect to HTTPS, HSTS and the ``Secure`` flag on cookies (a client never sends such cookies over HTTP).
The secret key and hosts are fixed here for the bench only; DATABASE_URL and MAILLAGE_DATA_DIR (where
static files are collected) come from the environment, as in production.
"""

import os

os.environ.setdefault("MAILLAGE_SECRET_KEY", "bench-load-only-key-0123456789-abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("MAILLAGE_ALLOWED_HOSTS", "127.0.0.1,localhost")

from maillage.config.settings.prod import *  # noqa: F403

SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
LANGUAGE_COOKIE_SECURE = False
# Production's log configuration (base) prints warnings and errors to the console: gunicorn's log file here.
