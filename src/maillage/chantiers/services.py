"""Writes of chantiers: the change itself, participants and their commitments, invitations, indicators and
measurements, the action plan, the journal, and the pooled-fund scenario.

Every write checks who may do it (``maillage.chantiers.rules``), validates what it receives and reports
every problem at once (:class:`MaillageError`, one :class:`Problem` per field); nothing is written when
anything is wrong. Forms and the API parse text into dates and numbers; the rules of the domain are here.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from maillage.accounts.models import Membership
from maillage.accounts.selectors import memberships_by_organisation
from maillage.collective.models import Indicator
from maillage.core.errors import MaillageError, Problem
from maillage.diagnostics import selectors as diagnostic_selectors
from maillage.directory.models import Organisation, SupportOffer, Territory
from maillage.matching.services import notify

from .models import (
    SECTOR_OF_KIND,
    Action,
    Chantier,
    ChantierIndicator,
    Commitment,
    Invitation,
    JournalEntry,
    Measurement,
    Participant,
    Sector,
)
from .rules import participations

MAX_AMOUNT = Decimal("9999999999.99")
MAX_HOURS = 1_000_000


def _check(user: Any, perm: str, obj: Any = None) -> None:
    if user is not None and not user.has_perm(perm, obj):
        raise PermissionDenied


def _raise(problems: list[Problem]) -> None:
    if problems:
        raise MaillageError("invalid", _("Some fields need attention: see below."), problems)


def _text(data: Mapping[str, Any], name: str, limit: int) -> str:
    return str(data.get(name) or "").strip()[:limit]


#: Addresses of the app's own pages under /chantiers/: no chantier may take them.
RESERVED_SLUGS = frozenset({"new", "conditions", "invitations"})


def _unique_slug(text: str, *, private: bool) -> str:
    """A public chantier's address comes from its title; a private one's is random, so that it tells
    nothing of its title, and that starting a chantier with the same title as a hidden one does not reveal
    that one exists (its address would have needed a number)."""
    if private:
        return f"chantier-{secrets.token_hex(5)}"
    base = slugify(text)
    if len(base) > 70:
        base = base[:71].rsplit("-", 1)[0]  # cut between words
    base = base.strip("-")[:70] or "chantier"
    slug, n = base, 2
    while slug in RESERVED_SLUGS or Chantier.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


#: The dates and figures a chantier may hold: anything else is a typing mistake.
FIRST_DATE, LAST_DATE = date(1900, 1, 1), date(2100, 12, 31)
MAX_FIGURE = 1e12


def _date_ok(value: Any, field: str, problems: list[Problem]) -> Any:
    if isinstance(value, date) and not FIRST_DATE <= value <= LAST_DATE:
        problems.append(Problem("date_out_of_range", _("Give a date between 1900 and 2100."), field=field))
        return None
    return value


def _figure_ok(value: Any, field: str, problems: list[Problem]) -> Any:
    if isinstance(value, int | float | Decimal) and not abs(float(value)) <= MAX_FIGURE:
        problems.append(
            Problem(
                "number_out_of_range", _("Give a number between −1,000,000,000,000 and 1,000,000,000,000."), field=field
            )
        )
        return None
    return value


def sector_of(organisation: Organisation) -> str:
    """The sector an organisation counts in by default, from its kind."""
    return str(SECTOR_OF_KIND.get(organisation.kind, Sector.COMMUNITY))


def acting_participant(user: Any, chantier: Chantier, organisation: Organisation | None = None) -> Participant:
    """The participant row the user acts for: the one of ``organisation``, or their first."""
    mine = participations(user, chantier)
    if organisation is not None:
        mine = [p for p in mine if p.organisation_id == organisation.pk]
    if not mine:
        raise PermissionDenied
    return mine[0]


# --- the chantier ------------------------------------------------------------------------------------------


def _check_chantier(
    data: Mapping[str, Any], problems: list[Problem], *, was_due_on: date | None = None
) -> dict[str, Any]:
    """The chantier's fields, checked. A deadline already past is refused unless it is the one it had."""
    clean: dict[str, Any] = {
        "title_fr": _text(data, "title_fr", 200),
        "title_en": _text(data, "title_en", 200),
        "whom_fr": _text(data, "whom_fr", 300),
        "whom_en": _text(data, "whom_en", 300),
        "description_fr": _text(data, "description_fr", 4000),
        "description_en": _text(data, "description_en", 4000),
    }
    if not clean["title_fr"]:
        problems.append(Problem("title_missing", _("Say in French what is to change."), field="title_fr"))
    territory = data.get("territory")
    if isinstance(territory, str):
        territory = Territory.objects.filter(slug=territory).first()
    if not isinstance(territory, Territory):
        problems.append(
            Problem("territory_missing", _("Choose the territory where the change happens."), field="territory")
        )
    clean["territory"] = territory
    due_on = data.get("due_on")
    if due_on is not None and not isinstance(due_on, date):
        problems.append(Problem("date_invalid", _("Give a date, such as 2028-12-31."), field="due_on"))
        due_on = None
    clean["due_on"] = _date_ok(due_on, "due_on", problems)
    if clean["due_on"] and clean["due_on"] < timezone.localdate() and clean["due_on"] != was_due_on:
        problems.append(Problem("date_past", _("The deadline is already past: give a date to come."), field="due_on"))
    visibility = data.get("visibility") or Chantier.Visibility.PUBLIC
    if visibility not in Chantier.Visibility.values:
        problems.append(Problem("visibility_invalid", _("Choose public or private."), field="visibility"))
    clean["visibility"] = visibility
    if "status" in data:
        if data["status"] not in Chantier.Status.values:
            problems.append(Problem("status_invalid", _("Choose a status."), field="status"))
        clean["status"] = data["status"]
    return clean


