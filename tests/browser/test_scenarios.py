"""A steward makes a what-if on a phone (in French), runs it in the background and reads the results;
a support actor (in English) turns the advice into invitations to apply."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from maillage.directory.models import Territory
from maillage.matching.models import Notification, OfferCover
from maillage.scenarios.models import Run, Scenario
from tests.browser.test_requests import _log_in
from tests.factories import InitiativeFactory, OfferFactory, OrganisationFactory, UserFactory, member
from tests.test_scenarios import _submitted, work


def _world():
    field_org = OrganisationFactory(name_fr="Organisme témoin")
    worker = UserFactory()
    member(worker, field_org)
    verdun = Territory.objects.get(slug="quartier-verdun")
    for number in range(6):
        initiative = InitiativeFactory(carrier=field_org, name_fr=f"Initiative témoin {number}")
        initiative.territories.set([verdun])
        _submitted(worker, initiative)
    funder = OrganisationFactory(name_fr="Fondation témoin", is_support_actor=True, kind="foundation")
    provider = UserFactory(preferred_language="en")
    member(provider, funder)
    fund = OfferFactory(
        provider=funder, name_fr="Fonds souple témoin", name_en="Flexible test fund", reporting_hours=5, capacity=2
    )
    OfferCover.objects.create(offer=fund, element="financement-souple", strength=1.0)
    coaching = OfferFactory(provider=funder, name_fr="Coaching témoin", reporting_hours=2, capacity=6)
    OfferCover.objects.create(offer=coaching, element="gouvernance", strength=0.8)
    return worker, provider, fund


def test_a_what_if_from_a_phone_then_invitations_in_english(browser, site, axe):
    worker, provider, _fund = _world()
    steward = UserFactory(is_steward=True, is_staff=True)
    phone = browser.new_context(viewport={"width": 390, "height": 844})
    page = phone.new_page()
    _log_in(page, site, steward)
    page.goto(f"{site}/scenarios/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Scénarios de répartition")
    page.get_by_role("link", name="Nouveau scénario").click()
    page.get_by_label("Titre").fill("Plus de places au fonds souple")
    page.get_by_label("Au nom de").select_option("stewards")
    page.get_by_label("Durée maximale (secondes)").fill("0")
    page.get_by_role("button", name="Créer le scénario").click()
    # The form comes back with its message and what was typed.
    expect(page.get_by_text("Assurez-vous que cette valeur est supérieure ou égale à 2.")).to_be_visible()
    expect(page.get_by_label("Titre")).to_have_value("Plus de places au fonds souple")
    page.get_by_label("Durée maximale (secondes)").fill("3")
    page.get_by_role("button", name="Créer le scénario").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Changements aux offres")
    row = page.get_by_role("group", name="Fonds souple témoin")
    row.get_by_label("Capacité").fill("6")
    assert axe(page) == []
    page.get_by_role("button", name="Enregistrer les changements").click()
    expect(page.get_by_text("Les changements sont enregistrés.")).to_be_visible()
    expect(page.get_by_text("«\u00a0Fonds souple témoin — Fondation témoin\u00a0» sert 6 initiatives")).to_be_visible()
    assert axe(page) == []

    page.get_by_role("button", name="Lancer le scénario").click()
    expect(page.get_by_role("progressbar")).to_be_visible()
    expect(page.get_by_role("status").last).to_contain_text("En attente du service de calcul")
    assert axe(page) == []
    work()  # what the worker does (the live server shares this thread's in-memory database)
    # The page follows the run and opens its results once it is done.
    expect(page.get_by_role("heading", level=1)).to_contain_text("Résultats de", timeout=15000)
    expect(page.get_by_text("Des conseils, jamais des décisions").first).to_be_visible()
    expect(page.get_by_role("heading", name="Couverture par groupe d'équité")).to_be_visible()
    assert axe(page) == []
    scenario = Scenario.objects.get(title="Plus de places au fonds souple")
    assert Run.objects.get(scenario=scenario).status == Run.Status.SUCCEEDED
    phone.close()

    # Shared, the scenario's advice reaches the fund's provider, in English.
    scenario.is_shared = True
    scenario.save()
    desk = browser.new_context()
    other = desk.new_page()
    _log_in(other, site, provider, prefix="/en")
    other.goto(f"{site}/en/scenarios/{scenario.slug}/results/")
    other.get_by_role("link", name=re.compile("Whom “Flexible test fund” is advised to serve")).click()
    expect(other.get_by_role("heading", level=1)).to_contain_text("is advised to serve")
    assert axe(other) == []
    other.get_by_role("button", name="Send the invitations").click()
    expect(other.get_by_text("Choose at least one initiative.")).to_be_visible()
    boxes = other.get_by_role("checkbox")
    expect(boxes.first).not_to_be_checked()  # what was sent comes back as it was: nothing ticked
    boxes.first.check()
    other.get_by_role("button", name="Send the invitations").click()
    expect(other.get_by_text("1 invitation sent.")).to_be_visible()
    desk.close()
    assert Notification.objects.filter(user=worker, text_fr__contains="vous invite").exists()
