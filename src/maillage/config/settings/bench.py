"""Benchmarks (`make bench`): production-like (DEBUG off, no query log) on whatever DATABASE_URL names."""

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "bench-only-key-0123456789-abcdefghijklmnopqrstuvwxyz"
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "ERROR"}}
STATIC_ROOT = None  # static files come from the package (finders); nothing is collected here
WHITENOISE_USE_FINDERS = True
