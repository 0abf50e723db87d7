"""Open data in: HSDS (JSON and tabular), 360Giving (JSON and CSV) and the CSV template imported all or nothing,
idempotent, with their provenance; round trips through an empty directory give identical exports; every kind of
bad input is reported precisely and writes nothing."""

from __future__ import annotations

import io
import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from maillage.directory.models import Organisation, OrganisationSearch, Relation, SupportOffer
from maillage.interop import imports
from maillage.interop.models import SourceRecord
from tests.factories import OrganisationFactory, RelationFactory

pytestmark = pytest.mark.django_db


def export(folder: Path, *, demo: bool = True) -> dict[str, bytes]:
    """Every file the HSDS and 360Giving exports write, by relative path."""
    args = ["--demo"] if demo else []
    out = io.StringIO()
    call_command("export", "hsds", "--output", str(folder / "hsds"), *args, stdout=out)
    call_command("export", "360giving", "--output", str(folder / "giving"), *args, stdout=out)
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def counts() -> tuple[int, int, int]:
    return Organisation.objects.count(), SupportOffer.objects.count(), Relation.objects.count()


@pytest.fixture
def demo_ecosystem():
    from maillage.core.demo import DemoSpec
    from maillage.directory.loaders import demo_load

    demo_load(DemoSpec(organisations=90, seed=9))


def clear_demo() -> None:
    from maillage.directory.loaders import demo_clear

    demo_clear()
    assert not Organisation.objects.filter(is_demo=True).exists()


def run(standard: str, path: Path, **options) -> imports.Report:
    return imports.import_file(standard, path, **{"source_label": "Essai", "demo": True, **options})


# --- round trips -----------------------------------------------------------------------------------------------


def test_json_round_trip_through_an_empty_directory_gives_identical_exports(demo_ecosystem, tmp_path):
    before = export(tmp_path / "a")
    assert any(name.endswith("grants.json") for name in before)
    clear_demo()
    for standard, path in (
        ("hsds", "a/hsds/organizations.json"),
        ("hsds", "a/hsds/services.json"),
        ("360giving", "a/giving/grants.json"),
    ):
        report = run(standard, tmp_path / path)
        assert report.ok, report.problems
        assert report.written
    after = export(tmp_path / "b")
    assert after.keys() == before.keys()
    for name, content in before.items():
        assert after[name] == content, name


def test_tabular_and_csv_round_trip(demo_ecosystem, tmp_path):
    before = export(tmp_path / "a")
    clear_demo()
    assert run("hsds", tmp_path / "a/hsds/tabular").ok
    assert run("360giving", tmp_path / "a/giving/grants.csv").ok
    after = export(tmp_path / "b")
    for name, content in before.items():
        assert after[name] == content, name


def test_reimporting_the_same_files_changes_nothing(demo_ecosystem, tmp_path):
    export(tmp_path / "a")
    clear_demo()
    for standard, path in (("hsds", "a/hsds/organizations.json"), ("hsds", "a/hsds/services.json")):
        run(standard, tmp_path / path)
    run("360giving", tmp_path / "a/giving/grants.json")
    state = counts(), SourceRecord.objects.count(), list(Organisation.objects.values_list("updated_at", flat=True))
    for standard, path in (
        ("hsds", "a/hsds/organizations.json"),
        ("hsds", "a/hsds/tabular"),
        ("hsds", "a/hsds/services.json"),
        ("360giving", "a/giving/grants.json"),
        ("360giving", "a/giving/grants.csv"),
    ):
        report = run(standard, tmp_path / path)
        assert report.ok
        for kind, actions in report.counts.items():
            assert actions["created"] == actions["updated"] == actions["rejected"] == 0, (path, kind, actions)
    assert (
        counts(),
        SourceRecord.objects.count(),
        list(Organisation.objects.values_list("updated_at", flat=True)),
    ) == state


def test_own_exports_reimported_in_place_change_nothing_and_store_nothing(demo_ecosystem, tmp_path):
    export(tmp_path / "a")
    for standard, path in (("hsds", "a/hsds/organizations.json"), ("360giving", "a/giving/grants.json")):
        report = run(standard, tmp_path / path)
        assert report.ok
        assert sum(a["created"] + a["updated"] for a in report.counts.values()) == 0
    assert not SourceRecord.objects.filter(kind="organisation", standard="hsds").exists()  # Maillage's own UUIDs


