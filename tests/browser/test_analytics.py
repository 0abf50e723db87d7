"""Analytics in Chromium: a community worker on a phone (in French) reads gaps, money and equity, finds
the synergy of its organisation and writes to the other; a funder (in English) explores the network."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from maillage.analytics.models import SynergyContact
from maillage.directory.models import Organisation, Resource, Territory
from maillage.matching.models import Notification
from tests.browser.test_requests import _log_in
from tests.factories import InitiativeFactory, OrganisationFactory, UserFactory, member
from tests.test_scenarios import _submitted


def _kitchens():
    verdun = Territory.objects.get(slug="quartier-verdun")
    kitchen = Resource.objects.get(code="cuisine")
    cook = OrganisationFactory(name_fr="Cuisine partagée témoin", is_field_actor=True)
    cook.territories.set([verdun])
    cook.shares_resources.set([kitchen])
    hungry = OrganisationFactory(name_fr="Collectif sans cuisine", is_field_actor=True)
    hungry.territories.set([verdun])
    hungry.seeks_resources.set([kitchen])
    worker, cook_member = UserFactory(), UserFactory()
    member(worker, hungry)
    member(cook_member, cook)
    for number in range(5):
        initiative = InitiativeFactory(carrier=hungry, name_fr=f"Initiative témoin {number}")
        initiative.territories.set([verdun])
        _submitted(worker, initiative)
    return worker, cook, cook_member


def test_a_community_worker_reads_the_analytics_and_writes_to_a_neighbour(browser, site, axe):
    worker, cook, cook_member = _kitchens()
    phone = browser.new_context(viewport={"width": 390, "height": 844})
    page = phone.new_page()
    _log_in(page, site, worker)
    page.goto(f"{site}/analytics/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Analyses de l'écosystème")
    assert axe(page) == []
    page.get_by_role("navigation", name="Analyses").get_by_role("link", name="Besoins et offres").click()
    expect(page.get_by_role("heading", name=re.compile("^Manques"))).to_be_visible()
    expect(page.get_by_role("heading", name="Ce qui n'est pas montré")).to_be_visible()
    assert axe(page) == []
    page.get_by_label("Territoires").select_option("borough")
    page.get_by_role("button", name="Afficher").click()
    expect(page).to_have_url(re.compile(r"level=borough"))
    page.get_by_role("navigation", name="Analyses").get_by_role("link", name="Argent et pouvoir").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Argent et pouvoir")
    assert axe(page) == []
    page.get_by_role("navigation", name="Analyses").get_by_role("link", name="Équité").click()
    expect(page.get_by_role("heading", name=re.compile("Par quintile de"))).to_be_visible()
    assert axe(page) == []

    page.get_by_role("navigation", name="Analyses").get_by_role("link", name="Synergies").click()
    expect(page.get_by_text("Cuisine partagée témoin peut partager\u00a0: cuisine commerciale").first).to_be_visible()
    assert axe(page) == []
    page.get_by_role("link", name="Écrire à Cuisine partagée témoin").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Écrire à Cuisine partagée témoin")
    page.get_by_role("button", name="Envoyer").click()
    expect(page.get_by_text("Ce champ est obligatoire.")).to_be_visible()
    assert axe(page) == []
    page.get_by_label("Votre message").fill("Bonjour, pourrions-nous cuisiner chez vous le mardi ?")
    page.get_by_role("button", name="Envoyer").click()
    expect(page.get_by_text("Votre message a été envoyé à Cuisine partagée témoin.")).to_be_visible()
    phone.close()
    assert SynergyContact.objects.filter(recipient=cook).count() == 1
    assert Notification.objects.filter(user=cook_member, text_fr__contains="cuisiner chez vous").exists()


def test_a_funder_explores_the_network_in_english(browser, site, axe):
    funder = Organisation.objects.filter(is_support_actor=True).first()
    person = UserFactory(preferred_language="en")
    member(person, funder)
    desk = browser.new_context()
    page = desk.new_page()
    _log_in(page, site, person, prefix="/en")
    page.goto(f"{site}/en/analytics/network/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Networks")
    expect(page.get_by_role("heading", name="Brokers")).to_be_visible()
    assert axe(page) == []
    page.get_by_label("partners with").uncheck()
    page.get_by_label("Territory").select_option("verdun")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", name=re.compile("In short · Verdun"))).to_be_visible()
    assert axe(page) == []
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("Every organisation with its ties")).click()
    assert download.value.suggested_filename == "maillage-network-organisations.csv"
    page.goto(f"{site}/en/analytics/report/?territory=verdun&format=html")
    expect(page.get_by_role("heading", level=1)).to_have_text("The ecosystem of Verdun (borough)")
    assert axe(page) == []
    desk.close()
