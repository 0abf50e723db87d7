"""Chantiers in the API: the chantiers a caller may see with their balance between sectors, one chantier in
full (the change, participants and commitments, balance, decision power, the five conditions, indicators
and measurements, the plan, the journal), and, with a token, writing in its journal and recording a
measurement for an organisation that takes part.

A private chantier is read only by the people of its participating and invited organisations: anyone else
gets ``404 not_found``, exactly as for a chantier that does not exist, so that its existence stays private.
A chantier one may read but not take part in answers ``403 forbidden`` to writes.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from maillage.accounts.api import read_auth, token_auth
from maillage.common.api_schemas import ERRORS, InputSchema, choices
from maillage.common.pagination import MAX_PAGE, page_of
from maillage.core import chantiers as core
from maillage.core.errors import MaillageError
from maillage.directory.api import page_schema
from maillage.directory.models import Organisation

from . import selectors, services
from .models import Chantier, ChantierIndicator, Commitment, Invitation, JournalEntry, Measurement, Participant

router = Router(tags=["chantiers"])


# --- schemas -------------------------------------------------------------------------------------


class SectorFiguresOut(Schema):
    participants: int
    participant_share: float | None
    money: float = Field(..., description="Dollars committed.")
    money_share: float | None
    hours: float = Field(..., description="Staff hours committed.")
    hours_share: float | None
    seats: int = Field(..., description="Participants of the sector holding a decision seat.")
    seat_share: float | None
    commitments: dict[str, int] = Field(
        ..., description="Kind of commitment → participants of the sector that made one of that kind."
    )


class BalanceOut(Schema):
    participants: int
    money: float
    hours: float
    seats: int
    evenness: float | None = Field(
        ..., description="Of participants across the three sectors: 1 = a third each, 0 = one sector only."
    )
    represented: list[str]
    missing: list[str]
    sectors: dict[str, SectorFiguresOut] = Field(..., description="public, philanthropic, community.")


class ChantierSummaryOut(Schema):
    slug: str
    title_fr: str
    title_en: str
    whom_fr: str
    whom_en: str
    territory: str
    due_on: date | None
    status: str
    visibility: str
    is_demo: bool
    updated_at: datetime
    balance: BalanceOut


class CommitmentOut(Schema):
    id: int
    kind: str
    amount: Decimal | None
    hours: int | None
    description_fr: str
    description_en: str


class ParticipantOut(Schema):
    organisation: str
    name_fr: str
    name_en: str
    sector: str
    role: str
    decides: bool
    commitments: list[CommitmentOut]


class FundersOut(Schema):
    total: float
    funders: int
    largest_share: float | None = Field(..., description="The largest funder's share of the money.")
    hhi: float | None = Field(..., description="Herfindahl–Hirschman index of the money by funder, 0 to 10,000.")


class FindingOut(Schema):
    code: str
    sector: str | None
    subject: str | None = Field(..., description="The organisation it is about, if one.")
    figures: dict[str, float]


class PowerOut(Schema):
    seats: dict[str, int]
    money: dict[str, float]
    funders: FundersOut
    findings: list[FindingOut]


class ConditionOut(Schema):
    id: str
    status: str = Field(..., description="in_place, partial or missing.")
    met: list[str]
    lacking: list[str]


class MeasurementOut(Schema):
    indicator: int
    measured_on: date
    value: float
    source: str


class IndicatorOut(Schema):
    id: int
    collective_indicator: str | None
    name: str
    name_fr: str
    name_en: str
    unit: str
    higher_is_better: bool
    baseline: float | None
    baseline_on: date | None
    target: float | None
    target_on: date | None
    measurements: list[MeasurementOut]


class ActionOut(Schema):
    id: int
    title_fr: str
    title_en: str
    owner: str | None
    elements: list[str]
    starts_on: date | None
    due_on: date | None
    status: str
    budget: Decimal | None


class JournalEntryOut(Schema):
    id: int
    kind: str
    happened_on: date
    title: str
    text: str
    author: str | None
    created_at: datetime


class InvitationOut(Schema):
    organisation: str
    role: str
    invited_by: str | None
    message: str
    created_at: datetime


class ChantierOut(ChantierSummaryOut):
    description_fr: str
    description_en: str
    participants: list[ParticipantOut]
    power: PowerOut
    conditions: list[ConditionOut]
    indicators: list[IndicatorOut]
    actions: list[ActionOut]
    journal: list[JournalEntryOut]
    invitations: list[InvitationOut] | None = Field(
        None, description="Invitations waiting for an answer: only for the people of participating organisations."
    )


JournalKind = choices(JournalEntry.Kind, "JournalEntryKind")


class JournalEntryIn(InputSchema):
    organisation: str | None = Field(
        None, description="The participating organisation you write for (by default, your first)."
    )
    kind: JournalKind
    happened_on: date
    title: str = Field(..., max_length=200)
    text: str = Field("", max_length=4000)


class MeasurementIn(InputSchema):
    measured_on: date
    value: float = Field(..., allow_inf_nan=False)
    source: str = Field(..., max_length=300, description="Where the value comes from.")


# --- helpers -------------------------------------------------------------------------------------


def _not_found() -> MaillageError:
    return MaillageError("not_found", _("There is no chantier with this identifier."))


def _visible(request: HttpRequest, slug: str) -> Chantier:
    """The chantier if the caller may read it; else ``404 not_found``, as if it did not exist."""
    try:
        chantier = selectors.detail(slug)
    except MaillageError:
        raise _not_found() from None
    if not request.user.has_perm("chantiers.view_chantier", chantier):
        raise _not_found()
    return chantier


def _taking_part(request: HttpRequest, slug: str) -> Chantier:
    chantier = _visible(request, slug)
    if not request.user.has_perm("chantiers.take_part", chantier):
        raise PermissionDenied
    return chantier


def _balance(figures: core.Balance) -> dict[str, Any]:
    return {
        "participants": figures.participants,
        "money": figures.money,
        "hours": figures.hours,
        "seats": figures.seats,
        "evenness": figures.evenness,
        "represented": list(figures.represented),
        "missing": list(figures.missing),
        "sectors": {
            sector: {
                "participants": f.participants,
                "participant_share": f.participant_share,
                "money": f.money,
                "money_share": f.money_share,
                "hours": f.hours,
                "hours_share": f.hours_share,
                "seats": f.seats,
                "seat_share": f.seat_share,
                "commitments": dict(f.commitments),
            }
            for sector, f in figures.sectors.items()
        },
    }


def _power(found: core.Power) -> dict[str, Any]:
    return {
        "seats": dict(found.seats),
        "money": dict(found.money),
        "funders": {
            "total": found.funders.total,
            "funders": found.funders.funders,
            "largest_share": found.funders.top_share,
            "hhi": found.funders.hhi,
        },
        "findings": [
            {"code": f.code, "sector": f.sector, "subject": f.subject, "figures": dict(f.figures)}
            for f in found.findings
        ],
    }


def _summary(chantier: Chantier, figures: core.Balance) -> dict[str, Any]:
    return {
        "slug": chantier.slug,
        "title_fr": chantier.title_fr,
        "title_en": chantier.title_en,
        "whom_fr": chantier.whom_fr,
        "whom_en": chantier.whom_en,
        "territory": chantier.territory.slug,
        "due_on": chantier.due_on,
        "status": chantier.status,
        "visibility": chantier.visibility,
        "is_demo": chantier.is_demo,
        "updated_at": chantier.updated_at,
        "balance": _balance(figures),
    }


def _commitment(commitment: Commitment) -> dict[str, Any]:
    return {
        "id": commitment.pk,
        "kind": commitment.kind,
        "amount": commitment.amount,
        "hours": commitment.hours,
        "description_fr": commitment.description_fr,
        "description_en": commitment.description_en,
    }


def _participant(participant: Participant) -> dict[str, Any]:
    return {
        "organisation": participant.organisation.slug,
        "name_fr": participant.organisation.name_fr,
        "name_en": participant.organisation.name_en,
        "sector": participant.sector,
        "role": participant.role,
        "decides": participant.decides,
        "commitments": [_commitment(c) for c in participant.commitments.all()],
    }


def _measurement(measurement: Measurement) -> dict[str, Any]:
    return {
        "indicator": measurement.indicator_id,
        "measured_on": measurement.measured_on,
        "value": measurement.value,
        "source": measurement.source,
    }


def _indicator(indicator: ChantierIndicator) -> dict[str, Any]:
    return {
        "id": indicator.pk,
        "collective_indicator": indicator.indicator.slug if indicator.indicator else None,
        "name": indicator.name,
        "name_fr": indicator.name_fr,
        "name_en": indicator.name_en,
        "unit": indicator.unit,
        "higher_is_better": indicator.higher_is_better,
        "baseline": indicator.baseline,
        "baseline_on": indicator.baseline_on,
        "target": indicator.target,
        "target_on": indicator.target_on,
        "measurements": [_measurement(m) for m in indicator.measurements.all()],
    }


def _entry(entry: JournalEntry) -> dict[str, Any]:
    return {
        "id": entry.pk,
        "kind": entry.kind,
        "happened_on": entry.happened_on,
        "title": entry.title,
        "text": entry.text,
        "author": entry.author.slug if entry.author else None,
        "created_at": entry.created_at,
    }


def _invitation(invitation: Invitation) -> dict[str, Any]:
    return {
        "organisation": invitation.organisation.slug,
        "role": invitation.role,
        "invited_by": invitation.invited_by.slug if invitation.invited_by else None,
        "message": invitation.message,
        "created_at": invitation.created_at,
    }


# --- reading -------------------------------------------------------------------------------------


ChantierPage = page_schema("ChantierPage", ChantierSummaryOut)


class PageQuery(Schema):
    page: int = Field(1, ge=1, le=MAX_PAGE)
    page_size: int = Field(25, ge=1, le=200)


@router.get("/chantiers", response={200: ChantierPage, **ERRORS}, auth=read_auth)
def chantier_list(request: HttpRequest, params: Query[PageQuery]) -> dict[str, Any]:
    """The chantiers you may see (public ones, and the private ones your organisations take part in or are
    invited to), most recently updated first, with their balance between sectors; a page at a time."""
    page = page_of(
        selectors.visible(request.user).order_by("-updated_at", "-id"), params.page, params.page_size, clamp=False
    )
    people = selectors.participants_by_chantier(c.pk for c in page.object_list)
    return {
        "count": page.paginator.count,
        "page": params.page,
        "page_size": params.page_size,
        "results": [_summary(c, core.balance(people[c.pk])) for c in page.object_list],
    }


@router.get("/chantiers/{slug}", response={200: ChantierOut, **ERRORS}, auth=read_auth)
def chantier_get(request: HttpRequest, slug: str) -> dict[str, Any]:
    """One chantier in full. Pending invitations are listed for the people of participating organisations
    only. ``404 not_found`` for a chantier that does not exist or that you may not see."""
    chantier = _visible(request, slug)
    rows = selectors.participants(chantier)
    people = selectors.core_participants(rows)
    checks = core.check_conditions(selectors.facts(chantier))
    takes_part = request.user.has_perm("chantiers.take_part", chantier)
    return {
        **_summary(chantier, core.balance(people)),
        "description_fr": chantier.description_fr,
        "description_en": chantier.description_en,
        "participants": [_participant(p) for p in rows],
        "power": _power(core.power(people)),
        "conditions": [
            {"id": c.condition, "status": c.status, "met": list(c.met), "lacking": list(c.lacking)} for c in checks
        ],
        "indicators": [_indicator(i) for i in selectors.indicators(chantier)],
        "actions": [
            {
                "id": a.pk,
                "title_fr": a.title_fr,
                "title_en": a.title_en,
                "owner": a.owner.organisation.slug if a.owner else None,
                "elements": [str(e) for e in a.elements],
                "starts_on": a.starts_on,
                "due_on": a.due_on,
                "status": a.status,
                "budget": a.budget,
            }
            for a in selectors.actions(chantier)
        ],
        "journal": [_entry(e) for e in selectors.journal(chantier)],
        "invitations": [_invitation(i) for i in selectors.pending_invitations(chantier)] if takes_part else None,
    }


# --- writing -------------------------------------------------------------------------------------


@router.post("/chantiers/{slug}/journal", response={201: JournalEntryOut, **ERRORS}, auth=token_auth)
def journal_add(request: HttpRequest, slug: str, payload: JournalEntryIn) -> Any:
    """Record a meeting, a decision or news for a participating organisation you are a member of. Only a
    meeting may be dated in the future (``400 invalid`` with the problem ``date_future``)."""
    chantier = _taking_part(request, slug)
    author = None
    if payload.organisation:
        author = Organisation.objects.filter(slug=payload.organisation).first()
        if author is None:
            raise MaillageError(
                "organisation_unknown", _("Unknown organisation: %(value)s.") % {"value": payload.organisation}
            )
    entry = services.journal_add(
        user=request.user,
        chantier=chantier,
        kind=payload.kind,
        happened_on=payload.happened_on,
        title=payload.title,
        text=payload.text,
        author=author,
    )
    return Status(201, _entry(entry))


@router.post(
    "/chantiers/{slug}/indicators/{indicator_id}/measurements",
    response={201: MeasurementOut, **ERRORS},
    auth=token_auth,
)
def measurement_record(request: HttpRequest, slug: str, indicator_id: int, payload: MeasurementIn) -> Any:
    """Record a value of one of the chantier's indicators (a value on the same date replaces the one there).
    A date in the future is ``400 invalid`` with the problem ``date_future``."""
    chantier = _taking_part(request, slug)
    indicator = chantier.indicators.filter(pk=indicator_id).first()
    if indicator is None:
        raise MaillageError("not_found", _("This chantier has no such indicator."))
    indicator.chantier = chantier  # the permission check reads the participants already fetched
    measurement = services.measurement_record(
        user=request.user,
        indicator=indicator,
        measured_on=payload.measured_on,
        value=payload.value,
        source=payload.source,
    )
    return Status(201, _measurement(measurement))