# --- dry run, all or nothing, provenance ------------------------------------------------------------------------


def write(tmp_path: Path, text: str, name: str = "orgs.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


GOOD = (
    "name_fr;roles;kind;territories;sectors;neq;founded_year;website;source_id\n"
    "Cuisine de test;field;community;parc-extension|verdun;;1143456789;1999;https://cuisine.example.org;c1\n"
    "Fondation essai;support;foundation;;;;;;c2\n"
)


def test_dry_run_reports_what_the_import_then_does_and_writes_nothing(tmp_path):
    path = write(tmp_path, GOOD)
    before = counts()
    dry = imports.import_file("csv", path, dry_run=True)
    assert dry.ok
    assert not dry.written
    assert counts() == before
    assert dict(dry.counts["organisation"]) == {"created": 2, "updated": 0, "unchanged": 0, "rejected": 0}
    real = imports.import_file("csv", path, source_label="Répertoire essai")
    assert real.written
    assert dict(real.counts["organisation"]) == dict(dry.counts["organisation"])
    kitchen = Organisation.objects.get(neq="1143456789")
    assert kitchen.data_source == "Répertoire essai"
    assert not kitchen.is_demo
    assert kitchen.is_field_actor
    assert not kitchen.is_support_actor
    assert {t.name_fr for t in kitchen.territories.all()} == {"Parc-Extension", "Verdun"}
    assert OrganisationSearch.objects.filter(organisation=kitchen).exists()
    source = SourceRecord.objects.get(organisation=kitchen)
    assert (source.standard, source.identifier, source.file_name) == ("csv", "Répertoire essai|c1", "orgs.csv")
    again = imports.import_file("csv", path, source_label="Répertoire essai")
    assert dict(again.counts["organisation"])["unchanged"] == 2


def test_one_bad_row_and_nothing_is_written(tmp_path):
    path = write(tmp_path, GOOD + "Troisième;field;;Atlantide;;;;;c3\n")
    before = counts()
    report = imports.import_file("csv", path)
    assert not report.ok
    assert not report.written
    assert counts() == before
    (problem,) = report.problems
    assert (problem.code, problem.file, problem.row, problem.field) == (
        "territory_unknown",
        "orgs.csv",
        4,
        "territories",
    )
    assert "Atlantide" in problem.message


def test_an_update_matches_by_charity_number_and_keeps_the_record_source(tmp_path):
    org = OrganisationFactory(name_fr="Ancien nom", cra_charity_number="123456782RR0001", data_source="")
    path = write(tmp_path, "name_fr,roles,cra_charity_number\nNouveau nom,support,123456782 RR 0001\n")
    report = imports.import_file("csv", path, dry_run=True)
    assert report.rows[0]["action"] == "updated"
    assert "name_fr" in report.rows[0]["changes"]
    imports.import_file("csv", path)
    org.refresh_from_db()
    assert org.name_fr == "Nouveau nom"
    assert org.is_support_actor
    assert not org.is_field_actor
    assert org.data_source == ""  # the record's own source stays; the file is remembered as a source record
    assert SourceRecord.objects.filter(organisation=org, standard="csv").exists()


def test_identifiers_pointing_to_two_organisations_are_refused(tmp_path):
    OrganisationFactory(cra_charity_number="123456782RR0001")
    OrganisationFactory(neq="1143456789")
    path = write(tmp_path, "name_fr,roles,cra_charity_number,neq\nX,field,123456782RR0001,1143456789\n")
    (problem,) = imports.import_file("csv", path).problems
    assert problem.code == "records_conflict"


def test_demo_and_real_records_do_not_mix(tmp_path):
    OrganisationFactory(neq="1143456789", is_demo=True)
    path = write(tmp_path, "name_fr,roles,neq\nX,field,1143456789\n")
    (problem,) = imports.import_file("csv", path).problems
    assert problem.code == "demo_mismatch"


def test_an_unknown_maillage_identifier_is_refused(tmp_path):
    path = write(tmp_path, "id,name_fr,roles\nnobody-here,X,field\n")
    (problem,) = imports.import_file("csv", path).problems
    assert (problem.code, problem.field) == ("record_unknown", "id")


# --- 360Giving ------------------------------------------------------------------------------------------------


def grant_document(identifier: str, amount: float, date: str = "2025-03-02", **extra) -> dict:
    return {
        "id": identifier,
        "title": "Subvention",
        "description": "Une subvention.",
        "currency": "CAD",
        "amountAwarded": amount,
        "awardDate": date,
        "recipientOrganization": [{"id": "CA-CRA_ACR-123456782RR0001", "name": "Cuisine"}],
        "fundingOrganization": [{"id": "360G-autre-fondation", "name": "Fondation ailleurs"}],
        "dataSource": "https://ailleurs.example.org/subventions",
        **extra,
    }


def test_grants_of_a_pair_in_a_year_add_up_and_name_their_organisations(tmp_path):
    kitchen = OrganisationFactory(name_fr="Cuisine", cra_charity_number="123456782RR0001")
    path = tmp_path / "grants.json"
    path.write_text(json.dumps({"grants": [grant_document("360G-a-1", 1000), grant_document("360G-a-2", 500.5)]}))
    report = imports.import_file("360giving", path, source_label="Fondation ailleurs")
    assert report.ok, report.problems
    relation = Relation.objects.get(target=kitchen, kind="funds")
    assert (relation.year, relation.amount) == (2025, Decimal("1500.50"))
    funder = relation.source
    assert funder.name_fr == "Fondation ailleurs"
    assert funder.is_support_actor
    assert funder.data_source == "Fondation ailleurs"
    assert set(SourceRecord.objects.filter(relation=relation).values_list("identifier", "uri")) == {
        ("360G-a-1", "https://ailleurs.example.org/subventions"),
        ("360G-a-2", "https://ailleurs.example.org/subventions"),
    }
    again = imports.import_file("360giving", path)
    assert again.counts["grant"]["created"] == again.counts["grant"]["updated"] == 0
    assert Organisation.objects.filter(name_fr="Fondation ailleurs").count() == 1


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"awardDate": "2025-13-02"}, "schema_invalid", "awardDate"),
        ({"currency": "EUR"}, "currency_invalid", "currency"),
        ({"amountAwarded": "beaucoup"}, "schema_invalid", "amountAwarded"),
    ],
)
def test_a_bad_grant_is_reported_with_its_row_and_field(tmp_path, change, code, field):
    path = tmp_path / "grants.json"
    path.write_text(json.dumps({"grants": [grant_document("g1", 10), grant_document("g2", 20, **change)]}))
    before = counts()
    report = imports.import_file("360giving", path)
    assert counts() == before
    assert [(p.code, p.row, p.field) for p in report.problems] == [(code, 2, field)]


