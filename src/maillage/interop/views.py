"""The open data page, for stewards: upload a file (HSDS 3, 360Giving, Maillage's CSV template), follow its dry
run, read its report, then import it; the CSV template and its help; downloads of the exports. Thin: check,
call one service, render."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from maillage.common.errors import add_to_form
from maillage.common.i18n import current_language
from maillage.common.views import NotFound
from maillage.core.errors import MaillageError
from maillage.core.text import normalize
from maillage.directory.models import Organisation, Population, Sector, Territory

from . import exports, readers, services
from .forms import UploadForm
from .imports import ACTIONS, ROLE_FIELDS
from .models import ImportRun

RECENT = 20  # imports listed on the page

#: What each column of the CSV template holds (a column without an entry here is listed without one).
COLUMN_HELP = {
    "id": gettext_lazy(
        "The Maillage identifier of an organisation already in the directory (the end of its address), to update "
        "it. Leave empty to create one."
    ),
    "source_id": gettext_lazy(
        "Your own identifier for the row (a number in your database, for example). In a later version of the file "
        "uploaded with the same source, the row finds the organisation the first import created. Without it, the "
        "French name is used."
    ),
    "name_fr": gettext_lazy("The name in French."),
    "name_en": gettext_lazy("The name in English, if it has one."),
    "acronym": gettext_lazy("The acronym."),
    "kind": gettext_lazy("The kind of organisation: one of the codes below."),
    "roles": gettext_lazy("Its roles, separated by |: at least one of the codes below."),
    "description_fr": gettext_lazy("What it does, in French."),
    "description_en": gettext_lazy("What it does, in English."),
    "legal_status": gettext_lazy("Its legal status: one of the codes below."),
    "neq": gettext_lazy("Its Québec enterprise number (NEQ): 10 digits."),
    "cra_charity_number": gettext_lazy("Its CRA charity registration number, for example 123456782RR0001."),
    "founded_year": gettext_lazy("The year it was founded, for example 1998."),
    "website": gettext_lazy("Its website, starting with https://."),
    "email": gettext_lazy("Its public e-mail address."),
    "phone": gettext_lazy("Its public phone number."),
    "address": gettext_lazy("Its public address."),
    "territories": gettext_lazy(
        "The territories it serves, separated by |: each by its identifier, official code or name (list below)."
    ),
    "sectors": gettext_lazy("Its sectors, separated by |: each by its code or name (list below)."),
    "populations": gettext_lazy("The populations it serves, separated by |: each by its code or name (list below)."),
}

KIND_LABELS = {
    "organisation": gettext_lazy("Organisations"),
    "service": gettext_lazy("Support offers (HSDS services)"),
    "grant": gettext_lazy("Grants (funding relations)"),
}
ACTION_LABELS = {
    "created": pgettext_lazy("outcome of an imported row", "created"),
    "updated": pgettext_lazy("outcome of an imported row", "updated"),
    "unchanged": pgettext_lazy("outcome of an imported row", "unchanged"),
    "rejected": pgettext_lazy("outcome of an imported row", "rejected"),
}
EXPORT_COMMANDS = (
    "maillage export hsds --output DIR [--demo]",
    "maillage export 360giving --output DIR [--demo]",
    "maillage export cids --output DIR [--demo]",
)


def _steward_only(request: HttpRequest) -> None:
    if not request.user.has_perm("interop.import_data"):
        raise PermissionDenied


def _run(pk: int) -> ImportRun:
    run = ImportRun.objects.select_related("created_by").filter(pk=pk).first()
    if run is None:
        raise NotFound(_("There is no such import."))
    return run


# --- the page: upload, recent imports, template, exports -----------------------------------------------------


@csrf_exempt  # checked below, once the size of the upload is known to be acceptable
@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The upload form, the recent imports, the CSV template's help and the exports."""
    _steward_only(request)
    if request.method == "POST" and services.request_too_large(request.META.get("CONTENT_LENGTH")):
        # Refused before the body is read: a file larger than the limit is never written anywhere.
        return _index_page(request, UploadForm(), error=services.too_large_error().message, status=413)
    return _upload(request)


