"""Imports of open data into the directory: organisations (HSDS, the CSV template, and the organisations that
360Giving grants name), support offers (HSDS services) and funding relations (360Giving grants).

Every import is **all or nothing** and **idempotent**:

- the file is read once, in batches; each record is checked, matched to what Maillage holds, and compared
  with it. The report says, row by row, what would be created, updated, left unchanged or rejected, and why;
- a dry run writes nothing; a real import writes batch by batch inside one transaction, and undoes it all if
  any row is rejected, so that nothing half-imported is ever seen;
- records are matched by the identifiers the file gives them (an HSDS UUID, a 360Giving identifier, a CSV
  source identifier: see :class:`~maillage.interop.models.SourceRecord`), by Maillage's own identifiers (the
  UUIDs and org-ids that Maillage's exports derive from its records), then by CRA charity number and NEQ.
  Re-importing the same file finds the same records and changes nothing;
- a new record keeps its source (``data_source``, and a source record with the file's identifier and address).

Memory grows with the number of organisations Maillage holds and the identifiers a file uses (to match
them and catch duplicates), never with the records' contents: records are read, checked and written in
batches of :data:`BATCH`.
"""

from __future__ import annotations

import hashlib
import itertools
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from maillage.core.errors import MaillageError, Problem
from maillage.core.identifiers import normalize_cra_charity_number, normalize_neq
from maillage.core.text import normalize, sort_key
from maillage.directory import indexing
from maillage.directory.models import (
    Language,
    Organisation,
    OrganisationSearch,
    Population,
    Relation,
    Sector,
    SupportOffer,
    SupportType,
    Territory,
)
from maillage.directory.services import RESERVED_SLUGS

from . import readers
from .exports import hsds_id
from .models import ImportRun, SourceRecord, Standard
from .readers import GrantRecord, Item, OfferRecord, OrgRecord

log = logging.getLogger(__name__)

BATCH = 1000
ROWS_KEPT = 1000  # rows listed in a report (all are counted)
PROBLEMS_KEPT = 1000  # problems listed in a report (all are counted)
DEFAULT_SUPPORT_TYPE = "accompagnement"  # of a support offer created from an HSDS service, which names none

ACTIONS = ("created", "updated", "unchanged", "rejected")

Progress = Callable[[int], None]


# --- the report --------------------------------------------------------------------------------------------


