"""Readers of the files that Maillage imports: each turns a file into a stream of records (or of problems
that say precisely what is wrong, where), one at a time, so that files of any size are read in bounded memory.

- **HSDS 3 JSON**: an array of ``organization`` or ``service`` objects (what ``maillage export hsds`` writes,
  and what HSDS publishers offer), or one object. Each object is validated against the official schema.
- **HSDS 3 tabular**: a folder holding ``datapackage.json`` and the CSV files it names (``organizations.csv``,
  ``organization_identifiers.csv``, ``services.csv``); each row is checked against its Table Schema.
- **360Giving**: a JSON package (``{"grants": [...]}``) or an array of grants, or the flat CSV form with the
  standard's column titles; each grant is validated against the official schema.
- **Maillage's CSV template**: one organisation per row, with the columns of :data:`TEMPLATE_COLUMNS`.

Text files must be UTF-8 (a byte-order mark is allowed). CSV files may be separated by commas, semicolons
(as French spreadsheets save them) or tabs.
"""

from __future__ import annotations

import codecs
import csv
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import ijson
from django.utils.translation import gettext as _

from maillage.core import standards
from maillage.core.errors import Problem

ROLES = ("field", "support", "policy")
FIELD_LIMIT = 1_000_000  # characters in one CSV cell (Python's default, 131,072, is too small for long texts)
csv.field_size_limit(FIELD_LIMIT)
LIST_SEPARATOR = "|"
TEMPLATE_EXAMPLE_ID = "exemple-1"  # the source_id of the template's fictional example row
#: problems after which a table cannot be read further
FATAL = ("encoding_invalid", "columns_missing", "columns_extra", "file_type_invalid", "file_empty")
IMPORTED_TABLES = ("organization", "organization_identifier", "service", "service_area", "language")

#: The columns of Maillage's CSV template, in order, and whether a row must fill them.
TEMPLATE_COLUMNS: tuple[tuple[str, bool], ...] = (
    ("id", False),
    ("source_id", False),
    ("name_fr", True),
    ("name_en", False),
    ("acronym", False),
    ("kind", False),
    ("roles", True),
    ("description_fr", False),
    ("description_en", False),
    ("legal_status", False),
    ("neq", False),
    ("cra_charity_number", False),
    ("founded_year", False),
    ("website", False),
    ("email", False),
    ("phone", False),
    ("address", False),
    ("territories", False),
    ("sectors", False),
    ("populations", False),
)


@dataclass
class OrgRecord:
    """One organisation read from a file: its identifiers and the fields the file gives (absent ones are left
    as they are on an existing record)."""

    file: str
    row: int
    standard: str
    identifier: str  # the file's identifier of the record (HSDS UUID, 360Giving org-id, CSV source id)
    fields: dict[str, Any]
    uri: str = ""
    slug: str = ""  # a Maillage identifier, when the file gives one
    neq: str = ""
    cra: str = ""
    roles: set[str] | None = None
    terms: dict[str, list[str]] | None = None  # territories, sectors, populations (codes), when the file gives them
    default_roles: set[str] = field(default_factory=set)  # roles of a new record when the file says none


@dataclass
class OfferRecord:
    file: str
    row: int
    identifier: str  # HSDS UUID
    fields: dict[str, Any]
    provider: str  # the HSDS UUID of the organisation that provides it
    areas: list[str] | None = None  # territories: Maillage identifiers (from a territory's address) or names
    languages: list[str] | None = None  # codes or names


@dataclass
class GrantRecord:
    file: str
    row: int
    identifier: str
    funder: OrgRecord
    recipient: OrgRecord
    year: int
    amount: float
    uri: str = ""
    title: str = ""


Item = OrgRecord | OfferRecord | GrantRecord | Problem


def file_problem(code: str, message: str, file: str, *, row: int | None = None, column: str | None = None) -> Problem:
    return Problem(code, message, field=column, row=row, file=file)


def _first_bytes(path: Path) -> bytes:
    with path.open("rb") as raw:
        return raw.read(4096)


def sniff(path: Path) -> str:
    """What a file holds, from its first bytes: ``json``, ``text`` (CSV), ``binary`` or ``not_utf8``."""
    head = _first_bytes(path)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "not_utf8"
    if b"\x00" in head or head.startswith((b"PK\x03\x04", b"%PDF", b"\x89PNG", b"\xd0\xcf\x11\xe0")):
        return "binary"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped[:1] in (b"[", b"{"):
        return "json"
    return "text"


