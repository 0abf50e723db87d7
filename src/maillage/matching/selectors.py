"""The basket of support of one initiative: its needs and context from its latest diagnostic, every
offer's conditions and coverage, the core's eligibility and exact solver, and the explanations.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property
from typing import Any

from django.db.models import Count
from django.utils import timezone, translation

from maillage.accounts.selectors import memberships_by_organisation
from maillage.core import basket as basket_core
from maillage.core import eligibility as rules_core
from maillage.core.availability import availability
from maillage.core.framework import Framework as CoreFramework
from maillage.diagnostics import selectors as diagnostic_selectors
from maillage.diagnostics.models import Diagnostic
from maillage.directory.models import (
    Initiative,
    Language,
    Organisation,
    Population,
    Sector,
    SupportOffer,
    SupportType,
    Territory,
)

from .models import EligibilityRule, SupportRequest

MAX_OFFERS = 3
BURDEN_PENALTY = 0.02  # the allocation format's default: 50 reporting hours cost one unit of need
INFERRED_STRENGTH = 0.5  # an offer without declared coverage covers half the need of the elements of its type
OPENING_HORIZON_DAYS = 90  # an offer opening within this many days still enters a basket


def _both(label: Any) -> rules_core.Label:
    with translation.override("fr"):
        fr = str(label)
    with translation.override("en"):
        en = str(label)
    return rules_core.Label(fr, en)


def labels() -> dict[str, rules_core.Label]:
    """Every code a rule may name → its name in French and English."""
    names: dict[str, rules_core.Label] = {}
    for territory in Territory.objects.only("slug", "name_fr", "name_en"):
        names[territory.slug] = rules_core.Label(territory.name_fr, territory.name_en or territory.name_fr)
    for model in (Sector, Population, Language, SupportType):
        for term in model.objects.all():
            names.setdefault(term.code, rules_core.Label(term.name_fr, term.name_en or term.name_fr))
    for choices in (Initiative.Stage, Organisation.LegalStatus, Organisation.BudgetRange):
        for value, label in choices.choices:
            names.setdefault(value, _both(label))
    return names


def applicant_of(
    initiative: Initiative, diagnostic: Diagnostic | None, graph: TerritoryGraph | None = None
) -> rules_core.Applicant:
    """What the rules look at: the diagnostic's context when there is one, else the directory's.
    Pass ``graph`` when asking for many initiatives, to read the territories once."""
    lead = next((c.organisation for c in initiative.carriers.all() if c.is_lead), None)
    if lead is None:
        lead = next((c.organisation for c in initiative.carriers.all()), None)
    own = list(diagnostic.territories.all()) if diagnostic is not None else list(initiative.territories.all())
    slugs = (graph or TerritoryGraph.load()).containing(own)
    populations = diagnostic.populations.all() if diagnostic is not None else initiative.populations.all()
    return rules_core.Applicant(
        territories=frozenset(slugs.values()),
        own_territories=tuple(t.slug for t in own),
        sectors=frozenset({initiative.sector.code} if initiative.sector else set()),
        populations=frozenset(p.code for p in populations),
        stage=(diagnostic.stage if diagnostic is not None else "") or initiative.stage,
        legal_status=lead.legal_status if lead else "",
        budget_range=(diagnostic.budget_range if diagnostic is not None else "")
        or (lead.annual_budget if lead else ""),
        founded_year=lead.founded_year if lead else None,
    )


@dataclass(frozen=True)
class TerritoryGraph:
    """Which territory lies within which (a quartier in its borough, the borough in the agglomeration)."""

    parents: dict[int, set[int]]
    slugs: dict[int, str]

    @classmethod
    def load(cls) -> TerritoryGraph:
        parents: dict[int, set[int]] = {}
        for child, parent in Territory.within.through.objects.values_list("from_territory_id", "to_territory_id"):
            parents.setdefault(child, set()).add(parent)
        return cls(parents, dict(Territory.objects.values_list("pk", "slug")))

    def containing(self, territories: Iterable[Territory]) -> dict[int, str]:
        """The territories and every territory that contains them: an initiative in Verdun is in the
        agglomeration, but an island-wide one is not in Montréal-Nord."""
        found = {t.pk for t in territories}
        frontier = set(found)
        while frontier:
            frontier = set().union(*(self.parents.get(pk, set()) for pk in frontier)) - found
            found |= frontier
        return {pk: self.slugs[pk] for pk in found if pk in self.slugs}


def rules_of(offer: SupportOffer) -> list[rules_core.Rule]:
    """The offer's declared rules; without a territory rule in force, the territories it lists are one."""
    declared = [
        rules_core.Rule(
            kind=r.kind,
            values=tuple(r.values or ()),
            negate=r.negate,
            minimum_years=r.minimum_years,
            maximum_years=r.maximum_years,
            valid_from=r.valid_from,
            source=r.source,
        )
        for r in offer.eligibility_rules.all()
    ]
    places = tuple(t.slug for t in offer.territories.all())
    today = timezone.localdate()
    in_force = [r for r in declared if r.valid_from is None or r.valid_from <= today]
    if places and not any(r.kind == EligibilityRule.Kind.TERRITORY for r in in_force):
        declared.insert(0, rules_core.Rule("territory", places))
    return declared


def covers_of(offer: SupportOffer, framework: CoreFramework) -> tuple[dict[str, float], bool]:
    """(element → share covered, inferred?): the declared coverage, or else the elements that the
    framework says its support type addresses, each half covered."""
    declared = {c.element: c.strength for c in offer.covers.all()}
    if declared:
        return declared, False
    code = offer.support_type.code
    return {e.id: INFERRED_STRENGTH for e in framework.elements if code in e.support_types}, True


