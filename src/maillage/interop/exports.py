"""Exports of the directory and of its funding relations to the open standards, each object validated against
the official schema (``maillage.core.standards``) as it is written.

- **HSDS 3** (Open Referral): organisations as ``organization`` objects (with their identifiers: the CRA charity
  number under the org-id scheme ``CA-CRA_ACR``, the NEQ by its type), support offers as ``service`` objects.
  HSDS identifiers are UUIDs: each is derived from the record's Maillage identifier (UUID 5 in Maillage's own
  namespace), so that the same record always has the same HSDS identifier, export after export.
- **HSDS's tabular form**: the same objects as CSV files with the official columns, and the official data
  package descriptor limited to the tables written; each row checked against its Table Schema.
- **360Giving 1.4**: each declared funding relation as a grant. Organisations are identified by their org-id
  (``CA-CRA_ACR-…`` for a registered charity), else by a 360Giving internal identifier ``360G-maillage-…``.
  Maillage records the year of a grant, not its day: the award date is 1 January of that year (said in each
  grant's description).

Records are read in batches (``iterator``), so that exports of any size run in bounded memory.
"""

from __future__ import annotations

import csv
import json
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import translation

from maillage.core import standards
from maillage.core.errors import MaillageError, Problem
from maillage.core.identifiers import org_id_for_cra
from maillage.directory.models import Organisation, Relation, SupportOffer

NAMESPACE = uuid.UUID("3f1f6c55-52d4-4e1e-9a3e-6d6f2d1f6a11")  # Maillage's, for UUID 5 identifiers
BATCH = 2000


def hsds_id(kind: str, key: str) -> str:
    """The HSDS identifier (a UUID) of a Maillage record, the same at every export."""
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{key}"))


def _page(name: str, slug: str) -> str:
    with translation.override("fr"):
        return settings.SITE_URL.rstrip("/") + reverse(name, args=[slug])


def org_id(organisation: Organisation) -> str:
    """The 360Giving organisation identifier."""
    if organisation.cra_charity_number:
        return org_id_for_cra(organisation.cra_charity_number)
    return f"360G-maillage-{organisation.slug}"


def _checked(document: dict[str, Any], schema: str, label: str) -> dict[str, Any]:
    found = standards.problems(document, schema, file=label)
    if found:  # an export that breaks the standard is a bug of ours, never something to publish
        raise MaillageError("export_invalid", f"{label} does not validate against {schema}.", found)
    return document


def hsds_organization(organisation: Organisation) -> dict[str, Any]:
    oid = hsds_id("organisation", organisation.slug)
    identifiers = []
    if organisation.cra_charity_number:
        identifiers.append(
            {
                "id": hsds_id("organisation-cra", organisation.slug),
                "organization_id": oid,
                "identifier_scheme": "CA-CRA_ACR",
                "identifier_type": "Canada Revenue Agency charity registration number",
                "identifier": organisation.cra_charity_number,
            }
        )
    if organisation.neq:
        identifiers.append(
            {
                "id": hsds_id("organisation-neq", organisation.slug),
                "organization_id": oid,
                "identifier_type": "Québec enterprise number (NEQ)",
                "identifier": organisation.neq,
            }
        )
    document: dict[str, Any] = {
        "id": oid,
        "name": organisation.name_fr,
        "description": organisation.description_fr or organisation.description_en or organisation.name_fr,
        "uri": _page("directory:organisation", organisation.slug),
        "organization_identifiers": identifiers,
    }
    if organisation.name_en and organisation.name_en != organisation.name_fr:
        document["alternate_name"] = organisation.name_en
    if organisation.email:
        document["email"] = organisation.email
    if organisation.website:
        document["website"] = organisation.website
    if organisation.founded_year:
        document["year_incorporated"] = organisation.founded_year
    if organisation.legal_status:
        document["legal_status"] = organisation.get_legal_status_display()
    return _checked(document, "hsds-3/organization.json", f"organization {organisation.slug}")


def hsds_service(offer: SupportOffer) -> dict[str, Any]:
    providers = sorted(p.slug for p in offer.providers.all())
    document: dict[str, Any] = {
        "id": hsds_id("offer", offer.slug),
        "name": offer.name_fr,
        "description": offer.description_fr or offer.description_en or offer.name_fr,
        "status": "active",
    }
    if providers:
        document["organization_id"] = hsds_id("organisation", providers[0])
    if offer.url:
        document["url"] = offer.url
    if offer.name_en and offer.name_en != offer.name_fr:
        document["alternate_name"] = offer.name_en
    return _checked(document, "hsds-3/service.json", f"service {offer.slug}")


