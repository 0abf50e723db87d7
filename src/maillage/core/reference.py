"""Reading and validating Maillage's reference data: territories and vocabularies.

The reference data are real, public facts about Montréal (boundaries, tables de quartier,
equity figures) and the project's shared vocabularies (sectors, populations served,
support types, languages). They arrive as files that may be wrong, so every reader here
checks everything and reports each problem with its file, row and field; it returns
nothing unless every file is valid, so a bad file never half-loads.

The territories form a small hierarchy:

- ``region``: the agglomeration of Montréal (the union of the 34 polygons below);
- ``borough`` (19 arrondissements) and ``linked_city`` (15 villes liées);
- ``quartier``: the territory of a table de quartier (32 in the 2024 list), plus
  Vieux-Montréal, which has no table. A quartier lies within one or more boroughs or linked
  cities, and carries the equity figures of its table.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import geo
from .errors import MaillageError, Problem
from .i18n import gettext as _
from .text import normalize

__all__ = [
    "REGION_SLUG",
    "EquityFigures",
    "Taxonomies",
    "Term",
    "TerritoryRecord",
    "read_montreal",
    "read_taxonomies",
]

REGION_SLUG = "montreal"
QUARTIER_PREFIX = "quartier-"

LIMADMIN = "limadmin.geojson"
QUARTIERS = "quartierssociologiques2014.geojson"
QUARTIERS_TO_TABLES = "quartiers2014_to_tables.csv"
INDICATORS = "tables_de_quartier_indicators.csv"
TABLES = "tables_de_quartier.csv"

# Names of the 2014 file that lost an accent, and their correct spelling.
_NAME_FIXES = {"Montr´al-Nord": "Montréal-Nord", "Nord-Ouest de l'Ile de Montréal": "Nord-Ouest de l'Île de Montréal"}


@dataclass(frozen=True)
class EquityFigures:
    """Equity figures of a table de quartier territory (percentages are 0–100)."""

    population_2021: int
    low_income_pct: float
    material_deprivation_pct: float
    social_deprivation_pct: float
    priority_zone_pct: float


@dataclass(frozen=True)
class TerritoryRecord:
    slug: str
    kind: str  # region | borough | linked_city | quartier
    name_fr: str
    name_en: str
    code: str
    geometry: dict[str, Any]
    within: tuple[str, ...] = ()
    equity: EquityFigures | None = None
    table_slug: str = ""
    table_name: str = ""
    rui_count: int | None = None


@dataclass(frozen=True)
class Term:
    code: str
    name_fr: str
    name_en: str


@dataclass(frozen=True)
class Taxonomies:
    sectors: list[Term] = field(default_factory=list)
    populations: list[Term] = field(default_factory=list)
    support_types: list[Term] = field(default_factory=list)
    languages: list[Term] = field(default_factory=list)
    resources: list[Term] = field(default_factory=list)  # what organisations can share (optional list)


def slugify(text: str) -> str:
    """ASCII slug of a place name: « L'Île-Bizard–Sainte-Geneviève » → ``l-ile-bizard-sainte-genevieve``."""
    out = []
    for ch in normalize(text):
        out.append(ch if ch.isascii() and ch.isalnum() else "-")
    return "-".join(part for part in "".join(out).split("-") if part)


# --- taxonomies -------------------------------------------------------------------------


