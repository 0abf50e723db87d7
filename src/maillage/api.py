"""The REST API at /api/ (django-ninja): OpenAPI schema at /api/openapi.json, docs at /api/docs.

Reads are open to everyone (private fields only to members and stewards, identified by
their token); writes need a personal token (``Authorization: Bearer …``) created on the
account page. Every error is JSON with a stable ``code``:
``{"code": "territory_unknown", "message": "…", "problems": [{"field": …, "code": …, "message": …}]}``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.schema import OpenAPISchema
from ninja.operation import Operation
from ninja.parser import Parser

from maillage.accounts.api import anonymous
from maillage.accounts.api import router as accounts_router
from maillage.chantiers.api import router as chantiers_router
from maillage.collective.api import router as collective_router
from maillage.core.errors import MaillageError, Problem
from maillage.diagnostics.api import router as diagnostics_router
from maillage.directory.api import router as directory_router
from maillage.feedback.api import router as feedback_router
from maillage.interop.api import router as interop_router
from maillage.matching.api import router as matching_router


class StrictParser(Parser):
    """JSON bodies and query strings, refusing the NUL character (no database stores it in text)."""

    def parse_body(self, request: HttpRequest) -> Any:
        data = super().parse_body(request)
        _refuse_nul(data)
        return data

    def parse_querydict(self, data: Any, list_fields: list[str], request: HttpRequest) -> Any:
        result = super().parse_querydict(data, list_fields, request)
        _refuse_nul(result)
        return result


def _refuse_nul(value: Any, field: str = "") -> None:
    if isinstance(value, str) and "\x00" in value:
        message = _("Text cannot contain the NUL character (\\u0000).")
        raise MaillageError("invalid_request", message, [Problem("null_character", message, field=field or None)])
    if isinstance(value, dict):
        for key, item in value.items():
            _refuse_nul(key, field)  # keys too: answers, ranks and votes are objects keyed by identifiers
            _refuse_nul(item, f"{field}.{key}" if field else str(key))
    elif isinstance(value, list):
        for item in value:
            _refuse_nul(item, field)


# What the parser refuses in every text, said in the schema so that clients (and the fuzzer) know it.
NO_NUL = "^[^\\x00]*$"
# Fields a body or a form does not declare are ignored, but their texts are read for a NUL all the same.
NUL_FREE = {
    "title": "NulFree",
    "description": "Any value, with no NUL character in its texts.",
    "anyOf": [
        {"type": ["null", "boolean", "number"]},
        {"type": "string", "pattern": NO_NUL},
        {"type": "array", "items": {"$ref": "#/components/schemas/NulFree"}},
        {
            "type": "object",
            "propertyNames": {"pattern": NO_NUL},
            "additionalProperties": {"$ref": "#/components/schemas/NulFree"},
        },
    ],
}


class MaillageOpenAPISchema(OpenAPISchema):
    """The OpenAPI document, telling what the API does: reads open to anonymous callers say that their
    token is optional; text sent to the API never contains the NUL character; two schemas never share
    a name (django-ninja keeps one of them silently, so that ``Kind`` once described three enumerations
    as the journal's)."""

    def __init__(self, api: NinjaAPI, path_prefix: str) -> None:
        super().__init__(api, path_prefix)
        components = self["components"].setdefault("schemas", {})
        components["NulFree"] = NUL_FREE
        marked: set[str] = {"NulFree"}
        for operations in self["paths"].values():
            for operation in operations.values():
                for parameter in operation.get("parameters", []):
                    _no_nul(parameter["schema"], components, marked)
                for content in operation.get("requestBody", {}).get("content", {}).values():
                    _no_nul(content["schema"], components, marked)

    def operation_security(self, operation: Operation) -> list[dict[str, Any]] | None:
        security = super().operation_security(operation)
        if security is not None and anonymous in operation.auth_callbacks:
            security.append({})  # no token: public data only
        return security

    def add_schema_definitions(self, definitions: dict[str, Any]) -> None:
        for name, definition in definitions.items():
            if self.schemas.get(name, definition) != definition:
                raise ImproperlyConfigured(f"Two different API schemas are named {name!r}: rename one.")
        super().add_schema_definitions(definitions)


def _no_nul(schema: Any, components: dict[str, Any], marked: set[str]) -> None:
    """Add the NUL-free pattern to every free text of a request's schema (followed through references)."""
    if not isinstance(schema, dict):
        return
    reference = schema.get("$ref", "")
    if reference.startswith("#/components/schemas/"):
        name = reference.rsplit("/", 1)[1]
        if name not in marked:
            marked.add(name)
            _no_nul(components.get(name), components, marked)
        return
    types = schema.get("type")
    is_text = types == "string" or (isinstance(types, list) and "string" in types)
    if is_text and not {"enum", "const", "format", "pattern"} & schema.keys():
        schema["pattern"] = NO_NUL
    for key in ("properties", "$defs"):
        for item in schema.get(key, {}).values():
            _no_nul(item, components, marked)
    for key in ("items", "additionalProperties", "propertyNames", "not"):
        _no_nul(schema.get(key), components, marked)
    if (schema.get("type") == "object" or "properties" in schema) and not {
        "additionalProperties",
        "patternProperties",
    } & schema.keys():
        schema["additionalProperties"] = {"$ref": "#/components/schemas/NulFree"}
    if isinstance(schema.get("additionalProperties"), dict) and "propertyNames" not in schema:
        schema["propertyNames"] = {"pattern": NO_NUL}
    for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
        for item in schema.get(key, []):
            _no_nul(item, components, marked)


class MaillageAPI(NinjaAPI):
    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        return MaillageOpenAPISchema(self, path_prefix)


api = MaillageAPI(
    parser=StrictParser(),
    title="Maillage API",
    version="1",
    description=__doc__ or "",
    urls_namespace="api",
    docs_url="/docs",
)
api.add_router("/", directory_router)
api.add_router("/", accounts_router)
api.add_router("/", diagnostics_router)
api.add_router("/", matching_router)
api.add_router("/", feedback_router)
api.add_router("/", collective_router)
api.add_router("/", interop_router)
api.add_router("/", chantiers_router)

STATUS_BY_CODE = {
    "not_found": 404,
    "conflict": 409,
    "framework_version_exists": 409,
    "diagnostic_submitted": 409,
    "request_exists": 409,
    "request_answered": 409,
    "invalid_request": 422,
    "slice_refused": 422,
    "round_open": 409,
    "round_not_open": 409,
    "round_not_draft": 409,
    "round_closed": 409,
    "round_empty": 409,
    "not_a_participant": 403,
    "indicator_computed": 409,
    "not_a_steward": 403,
    "import_not_checked": 409,
    "import_empty": 409,
    "import_expired": 409,
    "file_too_large": 413,
    "zip_too_large": 413,
    "standard_unknown": 422,
    "source_missing": 422,
    "source_too_long": 422,
    "file_missing": 422,
    "file_empty": 422,
    "file_type_invalid": 422,
    "zip_invalid": 422,
    "zip_unsafe": 422,
    "datapackage_missing": 422,
}


def error_response(request: HttpRequest, error: MaillageError, status: int | None = None) -> HttpResponse:
    return api.create_response(request, error.as_dict(), status=status or STATUS_BY_CODE.get(error.code, 400))


@api.exception_handler(MaillageError)
def on_domain_error(request: HttpRequest, exc: MaillageError) -> HttpResponse:
    return error_response(request, exc)


@api.exception_handler(PermissionDenied)
def on_forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return error_response(request, MaillageError("forbidden", _("You are not allowed to do this.")), 403)


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    message = _(
        "A valid API token is required: send “Authorization: Bearer <token>” (create one on your account page)."
    )
    return error_response(request, MaillageError("unauthenticated", message), 401)


@api.exception_handler(NinjaValidationError)
def on_invalid_request(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    problems = []
    for error in exc.errors:
        # Pydantic names the branch of a union it tried ("str-enum[…]", "literal['']"): not a field.
        location = [
            str(part)
            for part in error.get("loc", ())
            if part not in ("body", "query", "path", "payload") and "[" not in str(part)
        ]
        problems.append(
            Problem(str(error.get("type", "invalid")), str(error.get("msg", "")), field=".".join(location) or None)
        )
    error = MaillageError("invalid_request", _("The request is not valid: see the problems listed."), problems)
    return error_response(request, error, 422)


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    cause = exc.__cause__
    if isinstance(cause, MaillageError):  # refused by our body parser
        return error_response(request, cause)
    if exc.status_code == 400 and isinstance(cause, ValueError):
        message = _("The request body is not valid JSON (%(detail)s).") % {"detail": cause}
        return error_response(request, MaillageError("invalid_json", message), 400)
    codes: dict[int, str] = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}
    return error_response(request, MaillageError(codes.get(exc.status_code, "error"), str(exc)), exc.status_code)
