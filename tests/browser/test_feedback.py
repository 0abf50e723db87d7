"""Feedback in Chromium: a community worker on a phone answers the survey in French, by touch and by
keyboard; a steward closes the cycle and reviews a comment in English on a desktop; the funder reads
its scorecard and publishes its summary, which then shows on its offer's page."""

from __future__ import annotations

import re
from decimal import Decimal

from playwright.sync_api import expect

from maillage.accounts.models import Membership
from maillage.feedback import services
from maillage.feedback.models import Invitation, Response
from tests.browser.test_requests import _log_in
from tests.factories import OfferFactory, OrganisationFactory, RelationFactory, UserFactory, member


def _funded():
    funder = OrganisationFactory(
        name_fr="Fondation témoin", is_support_actor=True, is_field_actor=False, kind="foundation"
    )
    fields = []
    for number in range(6):
        org = OrganisationFactory(name_fr=f"Organisme témoin {number}")
        RelationFactory(source=funder, target=org, kind="funds", year=2025, amount=Decimal(8000))
        fields.append(org)
    steward = UserFactory(is_steward=True, preferred_language="en")
    cycle = services.cycle_create(user=steward, slug="c2025", name_fr="Sondage 2025", name_en="2025 survey", year=2025)
    return funder, fields, steward, cycle


