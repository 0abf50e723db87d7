"""Reads of the directory: search, filters, pages and what a given person may see.

Search matches the normalised tokens of the query (``maillage.core.text``) against the
normalised ``search_text`` stored with each record, so it ignores case and accents the
same way on SQLite and PostgreSQL. On PostgreSQL a trigram GIN index (migration 0002)
serves these substring matches.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeVar

from django.db.models import Case, Exists, IntegerField, Model, OuterRef, Prefetch, QuerySet, Value, When
from django.utils.translation import gettext as _

from maillage.core.errors import MaillageError, Problem
from maillage.core.text import matches, normalize, search_document, search_tokens

from .models import (
    Initiative,
    InitiativeCarrier,
    Language,
    Organisation,
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
    """The territory and every territory within it (quartiers of a borough, all of the region)."""
    ids = {territory.pk}
    frontier = {territory.pk}
    while frontier:
        children = set(
            Territory.within.through.objects.filter(to_territory_id__in=frontier).values_list(
                "from_territory_id", flat=True
            )
        )
        frontier = children - ids
        ids |= children
    return ids


def territory_list() -> QuerySet[Territory]:
    return Territory.objects.defer("geometry").select_related("table_organisation")


def territory_detail(slug: str) -> Territory:
    try:
        return (
            Territory.objects.prefetch_related("within", "contains").select_related("table_organisation").get(slug=slug)
        )
    except Territory.DoesNotExist:
        raise MaillageError("not_found", _("This territory does not exist.")) from None


# --- search ---------------------------------------------------------------------------------


def _text_filter(qs: QuerySet[M], query: str) -> QuerySet[M]:
    tokens = search_tokens(query)
    if tokens:
        qs = qs.filter(search_text__words=tokens)
        phrase = normalize(query)
        qs = qs.annotate(
            relevance=Case(
                When(sort_key__startswith=phrase, then=Value(0)),
                When(sort_key__contains=phrase, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        ).order_by("relevance", "sort_key", "id")
    return qs


def _linked(model: type[Model], field_name: str, targets: Iterable[int]) -> Exists:
    """The record is linked, through a many-to-many field, to one of ``targets`` (primary keys)."""
    field = model._meta.get_field(field_name)
    through = field.remote_field.through  # type: ignore[union-attr]
    return Exists(
        through._default_manager.filter(
            **{field.m2m_column_name(): OuterRef("pk"), f"{field.m2m_reverse_name()}__in": list(targets)}  # type: ignore[union-attr]
        )
    )


ROLE_FIELDS = {"field": "is_field_actor", "support": "is_support_actor", "policy": "is_policy_actor"}


def organisation_search(filters: DirectoryFilters) -> QuerySet[Organisation]:
    qs = Organisation.objects.defer(*Organisation.PRIVATE_FIELDS, "search_text")
    if filters.role in ROLE_FIELDS:
        qs = qs.filter(**{ROLE_FIELDS[filters.role]: True})
    if filters.territory is not None:
        qs = qs.filter(_linked(Organisation, "territories", territory_scope_ids(filters.territory)))
    if filters.sector is not None:
        qs = qs.filter(_linked(Organisation, "sectors", [filters.sector.pk]))
    if filters.population is not None:
        qs = qs.filter(_linked(Organisation, "populations", [filters.population.pk]))
    if filters.support_type is not None:
        providers = SupportOffer.providers.through.objects.filter(
            organisation_id=OuterRef("pk"), supportoffer__support_type_id=filters.support_type.pk
        )
        qs = qs.filter(Exists(providers))
    return _text_filter(qs, filters.query)


def initiative_search(filters: DirectoryFilters) -> QuerySet[Initiative]:
    qs = Initiative.objects.defer(*Initiative.PRIVATE_FIELDS, "search_text").select_related("sector")
    if filters.role in ROLE_FIELDS:
        carriers = InitiativeCarrier.objects.filter(
            initiative_id=OuterRef("pk"), **{f"organisation__{ROLE_FIELDS[filters.role]}": True}
        )
        qs = qs.filter(Exists(carriers))
    if filters.territory is not None:
        qs = qs.filter(_linked(Initiative, "territories", territory_scope_ids(filters.territory)))
    if filters.sector is not None:
        qs = qs.filter(sector=filters.sector)
    if filters.population is not None:
        qs = qs.filter(_linked(Initiative, "populations", [filters.population.pk]))
    return _text_filter(qs, filters.query)


def offer_search(filters: DirectoryFilters) -> QuerySet[SupportOffer]:
    qs = SupportOffer.objects.defer("search_text").select_related("support_type")
    if filters.territory is not None:
        qs = qs.filter(_linked(SupportOffer, "territories", territory_scope_ids(filters.territory)))
    if filters.sector is not None:
        qs = qs.filter(_linked(SupportOffer, "sectors", [filters.sector.pk]))
    if filters.population is not None:
        qs = qs.filter(_linked(SupportOffer, "populations", [filters.population.pk]))
    if filters.support_type is not None:
        qs = qs.filter(support_type=filters.support_type)
    return _text_filter(qs, filters.query)


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
        found = list(organisation_search(DirectoryFilters(query=query)).exclude(pk=organisation.pk)[:limit])
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


def territory_actors(
    territory: Territory,
) -> dict[str, QuerySet[Organisation] | QuerySet[SupportOffer] | QuerySet[Initiative]]:
    """Organisations, initiatives and offers active in a territory or within it."""
    filters = DirectoryFilters(territory=territory)
    return {
        "organisations": organisation_search(filters),
        "initiatives": initiative_search(filters),
        "offers": offer_search(filters),
    }


def directory_counts() -> dict[str, int]:
    return {
        "organisations": Organisation.objects.count(),
        "initiatives": Initiative.objects.count(),
        "offers": SupportOffer.objects.count(),
        "territories": Territory.objects.count(),
        "relations": Relation.objects.count(),
    }