def test_a_malformed_date_in_the_csv_form(tmp_path):
    path = write(
        tmp_path,
        "Identifier,Title,Description,Currency,Amount Awarded,Award Date,Recipient Org:Identifier,Recipient Org:Name,"
        "Funding Org:Identifier,Funding Org:Name\n"
        "g1,T,D,CAD,10,2025-02-30,360G-x-r,R,360G-x-f,F\n",
        "grants.csv",
    )
    (problem,) = imports.import_file("360giving", path).problems
    assert (problem.code, problem.file, problem.row, problem.field) == ("date_invalid", "grants.csv", 2, "awardDate")


# --- bad files --------------------------------------------------------------------------------------------------


def test_wrong_encoding_names_the_row(tmp_path):
    path = write(tmp_path, "name_fr,roles\nA,field\nCafé,field\n", encoding="latin-1")
    (problem,) = imports.import_file("csv", path).problems
    assert (problem.code, problem.row) == ("encoding_invalid", 3)


def test_a_missing_required_column(tmp_path):
    path = write(tmp_path, "nom,roles\nA,field\n")
    (problem,) = imports.import_file("csv", path).problems
    assert (problem.code, problem.row) == ("columns_missing", 1)
    assert "name_fr" in problem.message


def test_duplicate_identifiers_name_the_first_row(tmp_path):
    path = write(tmp_path, "name_fr,roles,neq,source_id\nA,field,1143456789,a\nB,field,1143 456 789,b\nC,field,,a\n")
    problems = imports.import_file("csv", path).problems
    assert [(p.code, p.row, p.field) for p in problems] == [
        ("identifier_duplicate", 3, "neq"),
        ("identifier_duplicate", 4, "source_id"),
    ]
    assert "2" in problems[0].message


