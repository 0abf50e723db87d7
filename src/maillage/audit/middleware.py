"""django-auditlog's middleware, with the client's address read as login throttling reads it."""

from __future__ import annotations

from typing import Any

from auditlog.context import auditlog_value
from auditlog.middleware import AuditlogMiddleware
from django.http import HttpRequest

from maillage.common.middleware import client_ip


class AuditMiddleware(AuditlogMiddleware):
    """Records who changed what and from where. The address is the one the trusted proxy gives (never a
    header the client could write itself when no proxy is configured)."""

    @staticmethod
    def _get_remote_addr(request: HttpRequest) -> str | None:
        return client_ip(request) or None


def set_actor(user: Any) -> None:
    """Name the person behind this request once it is known later than the middleware (API tokens)."""
    try:
        context = auditlog_value.get()
    except LookupError:
        return
    context["actor"] = user