def read_taxonomies(path: Path) -> Taxonomies:
    """Read ``taxonomies.json``: lists of terms with a unique code and both names (``resources`` may be absent)."""
    file = path.name
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise _file_error(
            "taxonomies_unreadable",
            _("The vocabularies file cannot be read as JSON (%(detail)s).") % {"detail": exc},
            file,
        ) from None
    if not isinstance(data, dict):
        raise _file_error("taxonomies_invalid", _("The vocabularies file must hold a JSON object."), file)
    problems: list[Problem] = []
    lists: dict[str, list[Term]] = {}
    for key in ("sectors", "populations", "support_types", "languages", "resources"):
        items = data.get(key)
        if key == "resources" and items is None:
            continue
        if not isinstance(items, list) or not items:
            problems.append(Problem("taxonomy_missing", _("The list is missing or empty."), field=key, file=file))
            continue
        terms: list[Term] = []
        seen: set[str] = set()
        for row, item in enumerate(items, start=1):
            if not isinstance(item, dict):
                problems.append(
                    Problem("term_invalid", _("Each term must be an object."), field=key, row=row, file=file)
                )
                continue
            code = str(item.get("code") or "").strip()
            name_fr = str(item.get("fr") or "").strip()
            name_en = str(item.get("en") or "").strip()
            if not code or code != slugify(code):
                problems.append(
                    Problem(
                        "term_code_invalid",
                        _("A term needs a code made of lower-case letters, digits and hyphens."),
                        field=f"{key}.code",
                        row=row,
                        file=file,
                    )
                )
            elif code in seen:
                problems.append(
                    Problem(
                        "term_code_duplicate",
                        _("The code %(code)s appears twice.") % {"code": code},
                        field=f"{key}.code",
                        row=row,
                        file=file,
                    )
                )
            seen.add(code)
            for lang, name in (("fr", name_fr), ("en", name_en)):
                if not name:
                    problems.append(
                        Problem(
                            "term_name_missing",
                            _("The term %(code)s has no name in this language.") % {"code": code or "?"},
                            field=f"{key}.{lang}",
                            row=row,
                            file=file,
                        )
                    )
            terms.append(Term(code, name_fr, name_en))
        lists[key] = terms
    if problems:
        raise MaillageError("taxonomies_invalid", _("The vocabularies file has errors."), problems)
    return Taxonomies(**lists)


# --- territories ------------------------------------------------------------------------


def read_montreal(data_dir: Path) -> list[TerritoryRecord]:
    """Read Montréal's territories from the five reference files of ``data_dir``.

    Returns the region first, then boroughs and linked cities, then quartiers.
    """
    problems: list[Problem] = []

    def collect(function: Any, *args: Any) -> Any:
        try:
            return function(*args)
        except MaillageError as exc:
            problems.extend(exc.problems or [Problem(exc.code, exc.message)])
            return None

    admin_features = collect(_read_geojson, data_dir / LIMADMIN)
    quartier_features = collect(_read_geojson, data_dir / QUARTIERS)
    links = collect(_read_csv, data_dir / QUARTIERS_TO_TABLES, ["q_socio_id", "q_socio", "table_slug"])
    indicators = collect(
        _read_csv,
        data_dir / INDICATORS,
        [
            "table_slug",
            "population_2021",
            "low_income_mpc_pct_2021",
            "material_deprivation_q4q5_pct_2021",
            "social_deprivation_q4q5_pct_2021",
            "iemv_vulnerable_priority_pct_2026",
        ],
    )
    tables = collect(_read_csv, data_dir / TABLES, ["table_slug", "name_fr", "linked_cities"])
    if problems:
        raise MaillageError("reference_invalid", _("The territory reference files have errors."), problems)

    admin = _admin_records(admin_features, problems)
    equity = _equity_by_table(indicators, problems)
    table_info = _tables(tables, equity, admin, problems)
    quartiers = _quartier_records(quartier_features, links, admin, equity, table_info, problems)
    if problems:
        raise MaillageError("reference_invalid", _("The territory reference files have errors."), problems)

    region = TerritoryRecord(
        slug=REGION_SLUG,
        kind="region",
        name_fr="Agglomération de Montréal",
        name_en="Montréal agglomeration",
        code="66023",
        geometry=geo.union(r.geometry for r in admin.values()),
    )
    return [region, *sorted(admin.values(), key=lambda r: (r.kind, r.slug)), *quartiers]