@pytest.mark.parametrize(
    ("standard", "content", "name", "code"),
    [
        ("csv", b'[{"name": "x"}]', "orgs.csv", "file_type_invalid"),
        ("hsds", b"name_fr,roles\nA,field\n", "orgs.json", "file_type_invalid"),
        ("hsds", b'{"grants": []}', "grants.json", "file_type_invalid"),
        (
            "360giving",
            b'[{"id": "x", "name": "y", "description": "z", "organization_identifiers": []}]',
            "o.json",
            "file_type_invalid",
        ),
        ("csv", b"\x89PNG\r\n\x1a\n\x00\x00", "photo.csv", "file_type_invalid"),
        ("csv", b"PK\x03\x04 spreadsheet", "classeur.csv", "file_type_invalid"),
        ("hsds", b'[{"id": "1", "name": "a", "description": "b"}, {"id": ', "cut.json", "json_invalid"),
        ("csv", b"", "vide.csv", "file_empty"),
        ("360giving", b'{"grants": []}', "vide.json", "file_empty"),
    ],
)
def test_a_file_that_is_not_what_it_says(tmp_path, standard, content, name, code):
    path = tmp_path / name
    path.write_bytes(content)
    report = imports.import_file(standard, path)
    assert not report.ok
    assert not report.written
    assert report.problems[-1].code == code, report.problems
    assert report.problems[-1].file == name


def test_an_hsds_object_that_breaks_the_schema(tmp_path):
    path = tmp_path / "orgs.json"
    path.write_text(json.dumps([{"id": "pas-un-uuid", "name": "A", "description": "B"}]))
    (problem,) = imports.import_file("hsds", path).problems
    assert (problem.code, problem.row, problem.field) == ("schema_invalid", 1, "id")


def test_tabular_problems_name_file_row_and_column(demo_ecosystem, tmp_path):
    export(tmp_path / "a")
    folder = tmp_path / "a/hsds/tabular"
    lines = (folder / "organizations.csv").read_text().splitlines()
    lines[3] = lines[3].replace(lines[3].split(",")[0], "pas-un-uuid", 1)
    (folder / "organizations.csv").write_text("\n".join(lines) + "\n")
    clear_demo()
    report = run("hsds", folder)
    assert [(p.file, p.row, p.field) for p in report.problems] == [("organizations.csv", 4, "id")]
    assert not Organisation.objects.filter(is_demo=True).exists()
    shutil.rmtree(folder)
    folder.mkdir()
    (problem,) = run("hsds", folder).problems
    assert problem.code == "datapackage_missing"


def test_a_service_whose_organisation_is_unknown(tmp_path):
    path = tmp_path / "services.json"
    path.write_text(
        json.dumps(
            [
                {
                    "id": "2c3b180e-7379-5fea-a8c8-6341e7b30806",
                    "name": "S",
                    "status": "active",
                    "organization_id": "2c3b180e-7379-5fea-a8c8-6341e7b30807",
                }
            ]
        )
    )
    (problem,) = imports.import_file("hsds", path).problems
    assert (problem.code, problem.field) == ("reference_unknown", "organization_id")


# --- the command -------------------------------------------------------------------------------------------------


def test_the_command(tmp_path, capsys):
    path = write(tmp_path, GOOD)
    with pytest.raises(CommandError, match="--source"):
        call_command("import", "csv", str(path), "--dry-run")
    call_command("import", "csv", str(path), "--dry-run", "--rows", "--source", "Essai")
    out = capsys.readouterr().out
    assert "orgs.csv, row 2: organisation created: Cuisine de test" in out
    assert "nothing written" in out
    assert not Organisation.objects.filter(neq="1143456789").exists()
    call_command("import", "csv", str(path), "--source", "Essai")
    assert Organisation.objects.get(neq="1143456789").data_source == "Essai"
    bad = write(tmp_path, "name_fr,roles\n,field\n", "bad.csv")
    with pytest.raises(CommandError, match=r"bad.csv, row 2, name_fr"):
        call_command("import", "csv", str(bad), "--source", "Essai")
    with pytest.raises(CommandError, match="does not exist"):
        call_command("import", "csv", str(tmp_path / "absent.csv"), "--source", "Essai")


