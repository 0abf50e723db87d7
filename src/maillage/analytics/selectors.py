"""Reads of the analytics app: the ecosystem in the shapes of :mod:`maillage.core.analytics`.

Demo and real data are never mixed: real records when there are any, else the demo's (as for the
allocation). Figures drawn from diagnostics go through :func:`maillage.core.analytics.supply_demand`,
whose rows each describe at least :data:`THRESHOLD` initiatives of as many organisations.

The ecosystem instance takes about a second to build on the Montréal demo, so each computed picture is
cached under a fingerprint of the data it reads (counts and latest changes of the tables involved, and
the date): the first view after a change recomputes it, the next ones read it.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db.models import Count, Max, Q
from django.utils import timezone

from maillage.core.allocation import Instance
from maillage.core.analytics import (
    OTHER,
    REST,
    THRESHOLD,
    Flow,
    Place,
    SupplyDemand,
    supply_demand,
)
from maillage.core.synergies import Actor, Group, Pair, find_synergies
from maillage.diagnostics.models import Diagnostic, Framework, ScoringSettings
from maillage.directory.models import (
    Initiative,
    InitiativeCarrier,
    OpenPeriod,
    Organisation,
    Population,
    Relation,
    Resource,
    Sector,
    SupportOffer,
    Territory,
)
from maillage.matching.allocation import ecosystem_instance
from maillage.matching.models import EligibilityRule, OfferCover, SupportRequest

__all__ = ["OTHER", "REST", "THRESHOLD"]

T = TypeVar("T")
LEVELS = ("quartier", "borough")
CACHE_SECONDS = 3600

FIGURES = {
    "low_income": "low_income_pct",
    "material_deprivation": "material_deprivation_pct",
    "social_deprivation": "social_deprivation_pct",
    "priority_zone": "priority_zone_pct",
}


EVERYTHING: tuple[tuple[Any, str], ...] = (
    (Diagnostic, "updated_at"),
    (SupportOffer, "updated_at"),
    (Initiative, "updated_at"),
    (Organisation, "updated_at"),
    (Relation, "updated_at"),
    (Territory, "updated_at"),
    (Framework, "published_at"),
    (ScoringSettings, "changed_at"),
    (SupportRequest, "answered_at"),
    (OfferCover, "id"),
    (EligibilityRule, "id"),
    (OpenPeriod, "id"),
)
RELATIONS: tuple[tuple[Any, str], ...] = ((Organisation, "updated_at"), (Relation, "updated_at"))

# Within one request, what a page asks for several times (the fingerprints, whether relations are the
# demo's, the territories) is read once. Outside requests (the worker, the shell) nothing is remembered.
_request = threading.local()


def _forget(**kwargs: Any) -> None:
    _request.memo = {}


def _stop_remembering(**kwargs: Any) -> None:
    _request.memo = None


request_started.connect(_forget, dispatch_uid="maillage-analytics-memo")
request_finished.connect(_stop_remembering, dispatch_uid="maillage-analytics-memo-end")


def _per_request(name: str, compute: Callable[[], T]) -> T:
    memo: dict[str, Any] | None = getattr(_request, "memo", None)
    if memo is None:
        return compute()
    if name not in memo:
        memo[name] = compute()
    return memo[name]  # type: ignore[no-any-return]


def fingerprint(scope: str = "everything") -> str:
    """Changes when anything the analytics read changes (``scope="everything"``, with the date, for the
    pictures drawn from the ecosystem instance), or when organisations or relations do
    (``scope="relations"``, for the network)."""

    def compute() -> str:
        parts: list[Any] = [timezone.localdate().isoformat()] if scope == "everything" else []
        for model, stamp in EVERYTHING if scope == "everything" else RELATIONS:
            row = model.objects.aggregate(n=Count("pk"), last=Max(stamp))
            parts.append((model.__name__, row["n"], str(row["last"])))
        return hashlib.sha256(repr(parts).encode()).hexdigest()[:24]

    return _per_request(f"fingerprint:{scope}", compute)


def is_slug(value: str | None) -> bool:
    """Whether a value from a query string can be an identifier (and may go to the database)."""
    return bool(value) and re.fullmatch(r"[-a-z0-9_]{1,140}", value or "") is not None


def _cached(name: str, compute: Callable[[], T], key: str | None = None) -> T:
    key = f"maillage-analytics:{name}:{key or fingerprint()}"
    found = cache.get(key)
    if found is None:
        found = compute()
        cache.set(key, found, CACHE_SECONDS)
    return found  # type: ignore[no-any-return]


def instance(stamp: str | None = None) -> Instance:
    """The ecosystem as the allocation sees it today."""
    return _cached("instance", ecosystem_instance, stamp)


def demo_relations() -> bool:
    """Whether relations are drawn from the fictional demo: there is no real one yet."""
    return _per_request("demo-relations", lambda: not Relation.objects.filter(is_demo=False).exists())


def uses_demo() -> bool:
    """Whether any picture is drawn from the fictional demo (relations, or diagnostics and offers)."""
    return demo_relations() or bool(instance().extra.get("demo"))


def _organisations(demo: bool) -> dict[str, Any]:
    """Filter on organisations to go with relations: with demo relations, every organisation (the real
    tables de quartier sit among the fictional ones); with real relations, real organisations only."""
    return {} if demo else {"organisation__is_demo": False}


# --- territories -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Places:
    """Territories by slug, and which boroughs (or linked cities) each quartier lies in."""

    names: dict[str, tuple[str, str]]  # slug → (French, English)
    kinds: dict[str, str]
    boroughs_of: dict[str, tuple[str, ...]]  # quartier → its boroughs; a borough → itself
    population: dict[str, int]
    figures: dict[str, dict[str, float]]  # slug → figure name → value

    def name(self, slug: str, language: str) -> str:
        fr, en = self.names.get(slug, (slug, slug))
        return en if language == "en" and en else fr

    def borough_of(self, slug: str) -> str | None:
        """The one borough a territory lies in (None when it lies in several, or in none)."""
        boroughs = self.boroughs_of.get(slug, ())
        return boroughs[0] if len(boroughs) == 1 else None

    def place_of(self) -> dict[str, Place]:
        """Every territory as a :class:`Place` for the groups of :func:`supply_demand`."""
        return {
            slug: Place(quartier=slug if kind == Territory.Kind.QUARTIER else None, borough=self.borough_of(slug))
            for slug, kind in self.kinds.items()
        }

    def quartiers(self) -> list[str]:
        return sorted(s for s, k in self.kinds.items() if k == Territory.Kind.QUARTIER)


def places() -> Places:
    return _per_request("places", _read_places)


def _read_places() -> Places:
    names, kinds, population, figures = {}, {}, {}, {}
    for t in Territory.objects.all():
        names[t.slug] = (t.name_fr, t.name_en)
        kinds[t.slug] = t.kind
        if t.population_2021:
            population[t.slug] = t.population_2021
        figures[t.slug] = {
            key: float(getattr(t, field)) for key, field in FIGURES.items() if getattr(t, field) is not None
        }
    boroughs = {s for s, k in kinds.items() if k in (Territory.Kind.BOROUGH, Territory.Kind.LINKED_CITY)}
    found: dict[str, set[str]] = {s: {s} for s in boroughs}
    within = Territory.within.through.objects.values_list("from_territory__slug", "to_territory__slug")
    for child, parent in within:
        if kinds.get(child) == Territory.Kind.QUARTIER and parent in boroughs:
            found.setdefault(child, set()).add(parent)
    return Places(names, kinds, {slug: tuple(sorted(b)) for slug, b in found.items()}, population, figures)


# --- demand against supply ---------------------------------------------------------------------


def providers_of_offers() -> dict[str, list[str]]:
    providers: dict[str, list[str]] = defaultdict(list)
    for offer, provider in SupportOffer.providers.through.objects.values_list(
        "supportoffer__slug", "organisation__slug"
    ):
        providers[offer].append(provider)
    return dict(providers)


def carriers_of_initiatives() -> dict[str, list[str]]:
    """Each initiative's organisations, for the threshold on organisations."""
    carriers: dict[str, list[str]] = defaultdict(list)
    for initiative, organisation in InitiativeCarrier.objects.values_list("initiative__slug", "organisation__slug"):
        carriers[initiative].append(organisation)
    return dict(carriers)


