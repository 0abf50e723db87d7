"""Open data out, continued: 360Giving's spreadsheet form (the official column titles, read back into the same
grants, formula-safe) and the CIDS export of the adopted indicators from `maillage export`."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from maillage.collective import services as collective_services
from maillage.collective.loaders import demo_collective_load
from maillage.core import standards
from maillage.core.demo import DemoSpec
from maillage.core.errors import MaillageError
from maillage.directory import loaders
from maillage.interop import exports
from tests.factories import OrganisationFactory, RelationFactory

pytestmark = pytest.mark.django_db

# The columns Maillage fills, under 360Giving's titles (the 10 required fields, then Data Source).
TITLES = [
    "Identifier",
    "Title",
    "Description",
    "Currency",
    "Amount Awarded",
    "Award Date",
    "Recipient Org:Identifier",
    "Recipient Org:Name",
    "Funding Org:Identifier",
    "Funding Org:Name",
    "Data Source",
]
# The header of 360Giving's own grants sheet template (ThreeSixtyGiving/standard,
# schema/summary-table/360-giving-schema-titles.csv/grants.csv).
TEMPLATE_HEADER = (
    "Identifier,Title,Description,Currency,Amount Applied For,Amount Awarded,Amount Disbursed,Award Date,URL,"
    "Planned Dates:Start Date,Planned Dates:End Date,Planned Dates:Duration (months),"
    "Recipient Org:Identifier,Recipient Org:Name,Recipient Org:Charity Number,Recipient Org:Company Number,"
    "Recipient Org:Street Address,Recipient Org:City,Recipient Org:County,Recipient Org:Country,"
    "Recipient Org:Postal Code,Recipient Org:Description,Recipient Org:Web Address,"
    "Beneficiary Location:Name,Beneficiary Location:Country Code,Beneficiary Location:Latitude,"
    "Beneficiary Location:Longitude,Beneficiary Location:Geographic Code,Beneficiary Location:Geographic Code Type,"
    "Funding Org:Identifier,Funding Org:Name,Funding Org:Department,"
    "Grant Programme:Code,Grant Programme:Title,Grant Programme:URL,"
    "From an open call?,Related Activity,Last modified,Data Source"
)
TEMPLATE = next(csv.reader([TEMPLATE_HEADER]))


def _export(*args, **kwargs):
    out = io.StringIO()
    call_command("export", *args, stdout=out, **kwargs)
    return out.getvalue()


def _read(folder):
    package = json.loads((folder / "grants.json").read_text(encoding="utf-8"))
    with (folder / "grants.csv").open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return package, reader.fieldnames, list(reader)


@pytest.fixture
def demo():
    loaders.demo_load(DemoSpec(organisations=60, seed=11))


@pytest.fixture
def funding():
    funder = OrganisationFactory(name_fr="Fondation témoin", cra_charity_number="123456782RR0001")
    field = OrganisationFactory(name_fr="Cuisine témoin")
    RelationFactory(source=funder, target=field, kind="funds", year=2025, amount=Decimal("2500.50"))
    return funder, field


def test_the_csv_columns_are_360givings_official_titles(funding, tmp_path):
    assert [title for _path, title in exports.GIVING_COLUMNS] == TITLES
    assert exports.GIVING_COLUMNS[6] == ("recipientOrganization.0.id", "Recipient Org:Identifier")
    # Each is a column of 360Giving's own template, in the template's order.
    assert [title for title in TEMPLATE if title in TITLES] == TITLES
    _export("360giving", "--output", str(tmp_path))
    _package, header, rows = _read(tmp_path)
    assert header == TITLES
    assert rows[0]["Amount Awarded"] == "2500.5"
    assert rows[0]["Funding Org:Identifier"] == "CA-CRA_ACR-123456782RR0001"
    assert rows[0]["Award Date"] == "2025-01-01"


def test_the_csv_reads_back_into_the_json_grants(demo, tmp_path):
    message = _export("360giving", "--demo", "--output", str(tmp_path))
    package, _header, rows = _read(tmp_path)
    assert standards.problems(package, "360giving/360-giving-package-schema.json") == []
    assert len(rows) == len(package["grants"]) > 100
    assert f"{len(rows)} grants written" in message
    for grant, row in zip(package["grants"], rows, strict=True):
        assert exports.grant_from_row(row) == grant
    assert any(g["amountAwarded"] == int(g["amountAwarded"]) for g in package["grants"])  # whole amounts too
    assert list(exports.grants_rows(demo=True)) == rows


def test_text_is_written_formula_safe_and_reads_back_unchanged(funding, tmp_path):
    funder, _field = funding
    tricky = OrganisationFactory(name_fr='=HYPERLINK("https://example.org","clic")')
    quoted = OrganisationFactory(name_fr="'Apostrophe d'abord")
    RelationFactory(source=funder, target=tricky, kind="funds", year=2024, amount=Decimal(100))
    RelationFactory(source=funder, target=quoted, kind="funds", year=2023, amount=Decimal(200))
    _export("360giving", "--output", str(tmp_path))
    package, _header, rows = _read(tmp_path)
    by_year = {row["Award Date"][:4]: row for row in rows}
    assert by_year["2024"]["Recipient Org:Name"] == "'" + tricky.name_fr
    assert by_year["2023"]["Recipient Org:Name"] == "''Apostrophe d'abord"
    for row in rows:
        assert not any(cell[:1] in ("=", "+", "-", "@") for cell in row.values())
    for grant, row in zip(package["grants"], rows, strict=True):
        assert exports.grant_from_row(row) == grant
    names = {g["recipientOrganization"][0]["name"] for g in package["grants"]}
    assert {tricky.name_fr, quoted.name_fr} <= names


def test_reading_a_row_matches_titles_as_flatten_tool_does_and_names_a_bad_number():
    row = {"identifier": "g-1", "Amount Awarded": "1500", "Recipient Org: Identifier": "GB-CHC-1", "Other": "x"}
    assert exports.grant_from_row(row) == {
        "id": "g-1",
        "amountAwarded": 1500.0,
        "recipientOrganization": [{"id": "GB-CHC-1"}],
    }
    with pytest.raises(ValueError, match="Amount Awarded: '1 500 \\$' is not a number"):
        exports.grant_from_row({"Amount Awarded": "1 500 $"})


def test_a_grant_the_csv_would_not_give_back_is_refused(funding):
    grant = next(exports.grants())
    with pytest.raises(MaillageError) as caught:
        exports.giving_row({**grant, "url": "https://example.org/subvention"})
    assert caught.value.code == "export_invalid"
    assert [p.field for p in caught.value.problems] == ["url"]


def test_the_command_with_no_grant_writes_nothing(funding, tmp_path):
    (tmp_path / "grants.csv").write_text("stale", encoding="utf-8")  # an earlier export's file goes too
    message = _export("360giving", "--demo", "--output", str(tmp_path))
    assert "No funding relation" in message
    assert list(tmp_path.iterdir()) == []


def test_a_failing_export_leaves_nothing_behind(funding, tmp_path, monkeypatch):
    def broken(document):
        raise MaillageError("export_invalid", "grant does not fit.")

    monkeypatch.setattr(exports, "giving_row", broken)
    with pytest.raises(CommandError, match="does not fit"):
        _export("360giving", "--output", str(tmp_path))
    assert list(tmp_path.iterdir()) == []


def test_the_cids_export_is_what_the_site_serves(client, settings, tmp_path):
    settings.SITE_URL = "http://testserver"  # the test client's host
    funder = OrganisationFactory(name_fr="Fondation témoin")
    indicator = collective_services.indicator_propose(
        user=None,
        organisation=funder,
        data={
            "name_fr": "Ménages accompagnés",
            "method": "entered",
            "unit_fr": "ménages",
            "source_fr": "Bilan des tables de quartier",
            "elements": ["besoin-documente"],
        },
    )
    collective_services.indicator_decide(user=None, indicator=indicator, status="adopted", target=20, target_year=2028)
    collective_services.value_enter(user=None, indicator=indicator, year=2025, value=12, source="Bilan 2025")
    message = _export("cids", "--output", str(tmp_path))
    assert "1 indicators written" in message
    written = json.loads((tmp_path / "indicators.jsonld").read_text(encoding="utf-8"))
    served = json.loads(client.get(reverse("collective:cids")).content)
    assert written == served
    assert "@context" in written
    assert "Ménages accompagnés" in json.dumps(written, ensure_ascii=False)


def test_the_cids_export_of_the_demo(demo, client, settings, tmp_path):
    settings.SITE_URL = "http://testserver"
    demo_collective_load(seed=11)
    # No real indicator is adopted: nothing by default (real records only), the fictional ones with --demo.
    assert "No adopted indicator" in _export("cids", "--output", str(tmp_path / "real"))
    assert not (tmp_path / "real" / "indicators.jsonld").exists()
    _export("cids", "--demo", "--output", str(tmp_path / "demo"))
    written = json.loads((tmp_path / "demo" / "indicators.jsonld").read_text(encoding="utf-8"))
    assert written == json.loads(client.get(reverse("collective:cids")).content)  # the site serves them too
