"""Development and the embedded default (``make run``): SQLite in the data folder, console e-mail."""

from .base import *  # noqa: F403
from .base import env

DEBUG = True
SECRET_KEY = env.SECRET_KEY or "dev-only-insecure-key-do-not-use-in-production-0123456789"
ALLOWED_HOSTS = env.ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]"]
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
