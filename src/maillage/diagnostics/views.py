"""Pages of the self-diagnostic. Thin: parse, call a selector or a service, render."""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from maillage.common.errors import add_to_form
from maillage.common.i18n import current_language
from maillage.common.views import NotFound, get_allowed
from maillage.core import scoring
from maillage.core.errors import MaillageError
from maillage.directory import selectors as directory_selectors
from maillage.directory.models import SupportType

from . import report, selectors, services
from .forms import AspirationsForm, ContextForm, LevelForm, ParametersForm, PublishForm, ShareForm
from .models import Diagnostic, ScoringSettings

CONTEXT, ASPIRATIONS, REVIEW = "context", "aspirations", "review"


# --- helpers -------------------------------------------------------------------------------------


def _diagnostic(request: HttpRequest, pk: int, perm: str = "diagnostics.view_diagnostic") -> Diagnostic:
    """The diagnostic if the person may see it; "not found" otherwise, so that its existence stays private."""
    try:
        diagnostic = selectors.diagnostic_get(pk)
    except MaillageError as exc:
        raise NotFound(exc.message) from None
    if not request.user.has_perm("diagnostics.view_diagnostic", diagnostic):
        raise NotFound(_("There is no such diagnostic."))
    if not request.user.has_perm(perm, diagnostic):
        raise PermissionDenied
    return diagnostic


def _steps(diagnostic: Diagnostic) -> list[dict[str, Any]]:
    framework = selectors.framework_of(diagnostic.framework)
    language = current_language()
    answered = set(diagnostic.answers)
    steps = [{"id": CONTEXT, "title": _("Context"), "done": bool(diagnostic.stage)}]
    for level in framework.levels:
        keys = [q.key for e in level.elements for q in e.questions]
        steps.append(
            {
                "id": level.id,
                "title": level.name.get(language),
                "done": all(k in answered for k in keys),
                "answered": sum(1 for k in keys if k in answered),
                "total": len(keys),
            }
        )
    steps.append({"id": ASPIRATIONS, "title": _("Aspirations"), "done": diagnostic.horizon != ""})
    steps.append({"id": REVIEW, "title": _("Review and submit"), "done": False})
    for number, step in enumerate(steps, start=1):
        step["number"] = number
        step["url"] = reverse("diagnostics:step", args=[diagnostic.pk, step["id"]])
    return steps


def _support_type_names() -> dict[str, str]:
    return {t.code: t.name for t in SupportType.objects.all()}


# --- hub and framework ---------------------------------------------------------------------------


def index(request: HttpRequest) -> HttpResponse:
    """The self-diagnostic's home: the person's initiatives and where each one stands."""
    rows = []
    shared: list[Diagnostic] = []
    if request.user.is_authenticated:
        for initiative in selectors.my_initiatives(request.user):
            diagnostics = sorted(initiative.diagnostics.all(), key=lambda d: d.submitted_at or timezone.now())
            draft = next((d for d in diagnostics if d.is_draft), None)
            submitted = [d for d in diagnostics if not d.is_draft]
            answered, total = (
                scoring.progress(selectors.framework_of(draft.framework), draft.answers) if draft else (0, 0)
            )
            rows.append(
                {
                    "initiative": initiative,
                    "draft": draft,
                    "latest": submitted[-1] if submitted else None,
                    "answered": answered,
                    "total": total,
                }
            )
        mine = {row["initiative"].pk for row in rows}
        shared = [d for d in selectors.visible_diagnostics(request.user) if d.initiative_id not in mine]
    framework = selectors.current_framework()
    return render(
        request,
        "diagnostics/index.html",
        {
            "rows": rows,
            "shared": shared,
            "framework": framework,
            "framework_core": selectors.framework_of(framework) if framework else None,
            "is_steward": request.user.has_perm("diagnostics.view_aggregates"),
        },
    )


def framework_detail(request: HttpRequest, slug: str | None = None, version: str | None = None) -> HttpResponse:
    if slug is None or version is None:
        framework = selectors.current_framework()
        if framework is None:
            raise NotFound(_("No success-conditions framework is published yet."))
    else:
        try:
            framework = selectors.framework_get(slug, version)
        except MaillageError as exc:
            raise NotFound(exc.message) from None
    core = selectors.framework_of(framework)
    return render(
        request,
        "diagnostics/framework.html",
        {
            "framework": framework,
            "core": core,
            "versions": selectors.framework_versions(),
            "support_type_names": _support_type_names(),
            "sources": {s.id: s for s in core.sources},
            "can_publish": request.user.has_perm("diagnostics.publish_framework"),
        },
    )


