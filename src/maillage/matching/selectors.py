"""The basket of support of one initiative: its needs and context from its latest diagnostic, every
offer's conditions and coverage, the core's eligibility and exact solver, and the explanations.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property
from typing import Any

import numpy as np
from django.db import connection
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
    OpenPeriod,
    Organisation,
    Population,
    Sector,
    SupportOffer,
    SupportType,
    Territory,
)

from .models import EligibilityRule, OfferCover, SupportRequest

MAX_OFFERS = 3
BURDEN_PENALTY = 0.02  # the allocation format's default: 50 reporting hours cost one unit of need
INFERRED_STRENGTH = 0.5  # an offer without declared coverage covers half the need of the elements of its type
OPENING_HORIZON_DAYS = 90  # an offer opening within this many days still enters a basket
LEFT_OUT_SHOWN = 5  # offers left out that a basket explains


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


def rules_of(offer: SupportOffer, today: date | None = None) -> list[rules_core.Rule]:
    """The offer's declared rules; without a territory rule in force, the territories it lists are one."""
    declared = tuple(_rule(r) for r in offer.eligibility_rules.all())
    places = tuple(t.slug for t in offer.territories.all())
    return effective_rules(declared, places, today or timezone.localdate())


RULE_FIELDS = ("kind", "values", "negate", "minimum_years", "maximum_years", "valid_from", "source")


def _rule(r: EligibilityRule) -> rules_core.Rule:
    return _rule_from(*(getattr(r, name) for name in RULE_FIELDS))


def _rule_from(kind: str, values: Any, *rest: Any) -> rules_core.Rule:
    """A core rule from an eligibility rule's ``RULE_FIELDS``, in that order."""
    return rules_core.Rule(kind, tuple(values or ()), *rest)


def effective_rules(
    declared: tuple[rules_core.Rule, ...], places: tuple[str, ...], today: date
) -> list[rules_core.Rule]:
    """``declared``, preceded by a territory rule over ``places`` when none of the declared is in force today."""
    rules = list(declared)
    if places and not any(
        r.kind == EligibilityRule.Kind.TERRITORY and (r.valid_from is None or r.valid_from <= today) for r in declared
    ):
        rules.insert(0, rules_core.Rule("territory", places))
    return rules


def covers_of(offer: SupportOffer, framework: CoreFramework) -> tuple[dict[str, float], bool]:
    """(element → share covered, inferred?): the declared coverage, or else the elements that the
    framework says its support type addresses, each half covered."""
    return covers_from({c.element: c.strength for c in offer.covers.all()}, offer.support_type.code, framework)


def covers_from(
    declared: dict[str, float], support_type: str, framework: CoreFramework
) -> tuple[dict[str, float], bool]:
    if declared:
        return declared, False
    return {e.id: INFERRED_STRENGTH for e in framework.elements if support_type in e.support_types}, True


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


# --- the offers as a basket weighs them, read once per process ----------------------------------
#
# A basket weighs every offer of the ecosystem (37,500 in the benchmark's), of which it shows a handful.
# Building model instances and prefetching five relations for each took 20 to 40 s per basket; the few
# facts the basket needs are read instead with one narrow query per table, kept by each process and read
# again only when a fingerprint of those tables changes (offers are saved with a new ``updated_at``;
# covers, rules and open periods are replaced, never changed in place). What depends on the day (rules
# whose date has come, availability) and on the framework (inferred coverage) is derived once per day
# and framework. A basket then loads models only for the offers it shows.


@dataclass(frozen=True, slots=True)
class OfferFacts:
    pk: int
    slug: str
    support_type_id: int
    reporting_hours: float
    capacity: int | None
    is_rolling: bool
    covers: dict[str, float]  # as declared; empty: inferred from the support type
    rules: tuple[rules_core.Rule, ...]  # as declared
    places: tuple[str, ...]  # the territories it lists
    periods: tuple[tuple[date, date], ...]


@dataclass(frozen=True, slots=True)
class WeighedOffer:
    """An offer as a basket weighs it on one day with one framework."""

    facts: OfferFacts
    offer: basket_core.Offer  # with its covers, declared or inferred
    support_type: str
    inferred: bool
    rules: tuple[rules_core.Rule, ...]  # in force: with the territory rule its places make
    availability: Any
    accepting: bool


class Weighed:
    """Every offer on one day with one framework, and the same as arrays, one row per offer, so that a basket
    selects in a few vector operations the offers that can change its answer (see ``basket_for``)."""

    def __init__(self, offers: list[WeighedOffer]) -> None:
        self.offers = offers
        self.elements = sorted({e for o in offers for e in o.offer.covers})
        column = {e: i for i, e in enumerate(self.elements)}
        self.covers = np.zeros((len(offers), len(self.elements)))  # share of each element's need, at most 1
        for row, o in enumerate(offers):
            for element, share in o.offer.covers.items():
                self.covers[row, column[element]] = min(1.0, share)
        self.hours = np.array([o.offer.burden_hours for o in offers], dtype=float)
        self.accepting = np.array([o.accepting for o in offers], dtype=bool)
        self.type_codes = np.array([o.support_type for o in offers], dtype=object)
        self.capacity = np.array([-1 if o.facts.capacity is None else o.facts.capacity for o in offers], dtype=int)
        self.row_of = {o.facts.pk: row for row, o in enumerate(offers)}
        # Offers with the same rules get the same verdict: a few thousand sets of rules for 37,500 offers.
        groups: dict[tuple[rules_core.Rule, ...], int] = {}
        self.group_of = np.array([groups.setdefault(o.rules, len(groups)) for o in offers], dtype=int)
        self.groups = list(groups)