def kind_problem(path: Path, expected: str) -> Problem | None:
    """A problem when the file is not what its name and the chosen standard say (``json`` or ``csv``)."""
    found = sniff(path)
    name = path.name
    if found == "not_utf8":
        return file_problem(
            "encoding_invalid",
            _("This file is not encoded in UTF-8: save it again as “CSV UTF-8” (or JSON in UTF-8) and retry."),
            name,
        )
    if found == "binary":
        return file_problem(
            "file_type_invalid",
            _(
                "This file is not a text file (it looks like a spreadsheet, an archive, a PDF or an image): "
                "expected %(kind)s."
            )
            % {"kind": expected.upper()},
            name,
        )
    if found == "json" and expected == "csv":
        return file_problem("file_type_invalid", _("This file holds JSON, not CSV as expected."), name)
    if found == "text" and expected == "json":
        return file_problem("file_type_invalid", _("This file does not hold JSON as expected."), name)
    return None


# --- CSV --------------------------------------------------------------------------------------------------


class CsvRows:
    """The rows of a CSV file as dicts, with their line numbers (the header is row 1). Problems of encoding
    are raised as :class:`BadFile` with the row where they occur."""

    def __init__(self, path: Path, *, name: str | None = None, required: list[str] = ()) -> None:  # type: ignore[assignment]
        self.path = path
        self.name = name or path.name
        self.required = list(required)
        self.header: list[str] = []

    def __iter__(self) -> Iterator[tuple[int, dict[str, str]]]:
        with self.path.open(encoding="utf-8-sig", newline="", errors="strict") as text:
            try:
                sample = text.read(8192)
            except UnicodeDecodeError:
                raise BadFile(_encoding_problem(self.name, _bad_byte_row(self.path))) from None
            text.seek(0)
            # The separator is the header's most frequent of , ; and tab; quoting is the standard one (a quote
            # doubled inside a quoted cell), and strict: a quote left open is an error, not the rest of the file.
            header_line = sample.split("\n", 1)[0]
            delimiter = max(",;\t", key=lambda d: (header_line.count(d), d == ","))
            reader = csv.reader(text, delimiter=delimiter, strict=True)
            number = 0
            try:
                header = [h.strip() for h in next(reader, [])]
                if not any(header):
                    raise BadFile(file_problem("file_empty", _("This file is empty."), self.name))
                missing = _columns_missing(self.name, header, self.required)
                if missing:
                    raise BadFile(missing)
                self.header = header
                number = 1
                for values in reader:
                    number = reader.line_num
                    if not any(v.strip() for v in values):
                        continue
                    if len(values) > len(header):
                        raise BadFile(
                            file_problem(
                                "columns_extra",
                                _("This row has %(found)d cells but the header names %(expected)d columns.")
                                % {"found": len(values), "expected": len(header)},
                                self.name,
                                row=number,
                            )
                        )
                    yield number, {h: (values[i].strip() if i < len(values) else "") for i, h in enumerate(header)}
            except UnicodeDecodeError:
                raise BadFile(_encoding_problem(self.name, _bad_byte_row(self.path))) from None
            except csv.Error as error:
                raise BadFile(
                    file_problem(
                        "csv_invalid",
                        _(
                            "This is not valid CSV from row %(row)d on (%(error)s): a quote may be left open, or a "
                            "cell is longer than %(size)s characters."
                        )
                        % {"row": number + 1, "error": error, "size": f"{FIELD_LIMIT:,}".replace(",", " ")},
                        self.name,
                        row=number + 1,
                    )
                ) from None


def _bad_byte_row(path: Path) -> int:
    """The row (line) of a file's first byte that UTF-8 does not allow."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    lines = 1
    with path.open("rb") as raw:
        while chunk := raw.read(65536):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as error:
                return lines + chunk.count(b"\n", 0, max(error.start, 0))
            lines += chunk.count(b"\n")
    return lines


def _encoding_problem(name: str, row: int) -> Problem:
    return file_problem(
        "encoding_invalid",
        _(
            "This file is not encoded in UTF-8 (row %(row)d has a character that UTF-8 does not allow): save it "
            "again as “CSV UTF-8” and retry."
        )
        % {"row": row},
        name,
        row=row,
    )


class BadFile(Exception):
    """A file that cannot be read further; its problem says where and why."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def _columns_missing(name: str, header: list[str], required: list[str]) -> Problem | None:
    missing = [c for c in required if c not in header]
    if not missing:
        return None
    return file_problem(
        "columns_missing",
        _("Required columns are missing: %(columns)s.") % {"columns": ", ".join(missing)},
        name,
        row=1,
    )


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(LIST_SEPARATOR) if part.strip()]