@transaction.atomic
def chantier_create(
    *, user: Any, organisation: Organisation, data: Mapping[str, Any], role: str = Participant.Role.LEAD
) -> Chantier:
    """Start a chantier in an organisation's name: it becomes its first participant, with a decision seat."""
    _check(user, "chantiers.create_chantier")
    if user is not None and organisation.pk not in memberships_by_organisation(user):
        raise PermissionDenied
    problems: list[Problem] = []
    clean = _check_chantier(data, problems)
    if role not in (Participant.Role.LEAD, Participant.Role.BACKBONE):
        problems.append(
            Problem(
                "role_invalid", _("The organisation that starts a chantier leads it or is its backbone."), field="role"
            )
        )
    _raise(problems)
    clean.pop("status", None)
    private = clean["visibility"] == Chantier.Visibility.PRIVATE
    for _attempt in range(5):  # two people starting chantiers of the same title at the same moment
        try:
            with transaction.atomic():
                chantier = Chantier.objects.create(
                    slug=_unique_slug(clean["title_fr"], private=private),
                    created_by=user,
                    is_demo=organisation.is_demo,
                    **clean,
                )
            break
        except IntegrityError:
            continue
    else:
        raise MaillageError("busy", _("Many chantiers are being started right now: try again."))
    Participant.objects.create(
        chantier=chantier, organisation=organisation, sector=sector_of(organisation), role=role, decides=True
    )
    return chantier


def chantier_update(*, user: Any, chantier: Chantier, data: Mapping[str, Any]) -> Chantier:
    _check(user, "chantiers.coordinate", chantier)
    problems: list[Problem] = []
    clean = _check_chantier(data, problems, was_due_on=chantier.due_on)
    _raise(problems)
    for name, value in clean.items():
        setattr(chantier, name, value)
    with transaction.atomic():
        chantier.save()
        if chantier.scenario is not None:  # its title follows the chantier's (never naming a private one)
            chantier.scenario.title = _scenario_title(chantier)
            chantier.scenario.save(update_fields=["title"])
    return chantier


# --- participants and commitments ----------------------------------------------------------------------------


COORDINATING = (Participant.Role.BACKBONE, Participant.Role.LEAD)
#: Roles that come with a decision seat when an organisation joins.
SEATED_ROLES = (*COORDINATING, Participant.Role.FUNDER)


def _coordinators_left(chantier: Chantier, changed: Participant, new_role: str | None = None) -> bool:
    """Whether a backbone or a lead remains once ``changed`` takes ``new_role`` (None: once it leaves)."""
    return any(
        (new_role if p.pk == changed.pk else p.role) in COORDINATING
        for p in Participant.objects.filter(chantier=chantier)
    )


