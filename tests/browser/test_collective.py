"""The collective definition of success in Chromium: a steward prepares and opens a round in English on a
desktop; a community worker ranks the indicators and reacts to the statements in French on a phone, by
touch and by keyboard; the steward closes the round, reads the results and adopts an indicator, which then
shows on the dashboard in both languages."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from maillage.collective import services
from maillage.collective.models import Ballot, Indicator, IndicatorValue, Reaction, Round
from tests.browser.test_requests import _log_in
from tests.factories import OrganisationFactory, UserFactory, member

ENTERED = {
    "method": "entered",
    "unit_fr": "ménages",
    "unit_en": "households",
    "source_fr": "Bilan des tables de quartier",
    "elements": ["besoin-documente"],
}


def test_a_round_from_preparation_to_the_dashboard(browser, site, axe):
    steward = UserFactory(is_steward=True, preferred_language="en")
    worker = UserFactory()
    org = OrganisationFactory(name_fr="Cuisine collective témoin")
    member(worker, org)
    others = [OrganisationFactory(name_fr=f"Organisme témoin {n}") for n in range(5)]
    names = [("Ménages accompagnés", "Households supported"), ("Part non affectée", "Unrestricted share")]
    names += [("Emplois stables", "Stable jobs")]
    for fr, en in names:
        services.indicator_propose(user=None, organisation=org, data={**ENTERED, "name_fr": fr, "name_en": en})

    desktop = browser.new_context(viewport={"width": 1280, "height": 900})
    page = desktop.new_page()
    _log_in(page, site, steward, "/en")
    page.goto(f"{site}/en/collective/rounds/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Deliberation rounds")
    page.get_by_label("Identifier (in the address)").fill("ronde-test")
    page.get_by_label("Name (French)").fill("Ronde témoin")
    page.get_by_label("Name (English)").fill("Test round")
    page.get_by_role("button", name="Create the round").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Test round")
    for _fr, en in names:
        page.get_by_label(en).check()
    page.get_by_role("button", name="Save the indicators").click()
    page.get_by_label("Statement (French)").fill("Le financement de base compte plus que les projets.")
    page.get_by_label("Statement (English)").fill("Core funding matters more than projects.")
    page.get_by_role("button", name="Add the statement").click()
    expect(page.get_by_text("Core funding matters more than projects.")).to_be_visible()
    assert axe(page) == []
    page.get_by_role("button", name="Open the round…").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Open Test round?")
    page.get_by_role("button", name="Open the round").click()
    expect(page.get_by_text("The round is open")).to_be_visible()
    found = Round.objects.get(slug="ronde-test")
    assert found.status == "open"

    # A community worker, in French on a phone.
    phone = browser.new_context(viewport={"width": 390, "height": 844})
    mobile = phone.new_page()
    _log_in(mobile, site, worker)
    mobile.goto(f"{site}/collective/rounds/ronde-test/")
    expect(mobile.get_by_role("heading", level=2, name=re.compile("Cuisine collective témoin"))).to_be_visible()
    assert axe(mobile) == []
    mobile.get_by_label("Part non affectée").select_option("1")
    mobile.get_by_label("Ménages accompagnés").select_option("2")
    statement = mobile.get_by_role("group", name="Le financement de base compte plus que les projets.")
    statement.get_by_text("D'accord", exact=True).click()
    # By keyboard: the arrows move along the choices.
    statement.get_by_role("radio", name="D'accord", exact=True).focus()
    mobile.keyboard.press("ArrowRight")
    expect(statement.get_by_role("radio", name="Pas d'accord")).to_be_checked()
    mobile.get_by_role("button", name="Enregistrer mes réponses").click()
    expect(
        mobile.get_by_text("Vos réponses sont enregistrées\u00a0: votre classement est enregistré, 1 réaction.")
    ).to_be_visible()
    expect(mobile.get_by_label("Part non affectée")).to_have_value("1")  # shown back as saved
    assert Reaction.objects.get(organisation=org).vote == -1
    assert len(Ballot.objects.get(organisation=org).ranking) == 2
    # A rank sent out of range (a stale or tampered page) comes back with its message; nothing chosen is lost.
    mobile.evaluate("document.querySelector('select[name^=rank-] option[value=\"1\"]').value = '99'")
    mobile.get_by_label("Emplois stables").select_option(index=1)
    mobile.get_by_role("button", name="Enregistrer mes réponses").click()
    expect(mobile.get_by_role("alert")).to_contain_text("Certaines réponses ne sont pas valides")
    expect(mobile.get_by_role("alert")).to_be_focused()
    expect(statement.get_by_role("radio", name="Pas d'accord")).to_be_checked()
    assert axe(mobile) == []

    # Five more organisations take part; the steward closes the round and reads the results.
    slugs = dict(Indicator.objects.values_list("name_en", "slug"))
    statement_pk = found.statements.get().pk
    for other in others:
        services.ballot_submit(
            user=None, round=found, organisation=other, ranks={slugs["Unrestricted share"]: 1, slugs["Stable jobs"]: 2}
        )
        services.reactions_submit(user=None, round=found, organisation=other, votes={statement_pk: -1})
    page.goto(f"{site}/en/collective/rounds/ronde-test/")
    page.get_by_role("button", name="Close the round…").click()
    expect(page.get_by_text(re.compile("^6 organisations ranked the indicators"))).to_be_visible()
    page.get_by_role("button", name="Close the round").click()
    expect(page.get_by_role("heading", name="Consensus ranking")).to_be_visible()
    ranking = page.locator("ol.ranking > li")
    expect(ranking.first).to_have_text("Unrestricted share")
    expect(page.get_by_role("heading", name="Differences of vision")).to_be_visible()
    expect(page.get_by_text("No opinion groups: the organisations reacted alike.")).to_be_visible()
    assert axe(page) == []

    # The steward adopts the winner with a target; the dashboard shows it.
    ranking.first.get_by_role("link").click()
    page.get_by_label("adopted").check()
    page.get_by_label(re.compile(r"^Target\W*$")).fill("40")
    page.get_by_label("Target year").fill("2028")
    page.get_by_role("button", name="Record the decision").click()
    page.get_by_label(re.compile(r"^Year\W*$")).fill("2025")
    page.get_by_label(re.compile(r"^Value\W*$")).fill("abc")
    page.get_by_label(re.compile(r"^Source\W*$")).fill("Bilan 2025")
    page.get_by_role("button", name="Record the value").click()
    expect(page.get_by_text("Write a number, such as 42 or 12.5.")).to_be_visible()
    expect(page.get_by_label(re.compile(r"^Source\W*$"))).to_have_value("Bilan 2025")  # nothing typed is lost
    page.get_by_label(re.compile(r"^Value\W*$")).fill("1,150")  # thousands, in English
    page.get_by_role("button", name="Record the value").click()
    expect(page.get_by_text("The value is recorded.")).to_be_visible()
    assert IndicatorValue.objects.get().value == 1150.0
    assert axe(page) == []
    page.goto(f"{site}/en/collective/")
    card = page.get_by_role("article", name="Unrestricted share")
    expect(card).to_contain_text(re.compile(r"1,150\shouseholds"))
    expect(card).to_contain_text(re.compile(r"Target: 40\shouseholds by 2028"))
    assert axe(page) == []
    mobile.goto(f"{site}/collective/")
    expect(mobile.get_by_role("article", name="Part non affectée")).to_contain_text(re.compile(r"1\s150\sménages"))
    assert axe(mobile) == []
    phone.close()
    desktop.close()
