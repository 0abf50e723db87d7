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
from django.core.validators import slug_re
from django.db.models import prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from maillage.accounts.models import Membership
from maillage.accounts.selectors import memberships_by_organisation, organisations_of
from maillage.collective.models import Indicator
from maillage.collective.templatetags.collective import figure
from maillage.common.charts import Chart, line_chart
from maillage.common.i18n import current_language
from maillage.common.pagination import CountedPage, Paging, page_number, page_of
from maillage.common.tables import csv_response
from maillage.common.templatetags.maillage import percent
from maillage.common.views import NotFound, save_form
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
from .models import Action, Chantier, ChantierIndicator, Commitment, Invitation, Participant, Sector
from .rules import participations


def _chantier(request: HttpRequest, slug: str, perm: str = "chantiers.view_chantier") -> Chantier:
    """The chantier, if the person may see it (404 otherwise, the same as for a missing one) and holds
    ``perm`` on it (403 otherwise)."""
    # Whether the person may see it is read first, in the same queries whether it exists or not: a hidden
    # chantier and a missing one cost the same and answer the same.
    if not selectors.visible(request.user).filter(slug=slug).exists():
        raise NotFound(_("There is no chantier with this identifier."))
    found = selectors.detail(slug)
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
            "share": percent(figures["share"]),
        }
    elif finding.code == "community_without_seat":
        text = _("Community organisations take part, but none holds a decision seat.")
    elif finding.code == "money_buys_seats":
        text = _(
            "The sector that commits the most money (%(sector)s, %(money)s of it) also holds the most decision "
            "seats (%(seats)s)."
        ) % {
            "sector": sector.lower(),
            "money": percent(figures["money_share"]),
            "seats": percent(figures["seat_share"]),
        }
    elif finding.code == "money_without_seat":
        text = _("The %(sector)s sector commits money but holds no decision seat.") % {"sector": sector.lower()}
    elif finding.code == "single_funder":
        text = _("One organisation, %(name)s, commits %(share)s of the money.") % {
            "name": names.get(finding.subject or "", finding.subject or ""),
            "share": percent(figures["share"]),
        }
    else:  # pragma: no cover - every code of the core is worded above
        text = finding.code
    return _fr(text)


# --- charts of indicators -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Point:
    on: date
    value: float


