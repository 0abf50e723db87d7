"""Validation against the official schemas of the open data standards (HSDS 3, 360Giving 1.4), vendored in
``maillage/data/standards`` with their attribution.

- HSDS 3 publishes one JSON Schema per object (``organization.json``, ``service.json``…) that refer to each
  other by file name; they carry no ``$schema`` and are read as JSON Schema 2020-12.
- 360Giving publishes the grant schema and the package schema (JSON Schema 2020-12); the package refers to the
  grant schema by the address of its 1.4.2 release, the grant schema's own ``$id`` is 1.4.3's: both addresses
  lead to the vendored file.

Nothing is fetched from the network. Each problem names the object (its ``file`` and ``row`` when given) and
the path of the field at fault.

>>> problems({"id": "x"}, "hsds-3/organization.json")[0].code
'schema_invalid'
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator, Mapping
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from .errors import Problem

SCHEMAS = Path(__file__).resolve().parents[1] / "data" / "standards"
GIVING_GRANT = "360giving/360-giving-schema.json"  # the schema of one 360Giving grant
GIVING_GRANT_URIS = (
    "https://raw.githubusercontent.com/ThreeSixtyGiving/standard/1.4.2/schema/360-giving-schema.json",
    "https://raw.githubusercontent.com/ThreeSixtyGiving/standard/1.4.3/schema/360-giving-schema.json",
)


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))
    return data


@cache
def _registry() -> Registry:
    resources: list[tuple[str, Resource]] = []
    for path in sorted((SCHEMAS / "hsds-3").glob("*.json")):
        if path.name in ("datapackage.json", "openapi.json"):
            continue
        resources.append((path.name, Resource.from_contents(_load(f"hsds-3/{path.name}"), DRAFT202012)))
    grant = Resource.from_contents(_load("360giving/360-giving-schema.json"), DRAFT202012)
    resources.extend((uri, grant) for uri in GIVING_GRANT_URIS)
    return Registry().with_resources(resources)


def _formats() -> FormatChecker:
    """The formats the schemas use, each checked for real. jsonschema checks ``uuid``, ``date`` and
    ``email`` itself; ``date-time`` and ``uri`` need packages it does not require, and an unchecked format
    passes any text, which would make 360Giving's ``oneOf`` [a date, a date-time] match twice."""
    checker = FormatChecker(formats=("uuid", "date", "email"))

    @checker.checks("date-time", raises=ValueError)
    def is_datetime(value: object) -> bool:
        if not isinstance(value, str):
            return True
        if "T" not in value.upper():
            return False
        datetime.fromisoformat(value.replace("Z", "+00:00"))
        return True

    @checker.checks("uri")
    def is_uri(value: object) -> bool:
        if not isinstance(value, str):
            return True
        parts = urlsplit(value)
        return bool(parts.scheme and (parts.netloc or parts.scheme in ("mailto", "urn", "tel")))

    return checker


@cache
def validator(name: str) -> Draft202012Validator:
    """The validator of one vendored schema: ``hsds-3/organization.json``, ``360giving/360-giving-schema.json``…"""
    return Draft202012Validator(_load(name), registry=_registry(), format_checker=_formats())


def _path(parts: Iterator[Any] | Any) -> str:
    return ".".join(str(p) for p in parts)


def problems(
    document: Mapping[str, Any], name: str, *, file: str | None = None, row: int | None = None
) -> list[Problem]:
    """Every way ``document`` breaks the schema ``name``, as problems (an empty list when it is valid)."""
    found = []
    for error in sorted(validator(name).iter_errors(document), key=lambda e: list(e.absolute_path)):
        if error.context:  # "not valid under any of the given schemas": say what the closest one lacks
            error = best_match(error.context) or error
        where = _path(error.absolute_path)
        found.append(
            Problem(
                "schema_invalid",
                f"{name}: {where + ': ' if where else ''}{error.message}",
                field=where or None,
                row=row,
                file=file,
            )
        )
    return found


# --- HSDS's tabular form (a Frictionless data package of CSV files) -------------------------------------------


@cache
def datapackage() -> dict[str, Any]:
    """HSDS's official data package descriptor: one tabular resource (a CSV file) per object."""
    return _load("hsds-3/datapackage.json")


def table_resource(name: str) -> dict[str, Any]:
    """The descriptor of one HSDS table (``organization``, ``service``…): its file and its Table Schema."""
    for resource in datapackage()["resources"]:
        if resource["name"] == name:
            found: dict[str, Any] = resource
            return found
    raise KeyError(name)


def table_fields(name: str) -> list[str]:
    return [f["name"] for f in table_resource(name)["schema"]["fields"]]


def _cell_problem(field: Mapping[str, Any], value: str) -> str | None:
    """What is wrong with one non-empty cell under its Table Schema field, or None."""
    kind, form = field.get("type", "string"), field.get("format")
    try:
        if kind in ("number", "integer"):
            float(value) if kind == "number" else int(value)
        elif kind == "date":
            datetime.strptime(value, "%Y-%m-%d")
        elif kind == "datetime":
            datetime.fromisoformat(value.replace("Z", "+00:00"))
        elif form == "uuid":
            uuid.UUID(value)
    except ValueError:
        return f"'{value}' is not a valid {form or kind}"
    if form == "email" and "@" not in value:
        return f"'{value}' is not a valid email"
    if form == "uri":
        parts = urlsplit(value)
        if not (parts.scheme and parts.netloc):
            return f"'{value}' is not a valid uri"
    return None


class TableChecker:
    """Checks the rows of one HSDS table against its Table Schema, one row at a time (memory grows only with
    the values of the fields that must be unique): required fields, types, formats, uniqueness."""

    def __init__(self, name: str, *, file: str | None = None) -> None:
        self.resource = table_resource(name)
        self.fields = self.resource["schema"]["fields"]
        self.file = file or self.resource["path"]
        self.seen: dict[str, set[str]] = {
            f["name"]: set() for f in self.fields if f.get("constraints", {}).get("unique")
        }

    def header_problems(self, header: list[str]) -> list[Problem]:
        expected = [f["name"] for f in self.fields]
        missing = [name for name in expected if name not in header]
        unknown = [name for name in header if name not in expected]
        found = []
        if missing:
            found.append(
                Problem("columns_missing", f"{self.file}: missing columns {', '.join(missing)}", file=self.file)
            )
        if unknown:
            found.append(
                Problem("columns_unknown", f"{self.file}: unknown columns {', '.join(unknown)}", file=self.file)
            )
        return found

    def row_problems(self, row: Mapping[str, Any], number: int) -> list[Problem]:
        found = []
        for field in self.fields:
            name = field["name"]
            value = "" if row.get(name) is None else str(row.get(name))
            constraints = field.get("constraints", {})
            if not value:
                if constraints.get("required"):
                    found.append(
                        Problem(
                            "value_missing", f"{self.file}: {name} is required", field=name, row=number, file=self.file
                        )
                    )
                continue
            wrong = _cell_problem(field, value)
            if wrong:
                found.append(
                    Problem("value_invalid", f"{self.file}: {name}: {wrong}", field=name, row=number, file=self.file)
                )
            if name in self.seen:
                if value in self.seen[name]:
                    found.append(
                        Problem(
                            "value_duplicate",
                            f"{self.file}: {name} '{value}' appears twice",
                            field=name,
                            row=number,
                            file=self.file,
                        )
                    )
                self.seen[name].add(value)
        return found