def demand_supply(level: str = "quartier") -> SupplyDemand:
    """Needs against offers per element and group of territories (``level``: quartier or borough)."""
    level = level if level in LEVELS else "quartier"
    stamp = fingerprint()

    def compute() -> SupplyDemand:
        return supply_demand(
            instance(stamp),
            places().place_of(),
            providers_of_offers(),
            level=level,
            carriers=carriers_of_initiatives(),
            threshold=THRESHOLD,
        )

    return _cached(f"supply:{level}", compute, stamp)


def _names(rows: Iterable[tuple[str, str, str]], language: str) -> dict[str, str]:
    """Key → name in the language, from (key, French name, English name) rows (French when no English)."""
    return {key: (en if language == "en" and en else fr) for key, fr, en in rows}


def organisation_names(slugs: Iterable[str], language: str) -> dict[str, str]:
    return _names(Organisation.objects.filter(slug__in=list(slugs)).values_list("slug", "name_fr", "name_en"), language)


def offer_names(slugs: Iterable[str], language: str) -> dict[str, str]:
    return _names(SupportOffer.objects.filter(slug__in=list(slugs)).values_list("slug", "name_fr", "name_en"), language)


# --- money -------------------------------------------------------------------------------------


def funding_flows() -> list[Flow]:
    """Every declared funding relation, with the recipient's boroughs (a quartier counts in its borough,
    the agglomeration stays the agglomeration) and sectors."""

    def compute() -> list[Flow]:
        demo = demo_relations()
        where = places()
        territories: dict[int, set[str]] = defaultdict(set)
        for org, slug in Organisation.territories.through.objects.filter(**_organisations(demo)).values_list(
            "organisation_id", "territory__slug"
        ):
            territories[org].update(where.boroughs_of.get(slug, (slug,)))
        sectors: dict[int, set[str]] = defaultdict(set)
        for org, code in Organisation.sectors.through.objects.filter(**_organisations(demo)).values_list(
            "organisation_id", "sector__code"
        ):
            sectors[org].add(code)
        rows = Relation.objects.filter(kind=Relation.Kind.FUNDS, is_demo=demo, amount__isnull=False).values_list(
            "source__slug",
            "target__slug",
            "target_id",
            "amount",
            "year",
            "is_flexible",
            "is_multi_year",
            "target__is_field_actor",
        )
        return [
            Flow(
                funder=source,
                recipient=target,
                amount=float(amount),
                year=int(year),
                flexible=flexible,
                multi_year=multi_year,
                territories=tuple(sorted(territories.get(target_id, ()))),
                sectors=tuple(sorted(sectors.get(target_id, ()))),
                field_actor=field_actor,
            )
            for source, target, target_id, amount, year, flexible, multi_year, field_actor in rows
        ]

    return _cached("flows", compute)


