"""Open data out: HSDS 3 and 360Giving exports validated against the official schemas (vendored), stable
identifiers, the standards' organisation identifiers, and the `maillage export` command."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from maillage.core import standards
from maillage.core.errors import MaillageError
from maillage.interop import exports
from tests.factories import OfferFactory, OrganisationFactory, RelationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ecosystem():
    funder = OrganisationFactory(
        name_fr="Fondation témoin",
        name_en="Test Foundation",
        is_support_actor=True,
        is_field_actor=False,
        kind="foundation",
        cra_charity_number="123456782RR0001",
        website="https://fondation.example.org",
        founded_year=1998,
    )
    field = OrganisationFactory(name_fr="Cuisine témoin", neq="1143456789", description_fr="Une cuisine collective.")
    plain = OrganisationFactory(name_fr="Sans numéro", email="")
    offer = OfferFactory(name_fr="Fonds de quartier", provider=funder)
    RelationFactory(source=funder, target=field, kind="funds", year=2025, amount=Decimal(12000))
    RelationFactory(source=funder, target=plain, kind="funds", year=2024, amount=Decimal("2500.50"))
    return funder, field, plain, offer


def test_hsds_organizations_validate_and_keep_their_identifiers(ecosystem):
    _funder, field, _plain, _offer = ecosystem
    documents = {d["name"]: d for d in exports.hsds_organizations()}
    assert set(documents) >= {"Fondation témoin", "Cuisine témoin", "Sans numéro"}
    for document in documents.values():
        assert standards.problems(document, "hsds-3/organization.json") == []
    cra = documents["Fondation témoin"]["organization_identifiers"][0]
    assert (cra["identifier_scheme"], cra["identifier"]) == ("CA-CRA_ACR", "123456782RR0001")
    assert documents["Fondation témoin"]["alternate_name"] == "Test Foundation"
    assert documents["Fondation témoin"]["year_incorporated"] == 1998
    neq = documents["Cuisine témoin"]["organization_identifiers"][0]
    assert neq["identifier"] == "1143456789"
    assert "identifier_scheme" not in neq  # no org-id scheme is claimed for the NEQ
    assert documents["Sans numéro"]["organization_identifiers"] == []
    # The same record has the same identifier at every export.
    again = {d["name"]: d["id"] for d in exports.hsds_organizations()}
    assert again["Cuisine témoin"] == documents["Cuisine témoin"]["id"] == exports.hsds_id("organisation", field.slug)


def test_hsds_services_name_their_organisation(ecosystem):
    funder, _field, _plain, offer = ecosystem
    services = list(exports.hsds_services())
    found = next(s for s in services if s["name"] == "Fonds de quartier")
    assert standards.problems(found, "hsds-3/service.json") == []
    assert found["organization_id"] == exports.hsds_id("organisation", funder.slug)
    assert found["id"] == exports.hsds_id("offer", offer.slug)


def test_360giving_grants_validate_with_org_ids(ecosystem):
    _funder, field, _plain, _offer = ecosystem
    grants = list(exports.grants())
    assert len(grants) == 2
    package = {"version": "1.4", "grants": grants}
    assert standards.problems(package, "360giving/360-giving-package-schema.json") == []
    by_year = {g["awardDate"][:4]: g for g in grants}
    assert by_year["2025"]["fundingOrganization"][0]["id"] == "CA-CRA_ACR-123456782RR0001"
    assert by_year["2025"]["recipientOrganization"][0]["id"] == f"360G-maillage-{field.slug}"
    assert by_year["2024"]["amountAwarded"] == 2500.5
    assert by_year["2024"]["currency"] == "CAD"
    assert "1 January 2024" in by_year["2024"]["description"]


def test_the_validator_reports_each_field_at_fault():
    found = standards.problems({"id": "pas-un-uuid", "website": "pas une adresse"}, "hsds-3/organization.json")
    fields = {p.field for p in found}
    assert {"id", "website"} <= fields
    assert any("'name' is a required property" in p.message for p in found)
    grant = {"id": "g", "title": "t", "description": "d", "currency": "CAD", "amountAwarded": 1}
    grant |= {"awardDate": "2025-13-01", "recipientOrganization": [], "fundingOrganization": [{"id": "x", "name": "y"}]}
    found = {p.field for p in standards.problems(grant, "360giving/360-giving-schema.json")}
    assert {"awardDate", "recipientOrganization"} <= found
    # A date and a date-time are both accepted where 360Giving allows either.
    grant |= {"awardDate": "2025-03-01T10:00:00Z", "recipientOrganization": [{"id": "r", "name": "R"}]}
    assert standards.problems(grant, "360giving/360-giving-schema.json") == []


def test_an_export_that_would_break_the_standard_is_refused(ecosystem, monkeypatch):
    funder, *_rest = ecosystem
    monkeypatch.setattr(exports, "hsds_id", lambda kind, key: "pas-un-uuid")
    with pytest.raises(MaillageError) as caught:
        exports.hsds_organization(funder)
    assert caught.value.code == "export_invalid"
    assert caught.value.problems[0].field == "id"


def test_the_export_command(ecosystem, tmp_path):
    out = io.StringIO()
    call_command("export", "hsds", "--output", str(tmp_path / "hsds"), stdout=out)
    organizations = json.loads((tmp_path / "hsds" / "organizations.json").read_text())
    services = json.loads((tmp_path / "hsds" / "services.json").read_text())
    assert len(organizations) >= 3
    assert len(services) >= 1
    assert "organizations" in out.getvalue()
    assert (tmp_path / "hsds" / "tabular" / "datapackage.json").exists()
    call_command("export", "360giving", "--output", str(tmp_path / "360"), stdout=io.StringIO())
    package = json.loads((tmp_path / "360" / "grants.json").read_text())
    assert standards.problems(package, "360giving/360-giving-package-schema.json") == []
    assert len(package["grants"]) == 2
    out = io.StringIO()
    call_command("export", "360giving", "--demo", "--output", str(tmp_path / "demo"), stdout=out)
    assert "No funding relation" in out.getvalue()
    assert not (tmp_path / "demo" / "grants.json").exists()
    with pytest.raises(CommandError):
        call_command("export", "cids-inconnu", "--output", str(tmp_path))


def test_the_hsds_tabular_package(ecosystem, tmp_path):
    _funder, field, _plain, _offer = ecosystem
    counts = exports.hsds_tables(tmp_path)
    assert counts["organization_identifier"] == 2  # the CRA number and the NEQ
    package = json.loads((tmp_path / "datapackage.json").read_text())
    assert [r["path"] for r in package["resources"]] == [
        "organizations.csv",
        "organization_identifiers.csv",
        "services.csv",
        "service_areas.csv",
        "languages.csv",
    ]
    tables = {}
    for resource in package["resources"]:
        with (tmp_path / resource["path"]).open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            assert reader.fieldnames == standards.table_fields(resource["name"])  # official columns, in order
            tables[resource["name"]] = list(reader)
        checker = standards.TableChecker(resource["name"])
        for number, row in enumerate(tables[resource["name"]], start=2):
            assert checker.row_problems(row, number) == []
    organization_ids = {row["id"] for row in tables["organization"]}
    assert {row["organization_id"] for row in tables["service"]} <= organization_ids  # foreign keys hold
    assert {row["organization_id"] for row in tables["organization_identifier"]} <= organization_ids
    service_ids = {row["id"] for row in tables["service"]}
    assert {row["service_id"] for row in tables["service_area"] + tables["language"]} <= service_ids
    by_name = {row["name"]: row for row in tables["organization"]}
    assert by_name["Fondation témoin"]["year_incorporated"] == "1998"
    assert by_name["Cuisine témoin"]["id"] == exports.hsds_id("organisation", field.slug)


def test_the_table_checker_names_file_row_and_field():
    checker = standards.TableChecker("organization")
    good = {"id": "8f1c0c55-5b38-4a57-a2d7-7e0b1b0d1a6e", "name": "A", "description": "B"}
    assert checker.row_problems(good, 2) == []
    found = checker.row_problems(
        {"id": good["id"], "name": "", "description": "B", "year_incorporated": "mil neuf cents", "website": "x"}, 3
    )
    assert {(p.code, p.field, p.row, p.file) for p in found} == {
        ("value_duplicate", "id", 3, "organizations.csv"),
        ("value_missing", "name", 3, "organizations.csv"),
        ("value_invalid", "year_incorporated", 3, "organizations.csv"),
        ("value_invalid", "website", 3, "organizations.csv"),
    }
    assert checker.row_problems({"id": "pas-un-uuid", "name": "A", "description": "B"}, 4)[0].code == "value_invalid"
    header = checker.header_problems(["id", "name", "nom"])
    assert [p.code for p in header] == ["columns_missing", "columns_unknown"]
    assert "description" in header[0].message
