"""Reading Montréal's real reference files, and refusing broken copies of them precisely."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import maillage
from maillage.core.errors import MaillageError
from maillage.core.reference import read_montreal, read_taxonomies

DATA = Path(maillage.__file__).parent / "data"
MONTREAL = DATA / "montreal"


@pytest.fixture(scope="module")
def records():
    return read_montreal(MONTREAL)


def test_counts_by_kind(records):
    kinds = [r.kind for r in records]
    assert kinds.count("region") == 1
    assert kinds.count("borough") == 19
    assert kinds.count("linked_city") == 15
    # 32 polygons of 2014 (Vieux-Montréal without a table) + Sud-de-l'Ouest-de-l'Île made of linked cities.
    assert kinds.count("quartier") == 33


def test_every_table_of_2024_has_a_territory_with_equity_figures(records):
    tables = {r.table_slug: r for r in records if r.table_slug}
    assert len(tables) == 32
    assert all(r.equity is not None for r in tables.values())
    parc_ex = tables["table-de-quartier-de-parc-extension"]
    assert parc_ex.equity.population_2021 == 29066
    assert parc_ex.equity.priority_zone_pct == pytest.approx(69.8)


def test_garbled_and_composite_territories(records):
    by_slug = {r.slug: r for r in records}
    assert by_slug["quartier-montreal-nord"].name_fr == "Montréal-Nord"
    sud_ouest = by_slug["quartier-sud-de-l-ouest-de-l-ile"]
    assert "pointe-claire" in sud_ouest.within
    assert len(sud_ouest.within) == 8
    assert set(by_slug["quartier-nord-ouest-de-l-ile-de-montreal"].within) == {
        "l-ile-bizard-sainte-genevieve",
        "pierrefonds-roxboro",
        "dollard-des-ormeaux",
    }
    assert by_slug["quartier-vieux-montreal"].table_slug == ""
    assert by_slug["rosemont-la-petite-patrie"].name_fr == "Rosemont–La Petite-Patrie"


def test_taxonomies_have_unique_codes_and_both_names():
    taxonomies = read_taxonomies(DATA / "taxonomies.json")
    assert len(taxonomies.support_types) >= 10
    for terms in (taxonomies.sectors, taxonomies.populations, taxonomies.support_types, taxonomies.languages):
        assert len({t.code for t in terms}) == len(terms)
        assert all(t.name_fr and t.name_en for t in terms)


@pytest.fixture
def broken(tmp_path):
    """A copy of the reference files to break."""
    target = tmp_path / "montreal"
    shutil.copytree(MONTREAL, target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize(
    ("file", "old", "new", "code", "row", "field"),
    [
        (
            "tables_de_quartier_indicators.csv",
            "cdc-centre-sud,33699,17.2",
            "cdc-centre-sud,33699,dix-sept",
            "csv_number_invalid",
            3,
            "low_income_mpc_pct_2021",
        ),
        (
            "tables_de_quartier_indicators.csv",
            "cdc-centre-sud,33699,17.2",
            "cdc-centre-sud,33699,117.2",
            "csv_number_range",
            3,
            "low_income_mpc_pct_2021",
        ),
        ("tables_de_quartier_indicators.csv", "population_2021,", "population,", "csv_columns_missing", None, None),
        (
            "quartiers2014_to_tables.csv",
            "4,Côte-des-Neiges,cdc-cote-des-neiges",
            "4,Côte-des-Neiges,cdc-inconnue",
            "table_unknown",
            5,
            "table_slug",
        ),
        ("tables_de_quartier.csv", "Dorval;", "Atlantide;", "territory_unknown", 32, "linked_cities"),
        (
            "quartierssociologiques2014.geojson",
            '"Arrondissement": "Anjou"',
            '"Arrondissement": "Gotham"',
            "territory_unknown",
            3,
            "Arrondissement",
        ),
    ],
)
def test_broken_files_are_refused_with_file_row_and_field(broken, file, old, new, code, row, field):
    edit(broken / file, old, new)
    with pytest.raises(MaillageError) as info:
        read_montreal(broken)
    problem = next(p for p in info.value.problems if p.code == code)
    assert problem.file == file
    assert problem.row == row
    assert problem.field == field


def test_unparsable_geojson_and_csv_encoding(broken):
    (broken / "limadmin.geojson").write_text("{ this is not json", encoding="utf-8")
    (broken / "tables_de_quartier.csv").write_bytes(
        "table_slug,name_fr,linked_cities\nx,Montr\xe9al,\n".encode("latin-1")
    )
    with pytest.raises(MaillageError) as info:
        read_montreal(broken)
    codes = {(p.file, p.code) for p in info.value.problems}
    assert ("limadmin.geojson", "geojson_unreadable") in codes
    assert ("tables_de_quartier.csv", "csv_encoding") in codes


def test_missing_file(broken):
    (broken / "limadmin.geojson").unlink()
    with pytest.raises(MaillageError) as info:
        read_montreal(broken)
    assert info.value.problems[0].code == "file_missing"