def quartier_flows() -> dict[str, dict[str, float]]:
    """Money received by organisations placed in each quartier (split evenly among their quartiers):
    quartier → {"money", "flexible"}."""

    def compute() -> dict[str, dict[str, float]]:
        demo = demo_relations()
        quartiers: dict[int, list[str]] = defaultdict(list)
        for org, slug in Organisation.territories.through.objects.filter(
            territory__kind=Territory.Kind.QUARTIER, **_organisations(demo)
        ).values_list("organisation_id", "territory__slug"):
            quartiers[org].append(slug)
        totals: dict[str, dict[str, float]] = defaultdict(lambda: {"money": 0.0, "flexible": 0.0})
        year = latest_year()
        rows = Relation.objects.filter(kind=Relation.Kind.FUNDS, is_demo=demo, year=year).values_list(
            "target_id", "amount", "is_flexible"
        )
        for target, amount, flexible in rows:
            places_of = quartiers.get(target, [])
            for slug in places_of:
                share = float(amount or 0) / len(places_of)
                totals[slug]["money"] += share
                totals[slug]["flexible"] += share if flexible else 0.0
        return {slug: dict(v) for slug, v in totals.items()}

    return _cached("quartier-flows", compute)


def latest_year() -> int | None:
    """The latest year with declared funding (which may be the current year, still incomplete)."""
    demo = demo_relations()
    years = Relation.objects.filter(kind=Relation.Kind.FUNDS, is_demo=demo).aggregate(last=Max("year"))
    return years["last"]


def field_actor_counts() -> dict[str, int]:
    """Field actors placed in each quartier."""
    rows = (
        Organisation.territories.through.objects.filter(
            organisation__is_field_actor=True,
            territory__kind=Territory.Kind.QUARTIER,
            **_organisations(demo_relations()),
        )
        .values("territory__slug")
        .annotate(n=Count("organisation_id", distinct=True))
    )
    return {row["territory__slug"]: row["n"] for row in rows}


# --- the network of relations ------------------------------------------------------------------


KINDS = tuple(Relation.Kind.values)
NETWORK_RESULT_FORMAT = 2  # raise when services.summarise stores something new


