from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

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
