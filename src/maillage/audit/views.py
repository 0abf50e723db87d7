"""The audit log, for stewards: who changed offers, eligibility rules, frameworks, scenarios and roles."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from maillage.common.pagination import page_number, page_of
from maillage.common.tables import csv_response

from . import selectors
from .forms import FilterForm

PER_PAGE = 50
CSV_LIMIT = 100_000


def _form(request: HttpRequest) -> FilterForm:
    if not request.user.has_perm("audit.view_log"):
        raise PermissionDenied
    return FilterForm(request.GET or None)


@login_required
def log(request: HttpRequest) -> HttpResponse:
    form = _form(request)
    page = page_of(selectors.entries(form.filters()), page_number(request.GET.get("page")), PER_PAGE)
    context = {"form": form, "page": page, "rows": selectors.rows(page.object_list)}
    return render(request, "audit/log.html", context)


@login_required
def log_csv(request: HttpRequest) -> HttpResponse:
    form = _form(request)
    entries = list(selectors.entries(form.filters())[:CSV_LIMIT])
    header = [
        _("When"),
        _("Who"),
        _("From address"),
        _("What"),
        pgettext("audit", "Record"),
        pgettext("audit", "Change"),
        _("Field"),
        _("Before"),
        _("After"),
    ]
    lines = []
    for row in selectors.rows(entries):
        when = timezone.localtime(row.entry.timestamp).isoformat(timespec="seconds")
        record = f"{row.model}: {row.entry.object_repr}"
        base = [when, row.actor, row.entry.remote_addr or "", row.kind, record, row.action]
        if not row.changes:
            lines.append([*base, "", "", ""])
        for change in row.changes:
            lines.append([*base, change.field, change.old, change.new])
    return csv_response("maillage-audit-log.csv", header, lines)