class Catalogue:
    def __init__(self, stamp: tuple[Any, ...], offers: list[OfferFacts]) -> None:
        self.stamp = stamp
        self.offers = offers
        self._weighed: dict[tuple[Any, ...], Weighed] = {}

    def weighed(self, framework: CoreFramework, key: str, today: date) -> Weighed:
        """The offers with what they cover under ``framework`` (named by ``key``) and what holds ``today``."""
        types = dict(SupportType.objects.values_list("pk", "code"))  # a dozen rows, read each time
        cache_key = (key, today, tuple(sorted(types.items())))
        found = self._weighed.get(cache_key)
        if found is None:
            horizon = today + timedelta(days=OPENING_HORIZON_DAYS)
            by_type = {code: covers_from({}, code, framework)[0] for code in types.values()}
            offers = []
            for facts in self.offers:
                code = types.get(facts.support_type_id, "")
                covers, inferred = (facts.covers, False) if facts.covers else (by_type.get(code, {}), True)
                when, accepting = accepting_from(facts.periods, facts.is_rolling, today, horizon)
                offers.append(
                    WeighedOffer(
                        facts,
                        basket_core.Offer(facts.slug, facts.reporting_hours, covers),
                        code,
                        inferred,
                        tuple(effective_rules(facts.rules, facts.places, today)),
                        when,
                        accepting,
                    )
                )
            found = Weighed(offers)
            self._weighed = {cache_key: found}  # one day and framework at a time: yesterday's is dropped
        return found


CATALOGUE_TABLES: tuple[tuple[Any, str], ...] = (
    (SupportOffer, "updated_at"),
    (OfferCover, "id"),
    (EligibilityRule, "id"),
    (OpenPeriod, "id"),
    (SupportOffer.territories.through, "id"),
    (Territory, "updated_at"),
)
_catalogue: Catalogue | None = None


def catalogue_stamp() -> tuple[Any, ...]:
    """Changes whenever an offer, its covers, rules, open periods or territories, or a territory change: each
    table's row count and latest id or change, in one query (about 10 ms at 37,500 offers)."""
    quote = connection.ops.quote_name
    parts = []
    for model, column in CATALOGUE_TABLES:
        table = quote(model._meta.db_table)
        parts.append(
            f"(SELECT COUNT(*) FROM {table}), (SELECT MAX({quote(model._meta.get_field(column).column)}) FROM {table})"
        )
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts))
        return tuple(cursor.fetchone() or ())


def offer_catalogue() -> Catalogue:
    """Every offer's facts, as of now: read again when the stamp differs from the one kept."""
    global _catalogue
    stamp = catalogue_stamp()  # before reading: a change made meanwhile is read again next time
    kept = _catalogue
    if kept is not None and kept.stamp == stamp:
        return kept
    covers: dict[int, dict[str, float]] = {}
    for offer_id, element, strength in OfferCover.objects.order_by("id").values_list("offer_id", "element", "strength"):
        covers.setdefault(offer_id, {})[element] = strength
    rules: dict[int, list[rules_core.Rule]] = {}
    for offer_id, *fields in EligibilityRule.objects.order_by("offer_id", "position", "id").values_list(
        "offer_id", *RULE_FIELDS
    ):
        rules.setdefault(offer_id, []).append(_rule_from(*fields))
    places: dict[int, list[str]] = {}
    through = SupportOffer.territories.through.objects.order_by("territory__kind", "territory__slug")
    for offer_id, slug in through.values_list("supportoffer_id", "territory__slug"):
        places.setdefault(offer_id, []).append(slug)
    periods: dict[int, list[tuple[date, date]]] = {}
    for offer_id, opens_on, closes_on in OpenPeriod.objects.order_by("opens_on", "id").values_list(
        "offer_id", "opens_on", "closes_on"
    ):
        periods.setdefault(offer_id, []).append((opens_on, closes_on))
    offers = [
        OfferFacts(
            pk,
            slug,
            support_type_id,
            float(hours),
            capacity,
            is_rolling,
            covers.get(pk, {}),
            tuple(rules.get(pk, ())),
            tuple(places.get(pk, ())),
            tuple(periods.get(pk, ())),
        )
        for pk, slug, support_type_id, hours, capacity, is_rolling in SupportOffer.objects.order_by(
            "sort_key", "id"
        ).values_list("pk", "slug", "support_type_id", "reporting_hours", "capacity", "is_rolling")
    ]
    _catalogue = Catalogue(stamp, offers)
    return _catalogue


