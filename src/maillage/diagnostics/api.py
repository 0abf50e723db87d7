"""Framework and diagnostic endpoints.

Frameworks are public. A diagnostic is visible only to the members of its initiative's
carrying organisations (and, once submitted, to the support actors it is shared with):
anyone else gets ``404 not_found``, so that its existence stays private.
"""

from __future__ import annotations

import io
from datetime import date, datetime
from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from pydantic import StrictInt

from maillage.accounts.api import read_auth, token_auth
from maillage.common.api_schemas import CONFLICT, ERRORS, InputSchema
from maillage.core import scoring
from maillage.core.errors import MaillageError
from maillage.directory import selectors as directory_selectors
from maillage.directory.models import Initiative, Organisation, Population, SupportType, Territory

from . import report, selectors, services
from .models import Diagnostic, Framework

router = Router(tags=["diagnostics"])


# --- schemas -------------------------------------------------------------------------------------


class FrameworkVersionOut(Schema):
    id: str
    version: str
    valid_from: date
    title_fr: str
    title_en: str
    note: str
    published_at: datetime
    is_current: bool
    url: str


class FrameworkIn(InputSchema):
    content: str = Field(..., description="The framework file (maillage-framework/1), YAML or JSON text.")
    format: Literal["yaml", "json"] = "yaml"
    note: str = Field("", max_length=2000, description="What changed, for the people who read the framework.")


class ProgressOut(Schema):
    answered: int
    total: int


class DiagnosticSummaryOut(Schema):
    id: int
    initiative: str
    status: str
    framework: str
    version: str
    is_demo: bool
    created_at: datetime
    submitted_at: datetime | None
    progress: ProgressOut
    url: str


class ContextIn(InputSchema):
    stage: Initiative.Stage | Literal[""] | None = None
    team_size: Diagnostic.TeamSize | Literal[""] | None = None
    budget_range: Organisation.BudgetRange | Literal[""] | None = None
    territories: list[str] | None = None
    populations: list[str] | None = None


class AspirationsIn(InputSchema):
    support_types: list[str] | None = None
    max_reporting_hours: int | None = Field(None, ge=0, le=2000)
    horizon: Diagnostic.Horizon | Literal[""] | None = None


class DiagnosticPatch(InputSchema):
    answers: dict[str, StrictInt | None] | None = Field(
        None, description="Question key → 1 to 5, or null for “not applicable”. Merged into the saved answers."
    )
    importance: dict[str, StrictInt | None] | None = Field(
        None, description="Element id → 1 (useful), 2 (important), 3 (essential); null goes back to the default."
    )
    context: ContextIn | None = None
    aspirations: AspirationsIn | None = None


class AllocationInitiativeOut(Schema):
    id: str
    max_burden_hours: int | None
    needs: dict[str, float]


# --- helpers -------------------------------------------------------------------------------------


def _framework_summary(request: HttpRequest, framework: Framework, current: Framework | None) -> dict[str, Any]:
    return {
        "id": framework.slug,
        "version": framework.version,
        "valid_from": framework.valid_from,
        "title_fr": framework.title_fr,
        "title_en": framework.title_en,
        "note": framework.note,
        "published_at": framework.published_at,
        "is_current": current is not None and framework.pk == current.pk,
        "url": request.build_absolute_uri(
            reverse("diagnostics:framework_version", args=[framework.slug, framework.version])
        ),
    }


def _not_found() -> MaillageError:
    return MaillageError("not_found", _("There is no such diagnostic."))


def _visible(request: HttpRequest, pk: int) -> Diagnostic:
    try:
        diagnostic = selectors.diagnostic_get(pk)
    except MaillageError:
        raise _not_found() from None
    if not request.user.has_perm("diagnostics.view_diagnostic", diagnostic):
        raise _not_found()
    return diagnostic


def _editable(request: HttpRequest, pk: int) -> Diagnostic:
    """A diagnostic the caller may change: 404 if they may not see it, 409 once submitted, 403 otherwise."""
    diagnostic = _visible(request, pk)
    if not diagnostic.is_draft:
        raise MaillageError("diagnostic_submitted", _("This diagnostic is submitted: it can no longer change."))
    if not request.user.has_perm("diagnostics.edit_diagnostic", diagnostic):
        raise PermissionDenied
    return diagnostic