def framework_download(request: HttpRequest, slug: str, version: str) -> HttpResponse:
    try:
        framework = selectors.framework_get(slug, version)
    except MaillageError as exc:
        raise NotFound(exc.message) from None
    response = HttpResponse(framework.source_text, content_type="application/yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{framework.slug}-{framework.version}.yaml"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def framework_publish(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("diagnostics.publish_framework"):
        raise PermissionDenied
    form = PublishForm(request.POST or None, request.FILES or None)
    error = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        content = None
        if upload.size > services.MAX_FRAMEWORK_BYTES:
            form.add_error("file", _("The framework file is larger than 512 KB."))
        else:
            try:
                content = upload.read().decode("utf-8")
            except UnicodeDecodeError:
                form.add_error("file", _("The file must be UTF-8 text (YAML or JSON)."))
        if content is not None:
            try:
                framework = services.framework_publish(
                    user=request.user, content=content, name=upload.name, note=form.cleaned_data["note"]
                )
            except MaillageError as exc:
                error = exc
            else:
                messages.success(
                    request,
                    _("Version {version} is published: new diagnostics use it.").format(version=framework.version),
                )
                return redirect("diagnostics:framework_version", framework.slug, framework.version)
    status = 400 if request.method == "POST" else 200
    return render(request, "diagnostics/publish.html", {"form": form, "error": error}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def parameters(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("diagnostics.set_parameters"):
        raise PermissionDenied
    form = ParametersForm.for_current(selectors.scoring_parameters(), request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.parameters_set(user=request.user, values=form.cleaned_data)
        except MaillageError as exc:
            add_to_form(form, exc)
        else:
            messages.success(request, _("The parameters are saved: diagnostics submitted from now on use them."))
            return redirect("diagnostics:parameters")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "diagnostics/parameters.html",
        {"form": form, "history": ScoringSettings.objects.select_related("changed_by")[:10]},
        status=status,
    )


@login_required
def aggregates(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("diagnostics.view_aggregates"):
        raise PermissionDenied
    data = selectors.aggregates()
    if data.diagnostics == 0:  # no real diagnostic yet: show the demo's, labelled as such
        data = selectors.aggregates(demo=True)
    names = {}
    if data.framework is not None:
        language = current_language()
        names = {e.id: e.name.get(language) for e in selectors.framework_of(data.framework).elements}
    rows = sorted(data.elements, key=lambda a: -(a.mean_need or -1))
    return render(request, "diagnostics/aggregates.html", {"data": data, "rows": rows, "names": names})


# --- filling in ----------------------------------------------------------------------------------


@login_required
@require_POST
def start(request: HttpRequest, slug: str) -> HttpResponse:
    initiative = get_allowed(request, directory_selectors.initiative_detail, slug, "diagnostics.start_diagnostic")
    try:
        diagnostic, created = services.diagnostic_start(user=request.user, initiative=initiative)
    except MaillageError as exc:
        messages.error(request, exc.message)
        return redirect("diagnostics:index")
    if not created:
        messages.info(request, _("You are back where you left off."))
        resume = next((s["id"] for s in _steps(diagnostic) if not s["done"]), REVIEW)
        return redirect("diagnostics:step", diagnostic.pk, resume)
    return redirect("diagnostics:step", diagnostic.pk, CONTEXT)


@login_required
@require_http_methods(["GET", "POST"])
def step(request: HttpRequest, pk: int, step_id: str) -> HttpResponse:
    diagnostic = _diagnostic(request, pk)
    if not diagnostic.is_draft:
        if request.method == "POST":
            messages.warning(request, _("This diagnostic is submitted: it can no longer change."))
        if request.htmx:  # an autosave after someone submitted: show the results, and say why
            return HttpResponseClientRedirect(reverse("diagnostics:detail", args=[diagnostic.pk]))
        return redirect("diagnostics:detail", diagnostic.pk)
    if not request.user.has_perm("diagnostics.edit_diagnostic", diagnostic):
        raise PermissionDenied
    steps = _steps(diagnostic)
    ids = [s["id"] for s in steps]
    if step_id not in ids:
        raise NotFound(_("This step does not exist."))
    position = ids.index(step_id)
    framework = selectors.framework_of(diagnostic.framework)
    data = request.POST if request.method == "POST" else None
    form: Any
    if step_id == CONTEXT:
        form = ContextForm(
            data,
            initial={
                "stage": diagnostic.stage,
                "team_size": diagnostic.team_size,
                "budget_range": diagnostic.budget_range,
                "territories": list(diagnostic.territories.all()),
                "populations": list(diagnostic.populations.all()),
            },
        )
    elif step_id == ASPIRATIONS:
        form = AspirationsForm(
            data,
            initial={
                "wanted_support_types": list(diagnostic.wanted_support_types.all()),
                "max_reporting_hours": diagnostic.max_reporting_hours,
                "horizon": diagnostic.horizon,
            },
        )
    elif step_id == REVIEW:
        form = None
    else:
        form = LevelForm(data, level=framework.level(step_id), diagnostic=diagnostic)

    if request.method == "POST" and form is not None:
        saved = False
        if form.is_valid():
            try:
                _save_step(request, diagnostic, step_id, form)
                saved = True
            except MaillageError as exc:
                add_to_form(form, exc)
        if request.htmx:
            diagnostic.refresh_from_db()
            answered, total = scoring.progress(framework, diagnostic.answers)
            return render(
                request,
                "diagnostics/_save_status.html",
                {
                    "saved": saved,
                    "time": time_format(timezone.localtime(), "TIME_FORMAT"),
                    "diagnostic": diagnostic,
                    "steps": _steps(diagnostic),
                    "step": steps[position],
                    "answered": answered,
                    "total": total,
                    "percent": round(answered * 100 / total) if total else 0,
                },
            )
        if saved:
            go = request.POST.get("go", "next")
            if go == "stay":
                return redirect("diagnostics:step", diagnostic.pk, step_id)
            target = ids[max(0, position - 1)] if go == "previous" else ids[min(len(ids) - 1, position + 1)]
            return redirect("diagnostics:step", diagnostic.pk, target)

    answered, total = scoring.progress(framework, diagnostic.answers)
    context: dict[str, Any] = {
        "diagnostic": diagnostic,
        "framework": framework,
        "steps": steps,
        "step": steps[position],
        "previous_step": steps[position - 1] if position else None,
        "form": form,
        "answered": answered,
        "total": total,
        "percent": round(answered * 100 / total) if total else 0,
    }
    if step_id == REVIEW:
        missing = services.missing_answers(diagnostic)
        context["missing"] = [s for s in steps if s["id"] in missing]
        context["missing_count"] = sum(len(v) for v in missing.values())
    elif step_id not in (CONTEXT, ASPIRATIONS):
        context["level"] = framework.level(step_id)
    status = 400 if request.method == "POST" else 200
    return render(request, "diagnostics/step.html", context, status=status)


def _save_step(request: HttpRequest, diagnostic: Diagnostic, step_id: str, form: Any) -> None:
    data = form.cleaned_data
    if step_id == CONTEXT:
        services.diagnostic_save(
            user=request.user,
            diagnostic=diagnostic,
            context=services.ContextInput(
                stage=data["stage"],
                team_size=data["team_size"],
                budget_range=data["budget_range"],
                territories=data["territories"],
                populations=data["populations"],
            ),
        )
    elif step_id == ASPIRATIONS:
        services.diagnostic_save(
            user=request.user,
            diagnostic=diagnostic,
            aspirations=services.AspirationsInput(
                wanted_support_types=data["wanted_support_types"],
                max_reporting_hours=data["max_reporting_hours"],
                horizon=data["horizon"],
            ),
        )
    else:
        services.diagnostic_save(
            user=request.user, diagnostic=diagnostic, answers=form.answers(), importance=form.importance()
        )


@login_required
@require_POST
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    diagnostic = _diagnostic(request, pk)
    if not diagnostic.is_draft:  # submitted already (a double click, or someone else of the team)
        return redirect("diagnostics:detail", diagnostic.pk)
    if not request.user.has_perm("diagnostics.edit_diagnostic", diagnostic):
        raise PermissionDenied
    try:
        services.diagnostic_submit(user=request.user, diagnostic=diagnostic)
    except MaillageError as exc:
        messages.error(request, exc.message)  # the review page lists what is missing
        return redirect("diagnostics:step", diagnostic.pk, REVIEW)
    messages.success(request, _("Your diagnostic is submitted. Here are your results."))
    return redirect("diagnostics:detail", diagnostic.pk)


# --- results -------------------------------------------------------------------------------------


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    diagnostic = _diagnostic(request, pk)
    if diagnostic.is_draft:
        return redirect("diagnostics:step", diagnostic.pk, CONTEXT)
    can_share = request.user.has_perm("diagnostics.share_diagnostic", diagnostic)
    return render(
        request,
        "diagnostics/detail.html",
        {
            "report": report.build(diagnostic, _support_type_names(), viewer=request.user),
            "diagnostic": diagnostic,
            "is_team": can_share,
            "share_form": ShareForm() if can_share else None,
            "shares": diagnostic.shares.select_related("organisation") if can_share else [],
        },
    )


@lru_cache(maxsize=1)
def _report_css() -> str:
    """The report's stylesheet, inlined in the PDF's page: WeasyPrint then fetches nothing at all (whatever
    the static files storage in production)."""
    from django.contrib.staticfiles import finders

    path = finders.find("maillage/css/report.css")
    return Path(str(path)).read_text(encoding="utf-8")


def _no_fetching() -> Any:
    """A WeasyPrint URL fetcher that fetches nothing: no network, no files."""
    from weasyprint.urls import URLFetcher

    class NoFetching(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            raise ValueError(f"The PDF of a diagnostic loads no resource ({url}).")

    return NoFetching()


@login_required
def pdf(request: HttpRequest, pk: int) -> HttpResponse:
    diagnostic = _diagnostic(request, pk)
    if diagnostic.is_draft:
        raise NotFound(_("A diagnostic in progress has no results yet."))
    from django.template.loader import render_to_string
    from weasyprint import HTML  # imported here: about half a second, only for PDFs

    html = render_to_string(
        "diagnostics/print.html",
        {
            "report": report.build(diagnostic, _support_type_names(), viewer=request.user),
            "diagnostic": diagnostic,
            "report_css": _report_css(),
        },
        request=request,
    )
    site_root = request.build_absolute_uri("/")
    document = HTML(string=html, base_url=site_root, url_fetcher=_no_fetching()).write_pdf()
    response = HttpResponse(document, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="diagnostic-{diagnostic.pk}.pdf"'
    return response


@login_required
def export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    if fmt not in ("csv", "json"):
        raise NotFound(_("Exports are in CSV or JSON."))
    diagnostic = _diagnostic(request, pk)
    if fmt == "json":
        response = HttpResponse(report.dumps([diagnostic]), content_type="application/json; charset=utf-8")
    else:
        buffer = io.StringIO()
        report.write_csv([diagnostic], buffer)
        # The byte-order mark makes spreadsheet programs read the accents as UTF-8.
        response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="diagnostic-{diagnostic.pk}.{fmt}"'
    return response


@login_required
@require_POST
def share(request: HttpRequest, pk: int) -> HttpResponse:
    diagnostic = _diagnostic(request, pk, "diagnostics.share_diagnostic")
    form = ShareForm(request.POST)
    if form.is_valid():
        try:
            services.diagnostic_share(
                user=request.user, diagnostic=diagnostic, organisation=form.cleaned_data["organisation"]
            )
        except MaillageError as exc:
            messages.error(request, exc.problems[0].message if exc.problems else exc.message)
        else:
            messages.success(
                request,
                _("The diagnostic is shared with {name}.").format(name=form.cleaned_data["organisation"].name),
            )
    else:
        messages.error(request, _("Choose a support actor to share the diagnostic with."))
    return redirect(reverse("diagnostics:detail", args=[diagnostic.pk]) + "#share")


@login_required
@require_POST
def unshare(request: HttpRequest, pk: int, organisation_pk: int) -> HttpResponse:
    diagnostic = _diagnostic(request, pk, "diagnostics.share_diagnostic")
    services.diagnostic_unshare(user=request.user, diagnostic=diagnostic, organisation_id=organisation_pk)
    messages.success(request, _("The diagnostic is no longer shared with this organisation."))
    return redirect(reverse("diagnostics:detail", args=[diagnostic.pk]) + "#share")
