"""A person uses the directory in a real browser: search, filters, a territory, both languages, a phone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from maillage.directory.models import Organisation, SupportOffer
from maillage.directory.selectors import DirectoryFilters, organisation_search


def test_search_from_home_then_filter_and_open_an_organisation(page, site):
    page.goto(site + "/")
    page.get_by_label("Rechercher dans l'annuaire").fill("economie sociale")
    page.get_by_role("button", name="Rechercher").click()
    expect(page).to_have_url(re.compile(r"/search/\?q=economie"))
    expect(page.get_by_role("heading", name=re.compile("Organisations"))).to_be_visible()
    page.get_by_role("link", name=re.compile(r"Voir (les|le résultat)")).first.click()
    expect(page).to_have_url(re.compile(r"/organisations/\?q=economie"))
    # Choosing filters narrows the results in place (htmx) and keeps them in the address.
    page.get_by_label("Rôle").select_option("support")
    expect(page).to_have_url(re.compile(r"role=support"))
    supporters = organisation_search(DirectoryFilters(query="economie sociale", role="support")).count()
    expect(page.locator(".result-count")).to_contain_text(str(supporters))
    page.get_by_label("Rôle").select_option("")
    page.get_by_label("Territoire").select_option("montreal")
    expect(page).to_have_url(re.compile(r"territory=montreal"))
    first = page.locator(".card-title a").first
    name = first.inner_text()
    first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(name.split(" (")[0])


def test_live_search_as_you_type(page, site):
    page.goto(site + "/organisations/")
    target = Organisation.objects.filter(is_demo=True).order_by("sort_key").last()
    page.get_by_label("Rechercher", exact=True).fill(target.name_fr.lower())
    expect(page.locator(".card-title a").first).to_have_text(target.name_fr)
    expect(page).to_have_url(re.compile(r"\?q="))


def test_territory_from_the_map(page, site):
    page.goto(site + "/territories/")
    page.locator('a[href$="/territories/quartier-saint-michel/"]').first.click()
    expect(page).to_have_url(re.compile(r"/territories/quartier-saint-michel/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Saint-Michel")
    expect(page.get_by_role("link", name="Vivre Saint-Michel en santé").first).to_be_visible()
    expect(page.get_by_text("57\u202f362")).to_be_visible()
    page.get_by_role("link", name=re.compile("Villeray–Saint-Michel–Parc-Extension")).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Villeray–Saint-Michel–Parc-Extension")


def test_language_switch_keeps_the_search(page, site):
    page.goto(site + "/organisations/?q=cuisine")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    page.get_by_role("link", name="English").click()
    expect(page).to_have_url(re.compile(r"/en/organisations/\?q=cuisine"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Organisations")
    expect(page.get_by_label("Search", exact=True)).to_have_value("cuisine")
    page.get_by_role("link", name="Français").click()
    expect(page).to_have_url(re.compile(r"/organisations/\?q=cuisine$"))
    expect(page.locator("html")).to_have_attribute("lang", "fr")


def test_keyboard_skip_link(page, site):
    page.goto(site + "/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Aller au contenu")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))


@pytest.mark.parametrize("width", [360, 1280])
def test_no_horizontal_scrolling(page, site, width):
    page.set_viewport_size({"width": width, "height": 800})
    for path in (
        "/",
        "/organisations/",
        "/territories/",
        "/territories/quartier-verdun/",
        "/territories/le-sud-ouest/",
        "/en/territories/le-sud-ouest/",
        "/accounts/signup/",
    ):
        page.goto(site + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, (path, overflow)


def pages_to_check():
    return [
        "/",
        "/organisations/?q=cuisine",
        "/initiatives/",
        "/offers/",
        "/territories/",
        "/territories/quartier-parc-extension/",
        "/territories/ville-marie/",
        "/search/?q=verdun",
        "/about/",
        "/accounts/login/",
        "/accounts/signup/",
        "/en/",
        "/en/territories/",
    ]


def test_axe_finds_no_serious_violation(page, site, axe):
    org = Organisation.objects.filter(is_demo=True, relations_in__isnull=False).first()
    offer = SupportOffer.objects.first()
    paths = [
        *pages_to_check(),
        f"/organisations/{org.slug}/",
        f"/offers/{offer.slug}/",
        f"/en/organisations/{org.slug}/",
    ]
    problems = {}
    for path in paths:
        page.goto(site + path)
        violations = axe(page)
        if violations:
            problems[path] = violations
    assert problems == {}


def test_the_accessibility_check_can_fail(page, site, axe):
    """The axe fixture reports real violations (so a clean result means something)."""
    page.goto(site + "/about/")
    # The faint text's colours are set through the DOM: a style attribute would be refused by the page's
    # Content Security Policy (and reported by the browser tests as a violation).
    page.evaluate(
        """() => {
            const main = document.querySelector('main');
            main.insertAdjacentHTML('beforeend', '<input type=text><a href="#"></a><p id="faint">faint</p>');
            const faint = document.getElementById('faint');
            faint.style.color = '#eee';
            faint.style.background = '#fff';
        }"""
    )
    assert {v["id"] for v in axe(page)} >= {"label", "link-name", "color-contrast"}
