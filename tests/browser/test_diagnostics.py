"""A team fills in its self-diagnostic in a real browser: fill, leave, resume, submit, read the results."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from maillage.diagnostics.models import Diagnostic
from tests.factories import InitiativeFactory, OrganisationFactory, UserFactory, member

PASSWORD = "correct horse battery staple"


def _settle(page):
    """Wait until no autosave is in flight (htmx marks the form while it posts): the live server of the
    tests shares one in-memory SQLite connection between its threads, so requests must not overlap."""
    page.wait_for_function("() => !document.querySelector('.htmx-request')", timeout=10_000)


def _log_in(page, site, user):
    page.goto(site + "/accounts/login/")
    page.get_by_label(re.compile("^Adresse courriel")).fill(user.email)
    page.get_by_label(re.compile("^Mot de passe")).fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()


def test_fill_leave_resume_submit_and_read_the_results(page, site, axe):
    org = OrganisationFactory(name_fr="Cuisine collective témoin")
    user = UserFactory()
    member(user, org)
    initiative = InitiativeFactory(carrier=org, name_fr="Popote roulante témoin", stage="established")
    _log_in(page, site, user)

    page.goto(f"{site}/initiatives/{initiative.slug}/")
    page.get_by_role("button", name="Remplir l'autodiagnostic").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Contexte")
    expect(page.get_by_text("Étape 1 sur 8")).to_be_visible()
    assert axe(page) == []
    page.get_by_role("button", name="Enregistrer et continuer").click()

    # The first level: one answer by mouse, one by keyboard; each saves itself (htmx).
    expect(page.get_by_role("heading", level=1)).to_have_text("L'initiative")
    first = page.locator("fieldset.question").first
    with page.expect_response(lambda r: r.request.method == "POST" and "/diagnostics/" in r.url):
        first.locator(".scale-option", has_text="En partie").click()
    expect(page.locator("#save-status")).to_contain_text("Enregistré à")
    second = page.locator("fieldset.question").nth(1).locator("input[type=radio]").first
    second.focus()
    with page.expect_response(lambda r: r.request.method == "POST" and "/diagnostics/" in r.url):
        page.keyboard.press("Space")
        page.keyboard.press("ArrowRight")
    expect(page.locator("fieldset.question").nth(1).locator("input:checked")).to_have_value("2")
    assert axe(page) == []

    # Leave, come back later: the answers are there.
    _settle(page)
    page.goto(site + "/")
    page.get_by_role("link", name="Autodiagnostic", exact=True).first.click()
    page.get_by_role("button", name="Reprendre le diagnostic").click()
    expect(page.get_by_text("Vous reprenez là où vous vous étiez arrêtés.")).to_be_visible()
    steps = page.get_by_role("navigation", name="Étapes du diagnostic")
    steps.get_by_role("link", name=re.compile("L'initiative")).click()
    expect(page.locator("fieldset.question").first.locator("input:checked")).to_have_value("3")
    expect(page.locator(".progress-row")).to_contain_text("Questions répondues\u00a0: 2 sur 64")

    # Answer the rest, level by level, on a phone-sized screen.
    page.set_viewport_size({"width": 390, "height": 800})
    for _level in range(5):
        for option in page.locator(".scale-option:has(input[value='4'])").all():
            option.click()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        _settle(page)
        page.get_by_role("button", name="Enregistrer et continuer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Aspirations")
    page.get_by_label(re.compile("^Reddition de comptes que vous acceptez")).fill("20")
    page.get_by_text("Deux à trois ans").click()
    _settle(page)
    page.get_by_role("button", name="Enregistrer et continuer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vérifier et soumettre")
    page.get_by_role("button", name="Soumettre et voir mes résultats").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Résultats du diagnostic")
    expect(page.get_by_role("heading", name="Vos besoins prioritaires")).to_be_visible()
    page.get_by_text("Voir les données sous forme de tableau").click()
    expect(page.locator("table.data-table").first).to_be_visible()
    assert axe(page) == []
    diagnostic = Diagnostic.objects.get(initiative=initiative)
    assert diagnostic.status == "submitted"
    assert diagnostic.answers["besoin-documente.q1"] == 4  # changed from 3 on the phone
    assert diagnostic.max_reporting_hours == 20
    response = page.request.get(f"{site}/diagnostics/{diagnostic.pk}/pdf/")
    assert response.headers["content-type"] == "application/pdf"