def test_grant_relations_to_real_organisations_from_an_export_of_real_data(tmp_path):
    funder = OrganisationFactory(name_fr="Fondation", is_support_actor=True, cra_charity_number="123456782RR0001")
    kitchen = OrganisationFactory(name_fr="Cuisine")
    RelationFactory(source=funder, target=kitchen, kind="funds", year=2024, amount=Decimal(900))
    export(tmp_path / "a", demo=False)
    Relation.objects.all().delete()
    report = imports.import_file("360giving", tmp_path / "a/giving/grants.json")
    assert report.ok
    assert report.counts["grant"]["created"] == 1
    assert Relation.objects.get().source == funder


def test_service_areas_and_languages_travel_and_unknown_ones_are_refused(demo_ecosystem, tmp_path):
    export(tmp_path / "a")
    services = json.loads((tmp_path / "a/hsds/services.json").read_text())
    assert any(s["service_areas"] for s in services)
    assert any(s["languages"] for s in services)
    clear_demo()
    assert run("hsds", tmp_path / "a/hsds/organizations.json").ok
    services[0]["service_areas"] = [{"id": services[0]["id"], "service_id": services[0]["id"], "name": "Atlantide"}]
    services[1]["languages"] = [{"id": services[1]["id"], "service_id": services[1]["id"], "code": "tlh"}]
    path = tmp_path / "services.json"
    path.write_text(json.dumps(services))
    report = run("hsds", path)
    assert [(p.code, p.row, p.field) for p in report.problems] == [
        ("territory_unknown", 1, "service_areas"),
        ("language_unknown", 2, "languages"),
    ]
    assert not SupportOffer.objects.filter(is_demo=True).exists()


def test_a_rejected_real_import_reports_each_grant_once(tmp_path):
    OrganisationFactory(name_fr="Cuisine", cra_charity_number="123456782RR0001")
    path = tmp_path / "grants.json"
    path.write_text(json.dumps({"grants": [grant_document("g1", 10), grant_document("g2", 20, currency="USD")]}))
    for dry_run in (True, False):
        report = imports.import_file("360giving", path, dry_run=dry_run)
        assert [(r["kind"], r["action"], r["label"]) for r in report.rows] == [
            ("organisation", "created", "Fondation ailleurs"),
            ("grant", "created", "Subvention (g1)"),
        ]
        assert report.counts["grant"]["rejected"] == 1
    assert not Relation.objects.exists()
    assert not Organisation.objects.filter(name_fr="Fondation ailleurs").exists()


def test_a_row_with_two_problems_is_one_rejected_row(tmp_path):
    path = write(tmp_path, "name_fr,roles,territories,founded_year\nA,boss,Atlantide,19x9\n")
    report = imports.import_file("csv", path)
    assert report.problem_count == 3  # the role, the territory, the year
    assert report.counts["organisation"]["rejected"] == 1


def test_a_name_several_territories_share_asks_for_an_identifier(tmp_path):
    path = write(tmp_path, "name_fr,roles,territories\nA,field,Verdun\n")
    (problem,) = imports.import_file("csv", path).problems
    assert (problem.code, problem.field) == ("territory_ambiguous", "territories")
    assert "verdun" in problem.message
    assert "quartier-verdun" in problem.message
    path = write(tmp_path, "name_fr,roles,territories\nA,field,quartier-verdun\n")
    assert imports.import_file("csv", path).ok


def test_a_namesake_is_a_warning_and_a_bare_address_gets_its_scheme(tmp_path):
    OrganisationFactory(name_fr="Maison des jeunes")
    path = write(tmp_path, "name_fr,roles,website,founded_year\nMaison des Jeunes,field,www.mdj.example.org,1990\n")
    report = imports.import_file("csv", path)
    assert report.ok
    (warning,) = report.warnings
    assert (warning.code, warning.row) == ("namesake", 2)
    assert Organisation.objects.get(website="https://www.mdj.example.org").name_fr == "Maison des Jeunes"