def _summary(request: HttpRequest, diagnostic: Diagnostic) -> dict[str, Any]:
    answered, total = scoring.progress(selectors.framework_of(diagnostic.framework), diagnostic.answers)
    return {
        "id": diagnostic.pk,
        "initiative": diagnostic.initiative.slug,
        "status": diagnostic.status,
        "framework": diagnostic.framework.slug,
        "version": diagnostic.framework.version,
        "is_demo": diagnostic.is_demo,
        "created_at": diagnostic.created_at,
        "submitted_at": diagnostic.submitted_at,
        "progress": {"answered": answered, "total": total},
        "url": request.build_absolute_uri(reverse("diagnostics:detail", args=[diagnostic.pk])),
    }


# --- frameworks ----------------------------------------------------------------------------------


@router.get(
    "/frameworks",
    response={200: list[FrameworkVersionOut], **ERRORS},
    auth=read_auth,
    summary="Published framework versions",
)
def framework_list(request: HttpRequest) -> list[dict[str, Any]]:
    current = selectors.current_framework()
    return [_framework_summary(request, f, current) for f in selectors.framework_versions()]


@router.get("/frameworks/current", response={200: dict[str, Any], **ERRORS}, auth=read_auth)
def framework_current(request: HttpRequest) -> dict[str, Any]:
    """The version new diagnostics use, as a ``maillage-framework/1`` document."""
    framework = selectors.current_framework()
    if framework is None:
        raise MaillageError("not_found", _("No success-conditions framework is published yet."))
    return selectors.framework_of(framework).as_dict()


@router.get("/frameworks/{slug}/{version}", response={200: dict[str, Any], **ERRORS}, auth=read_auth)
def framework_document(request: HttpRequest, slug: str, version: str) -> dict[str, Any]:
    return selectors.framework_of(selectors.framework_get(slug, version)).as_dict()


@router.post("/frameworks", response={201: FrameworkVersionOut, **ERRORS, **CONFLICT}, auth=token_auth)
def framework_publish(request: HttpRequest, payload: FrameworkIn) -> Any:
    """Publish a new version (stewards). The file is checked completely; every problem names its element."""
    framework = services.framework_publish(
        user=request.user,
        content=payload.content,
        name=f"framework.{payload.format}",
        note=payload.note,
    )
    return Status(201, _framework_summary(request, framework, framework))


# --- diagnostics ---------------------------------------------------------------------------------


@router.get(
    "/diagnostics",
    response={200: list[DiagnosticSummaryOut], **ERRORS},
    auth=token_auth,
    summary="Diagnostics you may see",
)
def diagnostic_list(request: HttpRequest, initiative: str = "") -> list[dict[str, Any]]:
    diagnostics = selectors.visible_diagnostics(request.user)
    if initiative:
        diagnostics = diagnostics.filter(initiative__slug=initiative)
    return [_summary(request, d) for d in diagnostics[:500]]


@router.get("/diagnostics/aggregates", response={200: dict[str, Any], **ERRORS}, auth=token_auth)
def diagnostic_aggregates(request: HttpRequest) -> dict[str, Any]:
    """Stewards: per element, over the latest diagnostic of each initiative; withheld under 5 initiatives.

    Real diagnostics only; ``?demo=1`` for the fictional demo ones (never mixed)."""
    if not request.user.has_perm("diagnostics.view_aggregates"):
        raise PermissionDenied
    demo = request.GET.get("demo") in ("1", "true")
    data = selectors.aggregates(demo=demo)
    return {
        "is_demo": data.is_demo,
        "framework": data.framework.slug if data.framework else None,
        "version": data.framework.version if data.framework else None,
        "initiatives": data.diagnostics,
        "threshold": data.threshold,
        "elements": [
            {
                "element": a.element,
                "initiatives": a.count,
                "mean_score": a.mean_score,
                "mean_need": a.mean_need,
                "share_in_need": a.share_in_need,
            }
            for a in data.elements
        ],
    }


