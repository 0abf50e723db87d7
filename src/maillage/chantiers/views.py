"""Pages of chantiers: the list, starting one, a chantier's page (the change, its conditions, who takes part
and where power sits, the indicators, the plan, the journal, the territory), and the pages where its
participants work (participants and commitments, indicators and measurements, the plan, the journal).
Thin: check, call one service or selector, render. A private chantier is a 404 for whoever may not see
it, exactly like a chantier that does not exist."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from maillage.accounts.selectors import memberships_by_organisation, organisations_of
from maillage.collective.models import Indicator
from maillage.collective.templatetags.collective import figure
from maillage.collective.views import Chart
from maillage.common.errors import add_to_form
from maillage.common.i18n import current_language
from maillage.common.tables import csv_response
from maillage.common.views import NotFound
from maillage.core import chantiers as core
from maillage.core.errors import MaillageError
from maillage.core.text import french_spaces, search_tokens
from maillage.diagnostics import selectors as diagnostic_selectors
from maillage.directory.models import Organisation
from maillage.directory.selectors import DirectoryFilters, organisation_search

from . import exports, selectors, services
from .forms import (
    ActionForm,
    ChantierForm,
    CommitmentForm,
    IndicatorForm,
    InviteForm,
    JournalForm,
    MeasurementForm,
    ParticipantForm,
)
from .models import Action, Chantier, ChantierIndicator, Commitment, Invitation, Sector
from .rules import participations


def _chantier(request: HttpRequest, slug: str, perm: str = "chantiers.view_chantier") -> Chantier:
    """The chantier, if the person may see it (404 otherwise, the same as for a missing one) and holds
    ``perm`` on it (403 otherwise)."""
    try:
        found = selectors.detail(slug)
    except MaillageError as error:
        raise NotFound(error.message) from None
    if not request.user.has_perm("chantiers.view_chantier", found):
        raise NotFound(_("There is no chantier with this identifier."))
    if perm != "chantiers.view_chantier" and not request.user.has_perm(perm, found):
        raise PermissionDenied
    return found


def _elements() -> dict[str, str]:
    return diagnostic_selectors.element_names(current_language())


def _fr(text: str) -> str:
    return french_spaces(text) if current_language() == "fr" else text


# --- words for the figures ----------------------------------------------------------------------------------


SECTOR_NAMES = dict(Sector.choices)


def finding_text(finding: core.Finding, names: dict[str, str]) -> str:
    sector = str(SECTOR_NAMES.get(finding.sector or "", ""))
    figures = finding.figures
    if finding.code == "no_decision_seat":
        text = _("Nobody holds a decision seat yet: say who takes part in the chantier's decisions.")
    elif finding.code == "sector_majority":
        text = _("The %(sector)s sector holds %(share)s of the decision seats: a majority alone.") % {
            "sector": sector.lower(),
            "share": _percent(figures["share"]),
        }
    elif finding.code == "community_without_seat":
        text = _("Community organisations take part, but none holds a decision seat.")
    elif finding.code == "money_buys_seats":
        text = _(
            "The sector that commits the most money (%(sector)s, %(money)s of it) also holds the most decision "
            "seats (%(seats)s)."
        ) % {
            "sector": sector.lower(),
            "money": _percent(figures["money_share"]),
            "seats": _percent(figures["seat_share"]),
        }
    elif finding.code == "money_without_seat":
        text = _("The %(sector)s sector commits money but holds no decision seat.") % {"sector": sector.lower()}
    elif finding.code == "single_funder":
        text = _("One organisation, %(name)s, commits %(share)s of the money.") % {
            "name": names.get(finding.subject or "", finding.subject or ""),
            "share": _percent(figures["share"]),
        }
    else:  # pragma: no cover - every code of the core is worded above
        text = finding.code
    return _fr(text)


def _percent(share: float | None) -> str:
    from maillage.common.templatetags.maillage import percent

    return percent(share)


# --- charts of indicators -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Point:
    on: date
    value: float


def indicator_chart(indicator: ChantierIndicator, width: int = 320, height: int = 130) -> Chart | None:
    """The baseline and the measurements over time, with the target as a dashed line (the page also lists
    every value in a table; the chart's description lists them too)."""
    points = [Point(m.measured_on, m.value) for m in indicator.measurements.all()]
    if indicator.baseline is not None and indicator.baseline_on is not None:
        points.append(Point(indicator.baseline_on, indicator.baseline))
    points = sorted({p.on: p for p in points}.values(), key=lambda p: p.on)
    if not points:
        return None
    target = indicator.target
    numbers = [p.value for p in points] + ([target] if target is not None else [])
    low, high = min([*numbers, 0.0]), max(numbers)
    if high == low:
        high = low + 1
    first = points[0].on
    last = max([points[-1].on, *([indicator.target_on] if indicator.target_on else [])])
    span = max(1, (last - first).days)
    pad, bottom = 12, 20

    def x(on: date) -> float:
        return round(pad + (width - 2 * pad) * (on - first).days / span, 1)

    def y(value: float) -> float:
        return round(height - bottom - (height - bottom - pad) * (value - low) / (high - low), 1)

    dots = [(x(p.on), y(p.value), p.on.year, p.value) for p in points]
    labels = [(x(first), first.year)] if first.year == last.year else [(x(first), first.year), (x(last), last.year)]
    sep = " : " if current_language() == "fr" else ": "
    listed = "; ".join(f"{p.on.isoformat()}{sep}{figure(p.value)}" for p in points)
    description = _("Values by date: %(values)s.") % {"values": listed}
    if target is not None:
        description += " " + _("Target: %(target)s by %(date)s (dashed line).") % {
            "target": figure(target),
            "date": indicator.target_on.isoformat() if indicator.target_on else "—",
        }
    return Chart(
        width,
        height,
        " ".join(f"{a},{b}" for a, b, _y, _v in dots),
        dots,
        y(target) if target is not None else None,
        labels,
        height - bottom,
        _fr(description),
    )


def progress_of(indicator: ChantierIndicator) -> float | None:
    """How far the latest value has gone from the baseline toward the target (0 to 1, may exceed)."""
    latest = max(indicator.measurements.all(), key=lambda m: m.measured_on, default=None)
    if latest is None or indicator.baseline is None or indicator.target is None:
        return None
    distance = indicator.target - indicator.baseline
    if distance == 0:
        return None
    return (latest.value - indicator.baseline) / distance


# --- the list and the overview -----------------------------------------------------------------------------


def index(request: HttpRequest) -> HttpResponse:
    found = selectors.visible(request.user)
    mine = set(memberships_by_organisation(request.user))
    scope = request.GET.get("scope", "")
    if scope == "mine" and mine:
        found = found.filter(participants__organisation__in=mine).distinct()
    if request.GET.get("format") == "csv":
        header, rows = exports.chantiers_table(list(found), current_language())
        return csv_response("maillage-chantiers.csv", header, rows)
    rows = []
    for chantier in found:
        people = selectors.core_participants(p for p in chantier.participants.all())
        balance = core.balance(people)
        rows.append(
            {
                "chantier": chantier,
                "balance": balance,
                "sectors": [(label, balance.sectors[code].participants) for code, label in Sector.choices],
                "mine": any(p.organisation_id in mine for p in chantier.participants.all()),
            }
        )
    return render(
        request,
        "chantiers/index.html",
        {
            "rows": rows,
            "scope": scope,
            "invitations": selectors.invitations_for(request.user),
            "may_create": request.user.has_perm("chantiers.create_chantier"),
            "steward": request.user.has_perm("chantiers.view_overview"),
        },
    )


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    """The five conditions across every chantier, for stewards. A private chantier they do not take part
    in is counted, under a number, without its name or its page."""
    if not request.user.has_perm("chantiers.view_overview"):
        raise PermissionDenied
    texts = selectors.condition_texts()
    rows = []
    hidden = 0
    counts = {c: {"in_place": 0, "partial": 0, "missing": 0} for c in core.CONDITIONS}
    for chantier in (
        Chantier.objects.select_related("territory")
        .prefetch_related("participants__organisation", "participants__commitments")
        .order_by("title_fr", "id")
    ):
        checks = core.check_conditions(selectors.facts(chantier))
        for check in checks:
            counts[check.condition][check.status] += 1
        shown = request.user.has_perm("chantiers.view_chantier", chantier)
        if not shown:
            hidden += 1
        rows.append(
            {"chantier": chantier if shown else None, "number": hidden, "checks": {c.condition: c for c in checks}}
        )
    # Chantiers shown by name first, then the private ones by number: a hidden row's place among the named
    # ones would tell where its title falls in alphabetical order.
    rows.sort(key=lambda row: row["chantier"] is None)
    return render(
        request,
        "chantiers/overview.html",
        {
            "rows": rows,
            "conditions": [(c, texts[c]["name"], counts[c]) for c in core.CONDITIONS],
            "hidden": hidden,
            "total": len(rows),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    mine = organisations_of(request.user)
    if not mine:
        return render(request, "chantiers/no_organisation.html", status=403)
    form = ChantierForm(request.POST or None, organisations=mine, initial={"visibility": "public", "role": "lead"})
    if request.method == "POST" and form.is_valid():
        organisation = next(o for o in mine if o.slug == form.cleaned_data["organisation"])
        try:
            chantier = services.chantier_create(
                user=request.user, organisation=organisation, data=form.cleaned_data, role=form.cleaned_data["role"]
            )
        except MaillageError as error:
            add_to_form(form, error)
        else:
            messages.success(request, _("The chantier is started. Invite the other participants, then write the plan."))
            return redirect("chantiers:detail", slug=chantier.slug)
    return render(request, "chantiers/form.html", {"form": form, "creating": True})


# --- a chantier's page ---------------------------------------------------------------------------------------


def detail(request: HttpRequest, slug: str) -> HttpResponse:
    chantier = _chantier(request, slug)
    participants = selectors.participants(chantier)
    people = selectors.core_participants(participants)
    names = {p.organisation.slug: p.organisation.name for p in participants}
    balance = core.balance(people)
    power = core.power(people)
    indicators = selectors.indicators(chantier)
    actions = selectors.actions(chantier)
    overlaps = core.overlaps(selectors.core_actions(actions))
    elements = _elements()
    flagged = {o.first for o in overlaps} | {o.second for o in overlaps}
    by_id = {str(a.pk): a for a in actions}
    signed_in = request.user.is_authenticated
    serving = selectors.offers_serving(chantier.territory, selectors.SupportOffer.objects.all()) if signed_in else []
    action_rows = [
        {
            "action": a,
            "flagged": str(a.pk) in flagged,
            "offers": selectors.offers_for_elements(chantier.territory, a.elements, serving=serving)
            if signed_in and a.status != Action.Status.DONE
            else [],
        }
        for a in actions
    ]
    # Who does what: participants × conditions of success, from the open actions.
    matrix_elements = sorted(
        {e for a in actions if a.status != Action.Status.DONE for e in a.elements}, key=lambda e: elements.get(e, e)
    )
    matrix = []
    for p in participants:
        cells = []
        for e in matrix_elements:
            owned = [a for a in actions if a.owner_id == p.pk and e in a.elements and a.status != Action.Status.DONE]
            cells.append(owned)
        if any(cells):
            matrix.append({"participant": p, "cells": cells})
    overlap_rows = [
        {"element": elements.get(o.element, o.element), "first": by_id[o.first], "second": by_id[o.second]}
        for o in overlaps
    ]
    return render(
        request,
        "chantiers/detail.html",
        {
            "chantier": chantier,
            "participants": participants,
            "balance": balance,
            "sector_rows": [(code, label, balance.sectors[code]) for code, label in Sector.choices],
            "power": power,
            "findings": [finding_text(f, names) for f in power.findings],
            "conditions": selectors.conditions(chantier, serving=serving if signed_in else None),
            "condition_sources": selectors.condition_sources(),
            "indicators": [
                {
                    "indicator": i,
                    "chart": indicator_chart(i),
                    "progress": progress_of(i),
                    "latest": max(i.measurements.all(), key=lambda m: m.measured_on, default=None),
                }
                for i in indicators
            ],
            "actions": action_rows,
            "matrix_elements": [(e, elements.get(e, e)) for e in matrix_elements],
            "matrix": matrix,
            "overlaps": overlap_rows,
            "element_names": elements,
            "journal": selectors.journal(chantier, limit=8),
            "needs": selectors.territory_needs(chantier.territory) if signed_in else None,
            "invitations": selectors.pending_invitations(chantier)
            if request.user.has_perm("chantiers.take_part", chantier)
            else [],
            "my_invitations": [
                (i, request.user.has_perm("chantiers.answer_invitation", i))
                for i in selectors.invitations_for(request.user)
                if i.chantier_id == chantier.pk
            ],
            "mine": participations(request.user, chantier),
            "may_take_part": request.user.has_perm("chantiers.take_part", chantier),
            "may_coordinate": request.user.has_perm("chantiers.coordinate", chantier),
            "may_build_scenario": request.user.has_perm("chantiers.build_scenario", chantier),
            "may_view_scenario": chantier.scenario is not None
            and request.user.has_perm("scenarios.view_scenario", chantier.scenario),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, slug: str) -> HttpResponse:
    chantier = _chantier(request, slug, "chantiers.coordinate")
    initial = {
        name: getattr(chantier, name)
        for name in (
            "title_fr",
            "title_en",
            "whom_fr",
            "whom_en",
            "description_fr",
            "description_en",
            "due_on",
            "visibility",
            "status",
        )
    }
    initial["territory"] = chantier.territory.slug
    form = ChantierForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            services.chantier_update(user=request.user, chantier=chantier, data=form.cleaned_data)
        except MaillageError as error:
            add_to_form(form, error)
        else:
            messages.success(request, _("The chantier is saved."))
            return redirect("chantiers:detail", slug=chantier.slug)
    return render(request, "chantiers/form.html", {"form": form, "chantier": chantier})


# --- participants, commitments, invitations ------------------------------------------------------------------


def _candidates(chantier: Chantier, find: str, also: str = "", limit: int = 10) -> list[Organisation]:
    """Organisations that could be invited: the best matches for a name (not already in, nor invited, and
    fictional only in a fictional chantier), and the one already chosen."""
    taken = set(chantier.participants.values_list("organisation_id", flat=True))
    taken |= set(
        chantier.invitations.filter(status=Invitation.Status.PENDING).values_list("organisation_id", flat=True)
    )
    found: list[Organisation] = []
    if search_tokens(find):
        found = [
            o
            for o in organisation_search(DirectoryFilters(query=find)).first(limit + len(taken))
            if o.pk not in taken and o.is_demo == chantier.is_demo
        ][:limit]
    if also and all(o.slug != also for o in found):
        found += list(Organisation.objects.filter(slug=also, is_demo=chantier.is_demo).exclude(pk__in=taken))
    return found


@login_required
@require_http_methods(["GET", "POST"])
def participants(request: HttpRequest, slug: str) -> HttpResponse:
    chantier = _chantier(request, slug)
    may_take_part = request.user.has_perm("chantiers.take_part", chantier)
    may_coordinate = request.user.has_perm("chantiers.coordinate", chantier)
    mine = participations(request.user, chantier)
    own = [p for p in mine]
    commitment_form = CommitmentForm(participants=own)
    find = (request.POST.get("find") or request.GET.get("find") or "").strip()[:200]
    candidates = _candidates(chantier, find, request.POST.get("organisation", "")) if may_take_part else []
    invite_form = InviteForm(candidates=candidates) if may_take_part else None
    role_forms: dict[int, ParticipantForm] = {}
    if request.method == "POST":
        action = request.POST.get("form")
        try:
            if action == "commitment":
                if not own:
                    raise PermissionDenied
                commitment_form = CommitmentForm(request.POST, participants=own)
                if commitment_form.is_valid():
                    data = commitment_form.cleaned_data
                    chosen = next((p for p in own if str(p.pk) == data.get("participant")), own[0])
                    services.commitment_add(
                        user=request.user,
                        participant=chosen,
                        kind=data["kind"],
                        amount=data["amount"],
                        hours=data["hours"],
                        description_fr=data["description_fr"],
                        description_en=data["description_en"],
                    )
                    messages.success(request, _("The commitment is recorded."))
                    return redirect("chantiers:participants", slug=chantier.slug)
            elif action == "commitment_delete":
                commitment = Commitment.objects.filter(
                    pk=_int(request.POST.get("commitment")), participant__chantier=chantier
                ).first()
                if commitment is None:
                    raise NotFound(_("This commitment no longer exists."))
                services.commitment_delete(user=request.user, commitment=commitment)
                messages.success(request, _("The commitment is removed."))
                return redirect("chantiers:participants", slug=chantier.slug)
            elif action == "invite":
                if not may_take_part:
                    raise PermissionDenied
                invite_form = InviteForm(request.POST, candidates=candidates)
                if invite_form.is_valid():
                    organisation = Organisation.objects.get(slug=invite_form.cleaned_data["organisation"])
                    services.invite(
                        user=request.user,
                        chantier=chantier,
                        organisation=organisation,
                        role=invite_form.cleaned_data["role"],
                        message=invite_form.cleaned_data["message"],
                    )
                    messages.success(
                        request, _("%(name)s is invited: its administrators are told.") % {"name": organisation.name}
                    )
                    return redirect("chantiers:participants", slug=chantier.slug)
            elif action in ("participant", "remove"):
                participant = (
                    chantier.participants.filter(pk=_int(request.POST.get("participant")))
                    .select_related("organisation")
                    .first()
                )
                if participant is None:
                    raise NotFound(_("This participant no longer takes part."))
                if action == "remove":
                    services.participant_remove(user=request.user, participant=participant)
                    messages.success(
                        request, _("%(name)s no longer takes part.") % {"name": participant.organisation.name}
                    )
                    if not request.user.has_perm("chantiers.view_chantier", selectors.detail(chantier.slug)):
                        return redirect("chantiers:index")
                    return redirect("chantiers:participants", slug=chantier.slug)
                form = ParticipantForm(request.POST, auto_id=f"p{participant.pk}_%s")
                role_forms[participant.pk] = form
                if form.is_valid():
                    services.participant_update(user=request.user, participant=participant, **form.cleaned_data)
                    messages.success(request, _("The participant is saved."))
                    return redirect("chantiers:participants", slug=chantier.slug)
            else:
                raise NotFound(_("There is no such form."))
        except MaillageError as error:
            target = {"commitment": commitment_form, "invite": invite_form}.get(action or "")
            if action == "participant" and role_forms:
                target = next(iter(role_forms.values()))
            if target is not None:
                add_to_form(target, error)
            else:
                messages.error(request, error.message)
    rows = []
    for p in selectors.participants(selectors.detail(chantier.slug)):
        rows.append(
            {
                "participant": p,
                "form": role_forms.get(p.pk)
                or ParticipantForm(
                    initial={"role": p.role, "sector": p.sector, "decides": p.decides}, auto_id=f"p{p.pk}_%s"
                ),
                "own": p in own,
            }
        )
    return render(
        request,
        "chantiers/participants.html",
        {
            "chantier": chantier,
            "rows": rows,
            "commitment_form": commitment_form if own else None,
            "invite_form": invite_form,
            "find": find,
            "candidates": candidates,
            "invitations": selectors.pending_invitations(chantier) if may_take_part else [],
            "may_coordinate": may_coordinate,
            "may_take_part": may_take_part,
            "own_admin": {
                p.pk for p in own if memberships_by_organisation(request.user).get(p.organisation_id) == "admin"
            },
        },
    )


def _int(value: Any) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


@login_required
@require_POST
def invitation_answer(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = Invitation.objects.select_related("chantier", "organisation").filter(pk=pk).first()
    if invitation is None or not request.user.has_perm("chantiers.view_chantier", invitation.chantier):
        raise NotFound(_("This invitation no longer exists."))
    accept = request.POST.get("answer") == "accept"
    try:
        services.invitation_answer(user=request.user, invitation=invitation, accept=accept)
    except MaillageError as error:
        messages.error(request, error.message)
    else:
        if accept:
            messages.success(
                request, _("%(name)s now takes part. Record what it commits.") % {"name": invitation.organisation.name}
            )
            return redirect("chantiers:participants", slug=invitation.chantier.slug)
        messages.success(request, _("The invitation is declined."))
        return redirect("chantiers:index")
    return redirect("chantiers:detail", slug=invitation.chantier.slug)


# --- indicators and measurements -----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def indicators(request: HttpRequest, slug: str) -> HttpResponse:
    chantier = _chantier(request, slug, "chantiers.take_part")
    may_coordinate = request.user.has_perm("chantiers.coordinate", chantier)
    adopted = list(
        Indicator.objects.filter(status=Indicator.Status.ADOPTED, is_demo=chantier.is_demo).order_by("name_fr")
    )
    indicator_form = IndicatorForm(adopted=adopted) if may_coordinate else None
    measurement_form = MeasurementForm()
    failed_for: int | None = None
    if request.method == "POST":
        action = request.POST.get("form")
        try:
            if action == "indicator":
                if not may_coordinate:
                    raise PermissionDenied
                indicator_form = IndicatorForm(request.POST, adopted=adopted)
                if indicator_form.is_valid():
                    services.indicator_add(user=request.user, chantier=chantier, data=indicator_form.cleaned_data)
                    messages.success(request, _("The indicator is added."))
                    return redirect("chantiers:indicators", slug=chantier.slug)
            elif action == "measurement":
                measurement_form = MeasurementForm(request.POST, auto_id=f"m{_int(request.POST.get('indicator'))}_%s")
                failed_for = _int(request.POST.get("indicator"))
                if measurement_form.is_valid():
                    target = chantier.indicators.filter(pk=measurement_form.cleaned_data["indicator"]).first()
                    if target is None:
                        raise NotFound(_("This indicator is no longer part of the chantier."))
                    data = measurement_form.cleaned_data
                    services.measurement_record(
                        user=request.user,
                        indicator=target,
                        measured_on=data["measured_on"],
                        value=data["value"],
                        source=data["source"],
                    )
                    messages.success(request, _("The value is recorded."))
                    return redirect("chantiers:indicators", slug=chantier.slug)
            elif action == "remove":
                target = chantier.indicators.filter(pk=_int(request.POST.get("indicator"))).first()
                if target is None:
                    raise NotFound(_("This indicator is no longer part of the chantier."))
                services.indicator_remove(user=request.user, indicator=target)
                messages.success(request, _("The indicator is removed, with its values."))
                return redirect("chantiers:indicators", slug=chantier.slug)
            else:
                raise NotFound(_("There is no such form."))
        except MaillageError as error:
            add_to_form(indicator_form if action == "indicator" and indicator_form else measurement_form, error)
    rows = [
        {
            "indicator": i,
            "chart": indicator_chart(i, 560, 200),
            "form": measurement_form
            if failed_for == i.pk
            else MeasurementForm(initial={"indicator": i.pk}, auto_id=f"m{i.pk}_%s"),
        }
        for i in selectors.indicators(chantier)
    ]
    return render(
        request,
        "chantiers/indicators.html",
        {
            "chantier": chantier,
            "rows": rows,
            "indicator_form": indicator_form,
            "may_coordinate": may_coordinate,
            "may_take_part": True,
        },
    )


# --- the plan ------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def action_edit(request: HttpRequest, slug: str, pk: int | None = None) -> HttpResponse:
    chantier = _chantier(request, slug, "chantiers.take_part")
    action = None
    if pk is not None:
        action = chantier.actions.select_related("owner").filter(pk=pk).first()
        if action is None:
            raise NotFound(_("This action no longer exists."))
    owns = (
        action is not None
        and action.owner is not None
        and action.owner.organisation_id in memberships_by_organisation(request.user)
    )
    if not (owns or request.user.has_perm("chantiers.coordinate", chantier)):
        raise PermissionDenied
    people = selectors.participants(chantier)
    initial: dict[str, Any] = {"status": Action.Status.PLANNED}
    if action is not None:
        initial = {
            name: getattr(action, name)
            for name in ("title_fr", "title_en", "elements", "starts_on", "due_on", "status", "budget")
        }
        initial["owner"] = str(action.owner_id or "")
    form = ActionForm(request.POST or None, initial=initial, participants=people, elements=list(_elements().items()))
    if request.method == "POST":
        if request.POST.get("form") == "delete" and action is not None:
            services.action_delete(user=request.user, action=action)
            messages.success(request, _("The action is removed."))
            return redirect("chantiers:detail", slug=chantier.slug)
        if form.is_valid():
            try:
                services.action_save(user=request.user, chantier=chantier, data=form.cleaned_data, action=action)
            except MaillageError as error:
                add_to_form(form, error)
            else:
                messages.success(request, _("The action is saved."))
                return redirect(f"{chantier_url(chantier)}#plan")
    return render(
        request,
        "chantiers/action_form.html",
        {
            "chantier": chantier,
            "form": form,
            "action": action,
            "may_delete": action is not None and request.user.has_perm("chantiers.coordinate", chantier),
        },
    )


def chantier_url(chantier: Chantier) -> str:
    from django.urls import reverse

    return reverse("chantiers:detail", args=[chantier.slug])


# --- the journal ---------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def journal(request: HttpRequest, slug: str) -> HttpResponse:
    chantier = _chantier(request, slug)
    may_take_part = request.user.has_perm("chantiers.take_part", chantier)
    mine = participations(request.user, chantier)
    form = (
        JournalForm(request.POST or None, initial={"kind": "meeting"}, organisations=[p.organisation for p in mine])
        if may_take_part
        else None
    )
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            author = next(
                (p.organisation for p in mine if p.organisation.slug == form.cleaned_data.get("author")), None
            )
            try:
                services.journal_add(
                    user=request.user,
                    chantier=chantier,
                    author=author,
                    **{k: form.cleaned_data[k] for k in ("kind", "happened_on", "title", "text")},
                )
            except MaillageError as error:
                add_to_form(form, error)
            else:
                messages.success(request, _("The entry is recorded in the journal."))
                return redirect("chantiers:journal", slug=chantier.slug)
    return render(
        request,
        "chantiers/journal.html",
        {"chantier": chantier, "entries": selectors.journal(chantier), "form": form, "may_take_part": may_take_part},
    )


# --- the pooled-fund scenario and the CSV tables ------------------------------------------------------------------


@login_required
@require_POST
def scenario(request: HttpRequest, slug: str) -> HttpResponse:
    chantier = _chantier(request, slug, "chantiers.build_scenario")
    try:
        built = services.scenario_build(user=request.user, chantier=chantier)
    except MaillageError as error:
        messages.error(request, error.message)
        return redirect(f"{chantier_url(chantier)}#money")
    messages.success(request, _("The pooled-fund scenario is ready: run it to compare with the ecosystem as it is."))
    return redirect("scenarios:detail", slug=built.slug)


def table(request: HttpRequest, slug: str, name: str) -> HttpResponse:
    chantier = _chantier(request, slug)
    makers: dict[str, Callable[[Chantier, str], Any]] = {
        "plan": exports.plan_table,
        "commitments": exports.commitments_table,
    }
    if name not in makers:
        raise NotFound(_("There is no such table."))
    header, rows = makers[name](chantier, current_language())
    return csv_response(f"maillage-chantier-{chantier.slug}-{name}.csv", header, rows)