def read_template(path: Path, *, name: str | None = None) -> Iterator[Item]:
    """Maillage's CSV template: one organisation per row."""
    name = name or path.name
    wrong = kind_problem(path, "csv")
    if wrong:
        yield wrong
        return
    rows = CsvRows(path, name=name, required=[c for c, required in TEMPLATE_COLUMNS if required])
    try:
        for number, row in rows:
            roles = set(_split(row.get("roles", "").lower()))
            fields = {
                key: row[key]
                for key, _required in TEMPLATE_COLUMNS
                if key in row
                and key not in ("id", "source_id", "roles", "neq", "cra_charity_number")
                and key not in ("territories", "sectors", "populations")
            }
            # An empty cell leaves the organisation's links as they are, like every other empty cell.
            terms = {key: _split(row[key]) for key in ("territories", "sectors", "populations") if row.get(key, "")}
            source_id = row.get("source_id", "")
            yield OrgRecord(
                file=name,
                row=number,
                standard="csv",
                identifier=source_id,
                fields=fields,
                slug=row.get("id", ""),
                neq=row.get("neq", ""),
                cra=row.get("cra_charity_number", ""),
                roles=roles,
                terms=terms,
            )
    except BadFile as bad:
        yield bad.problem


# --- HSDS ---------------------------------------------------------------------------------------------------


def _hsds_org(document: dict[str, Any], name: str, row: int) -> OrgRecord:
    title = document.get("name", "")
    description = document.get("description", "")
    # HSDS requires a description: Maillage's exports give the name when there is none.
    fields: dict[str, Any] = {"name_fr": title, "description_fr": "" if description == title else description}
    for source, target in (
        ("alternate_name", "name_en"),
        ("email", "email"),
        ("website", "website"),
        ("year_incorporated", "founded_year"),
        ("legal_status", "legal_status"),
    ):
        if source in document:
            fields[target] = document[source]
    record = OrgRecord(
        file=name,
        row=row,
        standard="hsds",
        identifier=str(document.get("id", "")),
        fields=fields,
        uri=str(document.get("uri") or ""),
        default_roles={"field"},
    )
    for identifier in document.get("organization_identifiers") or ():
        _hsds_identifier(record, identifier)
    return record


def _hsds_identifier(record: OrgRecord, identifier: dict[str, Any]) -> None:
    scheme = str(identifier.get("identifier_scheme") or "")
    kind = str(identifier.get("identifier_type") or "").lower()
    value = str(identifier.get("identifier") or "")
    if scheme == "CA-CRA_ACR" or "charity" in kind:
        record.cra = value
    elif "neq" in kind or "québec enterprise" in kind or "quebec enterprise" in kind:
        record.neq = value


def _hsds_service(document: dict[str, Any], name: str, row: int) -> OfferRecord:
    title, description = document.get("name", ""), document.get("description", "")
    # Maillage's exports give the name when there is no description.
    fields: dict[str, Any] = {"name_fr": title, "description_fr": "" if description == title else description}
    if "alternate_name" in document:
        fields["name_en"] = document["alternate_name"]
    if "url" in document:
        fields["url"] = document["url"]
    record = OfferRecord(
        file=name,
        row=row,
        identifier=str(document.get("id", "")),
        fields=fields,
        provider=str(document.get("organization_id") or ""),
    )
    if "service_areas" in document:
        record.areas = [_area_key(area) for area in document["service_areas"] or ()]
    if "languages" in document:
        record.languages = [str(lang.get("code") or lang.get("name") or "") for lang in document["languages"] or ()]
    return record


TERRITORY_PAGE = re.compile(r"/(?:territories|territoires)/([a-z0-9-]+)/?$")


def _area_key(area: dict[str, Any]) -> str:
    """A service area's territory: its Maillage identifier when its address is a territory page, else its name."""
    found = TERRITORY_PAGE.search(str(area.get("uri") or ""))
    return found.group(1) if found else str(area.get("name") or "")