@dataclass
class Report:
    """What an import did (or, for a dry run, would do), row by row."""

    standard: str
    file: str
    dry_run: bool
    counts: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(lambda: dict.fromkeys(ACTIONS, 0)))
    rows: list[dict[str, Any]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    warnings: list[Problem] = field(default_factory=list)
    rows_read: int = 0
    written: bool = False
    _rejected: set[tuple[str | None, int | None, str]] = field(default_factory=set, repr=False)

    @property
    def ok(self) -> bool:
        return self.problem_count == 0

    def row(self, kind: str, action: str, *, file: str, row: int, label: str, changes: Iterable[str] = ()) -> None:
        self.counts[kind][action] += 1
        if len(self.rows) < ROWS_KEPT:
            self.rows.append(
                {"kind": kind, "action": action, "file": file, "row": row, "label": label, "changes": list(changes)}
            )

    def warning(self, warning: Problem) -> None:
        """Something to check that does not stop the import (the first ones are kept)."""
        if len(self.warnings) < PROBLEMS_KEPT:
            self.warnings.append(warning)

    def row_rejected(self, kind: str, file: str | None, row: int | None) -> None:
        """Count a row rejected because of a problem reported on another of its records."""
        if (file, row, kind) not in self._rejected:
            self._rejected.add((file, row, kind))
            self.counts[kind]["rejected"] += 1

    def forget(self, kind: str) -> None:
        """Drop the rows reported for a kind of record (not its rejections)."""
        if kind in self.counts:
            for action in ("created", "updated", "unchanged"):
                self.counts[kind][action] = 0
        self.rows = [row for row in self.rows if row["kind"] != kind]

    def problem(self, problem: Problem, kind: str | None = None) -> None:
        self.problem_count += 1
        if kind:
            self.row_rejected(kind, problem.file, problem.row)  # a row is rejected once, whatever its problems
        if len(self.problems) < PROBLEMS_KEPT:
            self.problems.append(problem)

    def as_dict(self) -> dict[str, Any]:
        return {
            "standard": self.standard,
            "file": self.file,
            "dry_run": self.dry_run,
            "written": self.written,
            "rows_read": self.rows_read,
            "counts": {kind: dict(actions) for kind, actions in self.counts.items()},
            "rows": sorted(self.rows, key=lambda r: (r["file"], r["row"])),
            "warnings": [w.as_dict() for w in self.warnings],
            "rows_listed_all": sum(sum(a.values()) for a in self.counts.values()) - self.problem_count
            <= len(self.rows),
            "problem_count": self.problem_count,
            "problems": [p.as_dict() for p in self.problems],
        }


# --- reading a file ----------------------------------------------------------------------------------------


def read(standard: str, path: Path, *, name: str | None = None) -> Iterator[Item]:
    """The records of a file of ``standard`` (``hsds``, ``360giving``, ``csv``)."""
    if standard == Standard.HSDS:
        if path.is_dir():
            return readers.read_hsds_tables(path)
        return readers.read_hsds_json(path, name=name)
    if standard == Standard.GIVING:
        from .exports import GIVING_COLUMNS, grant_from_row

        if readers.sniff(path) == "text" or (name or path.name).lower().endswith(".csv"):
            return readers.read_giving_csv(path, GIVING_COLUMNS, grant_from_row, name=name)
        return readers.read_giving_json(path, name=name)
    if standard == Standard.CSV:
        return readers.read_template(path, name=name)
    raise ValueError(standard)


# --- matching and writing ------------------------------------------------------------------------------------


class _Terms:
    """Territories, sectors and populations by every name a file may use for them."""

    def __init__(self) -> None:
        #: by identifier, as written (« verdun » is the borough, « quartier-verdun » the quartier)
        self.by_slug: dict[str, Territory] = {}
        #: by normalised official code or name, when one territory has it
        self.territories: dict[str, Territory] = {}
        #: names and codes that several territories share (« Verdun », a borough and a quartier)
        self.ambiguous: dict[str, list[Territory]] = {}
        everything = list(Territory.objects.only("pk", "slug", "kind", "code", "name_fr", "name_en"))
        shared: dict[str, list[Territory]] = defaultdict(list)
        for territory in everything:
            self.by_slug[territory.slug] = territory
            for key in {normalize(k) for k in (territory.code, territory.name_fr, territory.name_en) if k}:
                shared[key].append(territory)
        for key, found in shared.items():
            if len(found) == 1:
                self.territories[key] = found[0]
            else:
                self.ambiguous[key] = sorted(found, key=lambda t: t.slug)
        for territory in everything:  # an identifier typed with capitals, when no name says otherwise
            key = normalize(territory.slug)
            if key not in self.territories and key not in self.ambiguous:
                self.territories[key] = territory
        self.sectors = self._vocabulary(Sector)
        self.populations = self._vocabulary(Population)
        self.languages = self._vocabulary(Language)

    @staticmethod
    def _vocabulary(model: type[Sector] | type[Population] | type[Language]) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for term in model.objects.all():
            for key in (term.code, term.name_fr, term.name_en):
                if key:
                    found.setdefault(normalize(key), term)
        return found

    def ambiguity(self, key: str) -> str | None:
        """What to write instead of a name several territories share, or None."""
        found = self.ambiguous.get(normalize(key))
        if not found:
            return None
        choices = ", ".join(f"{t.slug} ({t.get_kind_display()}: {t.name})" for t in found)
        return _("'%(value)s' names several territories: write its identifier instead, one of %(choices)s.") % {
            "value": key,
            "choices": choices,
        }

    def territory(self, key: str) -> Territory | None:
        return self.by_slug.get(key.strip()) or self.territories.get(normalize(key))

    def lookup(self, kind: str) -> dict[str, Any]:
        return {"territories": self.territories, "sectors": self.sectors, "populations": self.populations}[kind]


@dataclass
class _Org:
    """An organisation resolved for writing: existing (pk > 0), to create, or a dry run's placeholder (pk < 0)."""

    record: OrgRecord
    pk: int | None
    values: dict[str, Any]
    roles: set[str] | None
    terms: dict[str, list[Any]] | None
    source_key: tuple[str, str] | None  # (standard, identifier) to remember, when not Maillage's own
    changes: list[str] = field(default_factory=list)


ORG_FIELDS = (
    "name_fr",
    "name_en",
    "acronym",
    "kind",
    "description_fr",
    "description_en",
    "legal_status",
    "founded_year",
    "website",
    "email",
    "phone",
    "address",
)
ROLE_FIELDS = {"field": "is_field_actor", "support": "is_support_actor", "policy": "is_policy_actor"}
ROLE_ALIASES = {"terrain": "field", "soutien": "support", "politique": "policy", "policy maker": "policy"}


def _choice(model: type[Model], name: str, value: str) -> str | None:
    """A choice's code from its code or its label in either language (case and accents aside)."""
    wanted = normalize(value)
    for code, label in model._meta.get_field(name).choices or ():  # type: ignore[union-attr]
        labels = {normalize(str(code))}
        for language in ("fr", "en"):
            with translation.override(language):
                labels.add(normalize(str(label)))
        if wanted in labels:
            return str(code)
    return None


class Importer:
    """One import of one file (see the module's documentation)."""

    def __init__(
        self,
        *,
        standard: str,
        source_label: str,
        file_label: str,
        demo: bool = False,
        dry_run: bool = False,
        run: ImportRun | None = None,
        progress: Progress | None = None,
        support_type: str = DEFAULT_SUPPORT_TYPE,
    ) -> None:
        self.standard = standard
        self.source_label = source_label[:200]
        self.file_label = file_label[:255]
        self.demo = demo
        self.dry_run = dry_run
        self.run = run
        self.progress = progress
        self.report = Report(standard=standard, file=file_label, dry_run=dry_run)
        self.site = settings.SITE_URL.rstrip("/") + "/"
        self.support_type_code = support_type
        self._placeholder = itertools.count(-1, -1)
        self._terms: _Terms | None = None
        self._load_organisations()
        self._choices: dict[tuple[str, str], str | None] = {}
        # what this file has said so far: identifier -> (first row, organisation pk or placeholder)
        self.seen_org: dict[tuple[str, str], tuple[int, int]] = {}
        self.seen_neq: dict[str, int] = {}
        self.seen_cra: dict[str, int] = {}
        self.seen_pk: dict[int, int] = {}
        self.seen_offer: dict[str, int] = {}
        self.grants: dict[tuple[int, int, int], dict[str, Any]] = {}
        self.seen_grant: dict[str, int] = {}
        self.refused_refs: set[tuple[str, str]] = set()  # organisations named by grants, refused once
        self._own_offers: dict[str, int] | None = None  # the HSDS identifiers Maillage derives from its offers

    # -- what Maillage holds --------------------------------------------------------------------------------

    def _load_organisations(self) -> None:
        self.by_slug: dict[str, int] = {}
        self.by_uuid: dict[str, int] = {}
        self.by_cra: dict[str, int] = {}
        self.by_neq: dict[str, int] = {}
        self.demo_pks: set[int] = set()
        self.by_name: dict[str, str] = {}  # sort key of the name -> slug, to warn of a namesake
        rows = Organisation.objects.values_list("pk", "slug", "cra_charity_number", "neq", "is_demo", "sort_key")
        for pk, slug, cra, neq, is_demo, key in rows.iterator(chunk_size=5000):
            self.by_slug[slug] = pk
            self.by_name.setdefault(key, slug)
            if cra:
                self.by_cra[cra] = pk
            if neq:
                self.by_neq[neq] = pk
            if is_demo:
                self.demo_pks.add(pk)
        self.by_source: dict[tuple[str, str], int] = {
            (standard, identifier): pk
            for standard, identifier, pk in SourceRecord.objects.filter(kind=SourceRecord.Kind.ORGANISATION)
            .values_list("standard", "identifier", "organisation_id")
            .iterator(chunk_size=5000)
        }

    def _uuid_index(self) -> dict[str, int]:
        if not self.by_uuid and self.by_slug:
            self.by_uuid = {hsds_id("organisation", slug): pk for slug, pk in self.by_slug.items()}
        return self.by_uuid

    @property
    def terms(self) -> _Terms:
        if self._terms is None:
            self._terms = _Terms()
        return self._terms

    # -- running --------------------------------------------------------------------------------------------

    def execute(self, items: Iterable[Item]) -> Report:
        """Read every item, and write them unless this is a dry run or a row is rejected (then nothing is)."""
        if self.dry_run:  # no transaction: it would hold SQLite's write lock while the file is read
            self._consume(items)
            self._count_grants()
            return self.report
        try:
            with transaction.atomic():
                self._consume(items)
                if self.report.ok:
                    self._write_grants()
                if self.report.ok:
                    self.report.written = True
                else:
                    transaction.set_rollback(True)
        except MaillageError as error:  # a conflict met while writing: nothing stays
            self.report.written = False
            for problem in error.problems or [Problem(error.code, error.message, file=self.file_label)]:
                self.report.problem(problem)
        except IntegrityError:  # someone changed the directory meanwhile: nothing stays, the import can be re-run
            log.warning("import of %s stopped by a conflicting change", self.file_label, exc_info=True)
            self.report.written = False
            self.report.problem(
                Problem(
                    "write_conflict",
                    _("The directory changed while the file was imported: nothing was written. Import it again."),
                    file=self.file_label,
                )
            )
        if not self.report.written:  # say what the grants would have done (once, if writing them began)
            self.report.forget("grant")
            self._count_grants()
        return self.report

    def _consume(self, items: Iterable[Item]) -> None:
        batch: list[OrgRecord | OfferRecord | GrantRecord] = []
        for item in items:
            if isinstance(item, Problem):
                self.report.problem(item, self._kind_of_problem(item))
                if item.row is not None:
                    self._read_one()
                continue
            self._read_one()
            batch.append(item)
            if len(batch) >= BATCH:
                self._batch(batch)
                batch = []
        if batch:
            self._batch(batch)

    def _kind_of_problem(self, problem: Problem) -> str | None:
        """The kind of record a row's problem rejects (none for a problem of the whole file)."""
        if problem.row is None:
            return None
        if self.standard == Standard.GIVING:
            return "grant"
        return "service" if any(w in (problem.file or "") for w in ("service", "language")) else "organisation"

    def _read_one(self) -> None:
        self.report.rows_read += 1
        if self.progress is not None and self.report.rows_read % BATCH == 0:
            self.progress(self.report.rows_read)

    def _batch(self, batch: list[OrgRecord | OfferRecord | GrantRecord]) -> None:
        orgs = [item for item in batch if isinstance(item, OrgRecord)]
        if orgs:
            self._organisations(orgs)
        offers = [item for item in batch if isinstance(item, OfferRecord)]
        if offers:
            self._offers(offers)
        grants = [item for item in batch if isinstance(item, GrantRecord)]
        if grants:
            self._grant_orgs(grants)
        for grant in grants:
            self._grant(grant)

    @property
    def writing(self) -> bool:
        return not self.dry_run and self.report.ok

    # -- organisations --------------------------------------------------------------------------------------

    def _problem(
        self, record: OrgRecord | OfferRecord | GrantRecord, code: str, message: str, column: str | None, kind: str
    ) -> None:
        self.report.problem(Problem(code, message, field=column, row=record.row, file=record.file), kind)

    def _clean(self, record: OrgRecord) -> dict[str, Any] | None:
        """The record's values as Maillage stores them, or None after reporting what is wrong."""
        values: dict[str, Any] = {}
        wrong: list[tuple[str, str, str]] = []
        for name, raw in record.fields.items():
            if name not in ORG_FIELDS:
                continue
            value = raw if isinstance(raw, int) else str(raw if raw is not None else "").strip()
            if value == "" and name != "name_fr":  # an empty cell leaves the current value as it is
                continue
            if name in ("kind", "legal_status") and value:
                key = (name, str(value))
                if key not in self._choices:
                    self._choices[key] = _choice(Organisation, name, str(value))
                code = self._choices[key]
                if code is None:
                    if record.standard == Standard.HSDS and name == "legal_status":
                        continue  # HSDS's legal status is free text: one Maillage does not know leaves its own
                    else:
                        choices = ", ".join(str(c) for c, _label in Organisation._meta.get_field(name).choices or ())  # type: ignore[union-attr]
                        wrong.append(
                            (
                                "choice_invalid",
                                _("'%(value)s' is not one of the expected values: %(choices)s.")
                                % {"value": value, "choices": choices},
                                name,
                            )
                        )
                        continue
                value = code
            if name == "founded_year":
                if value in ("", None):
                    values[name] = None
                    continue
                try:
                    value = int(value)
                except (TypeError, ValueError):
                    wrong.append(
                        (
                            "year_invalid",
                            _("'%(value)s' is not a year: expected a year such as 1998.") % {"value": value},
                            name,
                        )
                    )
                    continue
            if (
                name == "website"
                and isinstance(value, str)
                and "://" not in value
                and "." in value
                and " " not in value
            ):
                value = "https://" + value  # « www.example.org », as people write an address
            try:
                values[name] = Organisation._meta.get_field(name).clean(value, None)
            except ValidationError as error:
                wrong.append(("value_invalid", " ".join(str(m) for m in error.messages), name))
        if not values.get("name_fr", "x"):
            wrong.append(("value_missing", _("The organisation's name (in French) is required."), "name_fr"))
        for raw, column, normalise in (
            (record.neq, "neq", normalize_neq),
            (record.cra, "cra_charity_number", normalize_cra_charity_number),
        ):
            if raw:
                try:
                    values[column] = normalise(raw, field=column)
                except MaillageError as error:
                    wrong.append((error.code, error.message, column))
        for code, message, column in wrong:
            self._problem(record, code, message, column, "organisation")
        return None if wrong else values

    def _roles(self, record: OrgRecord) -> set[str] | None:
        if record.roles is None:
            return None
        roles = set()
        for role in record.roles:
            role = ROLE_ALIASES.get(normalize(role), normalize(role))
            if role not in ROLE_FIELDS:
                self._problem(
                    record,
                    "role_invalid",
                    _("'%(value)s' is not a role: expected field, support or policy (separated by |).")
                    % {"value": role},
                    "roles",
                    "organisation",
                )
                return None
            roles.add(role)
        return roles

    def _resolve_terms(self, record: OrgRecord) -> dict[str, list[Any]] | None:
        if record.terms is None:
            return None
        resolved: dict[str, list[Any]] = {}
        for kind, names in record.terms.items():
            lookup = self.terms.lookup(kind)
            found = []
            for name in names:
                term = self.terms.territory(name) if kind == "territories" else lookup.get(normalize(name))
                ambiguous = self.terms.ambiguity(name) if kind == "territories" and term is None else None
                if ambiguous:
                    self._problem(record, "territory_ambiguous", ambiguous, kind, "organisation")
                    return None
                if term is None:
                    message = {
                        "territories": _(
                            "Unknown territory '%(value)s': use a territory's identifier, official code or name "
                            "as the directory lists them (for example “verdun” or “Parc-Extension”)."
                        ),
                        "sectors": _(
                            "Unknown sector '%(value)s': use a sector's code or name as the directory lists them."
                        ),
                        "populations": _(
                            "Unknown population '%(value)s': use a population's code or name as the directory "
                            "lists them."
                        ),
                    }[kind] % {"value": name}
                    self._problem(
                        record,
                        f"{kind[:-1]}_unknown".replace("territorie", "territory").replace("populatio", "population"),
                        message,
                        kind,
                        "organisation",
                    )
                    return None
                if term not in found:
                    found.append(term)
            resolved[kind] = found
        return resolved

    def _match(self, record: OrgRecord, values: dict[str, Any]) -> tuple[int | None, tuple[str, str] | None] | None:
        """The organisation a record describes (None to create one), and the source key to remember; None
        after reporting a conflict."""
        source_key = self._source_key(record, values)
        candidates: list[tuple[str, int]] = []
        if record.slug and (record.standard != Standard.GIVING or self._here(record.uri)):
            pk = self.by_slug.get(record.slug)
            if pk is not None:
                candidates.append(("id", pk))
            elif record.standard == Standard.CSV:
                self._problem(
                    record,
                    "record_unknown",
                    _("No organisation has the identifier '%(value)s': leave the id column empty to create one.")
                    % {"value": record.slug},
                    "id",
                    "organisation",
                )
                return None
        if source_key is not None:
            pk = self.by_source.get(source_key)
            if pk is not None:
                candidates.append(("source_id" if record.standard == Standard.CSV else "id", pk))
        if record.standard == Standard.HSDS and record.identifier and self._here(record.uri):
            pk = self._uuid_index().get(record.identifier)
            if pk is not None:
                candidates.append(("id", pk))
        if record.standard == Standard.GIVING and record.slug and not candidates:
            # Another Maillage's org-id: the organisation may have come here through its HSDS export.
            pk = self.by_source.get((Standard.HSDS, hsds_id("organisation", record.slug)))
            if pk is not None:
                candidates.append(("id", pk))
        for column, index in (("cra_charity_number", self.by_cra), ("neq", self.by_neq)):
            if values.get(column) and values[column] in index:
                candidates.append((column, index[values[column]]))
        pks = {pk for _how, pk in candidates}
        if len(pks) > 1:
            self._problem(
                record,
                "records_conflict",
                _(
                    "This row's identifiers point to different organisations (%(how)s): correct the identifiers "
                    "so that they describe one organisation."
                )
                % {"how": ", ".join(sorted({how for how, _pk in candidates}))},
                None,
                "organisation",
            )
            return None
        pk = pks.pop() if pks else None
        if pk is not None and (pk in self.demo_pks) != self.demo:
            self._problem(
                record,
                "demo_mismatch",
                _(
                    "This row names a fictional demo organisation: if the file holds the demo's data, tick "
                    "“Fictional demo data” (or --demo) and upload it again."
                )
                if pk in self.demo_pks
                else _("This row describes a real organisation: a demo import cannot change it."),
                None,
                "organisation",
            )
            return None
        if source_key is not None and self._is_own(record, pk):
            source_key = None
        return pk, source_key

    def _source_key(self, record: OrgRecord, values: dict[str, Any]) -> tuple[str, str] | None:
        if record.standard == Standard.CSV:
            key = record.identifier or ("name:" + normalize(str(values.get("name_fr", ""))))
            identifier = f"{self.source_label}|{key}"
            if len(identifier) > 255:  # long sources and names: a digest keeps them apart where a cut would not
                identifier = identifier[:190] + "|" + hashlib.sha256(identifier.encode()).hexdigest()  # 255 at most
            return (Standard.CSV, identifier)
        return (record.standard, record.identifier) if record.identifier else None

    def _here(self, uri: str) -> bool:
        """Whether a record's address is on this Maillage (or absent): only then are identifiers that Maillage
        derives from its records (UUIDs, 360G-maillage-… org-ids) this Maillage's own. Another Maillage derives
        the same identifiers from the same slugs."""
        return not uri or uri.startswith(self.site)

    def _is_own(self, record: OrgRecord, pk: int | None) -> bool:
        """Whether the record's identifier is one Maillage derives from its own record (nothing to remember)."""
        if pk is None or pk < 0 or not self._here(record.uri):
            return False
        if record.standard == Standard.HSDS:
            return self._uuid_index().get(record.identifier) == pk
        if record.standard == Standard.GIVING:
            return (
                bool(record.slug) and self.by_slug.get(record.slug) == pk
            ) or record.identifier == f"CA-CRA_ACR-{record.cra}"
        return False

    def _duplicate(self, record: OrgRecord, values: dict[str, Any], source_key: tuple[str, str] | None) -> bool:
        """Whether an earlier row of the file already describes the same organisation (reported)."""
        for column, value, seen in (
            ("id", source_key, self.seen_org),
            ("neq", values.get("neq"), self.seen_neq),
            ("cra_charity_number", values.get("cra_charity_number"), self.seen_cra),
        ):
            if value is None:
                continue
            first = seen.get(value)  # type: ignore[call-overload]
            if first is not None:
                row = first[0] if isinstance(first, tuple) else first
                self._problem(
                    record,
                    "identifier_duplicate",
                    _("Row %(row)d already has this identifier: each organisation appears once in a file.")
                    % {"row": row},
                    column if column != "id" else ("id" if record.standard != Standard.CSV else "source_id"),
                    "organisation",
                )
                return True
        return False

    def _mark_seen(self, record: OrgRecord, values: dict[str, Any], source_key: tuple[str, str] | None) -> None:
        """Note the identifiers a row uses, so that a later row of the file with the same is caught."""
        if source_key is not None:
            self.seen_org.setdefault(source_key, (record.row, 0))
        for column, seen in (("neq", self.seen_neq), ("cra_charity_number", self.seen_cra)):
            if values.get(column):
                seen.setdefault(values[column], record.row)

    def _remember(self, record: OrgRecord, values: dict[str, Any], source_key: tuple[str, str] | None, pk: int) -> None:
        self._mark_seen(record, values, source_key)
        if source_key is not None:
            self.seen_org[source_key] = (self.seen_org[source_key][0], pk)
            self.by_source[source_key] = pk
        if values.get("neq"):
            self.by_neq[values["neq"]] = pk
        if values.get("cra_charity_number"):
            self.by_cra[values["cra_charity_number"]] = pk
        if self.demo:
            self.demo_pks.add(pk)

    def _organisations(self, records: list[OrgRecord]) -> None:
        resolved: list[_Org] = []
        for record in records:
            if record.standard == Standard.CSV and record.identifier == readers.TEMPLATE_EXAMPLE_ID:
                self._problem(
                    record,
                    "example_row",
                    _("This is the template's fictional example row: delete it, or replace it with an organisation."),
                    "source_id",
                    "organisation",
                )
                continue
            values = self._clean(record)
            roles = self._roles(record)
            terms = self._resolve_terms(record)
            if (
                values is None
                or (record.roles is not None and roles is None)
                or (record.terms is not None and terms is None)
            ):
                continue
            matched = self._match(record, values)
            if matched is None:
                continue
            pk, source_key = matched
            if self._duplicate(record, values, source_key if record.standard != Standard.GIVING else None):
                continue
            if pk is not None and pk in self.seen_pk:
                self._problem(
                    record,
                    "record_duplicate",
                    _("Row %(row)d already describes this organisation: each organisation appears once in a file.")
                    % {"row": self.seen_pk[pk]},
                    None,
                    "organisation",
                )
                continue
            if pk is None and not (roles or record.default_roles):
                self._problem(
                    record,
                    "role_missing",
                    _("Choose at least one role: field, support or policy (separated by |)."),
                    "roles",
                    "organisation",
                )
                continue
            resolved.append(_Org(record, pk, values, roles, terms, source_key))
            self._mark_seen(record, values, source_key)
            if pk is not None:
                self.seen_pk[pk] = record.row
        existing = Organisation.objects.in_bulk([o.pk for o in resolved if o.pk is not None and o.pk > 0])
        linked = self._linked([o.pk for o in resolved if o.pk in existing and o.terms is not None])
        creating: list[_Org] = []
        updating: list[tuple[_Org, Organisation]] = []
        for org in resolved:
            if org.pk is None:
                creating.append(org)
                continue
            if org.pk < 0:  # created earlier in this dry run
                self.report.row(
                    "organisation",
                    "unchanged",
                    file=org.record.file,
                    row=org.record.row,
                    label=org.values.get("name_fr", ""),
                )
                continue
            current = existing[org.pk]
            org.changes = self._changes(org, current, linked)
            if org.changes:
                updating.append((org, current))
            else:
                self.report.row(
                    "organisation", "unchanged", file=org.record.file, row=org.record.row, label=current.name_fr
                )
            self._remember(org.record, org.values, org.source_key, org.pk)
        for org in creating:
            self.report.row(
                "organisation", "created", file=org.record.file, row=org.record.row, label=org.values["name_fr"]
            )
            self._warn_namesake(org)
        for org, current in updating:
            self.report.row(
                "organisation",
                "updated",
                file=org.record.file,
                row=org.record.row,
                label=current.name_fr,
                changes=org.changes,
            )
        if self.writing:
            self._create_organisations(creating)
            self._update_organisations(updating)
            self._link_sources(
                SourceRecord.Kind.ORGANISATION,
                [(o.source_key, o.record, o.pk) for o in resolved if o.source_key and o.pk and o.pk > 0],
            )
        else:
            for org in creating:
                org.pk = next(self._placeholder)
                self._remember(org.record, org.values, org.source_key, org.pk)
                self.seen_pk[org.pk] = org.record.row

    def _warn_namesake(self, org: _Org) -> None:
        """A new organisation whose name is already in the directory: maybe the file meant that one."""
        namesake = self.by_name.get(sort_key(org.values["name_fr"]))
        if namesake is None:
            return
        self.report.warning(
            Problem(
                "namesake",
                _(
                    "An organisation named “%(name)s” is already in the directory (identifier %(slug)s): "
                    "if this row describes it, give that identifier in the id column (or the same source as "
                    "the import that created it); otherwise a second organisation is created."
                )
                % {"name": org.values["name_fr"], "slug": namesake},
                row=org.record.row,
                file=org.record.file,
            )
        )

    def _changes(self, org: _Org, current: Organisation, linked: dict[tuple[int, str], set[int]]) -> list[str]:
        changes = [name for name, value in org.values.items() if getattr(current, name) != value]
        if org.roles:
            changes.extend(f for role, f in ROLE_FIELDS.items() if getattr(current, f) != (role in org.roles))
        if org.terms is not None:
            for kind, terms in org.terms.items():
                if {t.pk for t in terms} != linked.get((current.pk, kind), set()):
                    changes.append(kind)
        return changes

    def _linked(self, pks: list[Any]) -> dict[tuple[int, str], set[int]]:
        found: dict[tuple[int, str], set[int]] = defaultdict(set)
        if not pks:
            return found
        for kind in ("territories", "sectors", "populations"):
            through = Organisation._meta.get_field(kind).remote_field.through  # type: ignore[union-attr]
            column = Organisation._meta.get_field(kind).m2m_reverse_name()  # type: ignore[union-attr]
            for owner, term in through.objects.filter(organisation_id__in=pks).values_list("organisation_id", column):
                found[(owner, kind)].add(term)
        return found

    def _slug(self, name: str) -> str:
        base = slugify(name)[:100] or "organisation"
        for candidate in itertools.chain([base], (f"{base[:94]}-{n}" for n in itertools.count(2))):
            if candidate not in RESERVED_SLUGS and candidate not in self.by_slug:
                return candidate
        raise AssertionError("unreachable")

    def _new_organisation(self, org: _Org) -> Organisation:
        roles = org.roles or org.record.default_roles
        values = dict(org.values)
        if "kind" not in values or not values["kind"]:
            values["kind"] = Organisation.Kind.COMMUNITY if "field" in roles else Organisation.Kind.OTHER
        instance = Organisation(
            slug=self._slug(values["name_fr"]),
            is_demo=self.demo,
            data_source=self.source_label,
            sort_key=sort_key(values["name_fr"]),
            **{f: role in roles for role, f in ROLE_FIELDS.items()},
            **{k: v for k, v in values.items() if v is not None or k == "founded_year"},
        )
        for name in (
            "name_en",
            "acronym",
            "description_fr",
            "description_en",
            "legal_status",
            "website",
            "email",
            "phone",
            "address",
        ):
            if getattr(instance, name) is None:
                setattr(instance, name, "")
        self.by_slug[instance.slug] = -1  # reserved until its pk is known
        return instance

    def _create_organisations(self, creating: list[_Org]) -> None:
        if not creating:
            return
        instances = [self._new_organisation(org) for org in creating]
        Organisation.objects.bulk_create(instances, batch_size=BATCH)
        for org, instance in zip(creating, instances, strict=True):
            org.pk = instance.pk
            self.by_slug[instance.slug] = instance.pk
            if self.by_uuid:
                self.by_uuid[hsds_id("organisation", instance.slug)] = instance.pk
            self._remember(org.record, org.values, org.source_key, instance.pk)
            self.seen_pk[instance.pk] = org.record.row
        self._set_terms([(org, instance) for org, instance in zip(creating, instances, strict=True)], new=True)
        OrganisationSearch.objects.bulk_create(
            [
                indexing.organisation_entry(
                    instance,
                    territories=(org.terms or {}).get("territories", []),
                    sectors=(org.terms or {}).get("sectors", []),
                    populations=(org.terms or {}).get("populations", []),
                )
                for org, instance in zip(creating, instances, strict=True)
            ],
            batch_size=BATCH,
        )

    def _set_terms(self, pairs: list[tuple[_Org, Organisation]], *, new: bool) -> None:
        for kind in ("territories", "sectors", "populations"):
            field_ = Organisation._meta.get_field(kind)
            through = field_.remote_field.through  # type: ignore[union-attr]
            column = field_.m2m_reverse_name()  # type: ignore[union-attr]
            touched = [(org, instance) for org, instance in pairs if org.terms is not None and kind in org.terms]
            if not touched:
                continue
            if not new:
                through.objects.filter(organisation_id__in=[i.pk for _o, i in touched]).delete()
            through.objects.bulk_create(
                [
                    through(organisation_id=instance.pk, **{column: term.pk})
                    for org, instance in touched
                    for term in (org.terms or {})[kind]
                ],
                batch_size=BATCH,
            )

    def _update_organisations(self, updating: list[tuple[_Org, Organisation]]) -> None:
        if not updating:
            return
        names: set[str] = set()
        for org, current in updating:
            for name, value in org.values.items():
                if getattr(current, name) != value:
                    setattr(current, name, "" if value is None and name != "founded_year" else value)
                    names.add(name)
            if org.roles:
                for role, f in ROLE_FIELDS.items():
                    if getattr(current, f) != (role in org.roles):
                        setattr(current, f, role in org.roles)
                        names.add(f)
            current.sort_key = sort_key(current.name_fr)
            current.updated_at = timezone.now()
        Organisation.objects.bulk_update(  # every one has a change, if only of its links: its time moves
            [c for _o, c in updating], [*sorted(names), "sort_key", "updated_at"], batch_size=BATCH
        )
        self._set_terms(updating, new=False)
        indexing.reindex_organisations([current for _org, current in updating])

    def _link_sources(self, kind: str, links: list[tuple[tuple[str, str] | None, Any, int]]) -> None:
        """Remember the identifiers the file gave records, with the file and the record's address."""
        wanted = {key: (record, pk) for key, record, pk in links if key is not None}
        if not wanted:
            return
        target = {"organisation": "organisation_id", "offer": "offer_id", "grant": "relation_id"}[kind]
        known = {
            (s.standard, s.identifier): s
            for s in SourceRecord.objects.filter(kind=kind, identifier__in=[k[1] for k in wanted])
        }
        creating, updating = [], []
        for key, (record, pk) in wanted.items():
            uri = getattr(record, "uri", "")[:500]
            amount = _cents(record.amount) if isinstance(record, GrantRecord) else None
            found = known.get(key)
            if found is None:
                creating.append(
                    SourceRecord(
                        standard=key[0],
                        kind=kind,
                        identifier=key[1],
                        uri=uri,
                        amount=amount,
                        file_name=self.file_label,
                        source_label=self.source_label,
                        run=self.run,
                        **{target: pk},
                    )
                )
            elif getattr(found, target) != pk or found.uri != uri or found.amount != amount:
                setattr(found, target, pk)
                found.uri, found.amount = uri, amount
                updating.append(found)
        SourceRecord.objects.bulk_create(creating, batch_size=BATCH)
        if updating:
            SourceRecord.objects.bulk_update(updating, [target, "uri", "amount"], batch_size=BATCH)

    # -- support offers (HSDS services) --------------------------------------------------------------------

    def _offers(self, records: list[OfferRecord]) -> None:
        if self._own_offers is None:
            self._own_offers = {
                hsds_id("offer", slug): pk for slug, pk in SupportOffer.objects.values_list("slug", "pk")
            }
        own = self._own_offers
        sourced = dict(
            SourceRecord.objects.filter(
                kind=SourceRecord.Kind.OFFER, standard=Standard.HSDS, identifier__in=[r.identifier for r in records]
            ).values_list("identifier", "offer_id")
        )
        support_type = SupportType.objects.filter(code=self.support_type_code).first()
        if support_type is None:
            raise MaillageError(
                "support_type_unknown", _("Unknown support type: %(code)s.") % {"code": self.support_type_code}
            )
        for record in records:
            if record.identifier in self.seen_offer:
                self._problem(
                    record,
                    "identifier_duplicate",
                    _("Row %(row)d already has this identifier: each service appears once in a file.")
                    % {"row": self.seen_offer[record.identifier]},
                    "id",
                    "service",
                )
                continue
            self.seen_offer[record.identifier] = record.row
            provider = self.by_source.get((Standard.HSDS, record.provider)) or self._uuid_index().get(record.provider)
            if provider is None:
                self._problem(
                    record,
                    "reference_unknown",
                    _("The organisation %(id)s that provides this service is neither in the file nor in the directory.")
                    % {"id": record.provider},
                    "organization_id",
                    "service",
                )
                continue
            if (provider in self.demo_pks) != self.demo:
                self._problem(
                    record,
                    "demo_mismatch",
                    _("Demo and real records cannot be mixed in one import."),
                    "organization_id",
                    "service",
                )
                continue
            values = {k: str(v) for k, v in record.fields.items()}
            wrong = False
            for name, value in values.items():
                try:
                    values[name] = SupportOffer._meta.get_field(name).clean(value, None)
                except ValidationError as error:
                    self._problem(record, "value_invalid", " ".join(str(m) for m in error.messages), name, "service")
                    wrong = True
            links = self._offer_links(record)
            if wrong or links is None:
                continue
            own_pk = own.get(record.identifier)
            if own_pk is not None and provider not in self._providers(own_pk):
                own_pk = None  # another Maillage's offer with the same slug: not this one's
            pk = sourced.get(record.identifier) or own_pk
            if pk is None:
                self.report.row("service", "created", file=record.file, row=record.row, label=values["name_fr"])
                if self.writing:
                    offer = SupportOffer.objects.create(
                        slug=self._offer_slug(values["name_fr"]),
                        support_type=support_type,
                        is_demo=self.demo,
                        data_source=self.source_label,
                        sort_key=sort_key(values["name_fr"]),
                        **values,
                    )
                    offer.providers.add(provider)
                    for name, terms in links.items():
                        getattr(offer, name).set(terms)
                    indexing.index(offer)
                    self._link_sources(
                        SourceRecord.Kind.OFFER, [((Standard.HSDS, record.identifier), record, offer.pk)]
                    )
                continue
            offer = SupportOffer.objects.get(pk=pk)
            if offer.is_demo != self.demo:
                self._problem(
                    record, "demo_mismatch", _("Demo and real records cannot be mixed in one import."), "id", "service"
                )
                continue
            changes = [n for n, v in values.items() if getattr(offer, n) != v]
            providers = set(offer.providers.values_list("pk", flat=True))
            if provider not in providers:
                changes.append("providers")
            changes.extend(
                name
                for name, terms in links.items()
                if {t.pk for t in terms} != set(getattr(offer, name).values_list("pk", flat=True))
            )
            self.report.row(
                "service",
                "updated" if changes else "unchanged",
                file=record.file,
                row=record.row,
                label=offer.name_fr,
                changes=changes,
            )
            if self.writing and changes:
                for name, value in values.items():
                    setattr(offer, name, value)
                offer.sort_key = sort_key(offer.name_fr)
                offer.save()
                if provider not in providers:
                    offer.providers.add(provider)
                for name, terms in links.items():
                    getattr(offer, name).set(terms)
                indexing.index(offer)
            if self.writing and pk != own_pk:
                self._link_sources(SourceRecord.Kind.OFFER, [((Standard.HSDS, record.identifier), record, pk)])

    @staticmethod
    def _providers(offer_pk: int) -> set[int]:
        return set(
            SupportOffer.providers.through.objects.filter(supportoffer_id=offer_pk).values_list(
                "organisation_id", flat=True
            )
        )

    def _offer_links(self, record: OfferRecord) -> dict[str, list[Any]] | None:
        """The territories and languages a service names, or None after reporting one that is unknown."""
        links: dict[str, list[Any]] = {}
        if record.areas is not None:
            found = []
            for key in record.areas:
                territory = self.terms.territory(key)
                ambiguous = self.terms.ambiguity(key) if territory is None else None
                if ambiguous:
                    self._problem(record, "territory_ambiguous", ambiguous, "service_areas", "service")
                    return None
                if territory is None:
                    self._problem(
                        record,
                        "territory_unknown",
                        _(
                            "Unknown territory '%(value)s': a service area must be one of Maillage's territories "
                            "(by its address, identifier, official code or name)."
                        )
                        % {"value": key},
                        "service_areas",
                        "service",
                    )
                    return None
                found.append(territory)
            links["territories"] = found
        if record.languages is not None:
            found = []
            for key in record.languages:
                language = self.terms.languages.get(normalize(key))
                if language is None:
                    self._problem(
                        record,
                        "language_unknown",
                        _("Unknown language '%(value)s': expected a language code such as fr or en.") % {"value": key},
                        "languages",
                        "service",
                    )
                    return None
                found.append(language)
            links["languages"] = found
        return links

    def _offer_slug(self, name: str) -> str:
        base = slugify(name)[:100] or "offre"
        taken = set(SupportOffer.objects.filter(slug__startswith=base).values_list("slug", flat=True))
        for candidate in itertools.chain([base], (f"{base[:94]}-{n}" for n in itertools.count(2))):
            if candidate not in RESERVED_SLUGS and candidate not in taken:
                return candidate
        raise AssertionError("unreachable")

    # -- funding relations (360Giving grants) ------------------------------------------------------------------

    def _grant_orgs(self, grants: list[GrantRecord]) -> None:
        """Find the organisations a batch of grants names, and create the missing ones (with the grant's name
        and role) all at once."""
        creating: dict[tuple[str, str], _Org] = {}
        links: list[tuple[tuple[str, str] | None, Any, int]] = []
        for reference in (r for grant in grants for r in (grant.funder, grant.recipient)):
            key = (Standard.GIVING, reference.identifier)
            if key in self.seen_org or key in creating or key in self.refused_refs:
                continue
            values = self._clean(reference)
            matched = self._match(reference, values) if values is not None else None
            if values is None or matched is None:
                self.refused_refs.add(key)
                continue
            pk, source_key = matched
            if pk is None:
                creating[key] = _Org(reference, None, values, None, None, source_key)
                continue
            if source_key is not None and pk > 0:
                links.append((source_key, reference, pk))
            self._remember(reference, {}, source_key, pk)
            self.seen_org[key] = (reference.row, pk)
        for org in creating.values():
            self.report.row(
                "organisation", "created", file=org.record.file, row=org.record.row, label=org.values["name_fr"]
            )
            self._warn_namesake(org)
        if self.writing:
            self._create_organisations(list(creating.values()))
            links.extend((org.source_key, org.record, org.pk) for org in creating.values() if org.pk)
            self._link_sources(SourceRecord.Kind.ORGANISATION, links)
        else:
            for org in creating.values():
                org.pk = next(self._placeholder)
                self._remember(org.record, org.values, org.source_key, org.pk)
        for key, org in creating.items():
            self.seen_org[key] = (org.record.row, org.pk or 0)

    def _grant_org(self, reference: OrgRecord) -> int | None:
        """The organisation a grant names (found or created by :meth:`_grant_orgs`), None if it was refused."""
        found = self.seen_org.get((Standard.GIVING, reference.identifier))
        return found[1] if found else None

    def _grant(self, record: GrantRecord) -> None:
        if record.identifier in self.seen_grant:
            self._problem(
                record,
                "identifier_duplicate",
                _("Row %(row)d already has this identifier: each grant appears once in a file.")
                % {"row": self.seen_grant[record.identifier]},
                "id",
                "grant",
            )
            return
        self.seen_grant[record.identifier] = record.row
        funder = self._grant_org(record.funder)
        recipient = self._grant_org(record.recipient)
        if funder is None or recipient is None:
            self.report.row_rejected("grant", record.file, record.row)
            return
        if funder == recipient:
            self._problem(
                record, "relation_self", _("An organisation cannot fund itself."), "recipientOrganization", "grant"
            )
            return
        if (funder in self.demo_pks) != self.demo or (recipient in self.demo_pks) != self.demo:
            self._problem(
                record, "demo_mismatch", _("Demo and real records cannot be mixed in one import."), None, "grant"
            )
            return
        key = (funder, recipient, record.year)
        entry = self.grants.setdefault(key, {"amount": Decimal(0), "records": []})
        entry["amount"] += _cents(record.amount)
        entry["records"].append(record)

    def _grant_matches(self) -> dict[tuple[int, int, int], tuple[Relation, dict[str, Decimal | None]]]:
        """The funding relations the file's grants fall on, each with the grants earlier imports recorded on it
        (identifier and amount)."""
        found: dict[tuple[int, int, int], tuple[Relation, dict[str, Decimal | None]]] = {}
        keys = [k for k in self.grants if k[0] > 0 and k[1] > 0]
        for start in range(0, len(keys), BATCH):
            chunk = keys[start : start + BATCH]
            relations = Relation.objects.filter(
                kind=Relation.Kind.FUNDS,
                source_id__in={k[0] for k in chunk},
                target_id__in={k[1] for k in chunk},
                year__in={k[2] for k in chunk},
            )
            by_pk = {r.pk: r for r in relations}
            recorded: dict[int, dict[str, Decimal | None]] = defaultdict(dict)
            sources = SourceRecord.objects.filter(kind=SourceRecord.Kind.GRANT, relation_id__in=by_pk)
            for relation_id, identifier, amount in sources.values_list("relation_id", "identifier", "amount"):
                recorded[relation_id][identifier] = amount
            for relation in by_pk.values():
                key = (relation.source_id, relation.target_id, relation.year or 0)
                found[key] = (relation, recorded.get(relation.pk, {}))
        return found

    @staticmethod
    def _total(entry: dict[str, Any], recorded: dict[str, Decimal | None]) -> Decimal:
        """A relation's amount: its grants in this file, plus those other files recorded on it (a relation
        with no recorded grant takes the file's amount)."""
        here = {record.identifier for record in entry["records"]}
        others = sum((a for i, a in recorded.items() if i not in here and a is not None), Decimal(0))
        return others + entry["amount"]

    def _grant_rows(self, entry: dict[str, Any], action: str) -> None:
        first, *others = entry["records"]
        label = f"{first.title} ({first.identifier})" if first.title else first.identifier
        self.report.row(
            "grant",
            action,
            file=first.file,
            row=first.row,
            label=label,
            changes=["amount"] if action == "updated" else [],
        )
        for other in others:
            self.report.row(
                "grant",
                "unchanged",
                file=other.file,
                row=other.row,
                label=f"{other.title} ({other.identifier})" if other.title else other.identifier,
                changes=[f"+{first.identifier}"],
            )

    def _count_grants(self) -> None:
        matches = self._grant_matches()
        for key, entry in self.grants.items():
            match = matches.get(key)
            if match is None:
                action = "created"
            else:
                action = "unchanged" if match[0].amount == self._total(entry, match[1]) else "updated"
            self._grant_rows(entry, action)

    def _write_grants(self) -> None:
        matches = self._grant_matches()
        creating: list[tuple[dict[str, Any], Relation]] = []
        updating: list[Relation] = []
        for key, entry in self.grants.items():
            match = matches.get(key)
            if match is None:
                relation = Relation(
                    source_id=key[0],
                    target_id=key[1],
                    kind=Relation.Kind.FUNDS,
                    year=key[2],
                    amount=entry["amount"],
                    is_demo=self.demo,
                    data_source=self.source_label,
                )
                creating.append((entry, relation))
                self._grant_rows(entry, "created")
                continue
            current, recorded = match
            entry["pk"] = current.pk
            total = self._total(entry, recorded)
            if current.amount != total:
                current.amount = total
                updating.append(current)
                self._grant_rows(entry, "updated")
            else:
                self._grant_rows(entry, "unchanged")
        Relation.objects.bulk_create([r for _e, r in creating], batch_size=BATCH)
        for entry, relation in creating:
            entry["pk"] = relation.pk
        if updating:
            Relation.objects.bulk_update(updating, ["amount"], batch_size=BATCH)
        links = [
            ((Standard.GIVING, record.identifier), record, entry["pk"])
            for entry in self.grants.values()
            for record in entry["records"]
        ]
        for start in range(0, len(links), BATCH):
            self._link_sources(SourceRecord.Kind.GRANT, links[start : start + BATCH])


def _cents(amount: float) -> Decimal:
    """An amount as Maillage stores it (to the cent), so that comparing it with the stored one is exact."""
    return Decimal(str(amount)).quantize(Decimal("0.01"))


# --- entry points --------------------------------------------------------------------------------------------


def import_file(
    standard: str,
    path: Path,
    *,
    source_label: str = "",
    name: str | None = None,
    demo: bool = False,
    dry_run: bool = False,
    run: ImportRun | None = None,
    progress: Progress | None = None,
) -> Report:
    """Import (or, with ``dry_run``, check) one file or folder of ``standard``; see the module's documentation."""
    name = name or path.name
    label = source_label or _("%(standard)s import: %(file)s (%(date)s)") % {
        "standard": Standard(standard).label,
        "file": name,
        "date": timezone.localdate().isoformat(),
    }
    importer = Importer(
        standard=standard,
        source_label=str(label),
        file_label=name,
        demo=demo,
        dry_run=dry_run,
        run=run,
        progress=progress,
    )
    return importer.execute(read(standard, path, name=name))
