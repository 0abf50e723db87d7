"""Chantiers in Chromium, in both languages, with axe on every page.

1. In French, on a phone: a community organisation's member starts a private chantier for Parc-Extension,
   invites a foundation as funder; the foundation's administrator (a stranger to the chantier until then)
   finds the invitation, accepts it and commits money; the page then shows two sectors and the money, and
   another organisation's member gets "not found".
2. In English, on a desktop: the coordinator chooses an indicator with its baseline and target, records a
   value (a future date is refused first, and the form keeps what was typed), writes two actions that
   duplicate each other, records a meeting; the conditions, the chart and the duplicate show on the page.
"""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone, translation
from django.utils.translation import gettext, pgettext
from playwright.sync_api import expect

from maillage.chantiers.models import Chantier, Participant
from maillage.directory.models import Organisation, Territory
from tests.browser.test_requests import _log_in
from tests.factories import OrganisationFactory, UserFactory, member

CHANGE = "Réduire de moitié la liste d'attente des banques alimentaires de Parc-Extension d'ici 2028"


def fr(text: str, context: str | None = None) -> str:
    """The French of a string of the interface (its English source until the catalogue translates it)."""
    with translation.override("fr"):
        return pgettext(context, text) if context else gettext(text)


def _people():
    community = OrganisationFactory(name_fr="Cuisine témoin de Parc-Ex", kind=Organisation.Kind.COMMUNITY)
    foundation = OrganisationFactory(
        name_fr="Fondation témoin Érable",
        kind=Organisation.Kind.FOUNDATION,
        is_field_actor=False,
        is_support_actor=True,
        links={},
    )
    starter, giver, stranger = UserFactory(), UserFactory(), UserFactory()
    member(starter, community, "admin")
    member(giver, foundation, "admin")
    member(stranger, OrganisationFactory(name_fr="Autre organisme témoin"))
    return community, foundation, starter, giver, stranger


