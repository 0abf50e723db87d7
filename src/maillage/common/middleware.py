from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound, JsonResponse
from django.utils import translation
from django.utils.translation import gettext


class ApiLanguageMiddleware:
    """The API negotiates its language with ``Accept-Language`` (pages use their URL prefix instead).

    Error messages then come in French or English as the client asks; French by default.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/"):
            language = translation.get_language_from_request(request, check_path=False)
            translation.activate(language)
            request.LANGUAGE_CODE = language
            response = self.get_response(request)
            response.headers.setdefault("Content-Language", language)
            return response
        return self.get_response(request)


class RefuseNulPathMiddleware:
    """A NUL character in a URL's path is never an address of ours, and PostgreSQL refuses it in text:
    answer 404 (JSON for the API) before any view looks it up."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path:
            message = gettext("There is no page at this address.")
            if request.path.startswith("/api/"):
                return JsonResponse({"code": "not_found", "message": message, "problems": []}, status=404)
            return HttpResponseNotFound(message)
        return self.get_response(request)


request_logger = logging.getLogger("maillage.request")

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def client_ip(request: HttpRequest) -> str:
    """The client's address: the trusted proxy's header when one is configured, else the socket's peer."""
    header = settings.MAILLAGE_CLIENT_IP_HEADER
    forwarded = request.META.get(header, "") if header else ""
    return forwarded.split(",")[0].strip() or request.META.get("REMOTE_ADDR", "")


class RequestLogMiddleware:
    """One structured log record per request: method, path, status, duration, user, request id.

    The request id comes from the proxy's ``X-Request-ID`` header when it is well formed (so nginx's and
    Maillage's lines can be matched), or is made here; it is sent back in the response's header. Query
    strings are left out: they may hold search terms that people typed.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get("X-Request-ID", "")
        request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        started = time.perf_counter()
        response = self.get_response(request)
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        response.headers["X-Request-ID"] = request_id
        try:
            user = getattr(request, "user", None)
            user_id = user.pk if user is not None and user.is_authenticated else None
        except DatabaseError:  # the session could not be read: the database is down, and the page says so
            user_id = None
        status = response.status_code
        level = logging.ERROR if status >= 500 else logging.INFO
        request_logger.log(
            level,
            "%s %s %s %.1f ms",
            request.method,
            request.path,
            status,
            duration_ms,
            extra={
                "request_id": request_id,
                "method": request.method,
                "path": request.path,
                "status": status,
                "duration_ms": duration_ms,
                "user_id": user_id,
            },
        )
        return response
