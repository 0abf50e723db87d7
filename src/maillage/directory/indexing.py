"""The search index: one narrow row per organisation, initiative and offer (see models.SearchEntry).

A record's document holds its own names, acronym and descriptions plus the labels, in both
languages, of its kind, sectors, populations, territories and support type, so that
« économie sociale », « fondation » or « Verdun » find what is filed under them. Writes go
through :func:`index` (one record, from services and the administration site) or the
``*_entry`` builders (many records at once, from the loaders).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from typing import Any

from django.utils import translation

from maillage.core.text import facet_document, search_document, sort_key

from .models import (
    Initiative,
    InitiativeSearch,
    OfferSearch,
    Organisation,
    OrganisationSearch,
    Population,
    Sector,
    SupportOffer,
    SupportType,
    Territory,
)

Record = Organisation | Initiative | SupportOffer


def _labels(*groups: Iterable[Any]) -> list[str]:
    return [label for terms in groups for term in terms for label in (term.name_fr, term.name_en)]


def _ids(letter: str, terms: Iterable[Any]) -> list[tuple[str, int]]:
    return [(letter, term.pk) for term in terms]


@functools.cache
def kind_labels() -> dict[str, tuple[str, str]]:
    """The French and English label of each kind of organisation."""
    labels: dict[str, tuple[str, str]] = {}
    for value, label in Organisation.Kind.choices:
        with translation.override("fr"):
            french = str(label)
        with translation.override("en"):
            english = str(label)
        labels[value] = (french, english)
    return labels


def organisation_entry(
    org: Organisation,
    *,
    territories: Sequence[Territory] = (),
    sectors: Sequence[Sector] = (),
    populations: Sequence[Population] = (),
    offered: Sequence[SupportType] = (),
) -> OrganisationSearch:
    """Facets: t (territories), s (sectors), p (populations), o (support types of the offers it provides)."""
    text = search_document(
        [
            org.name_fr,
            org.name_en,
            org.acronym,
            org.description_fr,
            org.description_en,
            *kind_labels().get(org.kind, ()),
            *_labels(sectors, populations, territories),
        ]
    )
    facets = facet_document(
        [*_ids("t", territories), *_ids("s", sectors), *_ids("p", populations), *_ids("o", offered)]
    )
    return OrganisationSearch(
        organisation_id=org.pk,
        search_text=text,
        facets=facets,
        sort_key=sort_key(org.name_fr),
        is_field_actor=org.is_field_actor,
        is_support_actor=org.is_support_actor,
        is_policy_actor=org.is_policy_actor,
    )


def initiative_entry(
    initiative: Initiative,
    *,
    territories: Sequence[Territory] = (),
    populations: Sequence[Population] = (),
    sector: Sector | None = None,
) -> InitiativeSearch:
    """Facets: t (territories), s (sector), p (populations)."""
    sectors = [sector] if sector else []
    text = search_document(
        [
            initiative.name_fr,
            initiative.name_en,
            initiative.description_fr,
            initiative.description_en,
            *_labels(sectors, populations, territories),
        ]
    )
    facets = facet_document([*_ids("t", territories), *_ids("s", sectors), *_ids("p", populations)])
    return InitiativeSearch(
        initiative_id=initiative.pk, search_text=text, facets=facets, sort_key=sort_key(initiative.name_fr)
    )


def offer_entry(
    offer: SupportOffer,
    *,
    support_type: SupportType,
    territories: Sequence[Territory] = (),
    sectors: Sequence[Sector] = (),
    populations: Sequence[Population] = (),
) -> OfferSearch:
    """Facets: y (support type), t (territories), s (sectors), p (populations)."""
    text = search_document(
        [
            offer.name_fr,
            offer.name_en,
            offer.description_fr,
            offer.description_en,
            *_labels([support_type], sectors, populations, territories),
        ]
    )
    facets = facet_document(
        [("y", support_type.pk), *_ids("t", territories), *_ids("s", sectors), *_ids("p", populations)]
    )
    return OfferSearch(offer_id=offer.pk, search_text=text, facets=facets, sort_key=sort_key(offer.name_fr))


def _entry(instance: Record) -> OrganisationSearch | InitiativeSearch | OfferSearch:
    if isinstance(instance, Organisation):
        offered = SupportType.objects.filter(offers__providers=instance).distinct()
        return organisation_entry(
            instance,
            territories=list(instance.territories.all()),
            sectors=list(instance.sectors.all()),
            populations=list(instance.populations.all()),
            offered=list(offered),
        )
    if isinstance(instance, Initiative):
        return initiative_entry(
            instance,
            territories=list(instance.territories.all()),
            populations=list(instance.populations.all()),
            sector=instance.sector,
        )
    return offer_entry(
        instance,
        support_type=instance.support_type,
        territories=list(instance.territories.all()),
        sectors=list(instance.sectors.all()),
        populations=list(instance.populations.all()),
    )


def index(instance: Record, *, providers: bool = True) -> None:
    """Write the search entry and the sort key of a saved record (after its links are saved).

    An offer's providers are rewritten too (they are found by the support types they offer),
    unless ``providers`` is false.
    """
    entry = _entry(instance)
    entry.save()
    if instance.sort_key != entry.sort_key:
        instance.sort_key = entry.sort_key
        type(instance).objects.filter(pk=instance.pk).update(sort_key=entry.sort_key)
    if providers and isinstance(instance, SupportOffer):
        for provider in instance.providers.all():
            index(provider)


def reindex_organisations(organisations: Sequence[Organisation]) -> None:
    """Rewrite the search entries of many saved organisations at once (a few queries in all, not per record)."""
    pks = [o.pk for o in organisations]
    if not pks:
        return
    linked: dict[str, dict[int, list[Any]]] = {}
    for name, model in (("territories", Territory), ("sectors", Sector), ("populations", Population)):
        field = Organisation._meta.get_field(name)
        through = field.remote_field.through  # type: ignore[union-attr]
        column = field.m2m_reverse_name()  # type: ignore[union-attr]
        pairs = list(through.objects.filter(organisation_id__in=pks).values_list("organisation_id", column))
        terms = model.objects.only("pk", "name_fr", "name_en").in_bulk({term for _owner, term in pairs})
        by_owner: dict[int, list[Any]] = {}
        for owner, term in pairs:
            by_owner.setdefault(owner, []).append(terms[term])
        linked[name] = by_owner
    offered: dict[int, list[SupportType]] = {}
    types = {t.pk: t for t in SupportType.objects.all()}
    providing = SupportOffer.providers.through.objects.filter(organisation_id__in=pks)
    for owner, type_id in providing.values_list("organisation_id", "supportoffer__support_type_id").distinct():
        offered.setdefault(owner, []).append(types[type_id])
    entries = [
        organisation_entry(
            org,
            territories=linked["territories"].get(org.pk, []),
            sectors=linked["sectors"].get(org.pk, []),
            populations=linked["populations"].get(org.pk, []),
            offered=offered.get(org.pk, []),
        )
        for org in organisations
    ]
    OrganisationSearch.objects.filter(organisation_id__in=pks).delete()
    OrganisationSearch.objects.bulk_create(entries, batch_size=500)


def index_all(model: type[Organisation] | type[Initiative] | type[SupportOffer], *, batch_size: int = 500) -> int:
    """Rewrite the entry of every record of a model (after a vocabulary or territory is renamed)."""
    count = 0
    for instance in model.objects.all().iterator(chunk_size=batch_size):
        index(instance, providers=False)
        count += 1
    return count


def index_everything() -> None:
    """Rewrite every entry: labels of vocabularies and territories are part of every record's document."""
    for model in (Organisation, Initiative, SupportOffer):
        index_all(model)