def _lock(chantier: Chantier) -> None:
    """Serialise the changes of a chantier's roles: two coordinators demoting each other at the same moment
    must not leave it without one."""
    Chantier.objects.select_for_update().filter(pk=chantier.pk).first()


@transaction.atomic
def participant_update(*, user: Any, participant: Participant, role: str, sector: str, decides: bool) -> Participant:
    """Coordinators set a participant's role and decision seat; its sector is its own organisation's to say
    (or a coordinator's for an organisation whose people are not in Maillage)."""
    chantier = participant.chantier
    coordinates = user is None or user.has_perm("chantiers.coordinate", chantier)
    own = user is None or participant.organisation_id in memberships_by_organisation(user)
    if not (coordinates or own):
        raise PermissionDenied
    problems: list[Problem] = []
    if role not in Participant.Role.values:
        problems.append(Problem("role_invalid", _("Choose a role."), field="role"))
    if sector not in Sector.values:
        problems.append(Problem("sector_invalid", _("Choose a sector."), field="sector"))
    if not coordinates and (role != participant.role or bool(decides) != participant.decides):
        problems.append(
            Problem("not_a_coordinator", _("Only the backbone or the lead changes roles and seats."), field="role")
        )
    has_people = Membership.objects.filter(organisation_id=participant.organisation_id).exists()
    if sector != participant.sector and not own and has_people:
        problems.append(
            Problem(
                "sector_not_yours",
                _("An organisation says itself which sector it belongs to: ask its people."),
                field="sector",
            )
        )
    _lock(chantier)
    if not problems and not _coordinators_left(chantier, participant, role):
        problems.append(
            Problem(
                "last_coordinator",
                _("A chantier needs a backbone or a lead: give the role to another participant first."),
                field="role",
            )
        )
    _raise(problems)
    participant.role, participant.sector, participant.decides = role, sector, bool(decides)
    participant.save(update_fields=["role", "sector", "decides"])
    return participant


@transaction.atomic
def participant_remove(*, user: Any, participant: Participant) -> None:
    """A coordinator removes a participant, or an administrator of the organisation withdraws it."""
    chantier = participant.chantier
    own_admin = (
        user is None or memberships_by_organisation(user).get(participant.organisation_id) == Membership.Role.ADMIN
    )
    if not own_admin:
        _check(user, "chantiers.coordinate", chantier)
    _lock(chantier)
    if not _coordinators_left(chantier, participant):
        raise MaillageError(
            "last_coordinator",
            _("A chantier needs a backbone or a lead: give the role to another participant before this one leaves."),
        )
    Action.objects.filter(owner=participant).update(owner=None)
    participant.delete()


def commitment_add(
    *,
    user: Any,
    participant: Participant,
    kind: str,
    amount: Decimal | None = None,
    hours: int | None = None,
    description_fr: str = "",
    description_en: str = "",
) -> Commitment:
    """A participant records what its organisation commits (only its own people may)."""
    if user is not None and participant.organisation_id not in memberships_by_organisation(user):
        raise PermissionDenied
    problems: list[Problem] = []
    if kind not in Commitment.Kind.values:
        problems.append(Problem("kind_invalid", _("Choose what is committed."), field="kind"))
    if kind == Commitment.Kind.MONEY:
        if amount is None or amount <= 0 or amount > MAX_AMOUNT:
            problems.append(
                Problem("amount_missing", _("A commitment of money needs an amount above zero."), field="amount")
            )
        hours = None
    elif kind == Commitment.Kind.STAFF_TIME:
        if hours is None or hours <= 0 or hours > MAX_HOURS:
            problems.append(
                Problem("hours_missing", _("A commitment of staff time needs a number of hours."), field="hours")
            )
        amount = None
    else:
        amount = hours = None
        if not (description_fr.strip() or description_en.strip()):
            problems.append(Problem("description_missing", _("Say what is committed."), field="description_fr"))
    _raise(problems)
    return Commitment.objects.create(
        participant=participant,
        kind=kind,
        amount=amount,
        hours=hours,
        description_fr=description_fr.strip()[:300],
        description_en=description_en.strip()[:300],
    )