@dataclass
class OfferView:
    offer: SupportOffer
    covers: dict[str, float]
    inferred: bool
    eligible: bool
    wanted: bool  # of a kind of support the team asked for (or the team asked for none)
    rules: list[rules_core.Rule]
    applicant: rules_core.Applicant
    names: dict[str, rules_core.Label]
    availability: Any = None  # maillage.core.availability.Availability
    requested: Any = None  # the initiative's request waiting for this offer, if any

    @cached_property
    def eligibility(self) -> rules_core.Eligibility:
        """Every rule with its sentence, written only for the offers shown."""
        return rules_core.evaluate(self.rules, self.applicant, self.names)


@dataclass
class BasketView:
    initiative: Initiative
    diagnostic: Diagnostic | None
    framework: CoreFramework | None
    needs: dict[str, float] = field(default_factory=dict)
    max_burden_hours: int | None = None
    wanted_types: list[str] = field(default_factory=list)
    all_types: bool = False
    recommendation: basket_core.Recommendation | None = None
    offers: dict[str, OfferView] = field(default_factory=dict)


def offers_for_baskets() -> Iterable[SupportOffer]:
    return (
        SupportOffer.objects.select_related("support_type")
        .prefetch_related("covers", "eligibility_rules", "territories", "providers", "open_periods")
        .order_by("sort_key", "id")
    )


def basket_for(initiative: Initiative, *, all_types: bool = False) -> BasketView:
    """The explained basket of an initiative, from its latest submitted diagnostic."""
    diagnostic = (
        Diagnostic.objects.filter(initiative=initiative, status=Diagnostic.Status.SUBMITTED)
        .select_related("framework")
        .prefetch_related("territories", "populations", "wanted_support_types")
        .order_by("-submitted_at")
        .first()
    )
    if diagnostic is None:
        return BasketView(initiative, None, None)
    framework = diagnostic_selectors.framework_of(diagnostic.framework)
    result = diagnostic_selectors.result_of(diagnostic)
    assert result is not None
    view = BasketView(
        initiative,
        diagnostic,
        framework,
        needs=result.needs_map(),
        max_burden_hours=diagnostic.max_reporting_hours,
        wanted_types=[t.code for t in diagnostic.wanted_support_types.all()],
        all_types=all_types,
    )
    applicant = applicant_of(initiative, diagnostic)
    names = labels()
    accepted = accepted_this_year()
    waiting = {
        r.offer_id: r for r in SupportRequest.objects.filter(initiative=initiative, status=SupportRequest.Status.SENT)
    }
    today = timezone.localdate()
    horizon = today + timedelta(days=OPENING_HORIZON_DAYS)
    candidates = []
    for offer in offers_for_baskets():
        covers, inferred = covers_of(offer, framework)
        if not any(view.needs.get(e, 0) > 0 for e in covers):
            continue  # covers nothing this initiative needs
        rules = rules_of(offer)
        eligible = rules_core.is_eligible(rules, applicant)
        wanted = all_types or not view.wanted_types or offer.support_type.code in view.wanted_types
        when, accepting = accepting_requests(offer, today, horizon)
        view.offers[offer.slug] = OfferView(
            offer, covers, inferred, eligible, wanted, rules, applicant, names, when, waiting.get(offer.pk)
        )
        candidates.append(
            basket_core.Candidate(
                basket_core.Offer(offer.slug, float(offer.reporting_hours), covers),
                eligible=eligible and wanted,
                accepting=accepting,
                capacity_left=None if offer.capacity is None else max(0, offer.capacity - accepted.get(offer.pk, 0)),
            )
        )
    view.recommendation = basket_core.recommend(
        view.needs,
        candidates,
        max_offers=MAX_OFFERS,
        max_burden_hours=None if view.max_burden_hours is None else float(view.max_burden_hours),
        burden_penalty=BURDEN_PENALTY,
    )
    return view


def accepting_requests(offer: SupportOffer, today: date, horizon: date) -> tuple[Any, bool]:
    """(its availability, whether it takes requests for this cycle): open now, without dates, or
    opening within the planning horizon, so that a team can prepare its request."""
    periods = [(p.opens_on, p.closes_on) for p in offer.open_periods.all()]
    when = availability(periods, today=today, rolling=offer.is_rolling)
    accepting = when.state in ("rolling", "open", "unknown") or (
        when.state == "upcoming" and when.next_opening is not None and when.next_opening <= horizon
    )
    return when, accepting


def accepted_this_year(offer_ids: Iterable[int] | None = None, *, year: int | None = None) -> dict[int, int]:
    """Offer id → requests accepted in the calendar year: what its capacity for the cycle has given."""
    accepted = SupportRequest.objects.filter(
        status=SupportRequest.Status.ACCEPTED, answered_at__year=year or timezone.now().year
    )
    if offer_ids is not None:
        accepted = accepted.filter(offer_id__in=list(offer_ids))
    return dict(accepted.values("offer").annotate(n=Count("id")).values_list("offer", "n"))


def requests_sent(user: Any) -> list[Any]:
    """Requests of the initiatives that the person's organisations carry."""
    mine = list(memberships_by_organisation(user))
    return list(
        SupportRequest.objects.filter(initiative__carriers__organisation_id__in=mine)
        .distinct()
        .select_related("initiative", "offer")
    )


def requests_received(user: Any) -> list[Any]:
    """Requests for the offers that the person's organisations provide."""
    mine = list(memberships_by_organisation(user))
    return list(
        SupportRequest.objects.filter(offer__providers__id__in=mine).distinct().select_related("initiative", "offer")
    )
