"""Reads of chantiers: which ones a person sees, a chantier with its figures (balance between sectors,
decision power, the five conditions), its indicators' progress, and its links to the rest of Maillage:
the needs, gaps and overlaps of its territory (from the ecosystem's analytics, with their threshold of 5
initiatives), and the offers that could fund each action."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from django.db.models import Max, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from maillage.accounts.selectors import memberships_by_organisation
from maillage.common.i18n import current_language
from maillage.core import chantiers as core
from maillage.core.analytics import Cell
from maillage.core.errors import MaillageError
from maillage.directory.models import SupportOffer, Territory

from .models import (
    Action,
    Chantier,
    ChantierIndicator,
    Commitment,
    Invitation,
    JournalEntry,
    Measurement,
    Participant,
)

CONDITIONS_FILE = Path(__file__).resolve().parent.parent / "data" / "frameworks" / "impact-collectif.yaml"
OFFERS_PER_ACTION = 3
#: Participants with their organisation and commitments: what the balance reads.
PARTICIPANTS = Prefetch(
    "participants", queryset=Participant.objects.select_related("organisation").prefetch_related("commitments")
)


# --- which chantiers -------------------------------------------------------------------------------------


#: Territories' boundaries are large JSON documents: a chantier's page and lists never need them.
HEAVY_TERRITORY = ("territory__geometry", "territory__map_geometry")


def visible(user: Any) -> QuerySet[Chantier]:
    """Public chantiers, and the private ones the person's organisations take part in or are invited to."""
    mine = list(memberships_by_organisation(user))
    where = Q(visibility=Chantier.Visibility.PUBLIC)
    if mine:
        where |= Q(participants__organisation__in=mine) | Q(
            invitations__organisation__in=mine, invitations__status=Invitation.Status.PENDING
        )
    return (
        Chantier.objects.filter(pk__in=Chantier.objects.filter(where).values("pk"))
        .select_related("territory")
        .defer(*HEAVY_TERRITORY)
    )


def taking_part(user: Any, chantier_ids: Iterable[int]) -> set[int]:
    """Of these chantiers, those the person's organisations take part in."""
    mine = list(memberships_by_organisation(user))
    if not mine:
        return set()
    return set(
        Participant.objects.filter(chantier__in=list(chantier_ids), organisation__in=mine).values_list(
            "chantier_id", flat=True
        )
    )


def detail(slug: str) -> Chantier:
    found = (
        Chantier.objects.select_related("territory", "scenario")
        .defer(*HEAVY_TERRITORY)
        .prefetch_related(PARTICIPANTS)
        .filter(slug=slug)
        .first()
    )
    if found is None:
        raise MaillageError("chantier_not_found", _("There is no chantier with this identifier."))
    return found


def participants(chantier: Chantier) -> list[Participant]:
    return sorted(chantier.participants.all(), key=lambda p: (core.ROLES.index(p.role), p.organisation.sort_key))


def pending_invitations(chantier: Chantier) -> list[Invitation]:
    return list(
        chantier.invitations.filter(status=Invitation.Status.PENDING).select_related("organisation", "invited_by")
    )


def invitations_for(user: Any) -> list[Invitation]:
    """Invitations waiting for one of the person's organisations (any member sees them; admins answer)."""
    mine = list(memberships_by_organisation(user))
    if not mine:
        return []
    return list(
        Invitation.objects.filter(organisation__in=mine, status=Invitation.Status.PENDING).select_related(
            "chantier", "organisation", "invited_by"
        )
    )


# --- figures ------------------------------------------------------------------------------------------------


def _participant(
    slug: str, sector: str, role: str, decides: bool, commitments: Iterable[tuple[str, Any, Any]]
) -> core.Participant:
    """A participant as the core computes it, from its commitments' (kind, amount, hours): money and staff
    hours summed, the kinds of commitment made."""
    money = hours = 0.0
    kinds = set()
    for kind, amount, hour in commitments:
        kinds.add(kind)
        if kind == Commitment.Kind.MONEY and amount is not None:
            money += float(amount)
        elif kind == Commitment.Kind.STAFF_TIME and hour is not None:
            hours += hour
    return core.Participant(slug, sector, role, decides, money, hours, frozenset(kinds))