def organisations(*, demo: bool = False) -> QuerySet[Organisation]:
    return Organisation.objects.filter(is_demo=demo).order_by("slug")


def hsds_organizations(*, demo: bool = False) -> Iterator[dict[str, Any]]:
    for organisation in organisations(demo=demo).iterator(chunk_size=BATCH):
        yield hsds_organization(organisation)


def hsds_services(*, demo: bool = False) -> Iterator[dict[str, Any]]:
    offers = SupportOffer.objects.filter(is_demo=demo).prefetch_related("providers").order_by("slug")
    for offer in offers.iterator(chunk_size=BATCH):
        yield hsds_service(offer)


def grant(relation: Relation) -> dict[str, Any]:
    source, target = relation.source, relation.target
    description = (
        f"{source.name_fr} → {target.name_fr}, {relation.year} "
        f"(Maillage records the year of the grant: the award date is 1 January {relation.year})."
    )
    document: dict[str, Any] = {
        "id": f"360G-maillage-{relation.pk}",
        "title": f"{source.name_fr} – {target.name_fr} ({relation.year})",
        "description": description,
        "currency": "CAD",
        "amountAwarded": float(relation.amount or 0),
        "awardDate": f"{relation.year}-01-01",
        "recipientOrganization": [{"id": org_id(target), "name": target.name_fr}],
        "fundingOrganization": [{"id": org_id(source), "name": source.name_fr}],
        "dataSource": _page("directory:organisation", source.slug),
    }
    return _checked(document, "360giving/360-giving-schema.json", f"grant {relation.pk}")


def grants(*, demo: bool = False) -> Iterator[dict[str, Any]]:
    relations = (
        Relation.objects.filter(kind=Relation.Kind.FUNDS, is_demo=demo, amount__isnull=False, year__isnull=False)
        .select_related("source", "target")
        .order_by("year", "pk")
    )
    for relation in relations.iterator(chunk_size=BATCH):
        yield grant(relation)


# --- HSDS's tabular form ---------------------------------------------------------------------------------------

TABLES = ("organization", "organization_identifier", "service")


def hsds_tables(folder: Path, *, demo: bool = False) -> dict[str, int]:
    """Write HSDS's tabular data package in ``folder``: ``organizations.csv``, ``organization_identifiers.csv``,
    ``services.csv`` (the official columns, in the official order) and ``datapackage.json`` (the official
    descriptor, limited to those tables). Every row is checked against its Table Schema as it is written;
    rows are read and written one at a time. Returns the rows written per table."""
    checkers = {name: standards.TableChecker(name) for name in TABLES}
    counts = dict.fromkeys(TABLES, 0)
    problems: list[Problem] = []
    with ExitStack() as stack:
        writers = {}
        for name in TABLES:
            out = stack.enter_context((folder / checkers[name].file).open("w", encoding="utf-8", newline=""))
            writer = csv.DictWriter(out, fieldnames=standards.table_fields(name), extrasaction="ignore")
            writer.writeheader()
            writers[name] = writer

        def write(name: str, row: dict[str, Any]) -> None:
            counts[name] += 1
            problems.extend(checkers[name].row_problems(row, counts[name] + 1))  # row 1 is the header
            writers[name].writerow({k: v for k, v in row.items() if not isinstance(v, list)})

        for organization in hsds_organizations(demo=demo):
            write("organization", organization)
            for identifier in organization["organization_identifiers"]:
                write("organization_identifier", identifier)
        for service in hsds_services(demo=demo):
            write("service", service)
    if problems:  # nothing half-valid is left behind
        for name in TABLES:
            (folder / checkers[name].file).unlink(missing_ok=True)
        raise MaillageError(
            "export_invalid", "The tabular export does not validate against HSDS's Table Schemas.", problems
        )
    package = {k: v for k, v in standards.datapackage().items() if k != "resources"}
    package["resources"] = [standards.table_resource(name) for name in TABLES]
    (folder / "datapackage.json").write_text(json.dumps(package, ensure_ascii=False, indent=2), encoding="utf-8")
    return counts
