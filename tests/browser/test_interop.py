"""Open data in Chromium: a steward on a phone, in French, downloads the CSV template, fills it with two
organisations (one in a territory that does not exist), reads the precise problem, uploads a corrected file,
reads the dry run, imports it and finds the organisation in the directory; axe on every page."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.utils import translation
from django.utils.translation import gettext, pgettext
from playwright.sync_api import expect

from maillage.directory.models import Organisation
from maillage.interop.models import ImportRun
from tests.browser.test_requests import _log_in
from tests.factories import UserFactory
from tests.test_scenarios import work

SOURCE = "Répertoire témoin, export du 2026-03-01"


def fr(text: str) -> str:
    """The French of a string of the interface (its English source until the catalogue translates it)."""
    with translation.override("fr"):
        return gettext(text)


def outcome_label(action: str) -> str:
    with translation.override("fr"):
        return pgettext("outcome of an imported row", action)


def _filled(template: str, rows: list[dict[str, str]]) -> bytes:
    """The downloaded template, its example row replaced by ``rows``, as a spreadsheet saves it."""
    reader = csv.reader(io.StringIO(template.lstrip("\ufeff")), delimiter=";")
    header = next(reader)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, delimiter=";")
    writer.writeheader()
    for row in rows:
        writer.writerow({"kind": "community", "roles": "field", **row})
    return ("\ufeff" + out.getvalue()).encode("utf-8")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_a_steward_imports_organisations_from_a_phone(browser, site, axe, media):
    steward = UserFactory(is_steward=True, full_name="Intendante témoin")
    phone = browser.new_context(viewport={"width": 390, "height": 844}, accept_downloads=True)
    page = phone.new_page()
    _log_in(page, site, steward)
    page.goto(site)
    page.get_by_role("navigation", name=fr("Main menu")).get_by_role("link", name=fr("Open data")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(fr("Open data"))
    assert axe(page) == []

    with page.expect_download() as download:
        page.get_by_role("link", name=fr("Download the CSV template")).click()
    template = download.value.path().read_text(encoding="utf-8")
    assert "EXEMPLE" in template
    rows = [
        {"source_id": "b-1", "name_fr": "Cuisine témoin des Érables", "territories": "verdun"},
        {"source_id": "b-2", "name_fr": "Jardin témoin du Canal", "territories": "Atlantide"},
    ]

    expect(page.get_by_label(fr("Maillage's CSV template: one organisation per row"))).to_be_checked()
    page.get_by_label(re.compile("^" + re.escape(fr("File")))).set_input_files(
        {"name": "organismes.csv", "mimeType": "text/csv", "buffer": _filled(template, rows)}
    )
    page.get_by_label(fr("Where do these data come from?")).fill(SOURCE)
    page.get_by_role("button", name=fr("Upload and check")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("organismes.csv")
    expect(page.get_by_role("progressbar")).to_be_visible()
    assert axe(page) == []
    work()  # what the worker does (the live server shares this thread's in-memory database)

    # The page follows the dry run and shows the precise problem: which row, which column, what to do.
    problems = page.get_by_role("table", name=fr("Problems found in the file, where they are and what to do"))
    expect(problems).to_be_visible(timeout=15000)
    problem = problems.get_by_role("row").filter(has_text="Atlantide")
    expect(problem.get_by_role("cell").first).to_have_text("3")
    expect(problem).to_contain_text("territories")
    expect(page.get_by_role("button", name=fr("Import"), exact=True)).to_have_count(0)
    assert axe(page) == []

    # The form to try again keeps the source; the corrected file goes through.
    expect(page.get_by_label(fr("Where do these data come from?"))).to_have_value(SOURCE)
    rows[1]["territories"] = "Le Sud-Ouest"
    page.get_by_label(re.compile("^" + re.escape(fr("File")))).set_input_files(
        {"name": "organismes.csv", "mimeType": "text/csv", "buffer": _filled(template, rows)}
    )
    page.get_by_role("button", name=fr("Upload and check")).click()
    expect(page.get_by_role("progressbar")).to_be_visible()
    work()
    outcome = page.get_by_role("table", name=fr("Each row of the file and what becomes of it"))
    expect(outcome).to_be_visible(timeout=15000)
    created = outcome_label("created")
    for row in rows:
        expect(outcome.get_by_role("row").filter(has_text=row["name_fr"])).to_contain_text(created)
    counts = page.get_by_role("table", name=fr("Records by kind and outcome"))
    expect(counts.get_by_role("columnheader").nth(1)).to_have_text(fr("Organisations"))
    expect(counts.get_by_role("row").filter(has_text=created[:1].upper() + created[1:])).to_contain_text("2")
    assert not Organisation.objects.filter(name_fr="Jardin témoin du Canal").exists()  # a dry run writes nothing
    assert axe(page) == []

    page.get_by_role("button", name=fr("Import"), exact=True).click()
    expect(page.get_by_text(fr("The import is queued: the page follows it."))).to_be_visible()
    work()
    expect(page.get_by_text(fr("The file is imported."))).to_be_visible(timeout=15000)
    assert axe(page) == []
    runs = ImportRun.objects.order_by("pk")
    assert [r.status for r in runs] == ["rejected", "imported"]

    # The organisation is in the directory.
    page.goto(f"{site}/organisations/?q=jardin+temoin+canal")
    page.get_by_role("link", name=re.compile("Jardin témoin du Canal")).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Jardin témoin du Canal")
    expect(page.get_by_text("Le Sud-Ouest").first).to_be_visible()

    # The list of recent imports says who did what.
    page.goto(f"{site}/open-data/")
    recent = page.get_by_role("table", name=fr("Recent imports, the latest first"))
    expect(recent.get_by_role("row")).to_have_count(3)
    expect(recent).to_contain_text("Intendante témoin")
    assert axe(page) == []
    phone.close()
