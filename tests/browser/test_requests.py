"""An initiative asks for support from its basket (in French); the support actor answers (in English)."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from maillage.diagnostics import selectors as diagnostic_selectors
from maillage.diagnostics import services as diagnostic_services
from maillage.directory.models import Relation, SupportType, Territory
from maillage.matching.models import OfferCover
from tests.factories import InitiativeFactory, OfferFactory, OrganisationFactory, UserFactory, member

PASSWORD = "correct horse battery staple"


def _log_in(page, site, user, prefix=""):
    page.goto(f"{site}{prefix}/accounts/login/")
    page.locator("input[name=username]").fill(user.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form button[type=submit]").first.click()


def test_ask_from_the_basket_and_answer_in_the_other_language(browser, site, axe):
    org = OrganisationFactory(name_fr="Cuisine témoin")
    asker = UserFactory()
    member(asker, org)
    initiative = InitiativeFactory(carrier=org, name_fr="Popote témoin")
    initiative.territories.set([Territory.objects.get(slug="quartier-verdun")])
    diagnostic, _ = diagnostic_services.diagnostic_start(user=asker, initiative=initiative)
    keys = diagnostic_selectors.framework_of(diagnostic.framework).question_keys()
    answers = {key: 1 if key.startswith("financement-souple.") else 5 for key in keys}  # one need only
    diagnostic = diagnostic_services.diagnostic_save(user=asker, diagnostic=diagnostic, answers=answers)
    diagnostic_services.diagnostic_submit(user=asker, diagnostic=diagnostic)
    funder = OrganisationFactory(name_fr="Fondation témoin", is_support_actor=True, kind="foundation")
    answerer = UserFactory(preferred_language="en")
    member(answerer, funder)
    offer = OfferFactory(
        provider=funder,
        name_fr="Fonds souple témoin",
        name_en="Flexible test fund",
        support_type=SupportType.objects.get(code="financement-fonctionnement"),
        reporting_hours=5,
    )
    OfferCover.objects.create(offer=offer, element="financement-souple", strength=1.0)

    first = browser.new_context()
    page = first.new_page()
    _log_in(page, site, asker)
    page.goto(f"{site}/basket/{initiative.slug}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Panier de soutien")
    card = page.locator(".basket .card", has_text="Fonds souple témoin")
    expect(card).to_contain_text("100\u00a0% du besoin")
    assert axe(page) == []
    card.get_by_text("Ajouter un message").click()
    card.get_by_label("Message à l'acteur de soutien (facultatif)").fill("Bonjour, nous aimerions en parler.")
    card.get_by_role("button", name="Demander ce soutien").click()
    expect(page.get_by_text("Votre demande est envoyée.")).to_be_visible()
    expect(page.locator(".badge-type").first).to_have_text("Envoyée")

    second = browser.new_context()
    other = second.new_page()
    _log_in(other, site, answerer, prefix="/en")
    other.goto(f"{site}/en/notifications/")
    other.get_by_role("link", name=re.compile("New request for support")).click()
    expect(other.get_by_role("heading", name="The needs the initiative shared")).to_be_visible()
    assert axe(other) == []
    other.get_by_label("Accept", exact=True).check()
    other.get_by_label("Message to the initiative").fill("Yes, let us meet.")
    other.get_by_label(re.compile("Amount granted")).fill("10000")
    other.get_by_role("button", name="Send the answer").click()
    expect(other.get_by_text("Your answer is sent to the initiative.")).to_be_visible()

    page.goto(f"{site}/notifications/")
    page.get_by_role("link", name=re.compile("est acceptée")).click()
    expect(page.locator(".badge-type").first).to_have_text("Acceptée")
    expect(page.get_by_text("Yes, let us meet.")).to_be_visible()
    assert Relation.objects.filter(source=funder, target=org, kind="funds", amount=10000).exists()
    first.close()
    second.close()