@dataclass(frozen=True)
class NetworkFilters:
    kinds: tuple[str, ...] = ()  # empty: every kind
    year: int | None = None  # relations dated that year, and the undated (standing) ones
    territory: str | None = None  # ties with at least one end placed in it (a borough includes its quartiers)

    def as_dict(self) -> dict[str, Any]:
        return {"kinds": list(self.kinds), "year": self.year, "territory": self.territory}

    @classmethod
    def parse(cls, kinds: list[str], year: str | None, territory: str | None) -> NetworkFilters:
        """Filters from a query string; anything unknown is left out (the page shows what was applied)."""
        chosen = tuple(sorted({k for k in kinds if k in KINDS}))
        if set(chosen) == set(KINDS):
            chosen = ()
        number: int | None = None
        if year and re.fullmatch(r"[0-9]{4}", year) and 1900 <= int(year) <= 2100:
            number = int(year)
        place = territory if is_slug(territory) and Territory.objects.filter(slug=territory).exists() else None
        return cls(chosen, number, place)

    def key(self) -> str:
        """The filters, the state of the data and the format of the stored result: a new version of
        Maillage that stores more computes again rather than show an older result without it."""
        stamp = fingerprint("relations")
        return hashlib.sha256(f"{self.as_dict()}|{stamp}|{NETWORK_RESULT_FORMAT}".encode()).hexdigest()[:40]


@dataclass(frozen=True)
class Graph:
    ids: list[int]  # organisation primary keys
    slugs: list[str]
    sources: Any  # numpy arrays of node indices
    targets: Any
    support: Any
    field: Any
    relations: int


def relations_for(filters: NetworkFilters) -> Any:
    demo = demo_relations()
    relations = Relation.objects.filter(is_demo=demo)
    if filters.kinds:
        relations = relations.filter(kind__in=filters.kinds)
    if filters.year is not None:
        relations = relations.filter(Q(year=filters.year) | Q(year__isnull=True))
    if filters.territory is not None:
        inside = _organisations_in(filters.territory, demo)
        relations = relations.filter(Q(source_id__in=inside) | Q(target_id__in=inside))
    return relations


def _places_within(slug: str) -> list[int]:
    """The territory and every territory within it (a borough's quartiers)."""
    found = set(Territory.objects.filter(slug=slug).values_list("pk", flat=True))
    frontier = set(found)
    while frontier:
        frontier = (
            set(
                Territory.within.through.objects.filter(to_territory_id__in=frontier).values_list(
                    "from_territory_id", flat=True
                )
            )
            - found
        )
        found |= frontier
    return sorted(found)


def _organisations_in(slug: str, demo: bool) -> Any:
    return (
        Organisation.objects.filter(territories__in=_places_within(slug), **({} if demo else {"is_demo": False}))
        .values("pk")
        .distinct()
    )


def organisations_for(filters: NetworkFilters) -> Any:
    """The organisations of the network: all of them (of the data set), or, for a territory, those placed
    there and those at the other end of its relations (subqueries: no list of identifiers)."""
    demo = demo_relations()
    organisations = Organisation.objects.all() if demo else Organisation.objects.filter(is_demo=False)
    if filters.territory is None:
        return organisations
    relations = relations_for(filters)
    return organisations.filter(
        Q(pk__in=_organisations_in(filters.territory, demo))
        | Q(pk__in=relations.values("source_id"))
        | Q(pk__in=relations.values("target_id"))
    )


def all_organisation_names(language: str) -> dict[str, str]:
    return _names(Organisation.objects.values_list("slug", "name_fr", "name_en").iterator(chunk_size=5000), language)


def network_graph(filters: NetworkFilters) -> Graph:
    """The organisations and relations the filters keep, as arrays for :mod:`maillage.core.network`."""
    import numpy as np

    pairs = list(relations_for(filters).values_list("source_id", "target_id"))
    rows = list(
        organisations_for(filters).order_by("pk").values_list("pk", "slug", "is_support_actor", "is_field_actor")
    )
    index = {pk: i for i, (pk, *_rest) in enumerate(rows)}
    kept = [(index[s], index[t]) for s, t in pairs if s in index and t in index]
    return Graph(
        ids=[r[0] for r in rows],
        slugs=[r[1] for r in rows],
        sources=np.array([s for s, _ in kept], dtype=np.int64),
        targets=np.array([t for _, t in kept], dtype=np.int64),
        support=np.array([r[2] for r in rows], dtype=bool),
        field=np.array([r[3] for r in rows], dtype=bool),
        relations=len(kept),
    )


