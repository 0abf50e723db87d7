"""Reads of the directory: search, filters, pages and what a given person may see.

Searches run on the narrow search tables (``models.SearchEntry``): each word of the query
must begin a word of a record's normalised document (``maillage.core.text``), the same way
on SQLite and PostgreSQL (where a full-text GIN index serves it, migration 0002). Filters
are tested there too; only the records of the page shown are read from the record tables.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.core.cache import cache
from django.db.models import Case, Exists, IntegerField, Model, OuterRef, Prefetch, QuerySet, Value, When
from django.utils.translation import gettext as _

from maillage.common.pagination import CountedPage, page_of
from maillage.core.errors import MaillageError, Problem
from maillage.core.text import matches, normalize, search_document, search_tokens

from .models import (
    Initiative,
    InitiativeCarrier,
    InitiativeSearch,
    Language,
    OfferSearch,
    Organisation,
    OrganisationSearch,
    Population,
    Relation,
    Sector,
    SupportOffer,
    SupportType,
    Territory,
)

M = TypeVar("M", bound=Model)

ROLES = ("field", "support", "policy")


@dataclass(frozen=True)
class DirectoryFilters:
    """What a directory search asks for. Empty values mean "any"."""

    query: str = ""
    role: str = ""
    territory: Territory | None = None
    sector: Sector | None = None
    population: Population | None = None
    support_type: SupportType | None = None


# --- vocabularies and territories -----------------------------------------------------------


def term_by_code(model: type[M], code: str, *, field: str) -> M:
    """A vocabulary term or territory by its code, or an error naming the field."""
    lookup = "slug" if model in (Territory, Organisation) else "code"
    try:
        return model._default_manager.get(**{lookup: code})
    except model.DoesNotExist:  # type: ignore[attr-defined]
        raise unknown_value(model, code, field) from None


def terms_by_code(model: type[M], codes: Iterable[str], *, field: str) -> list[M]:
    codes = list(dict.fromkeys(c for c in codes if c))
    lookup = "slug" if model in (Territory, Organisation) else "code"
    found = {getattr(t, lookup): t for t in model._default_manager.filter(**{f"{lookup}__in": codes})}
    missing = [c for c in codes if c not in found]
    if missing:
        raise unknown_value(model, ", ".join(missing), field)
    return [found[c] for c in codes]


def unknown_value(model: type[Model], value: str, field: str) -> MaillageError:
    codes = {
        Territory: (
            "territory_unknown",
            _("Unknown territory: %(value)s. Use the identifiers listed at /api/territories."),
        ),
        Sector: ("sector_unknown", _("Unknown sector: %(value)s. Use the codes listed at /api/vocabularies.")),
        Population: (
            "population_unknown",
            _("Unknown population: %(value)s. Use the codes listed at /api/vocabularies."),
        ),
        SupportType: (
            "support_type_unknown",
            _("Unknown support type: %(value)s. Use the codes listed at /api/vocabularies."),
        ),
        Language: ("language_unknown", _("Unknown language: %(value)s. Use the codes listed at /api/vocabularies.")),
        Organisation: ("organisation_unknown", _("Unknown organisation: %(value)s.")),
    }
    code, template = codes.get(model, ("value_unknown", _("Unknown value: %(value)s.")))
    message = template % {"value": value}
    return MaillageError(code, message, [Problem(code, message, field=field)])


def territory_scope_ids(territory: Territory) -> set[int]:
    """The territories that concern someone looking at ``territory``: itself, every territory within
    it (the quartiers of a borough) and every territory that contains it (its borough, the
    agglomeration). An island-wide offer is available in Saint-Michel; a Saint-Michel actor is active
    in its borough.

    Remembered on the territory object, which pages search with several times.
    """
    cached: set[int] | None = territory.__dict__.get("_scope_ids")
    if cached is not None:
        return cached
    links = list(Territory.within.through.objects.values_list("from_territory_id", "to_territory_id"))
    ids = {territory.pk}
    for inner, outer in (("from_territory_id", "to_territory_id"), ("to_territory_id", "from_territory_id")):
        # First downwards (what lies within), then upwards (what contains it).
        edges: dict[int, set[int]] = {}
        for child, parent in links:
            pair = {"from_territory_id": child, "to_territory_id": parent}
            edges.setdefault(pair[outer], set()).add(pair[inner])
        frontier = {territory.pk}
        while frontier:
            found = set().union(*(edges.get(pk, set()) for pk in frontier)) - ids
            ids |= found
            frontier = found
    territory.__dict__["_scope_ids"] = ids
    return ids


def territory_list() -> QuerySet[Territory]:
    return Territory.objects.select_related("table_organisation")


def territory_detail(slug: str) -> Territory:
    try:
        return (
            Territory.objects.prefetch_related("within", "contains").select_related("table_organisation").get(slug=slug)
        )
    except Territory.DoesNotExist:
        raise MaillageError("not_found", _("This territory does not exist.")) from None


# --- search ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchResults(Generic[M]):
    """Matches of a directory search, read from the narrow search table, loaded a page at a time.

    ``entries`` is filtered and ordered; counting and ordering happen there, and only the
    records of the page asked for are read from the (wide) record table.
    """

    entries: QuerySet[Any]
    owner: str  # the search entry's column holding the record's id
    model: type[M]
    prepare: Callable[[QuerySet[M]], QuerySet[M]]

    def count(self) -> int:
        return self.entries.count()

    def page(self, number: int, per_page: int, *, clamp: bool = True) -> CountedPage:
        """Page ``number`` with the total, counted in the same query; past the end, the last page
        (``clamp``) or an empty one."""
        ranked = "relevance" in self.entries.query.annotations  # words: every match is read to rank them
        ids_page = page_of(self.entries, number, per_page, field=self.owner, clamp=clamp, count_in_page=ranked)
        return CountedPage(self._load(ids_page.object_list), ids_page.number, ids_page.paginator)

    def first(self, limit: int) -> list[M]:
        return self._load(list(self.entries.values_list(self.owner, flat=True)[:limit]))

    def _load(self, ids: list[Any]) -> list[M]:
        records = {r.pk: r for r in self.prepare(self.model._default_manager.filter(pk__in=ids))}
        return [records[pk] for pk in ids if pk in records]


def _matching(entries: QuerySet[Any], query: str) -> QuerySet[Any]:
    """Entries whose words begin with every word of the query, names that match first; else alphabetical."""
    tokens = search_tokens(query)
    if not tokens:
        return entries.order_by("sort_key", "pk")
    phrase = normalize(query)
    return (
        entries.filter(search_text__words=tokens)
        .annotate(
            relevance=Case(
                When(sort_key__startswith=phrase, then=Value(0)),
                When(sort_key__contains=phrase, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        )
        .order_by("relevance", "sort_key", "pk")
    )


ROLE_FIELDS = {"field": "is_field_actor", "support": "is_support_actor", "policy": "is_policy_actor"}


def _facet_groups(filters: DirectoryFilters, *, support_type_letter: str) -> list[list[str]]:
    """The filters as groups of facet tokens: a record matches one token of every group."""
    groups: list[list[str]] = []
    if filters.territory is not None:
        groups.append([f"t{pk}" for pk in sorted(territory_scope_ids(filters.territory))])
    if filters.sector is not None:
        groups.append([f"s{filters.sector.pk}"])
    if filters.population is not None:
        groups.append([f"p{filters.population.pk}"])
    if filters.support_type is not None and support_type_letter:
        groups.append([f"{support_type_letter}{filters.support_type.pk}"])
    return groups


def _filtered(entries: QuerySet[Any], filters: DirectoryFilters, *, support_type_letter: str = "") -> QuerySet[Any]:
    groups = _facet_groups(filters, support_type_letter=support_type_letter)
    return entries.filter(facets__facets=groups) if groups else entries


def _organisation_list(qs: QuerySet[Organisation]) -> QuerySet[Organisation]:
    return qs.defer(*Organisation.PRIVATE_FIELDS).prefetch_related("territories", "sectors")


def _initiative_list(qs: QuerySet[Initiative]) -> QuerySet[Initiative]:
    return (
        qs.defer(*Initiative.PRIVATE_FIELDS)
        .select_related("sector")
        .prefetch_related(
            "territories", Prefetch("carriers", queryset=InitiativeCarrier.objects.select_related("organisation"))
        )
    )


def _offer_list(qs: QuerySet[SupportOffer]) -> QuerySet[SupportOffer]:
    return qs.select_related("support_type").prefetch_related("providers", "territories", "open_periods")


def organisation_search(
    filters: DirectoryFilters,
    *,
    prepare: Callable[[QuerySet[Organisation]], QuerySet[Organisation]] = _organisation_list,
) -> SearchResults[Organisation]:
    """Organisations; the support-type filter finds those that provide offers of that type."""
    entries = _filtered(OrganisationSearch.objects.all(), filters, support_type_letter="o")
    if filters.role in ROLE_FIELDS:
        entries = entries.filter(**{ROLE_FIELDS[filters.role]: True})
    return SearchResults(_matching(entries, filters.query), "organisation_id", Organisation, prepare)


def initiative_search(
    filters: DirectoryFilters,
    *,
    prepare: Callable[[QuerySet[Initiative]], QuerySet[Initiative]] = _initiative_list,
) -> SearchResults[Initiative]:
    """Initiatives; the role filter finds those carried by an organisation with that role."""
    entries = _filtered(InitiativeSearch.objects.all(), filters)
    if filters.role in ROLE_FIELDS:
        carriers = InitiativeCarrier.objects.filter(
            initiative_id=OuterRef("initiative_id"), **{f"organisation__{ROLE_FIELDS[filters.role]}": True}
        )
        entries = entries.filter(Exists(carriers))
    return SearchResults(_matching(entries, filters.query), "initiative_id", Initiative, prepare)


def offer_search(
    filters: DirectoryFilters,
    *,
    prepare: Callable[[QuerySet[SupportOffer]], QuerySet[SupportOffer]] = _offer_list,
) -> SearchResults[SupportOffer]:
    entries = _filtered(OfferSearch.objects.all(), filters, support_type_letter="y")
    return SearchResults(_matching(entries, filters.query), "offer_id", SupportOffer, prepare)


def territory_search(query: str) -> list[Territory]:
    """Territories whose name matches every token of the query (there are only about seventy)."""
    tokens = search_tokens(query)
    territories = list(territory_list())
    return [t for t in territories if matches(search_document([t.name_fr, t.name_en, t.table_name]), tokens)]


# --- detail pages ---------------------------------------------------------------------------


def organisation_detail(slug: str) -> Organisation:
    try:
        return Organisation.objects.prefetch_related("territories", "sectors", "populations").get(slug=slug)
    except Organisation.DoesNotExist:
        raise MaillageError("not_found", _("This organisation does not exist.")) from None


def organisation_initiatives(organisation: Organisation) -> QuerySet[Initiative]:
    return organisation.initiatives.select_related("sector").prefetch_related("territories")


def organisation_offers(organisation: Organisation) -> QuerySet[SupportOffer]:
    return organisation.offers.select_related("support_type")


def relation_candidates(
    organisation: Organisation, query: str, *, also: str = "", limit: int = 10
) -> list[Organisation]:
    """Organisations a relation could point to: the best matches for a name, and the one already chosen."""
    found: list[Organisation] = []
    if search_tokens(query):
        found = [
            o for o in organisation_search(DirectoryFilters(query=query)).first(limit + 1) if o.pk != organisation.pk
        ]
        found = found[:limit]
    if also and all(o.slug != also for o in found):
        found += list(Organisation.objects.filter(slug=also).exclude(pk=organisation.pk))
    return found


def organisation_relations_grouped(organisation: Organisation) -> dict[str, list[Relation]]:
    relations = (
        (Relation.objects.filter(source=organisation) | Relation.objects.filter(target=organisation))
        .select_related("source", "target")
        .order_by("kind", "-year", "id")
    )
    grouped: dict[str, list[Relation]] = {}
    for relation in relations:
        grouped.setdefault(relation.kind, []).append(relation)
    return grouped


def initiative_detail(slug: str) -> Initiative:
    try:
        return (
            Initiative.objects.select_related("sector")
            .prefetch_related(
                "territories",
                "populations",
                Prefetch("carriers", queryset=InitiativeCarrier.objects.select_related("organisation")),
            )
            .get(slug=slug)
        )
    except Initiative.DoesNotExist:
        raise MaillageError("not_found", _("This initiative does not exist.")) from None


def offer_detail(slug: str) -> SupportOffer:
    try:
        return (
            SupportOffer.objects.select_related("support_type")
            .prefetch_related("providers", "territories", "sectors", "populations", "languages", "open_periods")
            .get(slug=slug)
        )
    except SupportOffer.DoesNotExist:
        raise MaillageError("not_found", _("This offer does not exist.")) from None


def territory_actors(territory: Territory) -> dict[str, SearchResults[Any]]:
    """Organisations, initiatives and offers active in a territory or within it."""
    filters = DirectoryFilters(territory=territory)
    return {
        "organisations": organisation_search(filters),
        "initiatives": initiative_search(filters),
        "offers": offer_search(filters),
    }


COUNTS_SECONDS = 60


def directory_counts() -> dict[str, int]:
    """How many records the directory holds, for the home page: counted at most once a minute per process
    (counting 500,000 relations and 150,000 initiatives on every view took 30 to 100 ms)."""

    def count() -> dict[str, int]:
        return {
            "organisations": Organisation.objects.count(),
            "initiatives": Initiative.objects.count(),
            "offers": SupportOffer.objects.count(),
            "territories": Territory.objects.count(),
            "relations": Relation.objects.count(),
        }

    return cache.get_or_set("maillage-directory:counts", count, COUNTS_SECONDS)  # type: ignore[no-any-return]