def commitment_delete(*, user: Any, commitment: Commitment) -> None:
    if user is not None and commitment.participant.organisation_id not in memberships_by_organisation(user):
        raise PermissionDenied
    commitment.delete()


# --- invitations --------------------------------------------------------------------------------------------


def invite(
    *,
    user: Any,
    chantier: Chantier,
    organisation: Organisation,
    role: str,
    message: str = "",
    by: Participant | None = None,
) -> Invitation:
    """A participant invites another organisation; its administrators hear of it in their language. Only
    the backbone or the lead invites to a role that comes with a decision seat (backbone, lead, funder)."""
    _check(user, "chantiers.take_part", chantier)
    inviter = by or (acting_participant(user, chantier) if user is not None else None)
    problems: list[Problem] = []
    if role not in Participant.Role.values:
        problems.append(Problem("role_invalid", _("Choose a role."), field="role"))
    elif role in SEATED_ROLES and user is not None and not user.has_perm("chantiers.coordinate", chantier):
        problems.append(
            Problem(
                "not_a_coordinator",
                _("Only the backbone or the lead invites a backbone, a lead or a funder: invite as a partner."),
                field="role",
            )
        )
    if chantier.participants.filter(organisation=organisation).exists():
        problems.append(Problem("participant_exists", _("This organisation already takes part."), field="organisation"))
    elif chantier.invitations.filter(organisation=organisation, status=Invitation.Status.PENDING).exists():
        problems.append(Problem("invitation_exists", _("This organisation is already invited."), field="organisation"))
    if organisation.is_demo != chantier.is_demo:
        problems.append(
            Problem(
                "demo_mixed",
                _("Fictional demo organisations and real ones cannot take part in the same chantier."),
                field="organisation",
            )
        )
    _raise(problems)
    try:
        with transaction.atomic():
            invitation = Invitation.objects.create(
                chantier=chantier,
                organisation=organisation,
                role=role,
                message=message.strip()[:500],
                invited_by=inviter.organisation if inviter else None,
                created_by=user,
            )
    except IntegrityError:
        raise MaillageError("invitation_exists", _("This organisation is already invited.")) from None
    by_fr = inviter.organisation.name_fr if inviter else "Maillage"
    by_en = (inviter.organisation.name_en or by_fr) if inviter else "Maillage"
    notify(
        _admins(organisation),
        fr=f"{by_fr} invite {organisation.name_fr} au chantier «\u00a0{chantier.title_fr}\u00a0».",
        en=f"{by_en} invites {organisation.name_en or organisation.name_fr} to the chantier "
        f"“{chantier.title_en or chantier.title_fr}”.",
        url=reverse("chantiers:detail", args=[chantier.slug]),
    )
    return invitation


def _admins(organisation: Organisation | None) -> list[Any]:
    if organisation is None:
        return []
    found = Membership.objects.filter(organisation=organisation, role=Membership.Role.ADMIN).select_related("user")
    return [m.user for m in found]


def invitation_cancel(*, user: Any, invitation: Invitation) -> None:
    """The inviting organisation's people, or the backbone or the lead, withdraw a pending invitation."""
    mine = memberships_by_organisation(user) if user is not None else {}
    if user is not None and invitation.invited_by_id not in mine:
        _check(user, "chantiers.coordinate", invitation.chantier)
    updated = Invitation.objects.filter(pk=invitation.pk, status=Invitation.Status.PENDING).update(
        status=Invitation.Status.CANCELLED, answered_at=timezone.now()
    )
    if not updated:
        raise MaillageError("invitation_answered", _("This invitation has already been answered."))