def _json_items(path: Path, name: str, prefix: str) -> Iterator[tuple[int, Any] | Problem]:
    """The items of a JSON array at ``prefix`` (``item`` for a top-level array), one at a time."""
    number = 0
    try:
        with path.open("rb") as raw:
            if raw.read(3) != b"\xef\xbb\xbf":  # a byte-order mark, which a JSON parser does not expect
                raw.seek(0)
            for number, item in enumerate(ijson.items(raw, prefix, use_float=True), start=1):
                yield number, item
    except (ijson.JSONError, UnicodeDecodeError) as error:
        yield file_problem(
            "json_invalid",
            _("This is not valid JSON in UTF-8 after item %(item)d: %(error)s") % {"item": number, "error": error},
            name,
            row=number + 1,
        )


def _top_level(path: Path) -> str:
    head = _first_bytes(path).lstrip(b"\xef\xbb\xbf \t\r\n")
    return "array" if head[:1] == b"[" else "object"


def read_hsds_json(path: Path, *, name: str | None = None) -> Iterator[Item]:
    """An array of HSDS ``organization`` or ``service`` objects (or a single one), each validated."""
    name = name or path.name
    wrong = kind_problem(path, "json")
    if wrong:
        yield wrong
        return
    if _top_level(path) == "object":
        try:
            with path.open(encoding="utf-8-sig") as text:
                document = json.load(text)
        except (ValueError, UnicodeDecodeError) as error:
            yield file_problem("json_invalid", _("This is not valid JSON: %(error)s") % {"error": error}, name)
            return
        if isinstance(document, dict) and ("grants" in document or "recipientOrganization" in document):
            yield _not_this_standard(name, "360Giving", "HSDS")
            return
        items: Iterator[tuple[int, Any] | Problem] = iter([(1, document)])
    else:
        items = _json_items(path, name, "item")
    yield from _documents(
        items,
        name,
        not_a_record=_("Expected an HSDS object here."),
        is_other=lambda d: "awardDate" in d or "amountAwarded" in d,
        other="360Giving",
        expected="HSDS",
        schema_of=lambda d: HSDS_SERVICE if "status" in d else HSDS_ORGANIZATION,
        build=lambda d, file, row: _hsds_service(d, file, row) if "status" in d else _hsds_org(d, file, row),
    )


HSDS_SERVICE, HSDS_ORGANIZATION = "hsds-3/service.json", "hsds-3/organization.json"


def _documents(
    items: Iterator[tuple[int, Any] | Problem],
    name: str,
    *,
    not_a_record: str,
    is_other: Callable[[dict[str, Any]], bool],
    other: str,
    expected: str,
    schema_of: Callable[[dict[str, Any]], str],
    build: Callable[[dict[str, Any], str, int], Item],
) -> Iterator[Item]:
    """The records of a stream of JSON documents, each validated against its schema; a file of the other
    standard stops at its first document."""
    for entry in items:
        if isinstance(entry, Problem):
            yield entry
            return
        number, document = entry
        if not isinstance(document, dict):
            yield file_problem("record_invalid", not_a_record, name, row=number)
            continue
        if is_other(document):
            yield _not_this_standard(name, other, expected)
            return
        found = standards.problems(document, schema_of(document), file=name, row=number)
        if found:
            yield from found
            continue
        yield build(document, name, number)


def _not_this_standard(name: str, found: str, expected: str) -> Problem:
    return file_problem(
        "file_type_invalid",
        _("This file holds %(found)s data, not %(expected)s: choose %(found)s for it.")
        % {"found": found, "expected": expected},
        name,
    )


def read_hsds_tables(folder: Path) -> Iterator[Item]:
    """HSDS's tabular data package: ``datapackage.json`` and the CSV files it names."""
    descriptor = folder / "datapackage.json"
    if not descriptor.is_file():
        yield file_problem(
            "datapackage_missing",
            _("This folder holds no datapackage.json: expected HSDS's tabular data package."),
            folder.name,
        )
        return
    try:
        package = json.loads(descriptor.read_text(encoding="utf-8-sig"))
        paths = {r["name"]: r["path"] for r in package.get("resources", []) if "name" in r and "path" in r}
    except (ValueError, UnicodeDecodeError, TypeError, AttributeError, KeyError) as error:
        yield file_problem(
            "datapackage_invalid", _("datapackage.json is not valid: %(error)s") % {"error": error}, "datapackage.json"
        )
        return
    files: dict[str, Path] = {}
    root = folder.resolve()
    for name in IMPORTED_TABLES:
        relative = paths.get(name, standards.table_resource(name)["path"])
        path = (folder / relative).resolve() if isinstance(relative, str) else None
        if path is None or not path.is_relative_to(root):
            yield file_problem(
                "datapackage_invalid",
                _("datapackage.json names a file outside its folder for the table %(table)s: it is refused.")
                % {"table": name},
                "datapackage.json",
            )
            return
        files[name] = path
    yield from read_hsds_table_files(files)


