"""Loading reference data (real territories and vocabularies) and the fictional demo.

Both loads are all or nothing: files are validated completely by ``maillage.core`` before
anything is written, and everything is written in one transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Model

from maillage.core import demo as demo_core
from maillage.core import geo
from maillage.core.reference import REGION_SLUG, TerritoryRecord, read_montreal, read_taxonomies
from maillage.core.text import sort_key

from . import indexing
from .models import (
    Initiative,
    InitiativeCarrier,
    InitiativeSearch,
    Language,
    OfferSearch,
    OpenPeriod,
    Organisation,
    OrganisationSearch,
    Population,
    Relation,
    Resource,
    Sector,
    SupportOffer,
    SupportType,
    Territory,
)

log = logging.getLogger("maillage.directory")

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
MONTREAL_DIR = DATA_DIR / "montreal"
TAXONOMIES_FILE = DATA_DIR / "taxonomies.json"
TABLES_SOURCE = "Liste 2024 des tables de quartier de Montréal (données publiques)"
TERRITORY_SOURCE = "Ville de Montréal, données ouvertes (CC BY 4.0)"

Progress = Callable[[str], None]


def _quiet(_message: str) -> None:
    return None


@dataclass(frozen=True)
class ReferenceSummary:
    territories: int
    tables: int
    terms: int


# --- reference ---------------------------------------------------------------------------------


def reference_load(
    *, montreal_dir: Path = MONTREAL_DIR, taxonomies_file: Path = TAXONOMIES_FILE, progress: Progress = _quiet
) -> ReferenceSummary:
    """Create or update the territories, the tables de quartier and the vocabularies.

    Idempotent: records are matched by their identifier (slug or code), so loading twice
    changes nothing the second time.
    """
    progress("Reading reference files")
    records = read_montreal(montreal_dir)
    taxonomies = read_taxonomies(taxonomies_file)
    labels_before = _labels()
    with transaction.atomic():
        terms = 0
        for model, items in (
            (Sector, taxonomies.sectors),
            (Population, taxonomies.populations),
            (SupportType, taxonomies.support_types),
            (Language, taxonomies.languages),
            (Resource, taxonomies.resources),
        ):
            for position, term in enumerate(items):
                model.objects.update_or_create(
                    code=term.code, defaults={"name_fr": term.name_fr, "name_en": term.name_en, "position": position}
                )
                terms += 1
        progress(f"{terms} vocabulary terms")
        territories = _load_territories(records)
        progress(f"{len(territories)} territories")
        tables = _load_tables(records, territories)
        progress(f"{tables} tables de quartier")
        renamed = {key for key, names in _labels().items() if key in labels_before and labels_before[key] != names}
        if renamed:
            # Labels are part of every record's search document.
            progress(f"{len(renamed)} labels renamed: rewriting the search index")
            indexing.index_everything()
    return ReferenceSummary(len(territories), tables, terms)


def _labels() -> dict[tuple[str, str], tuple[str, str]]:
    """The French and English names of every vocabulary term and territory, by model and identifier."""
    labels: dict[tuple[str, str], tuple[str, str]] = {}
    for model, key in ((Sector, "code"), (Population, "code"), (SupportType, "code"), (Territory, "slug")):
        for identifier, name_fr, name_en in model._default_manager.values_list(key, "name_fr", "name_en"):
            labels[(model.__name__, identifier)] = (name_fr, name_en)
    return labels


def _load_territories(records: Sequence[TerritoryRecord]) -> dict[str, Territory]:
    territories: dict[str, Territory] = {}
    for record in records:
        label_lon, label_lat = geo.representative_point(record.geometry)
        equity = record.equity
        defaults: dict[str, Any] = {
            "kind": record.kind,
            "name_fr": record.name_fr,
            "name_en": record.name_en,
            "code": record.code,
            "geometry": record.geometry,
            "map_geometry": geo.simplify(record.geometry),
            "label_lon": label_lon,
            "label_lat": label_lat,
            "table_name": record.table_name,
            "rui_count": record.rui_count,
            "population_2021": equity.population_2021 if equity else None,
            "low_income_pct": equity.low_income_pct if equity else None,
            "material_deprivation_pct": equity.material_deprivation_pct if equity else None,
            "social_deprivation_pct": equity.social_deprivation_pct if equity else None,
            "priority_zone_pct": equity.priority_zone_pct if equity else None,
        }
        territory, _created = Territory.objects.update_or_create(slug=record.slug, defaults=defaults)
        territories[record.slug] = territory
    for record in records:
        territories[record.slug].within.set([territories[s] for s in record.within])
    return territories


def _load_tables(records: Sequence[TerritoryRecord], territories: dict[str, Territory]) -> int:
    """The tables de quartier are real organisations: name and territory only, never demo data."""
    count = 0
    for record in records:
        if not record.table_slug:
            continue
        territory = territories[record.slug]
        # The table's name is reference data; what its members may have edited since is kept.
        org, _created = Organisation.objects.update_or_create(
            slug=record.table_slug,
            defaults={"name_fr": record.table_name, "is_demo": False, "data_source": TABLES_SOURCE},
            create_defaults={
                "name_fr": record.table_name,
                "kind": Organisation.Kind.TABLE,
                "is_field_actor": True,
                "is_support_actor": True,
                "legal_status": Organisation.LegalStatus.NPO,
                "description_fr": f"Table de quartier du territoire {record.name_fr} : "
                "lieu de concertation intersectorielle et multiréseau du quartier.",
                "description_en": f"Table de quartier (neighbourhood round table) of {record.name_fr}: "
                "where the neighbourhood's actors plan and act together.",
                "is_demo": False,
                "data_source": TABLES_SOURCE,
            },
        )
        org.territories.add(territory)
        indexing.index(org)
        if territory.table_organisation_id != org.pk:
            territory.table_organisation = org
            territory.save(update_fields=["table_organisation"])
        count += 1
    return count


# --- demo --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoSummary:
    organisations: int
    initiatives: int
    offers: int
    relations: int


def demo_clear() -> None:
    """Delete every fictional record (real territories and tables de quartier stay)."""
    Relation.objects.filter(is_demo=True).delete()
    SupportOffer.objects.filter(is_demo=True).delete()
    Initiative.objects.filter(is_demo=True).delete()
    Organisation.objects.filter(is_demo=True).delete()


def demo_load(spec: demo_core.DemoSpec, *, progress: Progress = _quiet, batch_size: int = 2000) -> DemoSummary:
    """Replace the fictional part of the directory with a freshly generated ecosystem."""
    quartiers = list(
        Territory.objects.filter(kind=Territory.Kind.QUARTIER, population_2021__isnull=False).prefetch_related("within")
    )
    if not quartiers:
        from maillage.core.errors import MaillageError

        raise MaillageError("reference_missing", "Load the reference data first: maillage reference.")
    max_low = max(q.low_income_pct or 0 for q in quartiers)
    weights = [
        demo_core.QuartierWeight(
            q.slug,
            q.population_2021 or 0,
            demo_core.need_index(
                q.low_income_pct or 0,
                q.material_deprivation_pct or 0,
                q.social_deprivation_pct or 0,
                q.priority_zone_pct or 0,
                max_low_income_pct=max_low,
            ),
            tuple(t.slug for t in q.within.all() if t.kind == Territory.Kind.BOROUGH),
        )
        for q in quartiers
    ]
    tables = {q.slug: q.table_organisation.slug for q in quartiers if q.table_organisation_id}
    progress("Generating the fictional ecosystem")
    eco = demo_core.generate(
        spec,
        quartiers=weights,
        region=REGION_SLUG,
        sectors=list(Sector.objects.values_list("code", flat=True)),
        populations=list(Population.objects.values_list("code", flat=True)),
        support_types=list(SupportType.objects.values_list("code", flat=True)),
        languages=list(Language.objects.values_list("code", flat=True)),
        tables=tables,
        resources=list(Resource.objects.values_list("code", flat=True)),
    )
    with transaction.atomic():
        progress("Removing the previous demo")
        demo_clear()
        _write(eco, progress, batch_size)
    return DemoSummary(len(eco.organisations), len(eco.initiatives), len(eco.offers), len(eco.relations))


def _ids(model: type[Model], field: str = "code") -> dict[str, int]:
    return dict(model._default_manager.values_list(field, "id"))


def _bulk(model: type[Model], rows: Iterable[Model], batch_size: int) -> None:
    batch: list[Model] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= batch_size:
            model._default_manager.bulk_create(batch, batch_size=batch_size)
            batch.clear()
    if batch:
        model._default_manager.bulk_create(batch, batch_size=batch_size)


def _links(
    model: type[Model],
    field_name: str,
    owner_ids: dict[str, int],
    target_ids: dict[str, int],
    pairs: Iterable[tuple[str, list[str]]],
    batch_size: int,
) -> None:
    """Bulk-insert the rows of a many-to-many table from (owner key, [target keys]) pairs."""
    field = model._meta.get_field(field_name)
    through = field.remote_field.through  # type: ignore[union-attr]
    owner_column = field.m2m_column_name()  # type: ignore[union-attr]
    target_column = field.m2m_reverse_name()  # type: ignore[union-attr]
    rows = (
        through(**{owner_column: owner_ids[owner], target_column: target_ids[target]})
        for owner, targets in pairs
        for target in targets
    )
    _bulk(through, rows, batch_size)


def _write(eco: demo_core.DemoEcosystem, progress: Progress, batch_size: int) -> None:
    territory_ids = _ids(Territory, "slug")
    sector_ids, population_ids = _ids(Sector), _ids(Population)
    support_type_ids, language_ids = _ids(SupportType), _ids(Language)
    source = demo_core.DEMO_SOURCE
    territories = {t.slug: t for t in Territory.objects.only("slug", "name_fr", "name_en")}
    sectors = {t.code: t for t in Sector.objects.all()}
    populations = {t.code: t for t in Population.objects.all()}
    support_types = {t.code: t for t in SupportType.objects.all()}

    def terms(mapping: dict[str, Any], keys: Iterable[str]) -> list[Any]:
        return [mapping[k] for k in keys]

    progress(f"Writing {len(eco.organisations)} organisations")
    organisations = [
        Organisation(
            slug=o.key,
            name_fr=o.name_fr,
            name_en=o.name_en,
            acronym=o.acronym,
            kind=o.kind,
            is_field_actor=o.is_field_actor,
            is_support_actor=o.is_support_actor,
            is_policy_actor=o.is_policy_actor,
            description_fr=o.description_fr,
            description_en=o.description_en,
            legal_status=o.legal_status,
            founded_year=o.founded_year,
            website=o.website,
            email=o.email,
            phone=o.phone,
            annual_budget=o.annual_budget,
            staff_count=o.staff_count,
            contact_name=o.contact_name,
            contact_email=o.contact_email,
            internal_notes=o.internal_notes,
            is_demo=True,
            data_source=source,
            sort_key=sort_key(o.name_fr),
        )
        for o in eco.organisations
    ]
    _bulk(Organisation, organisations, batch_size)
    org_ids = _ids(Organisation, "slug")
    _links(
        Organisation,
        "territories",
        org_ids,
        territory_ids,
        ((o.key, o.territories) for o in eco.organisations),
        batch_size,
    )
    _links(Organisation, "sectors", org_ids, sector_ids, ((o.key, o.sectors) for o in eco.organisations), batch_size)
    _links(
        Organisation,
        "populations",
        org_ids,
        population_ids,
        ((o.key, o.populations) for o in eco.organisations),
        batch_size,
    )
    resource_ids = _ids(Resource)
    for field, attribute in (("shares_resources", "shares"), ("seeks_resources", "seeks")):
        _links(
            Organisation,
            field,
            org_ids,
            resource_ids,
            ((o.key, getattr(o, attribute)) for o in eco.organisations),
            batch_size,
        )
    for org in organisations:
        org.pk = org_ids[org.slug]
    offered: dict[str, set[str]] = {}
    for offer_data in eco.offers:
        for provider in offer_data.providers:
            offered.setdefault(provider, set()).add(offer_data.support_type)
    _bulk(
        OrganisationSearch,
        (
            indexing.organisation_entry(
                org,
                territories=terms(territories, o.territories),
                sectors=terms(sectors, o.sectors),
                populations=terms(populations, o.populations),
                offered=terms(support_types, sorted(offered.get(o.key, ()))),
            )
            for org, o in zip(organisations, eco.organisations, strict=True)
        ),
        batch_size,
    )
    del organisations

    progress(f"Writing {len(eco.initiatives)} initiatives")
    initiatives = [
        Initiative(
            slug=i.key,
            name_fr=i.name_fr,
            name_en=i.name_en,
            description_fr=i.description_fr,
            description_en=i.description_en,
            stage=i.stage,
            sector_id=sector_ids[i.sector],
            started_year=i.started_year,
            annual_budget=i.annual_budget,
            internal_notes=i.internal_notes,
            is_demo=True,
            data_source=source,
            sort_key=sort_key(i.name_fr),
        )
        for i in eco.initiatives
    ]
    _bulk(Initiative, initiatives, batch_size)
    initiative_ids = _ids(Initiative, "slug")
    _bulk(
        InitiativeCarrier,
        (
            InitiativeCarrier(initiative_id=initiative_ids[i.key], organisation_id=org_ids[key], is_lead=lead)
            for i in eco.initiatives
            for key, lead in i.carriers
        ),
        batch_size,
    )
    _links(
        Initiative,
        "territories",
        initiative_ids,
        territory_ids,
        ((i.key, i.territories) for i in eco.initiatives),
        batch_size,
    )
    _links(
        Initiative,
        "populations",
        initiative_ids,
        population_ids,
        ((i.key, i.populations) for i in eco.initiatives),
        batch_size,
    )
    for initiative in initiatives:
        initiative.pk = initiative_ids[initiative.slug]
    _bulk(
        InitiativeSearch,
        (
            indexing.initiative_entry(
                initiative,
                territories=terms(territories, i.territories),
                populations=terms(populations, i.populations),
                sector=sectors[i.sector],
            )
            for initiative, i in zip(initiatives, eco.initiatives, strict=True)
        ),
        batch_size,
    )
    del initiatives

    progress(f"Writing {len(eco.offers)} offers")
    offers = [
        SupportOffer(
            slug=o.key,
            name_fr=o.name_fr,
            name_en=o.name_en,
            description_fr=o.description_fr,
            description_en=o.description_en,
            support_type_id=support_type_ids[o.support_type],
            amount_min=o.amount_min,
            amount_max=o.amount_max,
            capacity=o.capacity,
            cycle=o.cycle,
            flexibility=o.flexibility,
            is_multi_year=o.is_multi_year,
            reporting_hours=o.reporting_hours,
            application_hours=o.application_hours,
            is_rolling=o.is_rolling,
            is_demo=True,
            data_source=source,
            sort_key=sort_key(o.name_fr),
        )
        for o in eco.offers
    ]
    _bulk(SupportOffer, offers, batch_size)
    offer_ids = _ids(SupportOffer, "slug")
    for field_name, ids in (
        ("providers", org_ids),
        ("territories", territory_ids),
        ("sectors", sector_ids),
        ("populations", population_ids),
        ("languages", language_ids),
    ):
        _links(
            SupportOffer, field_name, offer_ids, ids, ((o.key, getattr(o, field_name)) for o in eco.offers), batch_size
        )
    _bulk(
        OpenPeriod,
        (OpenPeriod(offer_id=offer_ids[o.key], opens_on=a, closes_on=b) for o in eco.offers for a, b in o.open_periods),
        batch_size,
    )
    for offer in offers:
        offer.pk = offer_ids[offer.slug]
    _bulk(
        OfferSearch,
        (
            indexing.offer_entry(
                offer,
                support_type=support_types[o.support_type],
                territories=terms(territories, o.territories),
                sectors=terms(sectors, o.sectors),
                populations=terms(populations, o.populations),
            )
            for offer, o in zip(offers, eco.offers, strict=True)
        ),
        batch_size,
    )
    del offers

    progress(f"Writing {len(eco.relations)} relations")
    _bulk(
        Relation,
        (
            Relation(
                source_id=org_ids[r.source],
                target_id=org_ids[r.target],
                kind=r.kind,
                year=r.year,
                amount=r.amount,
                is_multi_year=r.is_multi_year,
                is_flexible=r.is_flexible,
                is_demo=True,
                data_source=source,
            )
            for r in eco.relations
        ),
        batch_size,
    )
