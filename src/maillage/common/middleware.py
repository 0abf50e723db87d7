from __future__ import annotations

from collections.abc import Callable

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