@transaction.atomic
def invitation_answer(
    *, user: Any, invitation: Invitation, accept: bool, sector: str | None = None
) -> Participant | None:
    """An administrator of the invited organisation accepts (it becomes a participant) or declines."""
    _check(user, "chantiers.answer_invitation", invitation)
    locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if locked.status != Invitation.Status.PENDING:
        raise MaillageError("invitation_answered", _("This invitation has already been answered."))
    locked.status = Invitation.Status.ACCEPTED if accept else Invitation.Status.DECLINED
    locked.answered_at = timezone.now()
    locked.save(update_fields=["status", "answered_at"])
    chantier, organisation = locked.chantier, locked.organisation
    name_en = organisation.name_en or organisation.name_fr
    title_en = chantier.title_en or chantier.title_fr
    if accept:
        fr = f"{organisation.name_fr} accepte de prendre part au chantier «\u00a0{chantier.title_fr}\u00a0»."
        en = f"{name_en} accepts to take part in the chantier “{title_en}”."
    else:
        fr = f"{organisation.name_fr} décline l'invitation au chantier «\u00a0{chantier.title_fr}\u00a0»."
        en = f"{name_en} declines the invitation to the chantier “{title_en}”."
    url = reverse("chantiers:participants", args=[chantier.slug])
    notify(_admins(locked.invited_by), fr=fr, en=en, url=url)
    if not accept:
        return None
    chosen = sector if sector in Sector.values else sector_of(organisation)
    participant, _created = Participant.objects.get_or_create(
        chantier=chantier,
        organisation=organisation,
        defaults={"sector": chosen, "role": locked.role, "decides": locked.role in SEATED_ROLES},
    )
    return participant


# --- indicators and measurements --------------------------------------------------------------------------


def indicator_add(*, user: Any, chantier: Chantier, data: Mapping[str, Any]) -> ChantierIndicator:
    """Coordinators choose an adopted collective indicator, or define one for the chantier, with its
    baseline and target."""
    _check(user, "chantiers.coordinate", chantier)
    problems: list[Problem] = []
    chosen = data.get("indicator")
    if isinstance(chosen, str) and chosen:
        chosen = Indicator.objects.filter(
            slug=chosen, status=Indicator.Status.ADOPTED, is_demo=chantier.is_demo
        ).first()
        if chosen is None:
            problems.append(
                Problem("indicator_unknown", _("Choose one of the adopted collective indicators."), field="indicator")
            )
    clean = {
        name: _text(data, name, 200 if name.startswith("name") else 60)
        for name in ("name_fr", "name_en", "unit_fr", "unit_en")
    }
    if not chosen and not clean["name_fr"] and not problems:
        problems.append(
            Problem("indicator_missing", _("Choose a collective indicator or name a new one."), field="indicator")
        )
    if not chosen and clean["name_fr"] and not (clean["unit_fr"] or clean["unit_en"]):
        problems.append(Problem("unit_missing", _("Give the unit of the values."), field="unit_fr"))
    baseline, target = (
        _figure_ok(data.get("baseline"), "baseline", problems),
        _figure_ok(data.get("target"), "target", problems),
    )
    baseline_on = _date_ok(data.get("baseline_on"), "baseline_on", problems)
    target_on = _date_ok(data.get("target_on"), "target_on", problems)
    if (baseline is None) != (baseline_on is None):
        problems.append(
            Problem("baseline_incomplete", _("Give both the baseline and the date it was measured."), field="baseline")
        )
    if (target is None) != (target_on is None):
        problems.append(
            Problem("target_incomplete", _("Give both the target and the date to reach it."), field="target")
        )
    if baseline_on and target_on and target_on <= baseline_on:
        problems.append(
            Problem("target_before_baseline", _("The target date must come after the baseline's."), field="target_on")
        )
    _raise(problems)
    higher = data.get("higher_is_better")
    if isinstance(chosen, Indicator):
        # A copy of its name and unit stays with the chantier if the collective indicator is ever deleted.
        from maillage.collective.measures import unit_of

        higher = chosen.higher_is_better if higher is None else higher
        with translation.override("fr"):
            clean.update(name_fr=chosen.name_fr, unit_fr=str(unit_of(chosen))[:60])
        with translation.override("en"):
            clean.update(name_en=chosen.name_en, unit_en=str(unit_of(chosen))[:60])
    return ChantierIndicator.objects.create(
        chantier=chantier,
        indicator=chosen if isinstance(chosen, Indicator) else None,
        higher_is_better=True if higher is None else bool(higher),
        baseline=baseline,
        baseline_on=baseline_on,
        target=target,
        target_on=target_on,
        position=chantier.indicators.count(),
        **clean,
    )


def indicator_remove(*, user: Any, indicator: ChantierIndicator) -> None:
    _check(user, "chantiers.coordinate", indicator.chantier)
    indicator.delete()


