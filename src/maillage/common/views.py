from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import InterfaceError, OperationalError, transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext

from maillage.common import health
from maillage.common.errors import add_to_form
from maillage.core.errors import MaillageError


class NotFound(Http404):
    """A 404 whose message is written for the user (translated): the 404 page shows it."""


def get_or_404(loader: Callable[[str], Any], slug: str) -> Any:
    """The record a selector loads (it raises ``MaillageError`` when there is none), or a 404 saying so."""
    try:
        return loader(slug)
    except MaillageError as exc:
        raise NotFound(exc.message) from None


def get_allowed(request: HttpRequest, loader: Callable[[str], Any], slug: str, perm: str) -> Any:
    """The record behind ``slug`` (404 if none), if the person holds ``perm`` on it (403 otherwise)."""
    record = get_or_404(loader, slug)
    if not request.user.has_perm(perm, record):
        raise PermissionDenied
    return record


class DryRun(Exception):
    """Undoes a service run made only to collect its messages."""


def save_form(request: HttpRequest, form: Any, action: Callable[[], Any], success: str) -> Any:
    """Run a service for a valid form; on a domain error, show it in the form and keep the input.

    When the form itself has errors, the service still checks the fields that were valid (and
    its writes are undone), so that every problem shows at once rather than one round at a time.
    """
    if not form.is_valid():
        if not form.is_bound:
            return None
        try:
            with transaction.atomic():
                action()
                raise DryRun
        except DryRun:
            pass
        except MaillageError as exc:
            add_to_form(form, exc, keep_existing=True)
        except (KeyError, TypeError, ValueError):
            pass  # the form's own errors are enough when its data cannot even be assembled
        return None
    try:
        result = action()
    except MaillageError as exc:
        add_to_form(form, exc)
        return None
    messages.success(request, success)
    return result


def healthz(request: HttpRequest) -> JsonResponse:
    """The database and a background worker, for monitoring: 200 when both are fine, 503 otherwise.

    ``?check=database`` checks the database alone, for a load balancer deciding whether this web process can
    serve pages (a missing worker does not stop it from serving them).
    """
    result = health.check()
    if request.GET.get("check") == "database":
        ok = result.database == "ok"
        return JsonResponse(
            {"status": "ok" if ok else "failing", "database": result.database}, status=200 if ok else 503
        )
    response = JsonResponse(result.as_dict(), status=200 if result.ok else 503)
    response["Cache-Control"] = "no-store"
    return response


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Our own translated messages are shown; Django's (which may describe the URL map) never are."""
    message = str(exception.args[0]) if isinstance(exception, NotFound) and exception.args else ""
    return render(request, "404.html", {"message": message}, status=404)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", status=403)


UNAVAILABLE = (OperationalError, InterfaceError)


def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 page, or 503 when the database does not answer (a restart, a failover): the person is told
    to try again in a minute. Neither page reads the database. The API answers in its JSON envelope."""
    exception = sys.exc_info()[1]
    unavailable = isinstance(exception, UNAVAILABLE)
    status = 503 if unavailable else 500
    request_id = getattr(request, "request_id", "")
    if request.path.startswith("/api/"):
        code, message = (
            ("unavailable", gettext("The service is briefly unavailable. Try again in a minute."))
            if unavailable
            else ("server_error", gettext("Something went wrong on our side. The error is recorded."))
        )
        response: HttpResponse = JsonResponse({"code": code, "message": message, "problems": []}, status=status)
    else:
        template = loader.get_template("503.html" if unavailable else "500.html")
        response = HttpResponse(template.render({"request_id": request_id}), status=status)
    if unavailable:
        response["Retry-After"] = "30"
    return response