def _action(
    pk: int, owner: str | None, elements: Iterable[str], starts_on: date | None, due_on: date | None, status: str
) -> core.Action:
    return core.Action(str(pk), owner, frozenset(elements), starts_on, due_on, status == Action.Status.DONE)


def core_participants(rows: Iterable[Participant]) -> list[core.Participant]:
    """Participants (with their commitments prefetched) as the core computes them."""
    return [
        _participant(
            p.organisation.slug,
            p.sector,
            p.role,
            p.decides,
            ((c.kind, c.amount, c.hours) for c in p.commitments.all()),
        )
        for p in rows
    ]


def core_actions(actions: Iterable[Action]) -> list[core.Action]:
    return [
        _action(a.pk, a.owner.organisation.slug if a.owner else None, a.elements, a.starts_on, a.due_on, a.status)
        for a in actions
    ]


def actions(chantier: Chantier) -> list[Action]:
    return list(chantier.actions.select_related("owner__organisation"))  # by due date, undated last


def indicators(chantier: Chantier) -> list[ChantierIndicator]:
    return list(chantier.indicators.select_related("indicator").prefetch_related("measurements"))


def journal(chantier: Chantier, limit: int | None = None) -> list[JournalEntry]:
    found = chantier.journal.select_related("author")
    return list(found[:limit] if limit else found)


CHUNK = 500  # chantiers per query of the figures: well under every database's limit of parameters