def test_the_report_lists_rows_in_file_order(tmp_path):
    OrganisationFactory(neq="1143456789")
    path = write(tmp_path, "name_fr,roles,neq\nNouveau,field,\nAncien,field,1143456789\n")
    report = imports.import_file("csv", path, dry_run=True).as_dict()
    assert [r["row"] for r in report["rows"]] == [2, 3]


# --- found by a second review ---------------------------------------------------------------------------------------


def test_csv_quotes_are_read_as_spreadsheets_write_them(tmp_path):
    path = write(tmp_path, 'name_fr,roles,description_fr\n"Le ""Chez-nous"", coop",field,"a, b"\n')
    report = imports.import_file("csv", path)
    assert report.ok, report.problems
    assert Organisation.objects.get(description_fr="a, b").name_fr == 'Le "Chez-nous", coop'


def test_a_quote_left_open_is_an_error_not_the_rest_of_the_file(tmp_path):
    path = write(tmp_path, 'name_fr,roles,description_fr\nA,field,"oops\nB,field,x\nC,field,y\n')
    report = imports.import_file("csv", path)
    assert [p.code for p in report.problems] == ["csv_invalid"]
    assert not Organisation.objects.filter(name_fr="A").exists()


def test_an_empty_territories_cell_keeps_the_territories(tmp_path, territory):
    org = OrganisationFactory(neq="1143456789")
    org.territories.set([territory("verdun")])
    path = write(tmp_path, "name_fr,roles,neq,territories\nNouveau,field,1143456789,\n")
    report = imports.import_file("csv", path)
    assert report.rows[0]["changes"] == ["name_fr"]
    assert list(org.territories.values_list("slug", flat=True)) == ["verdun"]


def test_grants_of_two_files_on_the_same_pair_and_year_add_up_and_settle(tmp_path):
    OrganisationFactory(name_fr="Cuisine", cra_charity_number="123456782RR0001")
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    first.write_text(json.dumps({"grants": [grant_document("A-1", 100)]}))
    second.write_text(json.dumps({"grants": [grant_document("B-1", 50)]}))
    for path in (first, second, first, second):
        assert imports.import_file("360giving", path).ok
    assert Relation.objects.get().amount == Decimal(150)
    for path in (first, second):
        report = imports.import_file("360giving", path, dry_run=True)
        assert report.counts["grant"]["unchanged"] == 1


def test_fractions_of_a_cent_settle(tmp_path):
    OrganisationFactory(name_fr="Cuisine", cra_charity_number="123456782RR0001")
    path = tmp_path / "grants.json"
    path.write_text(json.dumps({"grants": [grant_document("g1", 100.005)]}))
    imports.import_file("360giving", path)
    assert imports.import_file("360giving", path, dry_run=True).counts["grant"]["unchanged"] == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amountAwarded": -5}, "amountAwarded"),
        ({"awardDate": "1850-01-01"}, "awardDate"),
        ({"id": "x" * 300}, "id"),
        ({"recipientOrganization": [{"id": "x" * 300, "name": "R"}]}, "recipientOrganization"),
    ],
)
def test_a_grant_the_database_would_refuse_is_refused_by_the_dry_run(tmp_path, change, field):
    path = tmp_path / "grants.json"
    path.write_text(json.dumps({"grants": [grant_document("g1", 10, **change)]}))
    (problem,) = imports.import_file("360giving", path, dry_run=True).problems
    assert (problem.code, problem.field) == ("value_invalid", field)


def test_a_json_array_may_start_with_a_byte_order_mark(tmp_path):
    path = tmp_path / "orgs.json"
    path.write_bytes(
        b"\xef\xbb\xbf"
        + json.dumps([{"id": "8f1c0c55-5b38-4a57-a2d7-7e0b1b0d1a6e", "name": "A", "description": "B"}]).encode()
    )
    assert imports.import_file("hsds", path).ok


def test_a_data_package_cannot_name_a_file_outside_its_folder(tmp_path):
    outside = tmp_path / "secret.csv"
    outside.write_text("id,name,description\n8f1c0c55-5b38-4a57-a2d7-7e0b1b0d1a6e,Secret,x\n")
    folder = tmp_path / "package"
    folder.mkdir()
    (folder / "datapackage.json").write_text(
        json.dumps({"resources": [{"name": "organization", "path": "../secret.csv"}]})
    )
    (problem,) = imports.import_file("hsds", folder).problems
    assert problem.code == "datapackage_invalid"
    assert not Organisation.objects.filter(name_fr="Secret").exists()