def forget_catalogue() -> None:
    """Drop the kept catalogue (tests, whose rolled-back rows may come back with the same ids)."""
    global _catalogue
    _catalogue = None


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
    today = timezone.localdate()
    framework_key = f"{diagnostic.framework_id}@{diagnostic.framework.published_at.isoformat()}"
    table = offer_catalogue().weighed(framework, framework_key, today)
    accepted = accepted_this_year()
    rows, eligible, wanted, left = _rows_that_count(table, view, applicant, today, accepted)
    row_of = {table.offers[row].facts.slug: row for row in rows}
    candidates = [
        basket_core.Candidate(
            table.offers[row].offer,
            eligible=bool(eligible[row] and wanted[row]),
            accepting=table.offers[row].accepting,
            capacity_left=None if left[row] < 0 else int(left[row]),
        )
        for row in rows
    ]
    view.recommendation = rec = basket_core.recommend(
        view.needs,
        candidates,
        max_offers=MAX_OFFERS,
        max_burden_hours=None if view.max_burden_hours is None else float(view.max_burden_hours),
        burden_penalty=BURDEN_PENALTY,
        left_out_shown=LEFT_OUT_SHOWN,
    )
    shown = {*rec.basket.offers, *(lo.offer for lo in rec.left_out)}
    for alternative in rec.alternatives:
        shown |= {*alternative.added, *alternative.removed}
    shown_offers = SupportOffer.objects.filter(slug__in=shown).select_related("support_type")
    models = {o.slug: o for o in shown_offers.prefetch_related("providers")}  # what the page shows of them
    waiting = {
        r.offer_id: r for r in SupportRequest.objects.filter(initiative=initiative, status=SupportRequest.Status.SENT)
    }
    names = labels()
    for slug in sorted(models, key=lambda s: models[s].sort_key):  # an offer deleted meanwhile is not shown
        row = row_of[slug]
        offer = table.offers[row]
        view.offers[slug] = OfferView(
            models[slug],
            dict(offer.offer.covers),
            offer.inferred,
            bool(eligible[row]),
            bool(wanted[row]),
            list(offer.rules),
            applicant,
            names,
            offer.availability,
            waiting.get(offer.facts.pk),
        )
    return view


def _rows_that_count(
    table: Weighed, view: BasketView, applicant: rules_core.Applicant, today: date, accepted: dict[int, int]
) -> tuple[list[int], Any, Any, Any]:
    """(rows, eligible, wanted, left): the offers whose presence among the candidates can change the
    recommendation, in the catalogue's order, with every row's verdicts and capacity left (-1: no capacity
    declared).

    ``recommend`` puts in the basket and its alternatives only offers open to the initiative (eligible, of a
    wanted kind, taking requests, with room left), and explains the ``LEFT_OUT_SHOWN`` others worth the most
    on their own. Every offer open to the initiative and covering one of its needs is kept; of the others,
    only those worth at least as much on their own as the fifth best of them (a margin keeps the near ties,
    which ``recommend`` orders itself). The answer is the same as with every offer, at a fraction of the work.
    """
    needs = np.array([max(0.0, view.needs.get(e, 0.0)) for e in table.elements])
    covering = (table.covers[:, needs > 0] > 0).any(axis=1)
    alone = table.covers @ needs - BURDEN_PENALTY * table.hours
    verdicts = np.array([rules_core.is_eligible(g, applicant, today=today) for g in table.groups], dtype=bool)
    eligible = verdicts[table.group_of] if len(table.groups) else np.zeros(0, dtype=bool)
    if view.all_types or not view.wanted_types:
        wanted = np.ones(len(table.offers), dtype=bool)
    else:
        wanted = np.isin(table.type_codes, view.wanted_types)
    left = table.capacity.copy()
    for offer_id, count in accepted.items():
        row = table.row_of.get(offer_id)
        if row is not None and left[row] >= 0:
            left[row] = max(0, left[row] - count)
    open_ = covering & eligible & wanted & table.accepting & (left != 0)
    others = np.flatnonzero(covering & ~open_ & (alone > basket_core.EPSILON))
    if len(others) > LEFT_OUT_SHOWN:
        fifth = np.partition(alone[others], -LEFT_OUT_SHOWN)[-LEFT_OUT_SHOWN]
        others = others[alone[others] >= fifth - 1e-6]
    rows = np.union1d(np.flatnonzero(open_), others)  # sorted: the catalogue's order
    return [int(r) for r in rows], eligible, wanted, left


def accepting_from(periods: Iterable[tuple[date, date]], rolling: bool, today: date, horizon: date) -> tuple[Any, bool]:
    when = availability(periods, today=today, rolling=rolling)
    accepting = when.state in ("rolling", "open", "unknown") or (
        when.state == "upcoming" and when.next_opening is not None and when.next_opening <= horizon
    )
    return when, accepting


def accepting_requests(offer: SupportOffer, today: date, horizon: date) -> tuple[Any, bool]:
    """(its availability, whether it takes requests for this cycle): open now, without dates, or
    opening within the planning horizon, so that a team can prepare its request."""
    periods = [(p.opens_on, p.closes_on) for p in offer.open_periods.all()]
    return accepting_from(periods, offer.is_rolling, today, horizon)


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
