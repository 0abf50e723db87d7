"""Exports of the directory and of its funding relations to the open standards, each object validated against
the official schema (``maillage.core.standards``) as it is written.

- **HSDS 3** (Open Referral): organisations as ``organization`` objects (with their identifiers: the CRA charity
  number under the org-id scheme ``CA-CRA_ACR``, the NEQ by its type), support offers as ``service`` objects
  (with their territories as service areas and their languages).
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
import itertools
import json
import uuid
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from django.utils import translation

from maillage.core import standards
from maillage.core.errors import MaillageError, Problem
from maillage.core.identifiers import org_id_for_cra
from maillage.core.text import formula_safe
from maillage.directory.models import Organisation, Relation, SupportOffer, Territory

NAMESPACE = uuid.UUID("3f1f6c55-52d4-4e1e-9a3e-6d6f2d1f6a11")  # Maillage's, for UUID 5 identifiers
BATCH = 2000


def hsds_id(kind: str, key: str) -> str:
    """The HSDS identifier (a UUID) of a Maillage record, the same at every export."""
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{key}"))


def _page(name: str, slug: str) -> str:
    with translation.override("fr"):
        return settings.SITE_URL.rstrip("/") + reverse(name, args=[slug])


class Identities:
    """The identifiers and addresses the records of an export carry: those a standard's file gave them when
    they were imported (kept as source records), else those Maillage derives from its own records. A record
    thus keeps its identity from the system it came from, through Maillage, to the next."""

    def __init__(self, standard: str, kind: str) -> None:
        from .models import SourceRecord

        target = {"organisation": "organisation_id", "offer": "offer_id", "grant": "relation_id"}[kind]
        self.known: dict[int, tuple[str, str]] = {}
        rows = SourceRecord.objects.filter(standard=standard, kind=kind).order_by("identifier")
        self.taken: set[str] = set()
        for pk, identifier, uri in rows.values_list(target, "identifier", "uri").iterator(chunk_size=BATCH):
            self.known.setdefault(pk, (identifier, uri))
            self.taken.add(identifier)

    def identifier(self, pk: int, default: str) -> str:
        return self.known[pk][0] if pk in self.known else default

    def uri(self, pk: int, default: str) -> str:
        found = self.known.get(pk)
        return found[1] if found and found[1] else default


def org_id(organisation: Organisation, identities: Identities | None = None) -> str:
    """The 360Giving organisation identifier."""
    if organisation.cra_charity_number:
        return org_id_for_cra(organisation.cra_charity_number)
    default = f"360G-maillage-{organisation.slug}"
    return identities.identifier(organisation.pk, default) if identities is not None else default


def _checked(document: dict[str, Any], schema: str, label: str) -> dict[str, Any]:
    found = standards.problems(document, schema, file=label)
    if found:  # an export that breaks the standard is a bug of ours, never something to publish
        raise MaillageError("export_invalid", f"{label} does not validate against {schema}.", found)
    return document


def _organisation_hsds_id(organisation: Organisation, identities: Identities | None) -> str:
    default = hsds_id("organisation", organisation.slug)
    return identities.identifier(organisation.pk, default) if identities is not None else default


def hsds_organization(organisation: Organisation, identities: Identities | None = None) -> dict[str, Any]:
    oid = _organisation_hsds_id(organisation, identities)
    identifiers = []
    if organisation.cra_charity_number:
        identifiers.append(
            {
                "id": str(uuid.uuid5(NAMESPACE, f"{oid}:cra")),
                "organization_id": oid,
                "identifier_scheme": "CA-CRA_ACR",
                "identifier_type": "Canada Revenue Agency charity registration number",
                "identifier": organisation.cra_charity_number,
            }
        )
    if organisation.neq:
        identifiers.append(
            {
                "id": str(uuid.uuid5(NAMESPACE, f"{oid}:neq")),
                "organization_id": oid,
                "identifier_type": "Québec enterprise number (NEQ)",
                "identifier": organisation.neq,
            }
        )
    page = _page("directory:organisation", organisation.slug)
    document: dict[str, Any] = {
        "id": oid,
        "name": organisation.name_fr,
        "description": organisation.description_fr or organisation.name_fr,  # HSDS requires one
        "uri": identities.uri(organisation.pk, page) if identities is not None else page,
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
        with translation.override("fr"):
            document["legal_status"] = str(organisation.get_legal_status_display())
    return _checked(document, "hsds-3/organization.json", f"organization {organisation.slug}")


def hsds_service(
    offer: SupportOffer, identities: Identities | None = None, providers: Identities | None = None
) -> dict[str, Any]:
    default = hsds_id("offer", offer.slug)
    document: dict[str, Any] = {
        "id": identities.identifier(offer.pk, default) if identities is not None else default,
        "name": offer.name_fr,
        "description": offer.description_fr or offer.name_fr,  # HSDS requires one
        "status": "active",
    }
    sid = document["id"]
    document["service_areas"] = [
        {
            "id": str(uuid.uuid5(NAMESPACE, f"{sid}:area:{t.slug}")),
            "service_id": sid,
            "name": t.name_fr,
            "uri": _page("directory:territory", t.slug),
        }
        for t in sorted(offer.territories.all(), key=lambda t: t.slug)
    ]
    document["languages"] = [
        {
            "id": str(uuid.uuid5(NAMESPACE, f"{sid}:language:{lang.code}")),
            "service_id": sid,
            "name": lang.name_en or lang.name_fr,
            "code": lang.code,
        }
        for lang in sorted(offer.languages.all(), key=lambda lang: lang.code)
    ]
    provider_ids = sorted(_organisation_hsds_id(p, providers) for p in offer.providers.all())
    if provider_ids:  # HSDS names one organisation per service: the first by identifier, stable
        document["organization_id"] = provider_ids[0]
    if offer.url:
        document["url"] = offer.url
    if offer.name_en and offer.name_en != offer.name_fr:
        document["alternate_name"] = offer.name_en
    return _checked(document, "hsds-3/service.json", f"service {offer.slug}")


def organisations(*, demo: bool = False) -> QuerySet[Organisation]:
    return Organisation.objects.filter(is_demo=demo).order_by("sort_key", "name_fr", "pk")


def _stable(documents: Iterator[tuple[tuple[Any, ...], dict[str, Any]]]) -> Iterator[dict[str, Any]]:
    """Documents read in order of a key that two copies of the same data share (names, years), with ties put
    in order of their identifier: the same data gives the same file, in any database. Holds one run of equal
    keys at a time."""
    run: list[dict[str, Any]] = []
    current: tuple[Any, ...] | None = None
    for key, document in documents:
        if key != current and run:
            yield from sorted(run, key=lambda d: d["id"])
            run = []
        current = key
        run.append(document)
    yield from sorted(run, key=lambda d: d["id"])


def hsds_organizations(*, demo: bool = False) -> Iterator[dict[str, Any]]:
    from .models import Standard

    identities = Identities(Standard.HSDS, "organisation")
    yield from _stable(
        ((o.sort_key, o.name_fr), hsds_organization(o, identities))
        for o in organisations(demo=demo).iterator(chunk_size=BATCH)
    )


def hsds_services(*, demo: bool = False) -> Iterator[dict[str, Any]]:
    from .models import Standard

    identities = Identities(Standard.HSDS, "offer")
    providers = Identities(Standard.HSDS, "organisation")
    offers = (
        SupportOffer.objects.filter(is_demo=demo)
        .prefetch_related("providers", "languages", Prefetch("territories", Territory.objects.only("slug", "name_fr")))
        .order_by("sort_key", "name_fr", "pk")
    )
    yield from _stable(
        ((o.sort_key, o.name_fr), hsds_service(o, identities, providers)) for o in offers.iterator(chunk_size=BATCH)
    )


def grant(
    relation: Relation, identities: Identities | None = None, organisations: Identities | None = None
) -> dict[str, Any]:
    source, target = relation.source, relation.target
    description = (
        f"{source.name_fr} → {target.name_fr}, {relation.year} "
        f"(Maillage records the year of the grant: the award date is 1 January {relation.year})."
    )
    default = f"360G-maillage-{relation.pk}"
    if identities is not None and relation.pk not in identities.known and default in identities.taken:
        default = f"360G-maillage-r{relation.pk}"  # another Maillage's grant, imported here, has that identifier
    page = _page("directory:organisation", source.slug)
    document: dict[str, Any] = {
        "id": identities.identifier(relation.pk, default) if identities is not None else default,
        "title": f"{source.name_fr} – {target.name_fr} ({relation.year})",
        "description": description,
        "currency": "CAD",
        "amountAwarded": float(relation.amount or 0),
        "awardDate": f"{relation.year}-01-01",
        "recipientOrganization": [{"id": org_id(target, organisations), "name": target.name_fr}],
        "fundingOrganization": [{"id": org_id(source, organisations), "name": source.name_fr}],
        "dataSource": identities.uri(relation.pk, page) if identities is not None else page,
    }
    return _checked(document, standards.GIVING_GRANT, f"grant {relation.pk}")


def grants(*, demo: bool = False) -> Iterator[dict[str, Any]]:
    from .models import Standard

    identities = Identities(Standard.GIVING, "grant")
    organisations = Identities(Standard.GIVING, "organisation")
    relations = (
        Relation.objects.filter(kind=Relation.Kind.FUNDS, is_demo=demo, amount__isnull=False, year__isnull=False)
        .select_related("source", "target")
        .order_by("year", "source__sort_key", "source__name_fr", "target__sort_key", "target__name_fr", "pk")
    )
    yield from _stable(
        (
            (r.year, r.source.sort_key, r.source.name_fr, r.target.sort_key, r.target.name_fr),
            grant(r, identities, organisations),
        )
        for r in relations.iterator(chunk_size=BATCH)
    )


# --- HSDS's tabular form ---------------------------------------------------------------------------------------

TABLES = ("organization", "organization_identifier", "service", "service_area", "language")


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
            # Texts are spreadsheet-safe as in grants.csv (a leading ' that reading drops); numbers stay numbers.
            writers[name].writerow(
                {k: _giving_cell(v) if isinstance(v, str) else v for k, v in row.items() if not isinstance(v, list)}
            )

        for organization in hsds_organizations(demo=demo):
            write("organization", organization)
            for identifier in organization["organization_identifiers"]:
                write("organization_identifier", identifier)
        for service in hsds_services(demo=demo):
            write("service", service)
            for area in service["service_areas"]:
                write("service_area", area)
            for language in service["languages"]:
                write("language", language)
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


# --- 360Giving's spreadsheet form ------------------------------------------------------------------------------

GIVING_SCHEMA = standards.GIVING_GRANT
#: The grant fields Maillage fills, in the schema's order, as paths like the validator's (flatten-tool writes
#: ``recipientOrganization/0/id``). 360Giving lets a publisher leave out the columns it does not use.
GIVING_PATHS = (
    "id",
    "title",
    "description",
    "currency",
    "amountAwarded",
    "awardDate",
    "recipientOrganization.0.id",
    "recipientOrganization.0.name",
    "fundingOrganization.0.id",
    "fundingOrganization.0.name",
    "dataSource",
)


def _giving_fields(paths: tuple[str, ...]) -> dict[str, tuple[str, dict[str, Any]]]:
    """Each path's column title and field schema, read from the vendored 360Giving schema the way 360Giving's
    flatten-tool makes its titles: the titles along the path joined by ``:`` (array indexes have none), a ``$ref``
    resolved (a title beside it wins), and an array's field on the grants sheet only if the array rolls it up."""
    root: dict[str, Any] = json.loads((standards.SCHEMAS / GIVING_SCHEMA).read_text(encoding="utf-8"))

    def resolved(node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            target: dict[str, Any] = root
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
        return node

    found = {}
    for path in paths:
        node, titles, rollup = root, [], None
        for part in path.split("."):
            if part.isdigit():
                rollup = node.get("rollUp", [])
                node = resolved(node["items"])
                continue
            if rollup is not None and part not in rollup:
                raise ValueError(f"{path}: 360Giving's grants sheet does not roll up {part}")
            node, rollup = resolved(node["properties"][part]), None
            titles.append(node["title"])
        found[path] = (":".join(titles), node)
    return found


_GIVING_FIELDS = _giving_fields(GIVING_PATHS)
#: (JSON path, official column title) of each column of ``grants.csv``, in order.
GIVING_COLUMNS: list[tuple[str, str]] = [(path, title) for path, (title, _s) in _GIVING_FIELDS.items()]


def _giving_cell(value: Any) -> str:
    """A number as a number (no ``.0`` for a whole one); a text that a spreadsheet will not run as a formula. A
    leading ``'`` is the spreadsheets' own mark of a text, so a text that begins with one gets another: reading
    drops exactly one, and the text comes back unchanged."""
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    text = str(value)
    return "'" + text if text.startswith("'") else formula_safe(text)


def _giving_value(cell: str, title: str, schema: dict[str, Any]) -> Any:
    kinds = schema.get("type", "string")
    kinds = set(kinds) if isinstance(kinds, list) else {kinds}
    if kinds & {"number", "integer"}:
        try:
            number = int(cell) if "number" not in kinds else float(cell)
        except ValueError:
            number = float("nan")
        if number != number or number in (float("inf"), float("-inf")):
            raise ValueError(f"{title}: '{cell}' is not a number")
        return number
    return cell[1:] if cell.startswith("'") else cell


def _giving_get(document: Any, path: str) -> Any:
    for part in path.split("."):
        if isinstance(document, list):
            document = document[int(part)] if int(part) < len(document) else None
        elif isinstance(document, dict):
            document = document.get(part)
        if document is None:
            return None
    return document


def _giving_put(document: dict[str, Any], path: str, value: Any) -> None:
    parts = path.split(".")
    here: Any = document
    for part, following in itertools.pairwise(parts):
        empty: Any = [] if following.isdigit() else {}
        if isinstance(here, list):
            index = int(part)
            here.extend(None for _ in range(index + 1 - len(here)))
            if here[index] is None:
                here[index] = empty
            here = here[index]
        else:
            here = here.setdefault(part, empty)
    here[parts[-1]] = value


def grant_from_row(row: dict[str, str]) -> dict[str, Any]:
    """The 360Giving grant of one row of ``grants.csv`` (keyed by column title), the inverse of
    :func:`giving_row`: numbers as numbers, empty cells left out, one leading ``'`` dropped from a text. Titles
    are matched as flatten-tool matches them, ignoring case and spaces (``Recipient Org: Identifier``). Raises
    ``ValueError`` for a number that is not one."""
    cells = {k.replace(" ", "").lower(): v for k, v in row.items() if isinstance(k, str) and v}
    document: dict[str, Any] = {}
    for path, (title, schema) in _GIVING_FIELDS.items():
        cell = cells.get(title.replace(" ", "").lower())
        if cell:
            _giving_put(document, path, _giving_value(cell, title, schema))
    return document


def giving_row(document: dict[str, Any]) -> dict[str, str]:
    """One grant as a row of ``grants.csv``, keyed by column title. A grant that the row would not give back
    whole (a field without a column) stops the export (``export_invalid``)."""
    row = {title: _giving_cell(_giving_get(document, path)) for path, title in GIVING_COLUMNS}
    back = grant_from_row(row)
    if back != {key: value for key, value in document.items() if value is not None}:  # a null is an empty cell
        label = f"grant {document.get('id')}"
        lost = sorted(key for key in set(document) | set(back) if back.get(key) != document.get(key))
        raise MaillageError(
            "export_invalid",
            f"{label} does not fit 360Giving's spreadsheet columns.",
            [Problem("export_invalid", f"{label}: {key} does not read back", field=key) for key in lost],
        )
    return row


def grants_rows(*, demo: bool = False) -> Iterator[dict[str, str]]:
    """The grants of :func:`grants` (each validated against the schema) as rows of ``grants.csv``."""
    for document in grants(demo=demo):
        yield giving_row(document)