def test_long_sources_keep_rows_apart(tmp_path):
    source = "S" * 200
    path = write(tmp_path, "name_fr,roles\n" + "".join(f"{'N' * 60} {i},field\n" for i in range(3)))
    report = imports.import_file("csv", path, source_label=source)
    assert report.ok, report.problems
    assert report.counts["organisation"]["created"] == 3
    assert max(len(i) for i in SourceRecord.objects.values_list("identifier", flat=True)) <= 255  # PostgreSQL's limit


def test_another_maillages_export_never_passes_for_this_ones(tmp_path, settings):
    """Two Maillage sites derive the same identifiers from the same slugs: the records' addresses tell them
    apart, so that an organisation of the other site is not taken for this site's namesake."""
    here = OrganisationFactory(name_fr="Maison de la famille", description_fr="Ici.")
    funder = OrganisationFactory(name_fr="Fondation", is_support_actor=True)
    RelationFactory(source=funder, target=here, kind="funds", year=2024, amount=Decimal(10))
    export(tmp_path / "a", demo=False)
    settings.SITE_URL = "https://autre-maillage.example.org"
    exported = json.loads((tmp_path / "a/hsds/organizations.json").read_text())
    report = imports.import_file("hsds", tmp_path / "a/hsds/organizations.json", dry_run=True)
    assert report.counts["organisation"]["created"] == len(exported)  # none taken for this site's records
    assert report.counts["organisation"]["unchanged"] == 0
    assert {w.code for w in report.warnings} == {"namesake"}
    grants = imports.import_file("360giving", tmp_path / "a/giving/grants.json", dry_run=True)
    assert grants.counts["organisation"]["created"] == 2


def test_an_imported_grant_identifier_never_repeats_in_the_export(tmp_path):
    kitchen = OrganisationFactory(name_fr="Cuisine", cra_charity_number="123456782RR0001")
    funder = OrganisationFactory(name_fr="Fondation", is_support_actor=True)
    native = RelationFactory(source=funder, target=kitchen, kind="funds", year=2024, amount=Decimal(10))
    path = tmp_path / "grants.json"
    path.write_text(json.dumps({"grants": [grant_document(f"360G-maillage-{native.pk}", 5)]}))
    assert imports.import_file("360giving", path).ok
    export(tmp_path / "out", demo=False)
    ids = [g["id"] for g in json.loads((tmp_path / "out/giving/grants.json").read_text())["grants"]]
    assert len(ids) == len(set(ids)) == 2


def test_the_tabular_export_is_spreadsheet_safe_and_reads_back(tmp_path):
    OrganisationFactory(name_fr="=HYPERLINK(1)", description_fr="'citation'")
    export(tmp_path / "a", demo=False)
    text = (tmp_path / "a/hsds/tabular/organizations.csv").read_text()
    assert ",'=HYPERLINK(1)," in text
    assert ",''citation'," in text
    Organisation.objects.all().delete()
    assert imports.import_file("hsds", tmp_path / "a/hsds/tabular").ok
    assert Organisation.objects.get(name_fr="=HYPERLINK(1)").description_fr == "'citation'"


def test_updated_organisations_are_found_by_their_new_name_and_links(tmp_path, territory):
    from maillage.directory import indexing

    orgs = [OrganisationFactory(neq=f"11434567{n:02d}", name_fr=f"Ancien {n}") for n in range(3)]
    path = write(
        tmp_path,
        "name_fr,roles,neq,territories\n"
        + "".join(f"Renommé {n},field,11434567{n:02d},quartier-verdun\n" for n in range(3)),
    )
    assert imports.import_file("csv", path).ok
    for n, org in enumerate(orgs):
        org.refresh_from_db()
        entry = OrganisationSearch.objects.get(organisation=org)
        expected = indexing.organisation_entry(org, territories=[territory("quartier-verdun")])
        assert (entry.search_text, entry.facets, entry.sort_key) == (
            expected.search_text,
            expected.facets,
            expected.sort_key,
        )
        assert "renomme" in entry.search_text
        assert "ancien" not in entry.search_text
        assert entry.sort_key.startswith(f"renomme {n}")