def read_hsds_table_files(files: dict[str, Path]) -> Iterator[Item]:
    """The tables ``organization`` (required), ``organization_identifier`` and ``service`` (optional)."""
    organizations = files["organization"]
    if not organizations.is_file():
        yield file_problem("file_missing", _("The table organizations.csv is missing."), organizations.name)
        return
    identifiers: dict[str, list[dict[str, str]]] = {}
    table = files.get("organization_identifier")
    if table is not None and table.is_file():
        for entry in _table(table, "organization_identifier"):
            if isinstance(entry, Problem):
                yield entry
                if entry.row is None or entry.code in FATAL:
                    return
                continue
            identifiers.setdefault(entry[1]["organization_id"], []).append(entry[1])
    for entry in _table(organizations, "organization"):
        if isinstance(entry, Problem):
            yield entry
            if entry.code in FATAL:
                return
            continue
        number, row = entry
        document: dict[str, Any] = {k: v for k, v in row.items() if v != ""}
        if "year_incorporated" in document:
            document["year_incorporated"] = int(document["year_incorporated"])
        record = _hsds_org(document, organizations.name, number)
        for identifier in identifiers.pop(row["id"], ()):
            _hsds_identifier(record, identifier)
        yield record
    for orphan in identifiers:
        yield file_problem(
            "reference_unknown",
            _("An identifier refers to the organisation %(id)s, which organizations.csv does not hold.")
            % {"id": orphan},
            table.name if table is not None else "organization_identifiers.csv",
            column="organization_id",
        )
    services = files.get("service")
    if services is None or not services.is_file():
        return
    # What each service's rows in the other tables say, by service identifier.
    attached: dict[str, dict[str, list[dict[str, str]]]] = {}
    for table_name, key in (("service_area", "service_areas"), ("language", "languages")):
        table = files.get(table_name)
        if table is None or not table.is_file():
            continue
        for entry in _table(table, table_name):
            if isinstance(entry, Problem):
                yield entry
                if entry.code in FATAL:
                    return
                continue
            attached.setdefault(entry[1].get("service_id", ""), {}).setdefault(key, []).append(entry[1])
    for entry in _table(services, "service"):
        if isinstance(entry, Problem):
            yield entry
            if entry.code in FATAL:
                return
            continue
        number, row = entry
        document: dict[str, Any] = {k: v for k, v in row.items() if v != ""}
        document["service_areas"], document["languages"] = [], []
        document.update(attached.pop(row["id"], {}))
        yield _hsds_service(document, services.name, number)
    for orphan in attached:
        yield file_problem(
            "reference_unknown",
            _("A service area or language refers to the service %(id)s, which services.csv does not hold.")
            % {"id": orphan},
            "service_areas.csv / languages.csv",
            column="service_id",
        )


def _table(path: Path, name: str) -> Iterator[tuple[int, dict[str, str]] | Problem]:
    wrong = kind_problem(path, "csv")
    if wrong:
        yield wrong
        return
    checker = standards.TableChecker(name, file=path.name)
    required = [f["name"] for f in checker.fields if f.get("constraints", {}).get("required")]
    rows = CsvRows(path, required=required)
    try:
        for number, row in rows:
            row = {k: v[1:] if v.startswith("'") else v for k, v in row.items()}  # spreadsheet-safe texts
            problems = checker.row_problems(row, number)
            if problems:
                yield from problems
                continue
            yield number, row
    except BadFile as bad:
        yield bad.problem


# --- 360Giving ----------------------------------------------------------------------------------------------


def _giving_org(entry: dict[str, Any], name: str, row: int, role: str, source: str = "") -> OrgRecord:
    org_id = str(entry.get("id", ""))
    record = OrgRecord(
        file=name,
        row=row,
        standard="360giving",
        identifier=org_id,
        fields={"name_fr": str(entry.get("name", ""))},
        uri=source,  # the grant's data source: which Maillage a 360G-maillage-… org-id comes from
        default_roles={role},
    )
    if org_id.startswith("CA-CRA_ACR-"):
        record.cra = org_id.removeprefix("CA-CRA_ACR-")
    elif org_id.startswith("360G-maillage-"):
        record.slug = org_id.removeprefix("360G-maillage-")
    return record