def _read_geojson(path: Path) -> list[geo.Feature]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise _file_error(
            "file_missing", _("The file cannot be read (%(detail)s).") % {"detail": exc.strerror}, path.name
        ) from None
    return geo.read_features(raw, file=path.name)


def _read_csv(path: Path, required: list[str]) -> list[tuple[int, dict[str, str]]]:
    """Rows of a UTF-8 CSV file with their line numbers, after checking the header."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise _file_error(
            "file_missing", _("The file cannot be read (%(detail)s).") % {"detail": exc.strerror}, path.name
        ) from None
    except UnicodeDecodeError:
        raise _file_error(
            "csv_encoding", _("The file is not encoded in UTF-8: save it again as UTF-8 CSV."), path.name
        ) from None
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
        header = reader.fieldnames or []
        missing = [column for column in required if column not in header]
        if missing:
            raise _file_error(
                "csv_columns_missing",
                _("Required columns are missing: %(columns)s.") % {"columns": ", ".join(missing)},
                path.name,
            )
        rows = []
        for row in reader:
            if None in row or any(value is None for value in row.values()):
                raise MaillageError(
                    "csv_row_width",
                    _("A row does not have as many cells as the header."),
                    [
                        Problem(
                            "csv_row_width",
                            _("A row does not have as many cells as the header."),
                            row=reader.line_num,
                            file=path.name,
                        )
                    ],
                )
            rows.append((reader.line_num, {k: (v or "").strip() for k, v in row.items()}))
    except csv.Error as exc:
        raise _file_error(
            "csv_unreadable", _("The file is not a readable CSV file (%(detail)s).") % {"detail": exc}, path.name
        ) from None
    if not rows:
        raise _file_error("csv_empty", _("The file has a header but no rows."), path.name)
    return rows


def _admin_records(features: list[geo.Feature], problems: list[Problem]) -> dict[str, TerritoryRecord]:
    kinds = {"Arrondissement": "borough", "Ville liée": "linked_city"}
    records: dict[str, TerritoryRecord] = {}
    for row, feature in enumerate(features, start=1):
        name = str(feature.properties.get("NOM") or "").strip()
        kind = kinds.get(str(feature.properties.get("TYPE") or ""))
        if not name or kind is None:
            problems.append(
                Problem(
                    "territory_properties",
                    _("Each feature needs a name (NOM) and a type (TYPE: Arrondissement or Ville liée)."),
                    row=row,
                    file=LIMADMIN,
                )
            )
            continue
        name = _official_dashes(name, kind)
        slug = slugify(name)
        if slug in records:
            problems.append(
                Problem(
                    "territory_duplicate",
                    _("The territory %(name)s appears twice.") % {"name": name},
                    row=row,
                    file=LIMADMIN,
                )
            )
            continue
        records[slug] = TerritoryRecord(
            slug=slug,
            kind=kind,
            name_fr=name,
            name_en="",
            code=str(feature.properties.get("CODEID") or ""),
            geometry=feature.geometry,
            within=(REGION_SLUG,),
        )
    if not any(r.kind == "borough" for r in records.values()):
        problems.append(Problem("territory_boroughs_missing", _("The file holds no borough."), file=LIMADMIN))
    return records


def _official_dashes(name: str, kind: str) -> str:
    """Borough names that join two places use an en dash in their official spelling."""
    official = {
        "Rivière-des-Prairies-Pointe-aux-Trembles": "Rivière-des-Prairies–Pointe-aux-Trembles",
        "L'Île-Bizard-Sainte-Geneviève": "L'Île-Bizard–Sainte-Geneviève",
        "Mercier-Hochelaga-Maisonneuve": "Mercier–Hochelaga-Maisonneuve",
        "Côte-des-Neiges-Notre-Dame-de-Grâce": "Côte-des-Neiges–Notre-Dame-de-Grâce",
        "Rosemont-La Petite-Patrie": "Rosemont–La Petite-Patrie",
        "Villeray-Saint-Michel-Parc-Extension": "Villeray–Saint-Michel–Parc-Extension",
    }
    return official.get(name, name) if kind == "borough" else name


def _number(
    value: str,
    row: int,
    column: str,
    file: str,
    problems: list[Problem],
    *,
    integer: bool = False,
    percent: bool = False,
) -> float:
    try:
        number = float(value.replace(",", ".")) if not integer else int(value)
    except ValueError:
        expected = _("a whole number") if integer else _("a number")
        problems.append(
            Problem(
                "csv_number_invalid",
                _("« %(value)s » is not %(expected)s.") % {"value": value, "expected": expected},
                field=column,
                row=row,
                file=file,
            )
        )
        return 0.0
    if number < 0 or (percent and number > 100):
        problems.append(
            Problem(
                "csv_number_range",
                _("« %(value)s » is out of range.") % {"value": value},
                field=column,
                row=row,
                file=file,
            )
        )
    return float(number)


def _equity_by_table(rows: list[tuple[int, dict[str, str]]], problems: list[Problem]) -> dict[str, EquityFigures]:
    figures: dict[str, EquityFigures] = {}
    for row, values in rows:
        slug = values["table_slug"]
        if not slug:
            problems.append(
                Problem("csv_value_missing", _("This cell is empty."), field="table_slug", row=row, file=INDICATORS)
            )
            continue
        if slug in figures:
            problems.append(
                Problem(
                    "csv_duplicate",
                    _("The table %(slug)s appears twice.") % {"slug": slug},
                    field="table_slug",
                    row=row,
                    file=INDICATORS,
                )
            )
            continue

        def pct(column: str, row: int = row, values: dict[str, str] = values) -> float:
            return _number(values[column], row, column, INDICATORS, problems, percent=True)

        figures[slug] = EquityFigures(
            population_2021=int(
                _number(values["population_2021"], row, "population_2021", INDICATORS, problems, integer=True)
            ),
            low_income_pct=pct("low_income_mpc_pct_2021"),
            material_deprivation_pct=pct("material_deprivation_q4q5_pct_2021"),
            social_deprivation_pct=pct("social_deprivation_q4q5_pct_2021"),
            priority_zone_pct=pct("iemv_vulnerable_priority_pct_2026"),
        )
    return figures


@dataclass(frozen=True)
class _Table:
    name: str
    linked_cities: tuple[str, ...]


def _tables(
    rows: list[tuple[int, dict[str, str]]],
    equity: dict[str, EquityFigures],
    admin: dict[str, TerritoryRecord],
    problems: list[Problem],
) -> dict[str, _Table]:
    tables: dict[str, _Table] = {}
    for row, values in rows:
        slug, name = values["table_slug"], values["name_fr"]
        if not slug or not name:
            problems.append(
                Problem("csv_value_missing", _("Each table needs an identifier and a name."), row=row, file=TABLES)
            )
            continue
        if slug in tables:
            problems.append(
                Problem(
                    "csv_duplicate",
                    _("The table %(slug)s appears twice.") % {"slug": slug},
                    field="table_slug",
                    row=row,
                    file=TABLES,
                )
            )
        if slug not in equity:
            problems.append(
                Problem(
                    "table_unknown",
                    _("The table %(slug)s has no equity figures in %(file)s.") % {"slug": slug, "file": INDICATORS},
                    field="table_slug",
                    row=row,
                    file=TABLES,
                )
            )
        cities = tuple(c.strip() for c in values["linked_cities"].split(";") if c.strip())
        for city in cities:
            if slugify(city) not in admin:
                problems.append(
                    Problem(
                        "territory_unknown",
                        _("The territory « %(name)s » is not in %(file)s.") % {"name": city, "file": LIMADMIN},
                        field="linked_cities",
                        row=row,
                        file=TABLES,
                    )
                )
        tables[slug] = _Table(name, tuple(slugify(c) for c in cities if slugify(c) in admin))
    for slug in equity.keys() - tables.keys():
        problems.append(
            Problem("table_name_missing", _("The table %(slug)s has no name.") % {"slug": slug}, file=TABLES)
        )
    return tables


def _quartier_records(
    features: list[geo.Feature],
    links: list[tuple[int, dict[str, str]]],
    admin: dict[str, TerritoryRecord],
    equity: dict[str, EquityFigures],
    tables: dict[str, _Table],
    problems: list[Problem],
) -> list[TerritoryRecord]:
    by_id: dict[str, tuple[int, geo.Feature]] = {
        str(f.properties.get("id")): (position, f) for position, f in enumerate(features, start=1)
    }
    admin_by_name = {slugify(r.name_fr): slug for slug, r in admin.items()}
    records: list[TerritoryRecord] = []
    tables_seen: set[str] = set()
    for row, values in links:
        table_slug = values["table_slug"]
        polygon_id = values["q_socio_id"]
        position, feature = by_id.get(polygon_id, (0, None)) if polygon_id else (0, None)
        if polygon_id and feature is None:
            problems.append(
                Problem(
                    "quartier_unknown",
                    _("No quartier polygon has the id %(id)s.") % {"id": polygon_id},
                    field="q_socio_id",
                    row=row,
                    file=QUARTIERS_TO_TABLES,
                )
            )
            continue
        if table_slug and table_slug not in tables:
            problems.append(
                Problem(
                    "table_unknown",
                    _("The table %(slug)s is unknown.") % {"slug": table_slug},
                    field="table_slug",
                    row=row,
                    file=QUARTIERS_TO_TABLES,
                )
            )
            continue
        table = tables.get(table_slug)
        within: list[str] = []
        geometries = []
        rui: int | None = None
        if feature is not None:
            props = feature.properties
            name = _NAME_FIXES.get(str(props.get("Q_socio")), str(props.get("Q_socio") or "")).strip()
            for borough_name in str(props.get("Arrondissement") or "").split(" / "):
                borough = admin_by_name.get(slugify(borough_name))
                if borough is None:
                    problems.append(
                        Problem(
                            "territory_unknown",
                            _("The borough « %(name)s » is not in %(file)s.")
                            % {"name": borough_name, "file": LIMADMIN},
                            field="Arrondissement",
                            row=position,
                            file=QUARTIERS,
                        )
                    )
                else:
                    within.append(borough)
            geometries.append(feature.geometry)
            rui = int(props.get("nbr_RUI") or 0)
        else:
            if table is None or not table.linked_cities:
                problems.append(
                    Problem(
                        "quartier_without_geometry",
                        _("A territory needs a polygon or linked cities."),
                        row=row,
                        file=QUARTIERS_TO_TABLES,
                    )
                )
                continue
            name = table.name.removeprefix("Table de quartier ").strip()
        if table is not None:
            for city in table.linked_cities:
                within.append(city)
                geometries.append(admin[city].geometry)
            tables_seen.add(table_slug)
        records.append(
            TerritoryRecord(
                slug=QUARTIER_PREFIX + slugify(name),
                kind="quartier",
                name_fr=name,
                name_en="",
                code=polygon_id,
                geometry=geometries[0] if len(geometries) == 1 else geo.union(geometries),
                within=tuple(dict.fromkeys(within)),
                equity=equity.get(table_slug),
                table_slug=table_slug,
                table_name=table.name if table else "",
                rui_count=rui,
            )
        )
    for slug in tables.keys() - tables_seen:
        problems.append(
            Problem(
                "table_without_territory",
                _("The table %(slug)s has no territory.") % {"slug": slug},
                file=QUARTIERS_TO_TABLES,
            )
        )
    return sorted(records, key=lambda r: r.slug)


def _file_error(code: str, message: str, file: str) -> MaillageError:
    return MaillageError(code, message, [Problem(code, message, file=file)])