def measurement_record(
    *, user: Any, indicator: ChantierIndicator, measured_on: date, value: float, source: str
) -> Measurement:
    """A participant records a value of one of the chantier's indicators (a value on the same date is
    replaced: it corrects it)."""
    _check(user, "chantiers.take_part", indicator.chantier)
    problems: list[Problem] = []
    value = _figure_ok(value, "value", problems)
    if measured_on > timezone.localdate():
        problems.append(Problem("date_future", _("A measurement cannot be dated in the future."), field="measured_on"))
    elif indicator.baseline_on is not None and measured_on < indicator.baseline_on:
        problems.append(
            Problem(
                "date_before_baseline",
                _("A measurement cannot be dated before the baseline (%(date)s).")
                % {"date": indicator.baseline_on.isoformat()},
                field="measured_on",
            )
        )
    elif measured_on < FIRST_DATE:
        problems.append(Problem("date_out_of_range", _("Give a date between 1900 and 2100."), field="measured_on"))
    if not source.strip():
        problems.append(Problem("source_missing", _("Say where the value comes from."), field="source"))
    _raise(problems)
    measurement, _created = Measurement.objects.update_or_create(
        indicator=indicator,
        measured_on=measured_on,
        defaults={"value": float(value), "source": source.strip()[:300], "recorded_by": user},
    )
    return measurement


def measurement_delete(*, user: Any, measurement: Measurement) -> None:
    """The person who recorded a value, or the backbone or the lead, removes it (a value typed wrong)."""
    if user is not None and measurement.recorded_by_id != user.pk:
        _check(user, "chantiers.coordinate", measurement.indicator.chantier)
    measurement.delete()


# --- the action plan ------------------------------------------------------------------------------------------


def _check_action(chantier: Chantier, data: Mapping[str, Any], problems: list[Problem]) -> dict[str, Any]:
    clean: dict[str, Any] = {"title_fr": _text(data, "title_fr", 200), "title_en": _text(data, "title_en", 200)}
    if not clean["title_fr"]:
        problems.append(Problem("title_missing", _("Name the action in French."), field="title_fr"))
    owner = data.get("owner")
    if isinstance(owner, str | int) and owner != "":
        owner = chantier.participants.filter(pk=owner).first() if str(owner).isdigit() else None
        if owner is None:
            problems.append(Problem("owner_unknown", _("The owner must be one of the participants."), field="owner"))
    elif not isinstance(owner, Participant):
        owner = None
    if isinstance(owner, Participant) and owner.chantier_id != chantier.pk:
        problems.append(Problem("owner_unknown", _("The owner must be one of the participants."), field="owner"))
    clean["owner"] = owner
    clean["elements"] = diagnostic_selectors.checked_elements(data.get("elements") or [], problems)
    starts_on = _date_ok(data.get("starts_on"), "starts_on", problems)
    due_on = _date_ok(data.get("due_on"), "due_on", problems)
    if starts_on and due_on and due_on < starts_on:
        problems.append(Problem("dates_order_invalid", _("An action cannot be due before it starts."), field="due_on"))
    clean["starts_on"], clean["due_on"] = starts_on, due_on
    status = data.get("status") or Action.Status.PLANNED
    if status not in Action.Status.values:
        problems.append(Problem("status_invalid", _("Choose a status."), field="status"))
    clean["status"] = status
    budget = data.get("budget")
    if budget is not None and (budget < 0 or budget > MAX_AMOUNT):
        problems.append(Problem("budget_negative", _("A budget cannot be negative."), field="budget"))
    clean["budget"] = budget
    return clean


def action_save(*, user: Any, chantier: Chantier, data: Mapping[str, Any], action: Action | None = None) -> Action:
    """Coordinators write the plan's actions; the people of an action's owner may update it too."""
    owns = (
        action is not None
        and action.owner is not None
        and user is not None
        and (action.owner.organisation_id in memberships_by_organisation(user))
    )
    if not owns:
        _check(user, "chantiers.coordinate", chantier)
    problems: list[Problem] = []
    clean = _check_action(chantier, data, problems)
    if owns and not user.has_perm("chantiers.coordinate", chantier) and clean["owner"] != action.owner:  # type: ignore[union-attr]
        problems.append(
            Problem(
                "owner_fixed",
                _("Only the backbone or the lead gives an action to another participant."),
                field="owner",
            )
        )
    _raise(problems)
    if action is None:
        return Action.objects.create(chantier=chantier, **clean)
    for name, value in clean.items():
        setattr(action, name, value)
    action.save()
    return action