def indicator_chart(indicator: ChantierIndicator, width: int = 320, height: int = 130) -> Chart | None:
    """The baseline and the measurements over time, with the target as a dashed line (the page also lists
    every value in a table; the chart's description lists them too)."""
    points = []
    if indicator.baseline is not None and indicator.baseline_on is not None:
        points.append(Point(indicator.baseline_on, indicator.baseline))
    points += [Point(m.measured_on, m.value) for m in indicator.measurements.all()]
    # A measurement taken on the baseline's date is the value of that day: it replaces the baseline's.
    points = sorted({p.on: p for p in points}.values(), key=lambda p: p.on)
    if not points:
        return None
    target = indicator.target
    first = points[0].on
    last = max([points[-1].on, *([indicator.target_on] if indicator.target_on else [])])
    sep = " : " if current_language() == "fr" else ": "
    listed = "; ".join(f"{p.on.isoformat()}{sep}{figure(p.value)}" for p in points)
    description = _("Values by date: %(values)s.") % {"values": listed}
    if target is not None:
        description += " " + _("Target: %(target)s by %(date)s (dashed line).") % {
            "target": figure(target),
            "date": indicator.target_on.isoformat() if indicator.target_on else "—",
        }
    shown = [first] if first.year == last.year else [first, last]
    return line_chart(
        [(p.on.toordinal(), p.on.year, p.value) for p in points],
        end=last.toordinal(),
        labels=[(day.toordinal(), day.year) for day in shown],
        target=target,
        description=_fr(description),
        width=width,
        height=height,
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


PER_PAGE = 20
OVERVIEW_PER_PAGE = 50  # rows of the stewards' table (the counts above it cover every chantier)


def index(request: HttpRequest) -> HttpResponse:
    found = selectors.visible(request.user).order_by("-updated_at", "-id")
    mine = set(memberships_by_organisation(request.user))
    scope = request.GET.get("scope", "")
    if scope == "mine" and mine:
        found = found.filter(participants__organisation__in=mine).distinct()
    if request.GET.get("format") == "csv":
        header, rows = exports.chantiers_table(found, current_language())
        return csv_response("maillage-chantiers.csv", header, rows)
    page = page_of(found, page_number(request.GET.get("page")), PER_PAGE)
    ids = [c.pk for c in page.object_list]
    people = selectors.participants_by_chantier(ids)
    taking_part = selectors.taking_part(request.user, ids)
    rows = []
    for chantier in page.object_list:
        balance = core.balance(people[chantier.pk])
        rows.append(
            {
                "chantier": chantier,
                "balance": balance,
                "sectors": [(label, balance.sectors[code].participants) for code, label in Sector.choices],
                "mine": chantier.pk in taking_part,
            }
        )
    return render(
        request,
        "chantiers/index.html",
        {
            "rows": rows,
            "page": page,
            "query_string": f"scope={scope}" if scope else "",
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
    shown = set(selectors.visible(request.user).values_list("pk", flat=True))
    chantiers = list(
        Chantier.objects.select_related("territory").defer(*selectors.HEAVY_TERRITORY).order_by("title_fr", "id")
    )
    facts = selectors.facts_by_chantier(chantiers)
    for chantier in chantiers:
        checks = core.check_conditions(facts[chantier.pk])
        for check in checks:
            counts[check.condition][check.status] += 1
        if chantier.pk not in shown:
            hidden += 1
        rows.append(
            {
                "chantier": chantier if chantier.pk in shown else None,
                "number": hidden,
                "checks": {c.condition: c for c in checks},
            }
        )
    # Chantiers shown by name first, then the private ones by number: a hidden row's place among the named
    # ones would tell where its title falls in alphabetical order.
    rows.sort(key=lambda row: row["chantier"] is None)
    paging = Paging(len(rows), OVERVIEW_PER_PAGE)
    number = min(page_number(request.GET.get("page")), paging.num_pages)
    page = CountedPage(rows[(number - 1) * paging.per_page : number * paging.per_page], number, paging)
    return render(
        request,
        "chantiers/overview.html",
        {
            "rows": page.object_list,
            "page": page,
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
    if request.method == "POST":
        chantier = save_form(
            request,
            form,
            lambda: services.chantier_create(
                user=request.user,
                organisation=next(o for o in mine if o.slug == form.cleaned_data["organisation"]),
                data=form.cleaned_data,
                role=form.cleaned_data["role"],
            ),
            _("The chantier is started. Invite the other participants, then write the plan."),
        )
        if chantier is not None:
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
    finder = selectors.OfferFinder(chantier.territory) if signed_in else None
    action_rows = [
        {
            "action": a,
            "flagged": str(a.pk) in flagged,
            "offers": finder.best(a.elements) if finder is not None and a.status != Action.Status.DONE else [],
        }
        for a in actions
    ]
    # Who does what: participants × conditions of success, from the open actions.
    matrix_elements = sorted(
        {e for a in actions if a.status != Action.Status.DONE for e in a.elements}, key=lambda e: elements.get(e, e)
    )
    owned: dict[tuple[int | None, str], list[Action]] = {}
    for a in actions:
        if a.status != Action.Status.DONE:
            for e in a.elements:
                owned.setdefault((a.owner_id, e), []).append(a)
    matrix = []
    for p in participants:
        cells = [owned.get((p.pk, e), []) for e in matrix_elements]
        if any(cells):
            matrix.append({"participant": p, "cells": cells})
    overlap_rows = [
        {"element": elements.get(o.element, o.element), "first": by_id[o.first], "second": by_id[o.second]}
        for o in overlaps
    ]
    needs = selectors.territory_needs(chantier.territory) if signed_in else None
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
            "conditions": selectors.conditions(chantier, finder=finder),
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
            "needs": needs,
            "gaps": _cells(needs.gaps if needs else (), needs, elements),
            "overlaps_there": _cells(needs.overlaps if needs else (), needs, elements),
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


def _cells(cells: Any, needs: Any, elements: dict[str, str]) -> list[tuple[str, Any]]:
    """Each gap or overlap with its condition's name; across the island, also the territory it is in."""
    if not cells:
        return []
    from maillage.analytics import selectors as analytics
    from maillage.analytics.views import group_name

    where = analytics.places() if needs.group is None else None
    language = current_language()
    return [
        (
            elements.get(c.element, c.element)
            if where is None
            else f"{elements.get(c.element, c.element)} ({group_name(c.group, language, where)})",
            c,
        )
        for c in cells
    ]


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
    if request.method == "POST" and save_form(
        request,
        form,
        lambda: services.chantier_update(user=request.user, chantier=chantier, data=form.cleaned_data),
        _("The chantier is saved."),
    ):
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
    if also and slug_re.fullmatch(also) and all(o.slug != also for o in found):
        found += list(Organisation.objects.filter(slug=also, is_demo=chantier.is_demo).exclude(pk__in=taken))
    prefetch_related_objects(found, "territories")
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
    invite_form = InviteForm(candidates=candidates, coordinates=may_coordinate) if may_take_part else None
    people = selectors.participants(selectors.detail(chantier.slug))
    with_people = set(
        Membership.objects.filter(organisation__in=[p.organisation_id for p in people]).values_list(
            "organisation_id", flat=True
        )
    )

    def _fixed(participant: Participant) -> dict[str, bool]:
        """What the person may not change: roles and seats are the coordinators'; the sector is the
        organisation's own (a coordinator's only for an organisation whose people are not in Maillage)."""
        own = participant.organisation_id in memberships_by_organisation(request.user)
        return {
            "role_fixed": not may_coordinate,
            "sector_fixed": not own and participant.organisation_id in with_people,
        }

    role_forms: dict[int, ParticipantForm] = {}
    if request.method == "POST":
        action = request.POST.get("form")
        back = redirect("chantiers:participants", slug=chantier.slug)
        if action == "commitment":
            if not own:
                raise PermissionDenied
            commitment_form = CommitmentForm(request.POST, participants=own)
            commitment_form.is_valid()  # fills cleaned_data with the valid fields
            data = commitment_form.cleaned_data
            if save_form(
                request,
                commitment_form,
                lambda: services.commitment_add(
                    user=request.user,
                    participant=next((p for p in own if str(p.pk) == data.get("participant")), own[0]),
                    kind=data["kind"],
                    amount=data.get("amount"),
                    hours=data.get("hours"),
                    description_fr=data.get("description_fr", ""),
                    description_en=data.get("description_en", ""),
                ),
                _("The commitment is recorded."),
            ):
                return back
        elif action == "invite":
            if not may_take_part:
                raise PermissionDenied
            invite_form = InviteForm(request.POST, candidates=candidates, coordinates=may_coordinate)
            chosen = next((o for o in candidates if o.slug == request.POST.get("organisation")), None)
            if save_form(
                request,
                invite_form,
                lambda: services.invite(
                    user=request.user,
                    chantier=chantier,
                    organisation=chosen if chosen is not None else invite_form.cleaned_data["organisation"],
                    role=invite_form.cleaned_data["role"],
                    message=invite_form.cleaned_data.get("message", ""),
                ),
                _("%(name)s is invited: its administrators are told.") % {"name": chosen.name if chosen else ""},
            ):
                return back
        elif action == "participant":
            participant = _participant(chantier, request.POST.get("participant"))
            is_own = participant.organisation_id in memberships_by_organisation(request.user)
            # Without the coordinator's rights, the form shows only the organisation's own sector: its role
            # and seat are disabled fields, which browsers do not send. Sending them anyway is refused.
            if not may_coordinate and (not is_own or "role" in request.POST or "decides" in request.POST):
                raise PermissionDenied
            form = ParticipantForm(
                request.POST,
                initial={"role": participant.role, "sector": participant.sector, "decides": participant.decides},
                auto_id=f"p{participant.pk}_%s",
                **_fixed(participant),
            )
            role_forms[participant.pk] = form
            if save_form(
                request,
                form,
                lambda: services.participant_update(user=request.user, participant=participant, **form.cleaned_data),
                _("The participant is saved."),
            ):
                return back
        elif action in ("remove", "commitment_delete", "cancel_invitation"):
            try:
                if action == "remove":
                    participant = _participant(chantier, request.POST.get("participant"))
                    services.participant_remove(user=request.user, participant=participant)
                    messages.success(
                        request, _("%(name)s no longer takes part.") % {"name": participant.organisation.name}
                    )
                    if not request.user.has_perm("chantiers.view_chantier", selectors.detail(chantier.slug)):
                        return redirect("chantiers:index")
                elif action == "commitment_delete":
                    commitment = Commitment.objects.filter(
                        pk=_int(request.POST.get("commitment")), participant__chantier=chantier
                    ).first()
                    if commitment is None:
                        raise NotFound(_("This commitment no longer exists."))
                    services.commitment_delete(user=request.user, commitment=commitment)
                    messages.success(request, _("The commitment is removed."))
                else:
                    invitation = chantier.invitations.filter(
                        pk=_int(request.POST.get("invitation")), status=Invitation.Status.PENDING
                    ).first()
                    if invitation is None:
                        raise NotFound(_("This invitation no longer exists."))
                    services.invitation_cancel(user=request.user, invitation=invitation)
                    messages.success(request, _("The invitation is withdrawn."))
                return back
            except MaillageError as error:
                messages.error(request, error.message)
        else:
            raise NotFound(_("There is no such form."))
    rows = []
    for p in selectors.participants(selectors.detail(chantier.slug)):
        rows.append(
            {
                "participant": p,
                "form": role_forms.get(p.pk)
                or ParticipantForm(
                    initial={"role": p.role, "sector": p.sector, "decides": p.decides},
                    auto_id=f"p{p.pk}_%s",
                    **_fixed(p),
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
            "my_organisations": set(memberships_by_organisation(request.user)),
            "own_admin": {
                p.pk for p in own if memberships_by_organisation(request.user).get(p.organisation_id) == "admin"
            },
        },
    )


def _participant(chantier: Chantier, pk: Any) -> Participant:
    found = chantier.participants.filter(pk=_int(pk)).select_related("organisation").first()
    if found is None:
        raise NotFound(_("This participant no longer takes part."))
    return found


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
        back = redirect("chantiers:indicators", slug=chantier.slug)
        if action == "indicator":
            if not may_coordinate:
                raise PermissionDenied
            indicator_form = IndicatorForm(request.POST, adopted=adopted)
            form = indicator_form
            if save_form(
                request,
                form,
                lambda: services.indicator_add(user=request.user, chantier=chantier, data=form.cleaned_data),
                _("The indicator is added."),
            ):
                return back
        elif action in ("measurement", "remove", "remove_measurement"):
            failed_for = _int(request.POST.get("indicator"))
            target = chantier.indicators.filter(pk=failed_for).first()
            if target is None:
                raise NotFound(_("This indicator is no longer part of the chantier."))
            if action == "measurement":
                measurement_form = MeasurementForm(request.POST, auto_id=f"m{target.pk}_%s")
                measurement_form.is_valid()  # fills cleaned_data with the valid fields
                data = measurement_form.cleaned_data
                if save_form(
                    request,
                    measurement_form,
                    lambda: services.measurement_record(
                        user=request.user,
                        indicator=target,
                        measured_on=data["measured_on"],
                        value=data["value"],
                        source=data["source"],
                    ),
                    _("The value is recorded."),
                ):
                    return back
            elif action == "remove":
                services.indicator_remove(user=request.user, indicator=target)
                messages.success(request, _("The indicator is removed, with its values."))
                return back
            else:
                measurement = target.measurements.filter(pk=_int(request.POST.get("measurement"))).first()
                if measurement is None:
                    raise NotFound(_("This value no longer exists."))
                services.measurement_delete(user=request.user, measurement=measurement)
                messages.success(request, _("The value is removed."))
                return back
        else:
            raise NotFound(_("There is no such form."))
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
    coordinates = request.user.has_perm("chantiers.coordinate", chantier)
    form = ActionForm(
        request.POST or None,
        initial=initial,
        participants=people,
        elements=list(_elements().items()),
        owner_fixed=not coordinates,  # an owner updates its action; it does not give it to another organisation
    )
    if request.method == "POST":
        if request.POST.get("form") == "delete" and action is not None:
            services.action_delete(user=request.user, action=action)
            messages.success(request, _("The action is removed."))
            return redirect("chantiers:detail", slug=chantier.slug)
        if save_form(
            request,
            form,
            lambda: services.action_save(
                user=request.user,
                chantier=chantier,
                data={**form.cleaned_data, **({} if coordinates or action is None else {"owner": action.owner})},
                action=action,
            ),
            _("The action is saved."),
        ):
            return redirect(f"{chantier_url(chantier)}#plan")
    return render(
        request,
        "chantiers/action_form.html",
        {
            "chantier": chantier,
            "form": form,
            "action": action,
            "may_delete": action is not None and coordinates,
        },
    )


def chantier_url(chantier: Chantier) -> str:
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
        form.is_valid()  # fills cleaned_data with the valid fields
        data = form.cleaned_data
        if save_form(
            request,
            form,
            lambda: services.journal_add(
                user=request.user,
                chantier=chantier,
                author=next((p.organisation for p in mine if p.organisation.slug == data.get("author")), None),
                kind=data["kind"],
                happened_on=data["happened_on"],
                title=data.get("title", ""),
                text=data.get("text", ""),
            ),
            _("The entry is recorded in the journal."),
        ):
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
        messages.error(request, error.message)  # shown at the top of the page, where it opens
        return redirect("chantiers:detail", slug=chantier.slug)
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