@csrf_protect
def _upload(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                run = services.import_start(
                    user=request.user,
                    format=data["standard"],
                    upload=data["file"],
                    source_label=data["source"],
                    demo=data["demo"],
                    language=current_language(),
                )
            except MaillageError as error:
                add_to_form(form, error)
            else:
                messages.success(request, _("The file is uploaded: its dry run starts (nothing is written yet)."))
                return redirect("interop:run", pk=run.pk)
        return _index_page(request, form, status=400)
    return _index_page(request, form)


def _index_page(request: HttpRequest, form: UploadForm, *, error: str = "", status: int = 200) -> HttpResponse:
    services.runs_recover()
    services.runs_clean()
    runs = list(ImportRun.objects.select_related("created_by")[:RECENT])
    return render(
        request,
        "interop/index.html",
        {"form": form, "error": error, "runs": runs, **_help(), "export_commands": EXPORT_COMMANDS},
        status=status,
    )


def _help() -> dict[str, Any]:
    """The columns of the CSV template and the codes they take, read from the models and vocabularies."""
    columns = [
        {"name": name, "required": required, "help": COLUMN_HELP.get(name, "")}
        for name, required in readers.TEMPLATE_COLUMNS
    ]
    roles = []
    for code in readers.ROLES:
        field = Organisation._meta.get_field(ROLE_FIELDS[code])
        roles.append({"code": code, "label": field.verbose_name, "help": field.help_text})
    return {
        "columns": columns,
        "separator": readers.LIST_SEPARATOR,
        "kinds": Organisation.Kind.choices,
        "legal_statuses": Organisation.LegalStatus.choices,
        "roles": roles,
        "territories": Territory.objects.only("slug", "code", "name_fr", "name_en", "kind").order_by("kind", "slug"),
        "sectors": Sector.objects.all(),
        "populations": Population.objects.all(),
        "max_size": services.max_bytes(),
    }


# --- one import: its progress, its report, and what comes next ---------------------------------------------------


@login_required
@require_GET
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An import's progress (the page follows it by itself), then its report and what comes next."""
    _steward_only(request)
    services.runs_recover()
    run = _run(pk)
    if request.headers.get("HX-Request"):
        if run.is_active:
            return render(request, "interop/_progress.html", {"run": run, "rows_read": services.rows_read(run)})
        done = HttpResponse("")
        done["HX-Refresh"] = "true"  # the whole page, now with the report
        return done
    report = run.report or {}
    # Outcomes down, kinds across: one or two kinds make a table that fits a phone.
    by_kind = report.get("counts") or {}
    kinds = [KIND_LABELS.get(kind, kind) for kind in by_kind]
    counts = [
        {"action": ACTION_LABELS[action], "numbers": [actions.get(action, 0) for actions in by_kind.values()]}
        for action in ACTIONS
    ]
    rows = [{**row, "action_label": ACTION_LABELS.get(row["action"], row["action"])} for row in report.get("rows", [])]
    problems = report.get("problems", [])
    files = {row["file"] for row in rows} | {p.get("file") for p in problems}
    stored = services.stored_file(run) is not None
    can_import = run.status == ImportRun.Status.CHECKED and run.dry_run and stored
    changes = services.has_changes(run)
    retry = run.status in (ImportRun.Status.REJECTED, ImportRun.Status.FAILED) or (
        run.status == ImportRun.Status.CHECKED and not stored
    )
    form = None
    if retry:
        zipped = run.file_name.lower().endswith(".zip")
        form = UploadForm(
            initial={
                "standard": "hsds-tabular" if zipped and run.standard == "hsds" else run.standard,
                "source": run.source_label,
                "demo": services.demo_of(run),
            }
        )
    return render(
        request,
        "interop/run.html",
        {
            "run": run,
            "rows_read": services.rows_read(run),
            "report": report,
            "kinds": kinds,
            "counts": counts if kinds else [],
            "several_files": len(files) > 1,  # else the file is named once, above the tables
            "rows": rows,
            "problems": problems,
            "problems_more": max(0, int(report.get("problem_count", 0)) - len(problems)),
            "can_import": can_import and changes,
            "changes": changes,
            "warnings": report.get("warnings", []),
            "stored": stored,
            "demo": services.demo_of(run),
            "form": form,
            "max_size": services.max_bytes(),
            "expired": run.status == ImportRun.Status.CHECKED and not stored,
        },
    )


def _run_action(request: HttpRequest, pk: int, action: Any, success: str) -> ImportRun:
    """Apply a steward's action to a run, with its error or ``success`` as the message."""
    _steward_only(request)
    run = _run(pk)
    try:
        action(user=request.user, run=run)
    except MaillageError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success)
    return run


@login_required
@require_POST
def run_import(request: HttpRequest, pk: int) -> HttpResponse:
    """Import a checked file for real (all or nothing)."""
    run = _run_action(request, pk, services.import_confirm, _("The import is queued: the page follows it."))
    return redirect("interop:run", pk=run.pk)