def _giving_grant(document: dict[str, Any], name: str, row: int) -> GrantRecord | Problem:
    recipients = document.get("recipientOrganization") or []
    funders = document.get("fundingOrganization") or []
    if not recipients:
        return file_problem(
            "recipient_missing",
            _("Maillage imports grants to organisations: this grant has no recipient organisation."),
            name,
            row=row,
            column="recipientOrganization",
        )
    award = str(document["awardDate"])
    try:
        date.fromisoformat(award[:10])
    except ValueError:
        return file_problem(
            "date_invalid",
            _("'%(value)s' is not a valid date: expected YYYY-MM-DD, for example 2025-03-31.") % {"value": award},
            name,
            row=row,
            column="awardDate",
        )
    if document.get("currency") != "CAD":
        return file_problem(
            "currency_invalid",
            _("Maillage records amounts in Canadian dollars: this grant is in %(currency)s.")
            % {"currency": document.get("currency")},
            name,
            row=row,
            column="currency",
        )
    amount = float(document["amountAwarded"])
    year = int(award[:4])
    for wrong, column, message in (
        (
            not (0 <= amount < 1e12),
            "amountAwarded",
            _("An amount awarded is zero or more, and under a thousand billion dollars."),
        ),
        (not (1900 <= year <= 2100), "awardDate", _("Maillage records grants awarded from 1900 to 2100.")),
        (len(str(document["id"])) > 255, "id", _("A grant's identifier holds at most 255 characters.")),
        (
            any(len(str(org.get("id", ""))) > 255 for org in [*recipients, *funders]),
            "recipientOrganization",
            _("An organisation's identifier holds at most 255 characters."),
        ),
    ):
        if wrong:
            return file_problem("value_invalid", message, name, row=row, column=column)
    return GrantRecord(
        file=name,
        row=row,
        identifier=str(document["id"]),
        funder=_giving_org(funders[0], name, row, "support", str(document.get("dataSource") or "")),
        recipient=_giving_org(recipients[0], name, row, "field", str(document.get("dataSource") or "")),
        year=year,
        amount=amount,
        title=str(document.get("title") or ""),
        uri=str(document.get("dataSource") or ""),
    )


def _grants(items: Iterator[tuple[int, Any] | Problem], name: str) -> Iterator[Item]:
    yield from _documents(
        items,
        name,
        not_a_record=_("Expected a 360Giving grant here."),
        is_other=lambda d: "awardDate" not in d and ("organization_identifiers" in d or "status" in d),
        other="HSDS",
        expected="360Giving",
        schema_of=lambda d: standards.GIVING_GRANT,
        build=_giving_grant,
    )


def read_giving_json(path: Path, *, name: str | None = None) -> Iterator[Item]:
    """A 360Giving package (``{"grants": [...]}``) or an array of grants."""
    name = name or path.name
    wrong = kind_problem(path, "json")
    if wrong:
        yield wrong
        return
    prefix = "item" if _top_level(path) == "array" else "grants.item"
    count = 0
    for item in _grants(_json_items(path, name, prefix), name):
        count += 1
        yield item
    if count == 0:
        yield file_problem("file_empty", _("This file holds no grant."), name)


def read_giving_csv(
    path: Path,
    columns: list[tuple[str, str]],
    to_grant: Callable[[dict[str, str]], dict[str, Any]],
    *,
    name: str | None = None,
) -> Iterator[Item]:
    """360Giving's flat CSV form: one grant per row, with the standard's column titles."""
    name = name or path.name
    wrong = kind_problem(path, "csv")
    if wrong:
        yield wrong
        return
    required = [title for key, title in columns if key != "dataSource"]  # the grant schema requires the others
    rows = CsvRows(path, name=name, required=required)

    def documents() -> Iterator[tuple[int, Any] | Problem]:
        try:
            for number, row in rows:
                try:
                    yield number, to_grant(row)
                except ValueError as error:
                    yield file_problem("value_invalid", str(error), name, row=number)
        except BadFile as bad:
            yield bad.problem

    count = 0
    for item in _grants(documents(), name):
        count += 1
        yield item
    if count == 0:
        yield file_problem("file_empty", _("This file holds no grant."), name)
