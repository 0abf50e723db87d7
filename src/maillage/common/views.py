from __future__ import annotations

from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render


class NotFound(Http404):
    """A 404 whose message is written for the user (translated): the 404 page shows it."""


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database reachability, for load balancers and `make run` checks."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Our own translated messages are shown; Django's (which may describe the URL map) never are."""
    message = str(exception.args[0]) if isinstance(exception, NotFound) and exception.args else ""
    return render(request, "404.html", {"message": message}, status=404)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", status=403)