@login_required
@require_POST
def run_abandon(request: HttpRequest, pk: int) -> HttpResponse:
    """Leave a checked file unimported; it is deleted."""
    _run_action(request, pk, services.import_abandon, _("The file is deleted; nothing was imported."))
    return redirect("interop:index")


# --- the CSV template ------------------------------------------------------------------------------------------------


def template_example() -> dict[str, str]:
    """One fictional row, valid against the directory's own vocabularies, that says it is an example."""
    everything = list(Territory.objects.order_by("kind", "slug").only("slug", "kind", "name_fr"))
    names = Counter(normalize(t.name_fr) for t in everything)
    # One territory by its identifier, one by a name no other territory has (a shared name is refused).
    territories = [t for t in everything if t.kind == Territory.Kind.BOROUGH][:1] + [
        t for t in everything if t.kind == Territory.Kind.QUARTIER and names[normalize(t.name_fr)] == 1
    ][:1]
    sectors = list(Sector.objects.values_list("code", flat=True)[:2])
    populations = list(Population.objects.values_list("code", flat=True)[:1])
    separator = readers.LIST_SEPARATOR
    # The name and description columns hold French and English respectively, whatever the page's language.
    example = {
        "id": "",
        "source_id": readers.TEMPLATE_EXAMPLE_ID,
        "name_fr": "EXEMPLE fictif : Cuisine collective des Tilleuls (ligne à remplacer)",
        "name_en": "Fictional EXAMPLE: Tilleuls community kitchen (row to replace)",
        "acronym": "",
        "kind": Organisation.Kind.COMMUNITY.value,
        "roles": "field",
        "description_fr": "Ligne d'exemple fictive : remplacez-la par vos organismes avant d'importer le fichier.",
        "description_en": "Fictional example row: replace it with your organisations before importing the file.",
        "legal_status": Organisation.LegalStatus.NPO.value,
        "neq": "",
        "cra_charity_number": "",
        "founded_year": "2001",
        "website": "https://example.org",
        "email": "exemple@example.org",
        "phone": "514 555-0100",
        "address": "",
        "territories": separator.join(
            [t.slug if n == 0 else t.name_fr for n, t in enumerate(territories)]  # by identifier, then by name
        ),
        "sectors": separator.join(sectors),
        "populations": separator.join(populations),
    }
    return {name: example.get(name, "") for name, _required in readers.TEMPLATE_COLUMNS}


@login_required
@require_GET
def template_csv(request: HttpRequest) -> HttpResponse:
    """The CSV template: its header and one fictional example row. UTF-8 with a byte-order mark (so that Excel
    reads the accents), separated by semicolons in French (as French spreadsheets expect) and commas in English."""
    _steward_only(request)
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";" if current_language() == "fr" else ",")
    writer.writerow([name for name, _required in readers.TEMPLATE_COLUMNS])
    writer.writerow(template_example().values())
    response = HttpResponse(out.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="maillage-organisations-template.csv"'
    return response


# --- exports -------------------------------------------------------------------------------------------------------


def _demo(request: HttpRequest) -> bool:
    return request.GET.get("demo") == "1"


@require_GET
def export_hsds(request: HttpRequest) -> StreamingHttpResponse:
    """The directory's organisations as HSDS 3 ``organization`` objects (a JSON array), streamed."""
    if not request.user.has_perm("interop.export_data"):
        raise PermissionDenied
    demo = _demo(request)

    def chunks() -> Iterator[str]:
        yield "["
        for n, document in enumerate(exports.hsds_organizations(demo=demo)):
            yield ("," if n else "") + "\n" + json.dumps(document, ensure_ascii=False)
        yield "\n]\n"

    response = StreamingHttpResponse(chunks(), content_type="application/json; charset=utf-8")
    name = "maillage-hsds-organizations" + ("-demo" if demo else "") + ".json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


class _Line:
    """A file-like object that hands back what the CSV writer writes."""

    def write(self, value: str) -> str:
        return value


@require_GET
def export_giving(request: HttpRequest) -> StreamingHttpResponse:
    """The funding relations as 360Giving grants, one a row under the standard's column titles, streamed."""
    if not request.user.has_perm("interop.export_data"):
        raise PermissionDenied
    demo = _demo(request)
    titles = [title for _path, title in exports.GIVING_COLUMNS]
    writer = csv.DictWriter(_Line(), fieldnames=titles)

    def lines() -> Iterator[str]:
        yield "\ufeff"  # a byte-order mark: spreadsheets then read the accents (Maillage's importer skips it)
        yield writer.writeheader()  # type: ignore[misc]
        for row in exports.grants_rows(demo=demo):
            yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    name = "maillage-360giving-grants" + ("-demo" if demo else "") + ".csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