def _chunks(ids: Sequence[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield list(ids[start : start + CHUNK])


def participants_by_chantier(chantier_ids: Iterable[int]) -> dict[int, list[core.Participant]]:
    """Each chantier's participants as the core computes them, in two queries per 500 chantiers of plain
    values (no model objects): their sector, role and seat, and their commitments summed."""
    ids = list(chantier_ids)
    result: dict[int, list[core.Participant]] = {pk: [] for pk in ids}
    for chunk in _chunks(ids):
        commitments: dict[int, list[tuple[str, Any, Any]]] = defaultdict(list)
        for participant, kind, amount, hour in Commitment.objects.filter(participant__chantier__in=chunk).values_list(
            "participant_id", "kind", "amount", "hours"
        ):
            commitments[participant].append((kind, amount, hour))
        rows = (
            Participant.objects.filter(chantier__in=chunk)
            .order_by("chantier_id", "pk")
            .values_list("pk", "chantier_id", "organisation__slug", "sector", "role", "decides")
        )
        for pk, chantier, slug, sector, role, decides in rows:
            result[chantier].append(_participant(slug, sector, role, decides, commitments[pk]))
    return result


def facts_by_chantier(chantiers: Sequence[Chantier], today: date | None = None) -> dict[int, core.Facts]:
    """What the condition check reads about each chantier, in six queries per 500 chantiers."""
    today = today or timezone.localdate()
    ids = [c.pk for c in chantiers]
    people = participants_by_chantier(ids)
    indicators: dict[int, list[core.IndicatorFacts]] = defaultdict(list)
    plans: dict[int, list[core.Action]] = defaultdict(list)
    meetings: dict[int, list[date]] = defaultdict(list)
    decisions: dict[int, list[date]] = defaultdict(list)
    for chunk in _chunks(ids):
        last = dict(
            Measurement.objects.filter(indicator__chantier__in=chunk)
            .values("indicator")
            .annotate(last=Max("measured_on"))
            .values_list("indicator", "last")
        )
        for pk, chantier, baseline, target in (
            ChantierIndicator.objects.filter(chantier__in=chunk)
            .order_by("position", "pk")
            .values_list("pk", "chantier_id", "baseline", "target")
        ):
            indicators[chantier].append(core.IndicatorFacts(baseline is not None, target is not None, last.get(pk)))
        for pk, chantier, *rest in (
            Action.objects.filter(chantier__in=chunk)
            .order_by("pk")
            .values_list("pk", "chantier_id", "owner__organisation__slug", "elements", "starts_on", "due_on", "status")
        ):
            plans[chantier].append(_action(pk, *rest))
        for chantier, kind, happened_on in JournalEntry.objects.filter(
            chantier__in=chunk, kind__in=[JournalEntry.Kind.MEETING, JournalEntry.Kind.DECISION]
        ).values_list("chantier_id", "kind", "happened_on"):
            if kind == JournalEntry.Kind.DECISION:
                decisions[chantier].append(happened_on)
            elif happened_on <= today:
                meetings[chantier].append(happened_on)
    return {
        c.pk: core.Facts(
            today=today,
            has_change=bool(c.title_fr or c.title_en),
            has_whom=bool(c.whom_fr or c.whom_en),
            has_territory=c.territory_id is not None,
            due_on=c.due_on,
            participants=people[c.pk],
            indicators=indicators[c.pk],
            actions=plans[c.pk],
            meetings=meetings[c.pk],
            decisions=decisions[c.pk],
        )
        for c in chantiers
    }


def facts(chantier: Chantier, today: date | None = None) -> core.Facts:
    """What the condition check reads about one chantier."""
    return facts_by_chantier([chantier], today)[chantier.pk]


# --- the five conditions, in words -------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _conditions_document() -> dict[str, Any]:
    with CONDITIONS_FILE.open(encoding="utf-8") as handle:
        document: dict[str, Any] = yaml.safe_load(handle)
    return document


def condition_texts(language: str | None = None) -> dict[str, dict[str, Any]]:
    """Condition id → name, description, framework elements, in the language."""
    language = language or current_language()
    return {
        c["id"]: {"name": c["name"][language], "description": c["description"][language], "elements": c["elements"]}
        for c in _conditions_document()["conditions"]
    }


def check_text(code: str, met: bool, language: str | None = None) -> str:
    language = language or current_language()
    return str(_conditions_document()["checks"][code]["met" if met else "lacking"][language])


def condition_sources() -> list[dict[str, str]]:
    return list(_conditions_document()["sources"])


@dataclass
class ConditionView:
    id: str
    name: str
    description: str
    status: str
    met: list[str]
    lacking: list[str]
    offers: list[OfferMatch] = field(default_factory=list)  # offers that support it, where it is not in place


def conditions(
    chantier: Chantier, today: date | None = None, *, finder: OfferFinder | None = None
) -> list[ConditionView]:
    """The five conditions in words; with a ``finder`` (the offers serving the territory), the offers that
    support each condition not in place."""
    texts = condition_texts()
    views = []
    for check in core.check_conditions(facts(chantier, today)):
        text = texts[check.condition]
        views.append(
            ConditionView(
                id=check.condition,
                name=text["name"],
                description=text["description"],
                status=check.status,
                met=[check_text(c, True) for c in check.met],
                lacking=[check_text(c, False) for c in check.lacking],
                offers=finder.best(text["elements"]) if finder is not None and check.status != "in_place" else [],
            )
        )
    return views


# --- links to the rest ------------------------------------------------------------------------------------


def related_territories(territory: Territory) -> set[int]:
    """The territory, every territory it lies within (its borough, the agglomeration) and every territory
    within it: an offer serving any of them serves it, or part of it."""
    from maillage.matching.selectors import TerritoryGraph

    graph = TerritoryGraph.load()
    ids = set(graph.containing([territory]))
    children: dict[int, set[int]] = {}
    for child, parents in graph.parents.items():
        for parent in parents:
            children.setdefault(parent, set()).add(child)
    frontier = {territory.pk}
    while frontier:
        frontier = set().union(*(children.get(pk, set()) for pk in frontier)) - ids
        ids |= frontier
    return ids


def offers_serving(territory: Territory, offers: QuerySet[SupportOffer]) -> list[SupportOffer]:
    """Offers serving the territory: those without territories (everywhere) and those of related ones."""
    related = related_territories(territory)
    return list(
        offers.filter(Q(territories__isnull=True) | Q(territories__in=related))
        .distinct()
        .select_related("support_type")
        .prefetch_related("providers", "covers", "open_periods")
        .order_by("sort_key", "id")
    )


@dataclass(frozen=True)
class OfferMatch:
    offer: SupportOffer
    covered: tuple[tuple[str, float], ...]  # element → share covered, for the elements asked
    score: float


class OfferFinder:
    """The offers serving a territory that take requests now or open within the basket's planning horizon,
    with what each covers (its declared coverage, or what its support type addresses, as in the basket):
    read once, then asked for the best offers for any set of framework elements."""

    def __init__(self, territory: Territory, limit: int = OFFERS_PER_ACTION) -> None:
        from maillage.diagnostics import selectors as diagnostic_selectors
        from maillage.matching.selectors import OPENING_HORIZON_DAYS, accepting_requests, covers_of

        self.limit = limit
        self.offers: list[tuple[SupportOffer, dict[str, float]]] = []
        current = diagnostic_selectors.current_framework()
        if current is None:
            return
        framework = diagnostic_selectors.framework_of(current)
        today = timezone.localdate()
        horizon = today + timedelta(days=OPENING_HORIZON_DAYS)
        for offer in offers_serving(territory, SupportOffer.objects.all()):
            if accepting_requests(offer, today, horizon)[1]:  # closed for this cycle: it could not help
                self.offers.append((offer, covers_of(offer, framework)[0]))

    def best(self, elements: Iterable[str]) -> list[OfferMatch]:
        """The offers that cover the elements best (the sum of their shares covered), each with what it covers."""
        wanted = list(dict.fromkeys(elements))
        matches = []
        for offer, covers in self.offers:
            covered = tuple((e, covers[e]) for e in wanted if covers.get(e, 0) > 0)
            if covered:
                matches.append(OfferMatch(offer, covered, sum(share for _e, share in covered)))
        matches.sort(key=lambda m: (-m.score, m.offer.sort_key, m.offer.pk))
        return matches[: self.limit]


@dataclass(frozen=True)
class NeedRow:
    element: str
    in_need: int  # initiatives with a need on the element
    need: float  # their weighted need
    reachable: float  # the part of it an offer with places left accepts and covers

    @property
    def reachable_pct(self) -> float | None:
        return round(100 * self.reachable / self.need, 1) if self.need > 0 else None


@dataclass(frozen=True)
class TerritoryNeeds:
    """What the ecosystem's analytics say about the chantier's territory (aggregates of 5 initiatives or more)."""

    group: str | None  # the analytics group shown for the territory (None: the whole island, or withheld)
    level: str
    initiatives: int  # initiatives with a submitted diagnostic counted
    needs: tuple[NeedRow, ...]  # by framework element, most initiatives in need first
    gaps: tuple[Cell, ...]
    overlaps: tuple[Cell, ...]
    threshold: int
    withheld: bool  # too few initiatives with a diagnostic there to show anything


def _need_rows(cells: Iterable[Cell]) -> tuple[NeedRow, ...]:
    totals: dict[str, tuple[int, float, float]] = {}
    for c in cells:
        n, need, reachable = totals.get(c.element, (0, 0.0, 0.0))
        totals[c.element] = (n + c.in_need, need + c.need, reachable + c.reachable)
    rows = [NeedRow(e, n, need, reachable) for e, (n, need, reachable) in totals.items() if n]
    return tuple(sorted(rows, key=lambda r: (-r.in_need, r.element)))


def territory_needs(territory: Territory, limit: int = 10) -> TerritoryNeeds:
    """The needs of the initiatives of the territory, and the gaps and overlaps there, as the analytics
    show them: by quartier for a quartier, by borough for a borough or linked city, every group shown for
    the whole island. A territory with fewer than 5 initiatives with a diagnostic shows nothing."""
    from maillage.analytics import selectors as analytics

    level = "quartier" if territory.kind == Territory.Kind.QUARTIER else "borough"
    supply = analytics.demand_supply(level)
    if territory.kind == Territory.Kind.REGION:
        shown = [c for c in supply.cells if c.group in supply.sizes]
        initiatives = sum(supply.sizes.values())
        return TerritoryNeeds(
            None,
            level,
            initiatives,
            _need_rows(shown),
            tuple(supply.gaps()[:limit]),
            tuple(supply.overlaps()[:limit]),
            supply.threshold,
            initiatives < supply.threshold,
        )
    group = territory.slug if territory.slug in supply.sizes else None
    if group is None:
        return TerritoryNeeds(None, level, 0, (), (), (), supply.threshold, True)
    return TerritoryNeeds(
        group,
        level,
        supply.sizes[group],
        _need_rows(c for c in supply.cells if c.group == group),
        tuple(c for c in supply.gaps() if c.group == group)[:limit],
        tuple(c for c in supply.overlaps() if c.group == group)[:limit],
        supply.threshold,
        False,
    )