def boroughs_of_organisations(ids: list[int]) -> dict[int, set[str]]:
    """Each organisation's boroughs (a quartier counts in its borough)."""
    where = places()
    wanted = set(ids)
    found: dict[int, set[str]] = defaultdict(set)
    rows = Organisation.territories.through.objects.values_list("organisation_id", "territory__slug")
    for org, slug in rows.iterator(chunk_size=5000):
        if org in wanted:
            found[org].update(where.boroughs_of.get(slug, (slug,)))
    return found


# --- synergies among field actors ------------------------------------------------------------------


MAX_PLACES = 3  # an organisation declared in more quartiers is no neighbour: it takes part in no synergy


def synergy_actors(quartiers: frozenset[str] | None = None) -> list[Actor]:
    """Field actors that declared resources, with the quartiers they work in (``quartiers``: only those
    placed in one of them) and their populations: real organisations once any real one declares
    resources, else every organisation, as for the demo. Read with subqueries: no list of identifiers."""
    declared = Organisation.objects.filter(is_field_actor=True).filter(
        Q(shares_resources__isnull=False) | Q(seeks_resources__isnull=False)
    )
    if declared.filter(is_demo=False).exists():
        declared = declared.filter(is_demo=False)
    if quartiers is not None:
        declared = declared.filter(territories__slug__in=sorted(quartiers))
    chosen = Organisation.objects.filter(pk__in=declared.values("pk"))
    places: dict[int, list[str]] = defaultdict(list)
    for org, slug in Organisation.territories.through.objects.filter(
        territory__kind=Territory.Kind.QUARTIER, organisation__in=chosen
    ).values_list("organisation_id", "territory__slug"):
        places[org].append(slug)
    populations: dict[int, list[str]] = defaultdict(list)
    for org, code in Organisation.populations.through.objects.filter(organisation__in=chosen).values_list(
        "organisation_id", "population__code"
    ):
        populations[org].append(code)
    codes = dict(Resource.objects.values_list("pk", "code"))
    shares: dict[int, list[str]] = defaultdict(list)
    for org, resource in Organisation.shares_resources.through.objects.filter(organisation__in=chosen).values_list(
        "organisation_id", "resource_id"
    ):
        shares[org].append(codes[resource])
    seeks: dict[int, list[str]] = defaultdict(list)
    for org, resource in Organisation.seeks_resources.through.objects.filter(organisation__in=chosen).values_list(
        "organisation_id", "resource_id"
    ):
        seeks[org].append(codes[resource])
    return [
        Actor(
            id=slug,
            places=tuple(sorted(places[pk])),
            populations=tuple(sorted(populations[pk])),
            offers=tuple(sorted(shares[pk])),
            seeks=tuple(sorted(seeks[pk])),
        )
        for pk, slug in chosen.order_by("pk").values_list("pk", "slug")
        if 0 < len(places.get(pk, ())) <= MAX_PLACES
    ]


def synergies(quartiers: frozenset[str] | None = None) -> tuple[list[Pair], list[Group]]:
    """Pairs and groups in the quartiers given (every quartier when None), limited to those quartiers."""
    key = "all" if quartiers is None else hashlib.sha256(",".join(sorted(quartiers)).encode()).hexdigest()[:16]

    def compute() -> tuple[list[Pair], list[Group]]:
        pairs, groups = find_synergies(synergy_actors(quartiers))
        if quartiers is None:
            return pairs, groups
        return [p for p in pairs if set(p.places) & quartiers], [g for g in groups if g.place in quartiers]

    return _cached(f"synergies:{key}", compute)


def quartiers_of(organisations: list[Organisation]) -> frozenset[str]:
    return frozenset(
        Organisation.territories.through.objects.filter(
            organisation__in=organisations, territory__kind=Territory.Kind.QUARTIER
        ).values_list("territory__slug", flat=True)
    )


def declared_synergy_actors() -> int:
    """How many field actors declared resources (to decide whether every synergy fits on one page)."""
    return (
        Organisation.objects.filter(is_field_actor=True)
        .filter(Q(shares_resources__isnull=False) | Q(seeks_resources__isnull=False))
        .distinct()
        .count()
    )


def resource_names(language: str) -> dict[str, str]:
    return _names(Resource.objects.values_list("code", "name_fr", "name_en"), language)


def population_names(language: str) -> dict[str, str]:
    return _names(Population.objects.values_list("code", "name_fr", "name_en"), language)


def sector_names(language: str) -> dict[str, str]:
    return _names(Sector.objects.values_list("code", "name_fr", "name_en"), language)