def action_delete(*, user: Any, action: Action) -> None:
    _check(user, "chantiers.coordinate", action.chantier)
    action.delete()


# --- the journal --------------------------------------------------------------------------------------------


def journal_add(
    *,
    user: Any,
    chantier: Chantier,
    kind: str,
    happened_on: date,
    title: str,
    text: str = "",
    author: Organisation | None = None,
) -> JournalEntry:
    """A participant records a meeting, a decision or news."""
    _check(user, "chantiers.take_part", chantier)
    if user is not None:
        author = acting_participant(user, chantier, author).organisation
    problems: list[Problem] = []
    if kind not in JournalEntry.Kind.values:
        problems.append(Problem("kind_invalid", _("Choose a meeting, a decision or news."), field="kind"))
    if not title.strip():
        problems.append(Problem("title_missing", _("Give the entry a title."), field="title"))
    if happened_on > timezone.localdate() and kind != JournalEntry.Kind.MEETING:
        problems.append(Problem("date_future", _("Only a meeting can be dated in the future."), field="happened_on"))
    _raise(problems)
    return JournalEntry.objects.create(
        chantier=chantier,
        kind=kind,
        happened_on=happened_on,
        title=title.strip()[:200],
        text=text.strip()[:4000],
        author=author,
        created_by=user,
    )


# --- the pooled-fund scenario ----------------------------------------------------------------------------------


def funder_offers(chantier: Chantier) -> list[SupportOffer]:
    """The offers of the chantier's funders (and of participants that commit money) that serve its
    territory: what a pooled fund would bring together."""
    from . import selectors

    funders = Participant.objects.filter(chantier=chantier).filter(
        Q(role=Participant.Role.FUNDER) | Q(commitments__kind=Commitment.Kind.MONEY)
    )
    offers = SupportOffer.objects.filter(providers__in=funders.values("organisation_id")).distinct()
    return selectors.offers_serving(chantier.territory, offers)


def _scenario_title(chantier: Chantier) -> str:
    """Every steward sees the scenario: it names a public chantier only."""
    if chantier.is_public:
        return (_("Pooled fund: %(title)s") % {"title": chantier.title})[:200]
    return _("Pooled fund of a private chantier")


def scenario_build(*, user: Any, chantier: Chantier) -> Any:
    """Stewards build (or rebuild) an allocation scenario where the funders' offers that take requests
    become one pooled fund, to compare with the ecosystem as it is."""
    from maillage.matching.allocation import ecosystem_instance
    from maillage.scenarios import services as scenario_services

    _check(user, "chantiers.build_scenario", chantier)
    instance = ecosystem_instance()
    open_offers = {o.id for o in instance.offers}
    offers = sorted(o.slug for o in funder_offers(chantier) if o.slug in open_offers)
    if len(offers) < 2:
        raise MaillageError(
            "pool_too_small",
            _(
                "A pooled fund needs at least two offers of the chantier's funders that serve its territory "
                "and take requests."
            ),
        )
    pool = {
        "id": f"fonds-chantier-{chantier.pk}",
        "name": _("Pooled fund of the chantier") if not chantier.is_public else str(chantier.title)[:120],
        "offers": offers,
    }
    changes = {"format": "maillage-scenario/1", "pool": [pool]}
    with transaction.atomic():
        scenario = chantier.scenario
        if scenario is None:
            scenario = scenario_services.scenario_create(
                user=user,
                organisation=None,
                title=_scenario_title(chantier),
                description=_("What if the funders of this chantier pooled their offers into one fund?"),
                is_demo=chantier.is_demo,
            )
            chantier.scenario = scenario
            chantier.save(update_fields=["scenario", "updated_at"])
        elif scenario.title != _scenario_title(chantier):
            scenario.title = _scenario_title(chantier)
            scenario.save(update_fields=["title"])
        return scenario_services.changes_set(user=user, scenario=scenario, changes=changes, instance=instance)