@router.post(
    "/initiatives/{slug}/diagnostics",
    response={200: DiagnosticSummaryOut, 201: DiagnosticSummaryOut, **ERRORS},
    auth=token_auth,
)
def diagnostic_start(request: HttpRequest, slug: str) -> Any:
    """Start the initiative's diagnostic, or return the one in progress (200)."""
    initiative = directory_selectors.initiative_detail(slug)
    diagnostic, created = services.diagnostic_start(user=request.user, initiative=initiative)
    return Status(201 if created else 200, _summary(request, diagnostic))


@router.get("/diagnostics/{pk}", response={200: dict[str, Any], **ERRORS}, auth=token_auth)
def diagnostic_detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    """Context, answers, importances, aspirations and (once submitted) the result and the needs."""
    return report.as_json(_visible(request, pk))


@router.patch("/diagnostics/{pk}", response={200: dict[str, Any], **ERRORS, **CONFLICT}, auth=token_auth)
def diagnostic_update(request: HttpRequest, pk: int, payload: DiagnosticPatch) -> dict[str, Any]:
    diagnostic = _editable(request, pk)
    context = None
    if payload.context is not None:
        given = payload.context
        context = services.ContextInput(
            stage=diagnostic.stage if given.stage is None else given.stage,
            team_size=diagnostic.team_size if given.team_size is None else given.team_size,
            budget_range=diagnostic.budget_range if given.budget_range is None else given.budget_range,
            territories=diagnostic.territories.all()
            if given.territories is None
            else directory_selectors.terms_by_code(Territory, given.territories, field="territories"),
            populations=diagnostic.populations.all()
            if given.populations is None
            else directory_selectors.terms_by_code(Population, given.populations, field="populations"),
        )
    aspirations = None
    if payload.aspirations is not None:
        wanted = payload.aspirations
        fields = wanted.model_fields_set
        aspirations = services.AspirationsInput(
            wanted_support_types=diagnostic.wanted_support_types.all()
            if wanted.support_types is None
            else directory_selectors.terms_by_code(SupportType, wanted.support_types, field="support_types"),
            max_reporting_hours=wanted.max_reporting_hours
            if "max_reporting_hours" in fields
            else diagnostic.max_reporting_hours,
            horizon=diagnostic.horizon if wanted.horizon is None else wanted.horizon,
        )
    diagnostic = services.diagnostic_save(
        user=request.user,
        diagnostic=diagnostic,
        context=context,
        answers=payload.answers,
        importance=payload.importance,
        aspirations=aspirations,
    )
    return report.as_json(diagnostic)


@router.post("/diagnostics/{pk}/submit", response={200: dict[str, Any], **ERRORS, **CONFLICT}, auth=token_auth)
def diagnostic_submit(request: HttpRequest, pk: int) -> dict[str, Any]:
    """Score and freeze the diagnostic: every question needs an answer or null (not applicable)."""
    diagnostic = services.diagnostic_submit(user=request.user, diagnostic=_editable(request, pk))
    return report.as_json(diagnostic)


@router.get("/diagnostics/{pk}/needs", response={200: AllocationInitiativeOut, **ERRORS}, auth=token_auth)
def diagnostic_needs(request: HttpRequest, pk: int) -> dict[str, Any]:
    """The initiative as an entry of the allocation format's ``initiatives`` (``maillage-allocation/1``)."""
    diagnostic = _visible(request, pk)
    result = selectors.result_of(diagnostic)
    if result is None:
        raise MaillageError("diagnostic_not_submitted", _("A diagnostic in progress has no needs yet."))
    return {
        "id": diagnostic.initiative.slug,
        "max_burden_hours": diagnostic.max_reporting_hours,
        "needs": result.needs_map(),
    }


@router.get(
    "/diagnostics/{pk}/csv",
    auth=token_auth,
    response={200: None, **ERRORS},
    openapi_extra={"responses": {200: {"content": {"text/csv": {"schema": {"type": "string"}}}}}},
)
def diagnostic_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """One row per question: the answer, and its element's score, gap, importance and need."""
    buffer = io.StringIO()
    report.write_csv([_visible(request, pk)], buffer)
    return HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