def test_a_worker_answers_a_steward_closes_and_the_funder_publishes(browser, site, axe):
    funder, fields, steward, cycle = _funded()
    worker, english = UserFactory(), UserFactory(preferred_language="en")
    member(worker, fields[0])
    member(english, fields[4])
    others = []
    for org in fields[1:4]:
        person = UserFactory()
        member(person, org)
        others.append((org, person))
    services.cycle_open(user=steward, cycle=cycle)  # the members answer for their organisations
    phone = browser.new_context(viewport={"width": 390, "height": 844})
    page = phone.new_page()
    _log_in(page, site, worker)
    page.get_by_role("link", name="Retours").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Retours anonymes")
    assert axe(page) == []
    page.get_by_role("link", name=re.compile("^Répondre au sondage")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Votre avis sur Fondation témoin")
    assert axe(page) == []
    first = page.get_by_role("group", name=re.compile(r"^1\. Quel effet ce soutien"))
    first.get_by_text("6", exact=True).click()
    expect(first.get_by_role("radio", name=re.compile("^6"))).to_be_checked()
    # By keyboard: the arrows move along a scale.
    fit = page.get_by_role("group", name=re.compile(r"À quel point le soutien répondait"))
    fit.get_by_role("radio", name=re.compile("^4")).focus()
    page.keyboard.press("ArrowRight")
    expect(fit.get_by_role("radio", name=re.compile("^5"))).to_be_checked()
    page.get_by_label("Combien d'heures avez-vous passées à faire la demande ?").fill("abc")
    page.get_by_label("Qu'est-ce qui vous a le plus aidé ?").fill("La souplesse de Madame Tremblay.")
    page.get_by_role("button", name="Envoyer mes réponses").click()
    expect(page.get_by_role("alert")).to_contain_text("Certaines réponses ne sont pas valides")
    expect(page.get_by_role("alert")).to_be_focused()  # the list of errors, each linked to its question
    page.get_by_role("alert").get_by_role("link", name=re.compile("Combien d'heures")).click()
    expect(page.get_by_text("Indiquez un nombre d'heures, par exemple 2,5 ou 2.5.", exact=True)).to_be_in_viewport()
    expect(page.get_by_label("Combien d'heures avez-vous passées à faire la demande ?")).to_be_in_viewport()
    # Nothing typed is lost.
    expect(page.get_by_label("Qu'est-ce qui vous a le plus aidé ?")).to_have_value("La souplesse de Madame Tremblay.")
    expect(first.get_by_role("radio", name=re.compile("^6"))).to_be_checked()
    page.get_by_label("Combien d'heures avez-vous passées à faire la demande ?").fill("4,5")
    page.get_by_role("button", name="Envoyer mes réponses").click()
    expect(page.get_by_text(re.compile("^Merci. Vos réponses sont enregistrées"))).to_be_visible()
    expect(page.get_by_role("heading", name="Déjà répondu")).to_be_visible()
    stored = Response.objects.get()
    assert stored.answers["impact-organisation"] == 6
    assert stored.answers["fit"] == 5
    assert stored.answers["hours-applying"] == 4.5
    phone.close()

    for org, person in others:  # three more organisations answer
        invitation = Invitation.objects.get(cycle=cycle, organisation=org)
        services.response_submit(user=person, invitation=invitation, answers={"impact-organisation": 5, "fit": 4})

    # The survey in English, on a desktop, by keyboard only.
    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-CA")
    page = desk.new_page()
    _log_in(page, site, english, prefix="/en")
    page.goto(f"{site}/en/feedback/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Anonymous feedback")
    page.get_by_role("link", name=re.compile("^Answer the survey")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your opinion of Fondation témoin")
    expect(page.get_by_text("Support received: funding 2025.")).to_be_visible()
    assert axe(page) == []
    first = page.get_by_role("group", name=re.compile(r"^1\. What effect did this support have"))
    first.get_by_role("radio", name=re.compile("^5")).focus()
    page.keyboard.press("Space")
    expect(first.get_by_role("radio", name=re.compile("^5"))).to_be_checked()
    page.get_by_label("How many hours did you spend applying?").fill("1,000")  # thousands, in English
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_text(re.compile("^Thank you. Your answers are recorded"))).to_be_visible()
    assert {"impact-organisation": 5, "hours-applying": 1000.0} in [r.answers for r in Response.objects.all()]
    desk.close()

    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-CA")
    page = desk.new_page()
    _log_in(page, site, steward, prefix="/en")
    page.goto(f"{site}/en/feedback/cycles/c2025/")
    expect(page.get_by_role("heading", level=1)).to_have_text("2025 survey")
    assert axe(page) == []
    page.get_by_role("button", name="Close the cycle").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Close 2025 survey?")
    assert axe(page) == []
    page.get_by_role("button", name="Close the cycle").click()
    expect(page.get_by_text("The cycle is closed with 5 answers.")).to_be_visible()
    page.get_by_role("link", name="1 comment to review").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Comments to review")
    assert axe(page) == []
    page.get_by_label("Comment to publish").fill("The flexibility of [a staff member].")
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text("The comment is published.")).to_be_visible()
    page.get_by_role("navigation", name="Feedback").get_by_role("link", name="Practices").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Practices and ratings")
    assert axe(page) == []
    desk.close()

    admin = UserFactory(preferred_language="en")
    member(admin, funder, Membership.Role.ADMIN)
    offer = OfferFactory(provider=funder, name_fr="Fonds témoin", name_en="Test fund")
    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-CA")
    page = desk.new_page()
    _log_in(page, site, admin, prefix="/en")
    page.goto(f"{site}/en/feedback/scorecards/{funder.slug}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Scorecard: Fondation témoin")
    row = page.get_by_role("row", name=re.compile("^What effect did this support have on your organisation"))
    expect(row.get_by_role("cell").nth(1)).to_have_text("5.2")  # (6 + 5 × 4) / 5
    expect(page.get_by_text("The flexibility of [a staff member].")).to_be_visible()
    expect(page.get_by_text("Madame Tremblay")).to_have_count(0)
    assert axe(page) == []
    page.get_by_label("Respondents", exact=True).select_option("community")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("cell", name="5.2")).to_be_visible()  # all five are community organisations
    page.get_by_label("show a summary of our ratings on our offers' pages").check()
    page.get_by_label("our response (English)").fill("We are cutting our reports by half.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Your public summary is saved.")).to_be_visible()
    page.goto(f"{site}/en/offers/{offer.slug}/")
    expect(page.get_by_text("We are cutting our reports by half.")).to_be_visible()
    expect(page.get_by_text("5.2 out of 7")).to_be_visible()
    assert axe(page) == []
    desk.close()