def test_start_invite_accept_and_commit_on_a_phone_in_french(browser, site, axe):
    _community, foundation, starter, giver, stranger = _people()
    phone = browser.new_context(viewport={"width": 390, "height": 844})
    page = phone.new_page()
    _log_in(page, site, starter)
    page.goto(site)
    page.get_by_role("navigation", name=fr("Main menu")).get_by_role("link", name=fr("Chantiers")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(fr("Chantiers"))
    assert axe(page) == []

    page.get_by_role("link", name=fr("Start a chantier")).click()
    assert axe(page) == []
    page.get_by_label(fr("The change to achieve (French, required)")).fill(CHANGE)
    page.get_by_label(fr("For whom (French)")).fill("Les familles inscrites aux banques alimentaires")
    page.get_by_label(fr("Where")).select_option(label="Parc-Extension")
    page.get_by_label(fr("By when")).fill("2028-12-31")
    page.get_by_label(fr("Private: its participants only")).check()
    page.get_by_role("button", name=fr("Start the chantier")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(CHANGE)
    expect(page.get_by_text(fr("private: its participants only"))).to_be_visible()
    assert axe(page) == []
    chantier = Chantier.objects.get()
    assert chantier.territory == Territory.objects.get(slug="quartier-parc-extension")

    page.get_by_role("navigation", name=fr("This chantier")).get_by_role(
        "link", name=fr("Participants and commitments")
    ).click()
    page.get_by_label(fr("1. Find the organisation (words of its name or description)")).fill("Érable")
    page.get_by_role("button", name=fr("Find")).click()
    page.get_by_label("Fondation témoin Érable").check()
    page.get_by_label(fr("Proposed role")).select_option(label=fr("Funder", "chantier"))
    page.get_by_role("button", name=fr("Invite")).click()
    expect(page.locator(".messages")).to_contain_text("Fondation témoin Érable")
    assert axe(page) == []
    phone.close()

    # The foundation's administrator, in another browser, finds the invitation and accepts it.
    other = browser.new_context(viewport={"width": 390, "height": 844})
    page = other.new_page()
    _log_in(page, site, giver)
    page.goto(f"{site}/chantiers/")
    invitations = page.get_by_role("region", name=fr("Invitations waiting for your organisations"))
    invitations.get_by_role("link", name=CHANGE).click()
    assert axe(page) == []
    page.get_by_role("button", name=fr("Accept: we take part")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(re.escape(fr("Participants and commitments"))))
    page.get_by_label(fr("What your organisation commits")).select_option(label=fr("Money"))
    page.get_by_label(fr("Amount ($), for money")).fill("60 000")
    page.get_by_role("button", name=fr("Record the commitment")).click()
    expect(page.get_by_text("60\u00a0000\u00a0$").first).to_be_visible()
    assert axe(page) == []
    funder = Participant.objects.get(chantier=chantier, organisation=foundation)
    assert (funder.role, funder.sector, funder.decides) == ("funder", "philanthropic", True)

    page.goto(f"{site}/chantiers/{chantier.slug}/")
    balance = page.get_by_role("table", name=fr("Balance between the three sectors"))
    expect(balance).to_contain_text("60\u00a0000\u00a0$")
    expect(balance).to_contain_text("100,0\u00a0%")
    assert axe(page) == []
    other.close()

    # Another organisation's member does not even learn that the chantier exists.
    third = browser.new_context()
    page = third.new_page()
    _log_in(page, site, stranger)
    response = page.goto(f"{site}/chantiers/{chantier.slug}/")
    assert response is not None
    assert response.status == 404
    page.goto(f"{site}/chantiers/")
    expect(page.get_by_text(CHANGE)).to_have_count(0)
    third.close()


def test_indicators_plan_and_journal_on_a_desktop_in_english(browser, site, axe):
    from maillage.chantiers import services

    community, foundation, starter, _giver, _stranger = _people()
    chantier = services.chantier_create(
        user=starter,
        organisation=community,
        data={
            "title_fr": CHANGE,
            "title_en": "Halve the food banks' waiting list in Parc-Extension by 2028",
            "territory": Territory.objects.get(slug="quartier-parc-extension"),
            "due_on": dt.date(2028, 12, 31),
        },
    )
    Participant.objects.create(
        chantier=chantier, organisation=foundation, sector="philanthropic", role="funder", decides=True
    )
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    _log_in(page, site, starter, "/en")
    page.goto(f"{site}/en/chantiers/{chantier.slug}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Halve the food banks")
    expect(page.locator(".condition-missing")).to_have_count(4)  # measurement, plan, communication, backbone
    assert axe(page) == []

    page.get_by_role("link", name="Choose indicators and record values").click()
    page.get_by_label("…or a new indicator: its name (French)").fill("Familles en attente")
    page.get_by_label("Its unit (French)").fill("familles")
    page.get_by_label("Lower is better").check()
    page.get_by_label(re.compile(r"^Baseline\W*$")).fill("1,200")
    page.get_by_label("Baseline measured on").fill("2025-01-15")
    page.get_by_label(re.compile(r"^Target\W*$")).fill("600")
    page.get_by_label("Target date").fill("2028-12-31")
    page.get_by_role("button", name="Add the indicator").click()
    expect(page.get_by_role("heading", name="Familles en attente")).to_be_visible()
    assert axe(page) == []

    page.get_by_text("Record a value").click()
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    page.get_by_label(re.compile(r"^Date\W*$")).fill(tomorrow)
    page.get_by_role("textbox", name=re.compile(r"^Value\W*$")).fill("1,050")
    page.get_by_role("textbox", name=re.compile(r"^Source\W*$")).fill("Monthly count of the food banks")
    page.get_by_role("button", name="Record the value").click()
    expect(page.get_by_text("A measurement cannot be dated in the future.")).to_be_visible()
    source = page.get_by_role("textbox", name=re.compile(r"^Source\W*$"))
    expect(source).to_have_value("Monthly count of the food banks")
    page.get_by_label(re.compile(r"^Date\W*$")).fill(timezone.localdate().isoformat())
    page.get_by_role("button", name="Record the value").click()
    chart = page.get_by_role("img", name=re.compile("Values by date"))
    expect(chart).to_have_attribute("aria-label", re.compile("2025-01-15: 1,200; .*: 1,050"))
    assert axe(page) == []

    for title, owner in (("Shared pantry", community.name_fr), ("Second pantry", foundation.name_fr)):
        page.goto(f"{site}/en/chantiers/{chantier.slug}/actions/new/")
        page.get_by_label("Action (French, required)").fill(title)
        page.get_by_label("Owner").select_option(label=owner)
        page.get_by_label("Local partnerships and synergies").check()
        page.get_by_label("Starts on").fill("2027-01-01")
        page.get_by_role("button", name="Save the action").click()
    expect(page.locator(".badge", has_text="possible duplicate")).to_have_count(2)
    expect(page.get_by_role("table", name=re.compile("Open actions by participant"))).to_contain_text("Shared pantry")
    assert axe(page) == []

    page.get_by_role("link", name="Write in the journal").click()
    page.get_by_label("Meeting").check()
    page.get_by_label(re.compile(r"^Date\W*$")).fill(timezone.localdate().isoformat())
    page.get_by_label("Title").fill("Kick-off with the three sectors")
    page.get_by_role("button", name="Record", exact=True).click()
    expect(page.get_by_role("heading", name=re.compile("Kick-off"))).to_be_visible()
    assert axe(page) == []
    page.goto(f"{site}/en/chantiers/{chantier.slug}/")
    heading = page.get_by_role("heading", name=re.compile("Continuous communication"))
    communication = page.locator(".condition", has=heading)
    expect(communication).to_contain_text("Participants met within three months.")
    assert axe(page) == []
