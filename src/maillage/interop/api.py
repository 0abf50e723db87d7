"""Open data imports in the API, for stewards (a personal token): upload a file, read its dry run's report, then
import it. The worker does the reading; poll the run until its status is no longer ``queued`` or ``running``.

Errors have stable codes: ``not_a_steward`` (403), ``standard_unknown``, ``source_missing``, ``file_empty``,
``zip_invalid``, ``zip_unsafe``, ``datapackage_missing`` (422), ``file_too_large``, ``zip_too_large`` (413),
``import_not_checked``, ``import_expired`` (409), ``not_found`` (404)."""

from __future__ import annotations

from typing import Annotated, Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Status, UploadedFile
from pydantic import WithJsonSchema

from maillage.accounts.api import TokenAuth
from maillage.common.api_schemas import CONFLICT, ERRORS, ErrorOut
from maillage.common.i18n import current_language
from maillage.core.errors import MaillageError

from . import services
from .models import ImportRun

router = Router(tags=["open data"])
RESPONSES: dict[int, Any] = {**ERRORS, **CONFLICT, 413: ErrorOut}


class StewardAuth(TokenAuth):
    """A steward's token; a body larger than any accepted upload is refused before it is read."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = super().authenticate(request, token)
        if user is None:
            return None
        if not user.has_perm("interop.import_data"):
            raise MaillageError("not_a_steward", _("Only stewards import open data."))
        if services.request_too_large(request.META.get("CONTENT_LENGTH")):
            raise services.too_large_error()
        return user


steward_auth = StewardAuth()


def _run_out(request: HttpRequest, run: ImportRun, *, report: bool = False) -> dict[str, Any]:
    here = f"/api/interop/imports/{run.pk}"
    data: dict[str, Any] = {
        "id": run.pk,
        "status": run.status,
        "status_label": str(run.get_status_display()),
        "dry_run": run.dry_run,
        "standard": run.standard,
        "file": run.file_name,
        "source": run.source_label,
        "demo": services.demo_of(run),
        "rows_read": services.rows_read(run),
        "created_at": run.created_at,
        "finished_at": run.finished_at,
        "created_by": run.created_by.email if run.created_by else None,
        "can_import": run.status == ImportRun.Status.CHECKED
        and run.dry_run
        and services.stored_file(run) is not None
        and services.has_changes(run),
        "error": run.error or None,
        "urls": {
            "self": request.build_absolute_uri(here),
            "import": request.build_absolute_uri(f"{here}/import"),
            "page": request.build_absolute_uri(reverse("interop:run", args=[run.pk])),
        },
    }
    if report:
        data["report"] = run.report if run.report and "counts" in run.report else None
    return data


def _run(pk: int) -> ImportRun:
    run = ImportRun.objects.select_related("created_by").filter(pk=pk).first()
    if run is None:
        raise MaillageError("not_found", _("There is no such import."))
    return run


# The formats, told in the schema; another is refused with its own code (422, standard_unknown).
StandardCode = Annotated[str, WithJsonSchema({"title": "Standard", "type": "string", "enum": list(services.FORMATS)})]


@router.post("/interop/imports", response={201: dict[str, Any], **RESPONSES}, auth=steward_auth)
def import_create(
    request: HttpRequest,
    standard: Form[StandardCode],
    file: File[UploadedFile | None] = None,
    source: Form[str] = "",
    demo: Form[bool] = False,
    dry_run: Form[bool] = True,
) -> Any:
    """Upload a file (multipart): ``standard`` is ``hsds`` (JSON), ``hsds-tabular`` (a .zip of the data
    package's folder), ``360giving`` (JSON or CSV) or ``csv`` (Maillage's template); ``source`` says where the
    data come from. Its dry run is queued (with ``dry_run=false``, its import at once, all or nothing)."""
    run = services.import_start(
        user=request.user,
        format=standard,
        upload=file,
        source_label=source,
        demo=demo,
        dry_run=dry_run,
        language=current_language(),
    )
    return Status(201, _run_out(request, run))


@router.get("/interop/imports/{pk}", response={200: dict[str, Any], **RESPONSES}, auth=steward_auth)
def import_get(request: HttpRequest, pk: int) -> dict[str, Any]:
    """An import: its status, the rows read so far, and once it is done its report (counts by kind and outcome,
    the rows, the problems with their file, row and field)."""
    services.runs_recover()
    return _run_out(request, _run(pk), report=True)


@router.post("/interop/imports/{pk}/import", response={202: dict[str, Any], **RESPONSES}, auth=steward_auth)
def import_confirm(request: HttpRequest, pk: int) -> Any:
    """Import, all or nothing, a file whose dry run found no problem (status ``checked``)."""
    run = services.import_confirm(user=request.user, run=_run(pk))
    return Status(202, _run_out(request, run))
