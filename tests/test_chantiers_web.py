"""Chantiers through their web pages.

- The permission matrix: ten roles × every route (GET pages and POST actions) × a public chantier, a
  private one and one that does not exist, each with the exact status the policy of
  ``maillage.chantiers.rules`` gives (a private chantier is a 404 for whoever may not see it, the same as a
  missing one). A route added to ``chantiers/urls.py`` without an entry fails
  ``test_every_chantier_route_is_in_the_matrix``.
- What the list, its CSV and the stewards' overview show of a private chantier to those who do not take part.
- The flows through the forms: starting a chantier, inviting an organisation and answering, commitments,
  roles, indicators and measurements, the plan and its possible duplicates, the journal and the
  communication condition, the balance table against a hand computation, the pooled-fund scenario.
  A form with an error comes back with its message and keeps what was typed.
"""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

from maillage.accounts.models import Membership
from maillage.chantiers import urls as chantier_urls
from maillage.chantiers.models import (
    Action,
    Chantier,
    ChantierIndicator,
    Commitment,
    Invitation,
    JournalEntry,
    Measurement,
    Participant,
    Sector,
)
from maillage.collective.models import Indicator
from maillage.diagnostics.selectors import element_names
from maillage.directory.models import OpenPeriod, Territory
from maillage.matching.models import Notification, OfferCover
from maillage.scenarios.models import Scenario
from tests.factories import InitiativeFactory, OfferFactory, OrganisationFactory, UserFactory, member
from tests.test_permissions_matrix import _route_names

pytestmark = pytest.mark.django_db

NBSP = "\u00a0"  # before « % » and « $ » in French
NNBSP = "\u202f"  # the French thousands separator

# --- the world -------------------------------------------------------------------------------------------


def _text(response) -> str:
    return html.unescape(response.content.decode())


def _plain(fragment: str) -> str:
    """A cell's text: tags removed, entities decoded, ASCII white space collapsed (NBSPs are kept)."""
    text = html.unescape(re.sub(r"<[^>]+>", "", fragment))
    return re.sub(r"[ \t\r\n]+", " ", text).strip(" \t\r\n")


def _csv_rows(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def _login_url() -> str:
    return _in("fr", "accounts:login")


def _in(language: str, name: str, *args: object) -> str:
    """A page's path in a language (French has no prefix, English is under /en/), whatever language the
    previous request left active."""
    with translation.override(language):
        return reverse(name, args=args)


def _make_chantier(world, *, slug, title_fr, title_en, visibility) -> SimpleNamespace:
    """A chantier led by the community organisation, with the city as a partner, the foundation invited,
    an action of each participant, an indicator and a commitment."""
    chantier = Chantier.objects.create(
        slug=slug,
        title_fr=title_fr,
        title_en=title_en,
        territory=world.verdun,
        due_on=date(2028, 12, 31),
        visibility=visibility,
    )
    lead = Participant.objects.create(
        chantier=chantier, organisation=world.lead_org, sector=Sector.COMMUNITY, role="lead", decides=True
    )
    partner = Participant.objects.create(
        chantier=chantier, organisation=world.partner_org, sector=Sector.PUBLIC, role="partner"
    )
    invitation = Invitation.objects.create(
        chantier=chantier, organisation=world.invited_org, role="funder", invited_by=world.lead_org
    )
    Commitment.objects.create(participant=partner, kind="money", amount=Decimal("30000"))
    own_action = Action.objects.create(chantier=chantier, title_fr="Action de la ville", owner=partner)
    lead_action = Action.objects.create(chantier=chantier, title_fr="Action de la maison", owner=lead)
    indicator = ChantierIndicator.objects.create(chantier=chantier, name_fr="Familles en attente", unit_fr="familles")
    return SimpleNamespace(
        chantier=chantier,
        lead=lead,
        partner=partner,
        invitation=invitation,
        own_action=own_action,
        lead_action=lead_action,
        indicator=indicator,
    )


@pytest.fixture
def world():
    """Four organisations (the lead, a partner, an invited one, an unrelated one), a person in each role, a
    public and a private chantier with the same participants and the same pending invitation."""
    w = SimpleNamespace()
    w.verdun = Territory.objects.get(slug="quartier-verdun")
    w.lead_org = OrganisationFactory(slug="maison-temoin", name_fr="Maison de quartier témoin", kind="community")
    w.partner_org = OrganisationFactory(slug="ville-temoin", name_fr="Ville témoin", kind="public_body")
    w.invited_org = OrganisationFactory(slug="fondation-invitee", name_fr="Fondation invitée", kind="foundation")
    w.unrelated_org = OrganisationFactory(slug="autre-temoin", name_fr="Organisme sans lien", kind="community")
    w.candidate_org = OrganisationFactory(slug="candidat-temoin", name_fr="Candidat témoin", kind="community")
    w.users = {
        "no_org": UserFactory(),
        "partner": UserFactory(),
        "coordinator": UserFactory(),
        "participant_admin": UserFactory(),
        "invited_member": UserFactory(),
        "invited_admin": UserFactory(),
        "outsider": UserFactory(),
        "steward": UserFactory(is_steward=True),
        "superuser": UserFactory(is_superuser=True, is_staff=True),
    }
    member(w.users["partner"], w.partner_org)
    member(w.users["coordinator"], w.lead_org)
    member(w.users["participant_admin"], w.partner_org, Membership.Role.ADMIN)
    member(w.users["invited_member"], w.invited_org)
    member(w.users["invited_admin"], w.invited_org, Membership.Role.ADMIN)
    member(w.users["outsider"], w.unrelated_org)
    w.public = _make_chantier(
        w, slug="cuisine-publique", title_fr="Cuisine collective ouverte", title_en="Open kitchen", visibility="public"
    )
    w.private = _make_chantier(
        w,
        slug="chantier-confidentiel",
        title_fr="Projet confidentiel des Berges",
        title_en="Confidential riverside project",
        visibility="private",
    )
    return w


# --- the permission matrix ---------------------------------------------------------------------------------

ROLES = (
    "anonymous",
    "no_org",  # signed in, no organisation
    "partner",  # member of a participant whose role is "partner"
    "coordinator",  # member of the lead participant
    "participant_admin",  # administrator of the partner organisation
    "invited_member",  # member of the invited organisation (pending invitation)
    "invited_admin",  # its administrator
    "outsider",  # member of an unrelated organisation
    "steward",  # is_steward, takes no part
    "superuser",  # is_superuser, takes no part: no bypass for chantiers (User.PRIVATE_APPS)
)
SEES_PRIVATE = {"partner", "coordinator", "participant_admin", "invited_member", "invited_admin"}
OK, LOGIN, DENY, MISSING, MOVED, NOT_ALLOWED = "ok", "login", "deny", "missing", "redirect", "not_allowed"
STATUS = {OK: 200, LOGIN: 302, DENY: 403, MISSING: 404, MOVED: 302, NOT_ALLOWED: 405}


def row(*values: str) -> dict[str, str]:
    return dict(zip(ROLES, values, strict=True))


A, L, D, M, R, X = OK, LOGIN, DENY, MISSING, MOVED, NOT_ALLOWED

#           anon no_org partner coord p_admin inv_m inv_a outsider steward superuser
EVERYONE = row(A, A, A, A, A, A, A, A, A, A)
# A private chantier: seen by its participants' and invited organisations' people only.
SEEN_PRIVATE = row(M, M, A, A, A, A, A, M, M, M)
SIGNED_IN_PUBLIC = row(L, A, A, A, A, A, A, A, A, A)
SIGNED_IN_PRIVATE = row(L, M, A, A, A, A, A, M, M, M)
TAKE_PART_PUBLIC = row(L, D, A, A, A, D, D, D, D, D)
TAKE_PART_PRIVATE = row(L, M, A, A, A, D, D, M, M, M)
TAKE_PART_POST_PUBLIC = row(L, D, R, R, R, D, D, D, D, D)
TAKE_PART_POST_PRIVATE = row(L, M, R, R, R, D, D, M, M, M)
COORDINATE_PUBLIC = row(L, D, D, A, D, D, D, D, D, D)
COORDINATE_PRIVATE = row(L, M, D, A, D, D, D, M, M, M)
COORDINATE_POST_PUBLIC = row(L, D, D, R, D, D, D, D, D, D)
COORDINATE_POST_PRIVATE = row(L, M, D, R, D, D, D, M, M, M)
OWNER_PUBLIC = row(L, D, A, A, A, D, D, D, D, D)  # the partner's action: its people and the coordinator
OWNER_PRIVATE = row(L, M, A, A, A, D, D, M, M, M)
OWNER_POST_PUBLIC = row(L, D, R, R, R, D, D, D, D, D)
OWNER_POST_PRIVATE = row(L, M, R, R, R, D, D, M, M, M)
POST_ONLY = row(L, X, X, X, X, X, X, X, X, X)

# (route, variant, method, expected on the public chantier, on the private one); ``None`` for the private
# one: the route does not depend on a chantier.
MATRIX = [
    ("index", "page", "get", EVERYONE, None),
    ("index", "csv", "get", EVERYONE, None),
    ("create", "page", "get", row(L, D, A, A, A, A, A, A, D, D), None),
    ("create", "start", "post", row(L, D, R, R, R, R, R, R, D, D), None),
    # Stewards only (a superuser counts as a steward: directory.rules.is_steward).
    ("overview", "page", "get", row(L, D, D, D, D, D, D, D, A, A), None),
    ("detail", "page", "get", EVERYONE, SEEN_PRIVATE),
    ("edit", "page", "get", COORDINATE_PUBLIC, COORDINATE_PRIVATE),
    ("edit", "save", "post", COORDINATE_POST_PUBLIC, COORDINATE_POST_PRIVATE),
    ("participants", "page", "get", SIGNED_IN_PUBLIC, SIGNED_IN_PRIVATE),
    ("participants", "invite", "post", TAKE_PART_POST_PUBLIC, TAKE_PART_POST_PRIVATE),
    ("participants", "commitment", "post", TAKE_PART_POST_PUBLIC, TAKE_PART_POST_PRIVATE),
    ("participants", "role", "post", COORDINATE_POST_PUBLIC, COORDINATE_POST_PRIVATE),
    # The partner's commitment: only its own organisation's people remove it (not the coordinator).
    (
        "participants",
        "commitment_delete",
        "post",
        row(L, D, R, D, R, D, D, D, D, D),
        row(L, M, R, D, R, D, D, M, M, M),
    ),
    # The partner leaves: the coordinator removes it, or its administrator withdraws it; not a plain member.
    ("participants", "remove", "post", row(L, D, D, R, R, D, D, D, D, D), row(L, M, D, R, R, D, D, M, M, M)),
    ("indicators", "page", "get", TAKE_PART_PUBLIC, TAKE_PART_PRIVATE),
    ("indicators", "indicator", "post", COORDINATE_POST_PUBLIC, COORDINATE_POST_PRIVATE),
    ("indicators", "measurement", "post", TAKE_PART_POST_PUBLIC, TAKE_PART_POST_PRIVATE),
    ("indicators", "remove", "post", COORDINATE_POST_PUBLIC, COORDINATE_POST_PRIVATE),
    ("action_new", "page", "get", COORDINATE_PUBLIC, COORDINATE_PRIVATE),
    ("action_new", "save", "post", COORDINATE_POST_PUBLIC, COORDINATE_POST_PRIVATE),
    ("action_edit", "own", "get", OWNER_PUBLIC, OWNER_PRIVATE),
    ("action_edit", "own", "post", OWNER_POST_PUBLIC, OWNER_POST_PRIVATE),
    ("action_edit", "delete", "post", COORDINATE_POST_PUBLIC, COORDINATE_POST_PRIVATE),  # the owner only updates
    ("action_edit", "other", "get", COORDINATE_PUBLIC, COORDINATE_PRIVATE),
    ("action_edit", "other", "post", COORDINATE_POST_PUBLIC, COORDINATE_POST_PRIVATE),
    ("journal", "page", "get", EVERYONE, SEEN_PRIVATE),
    # Reading is public; writing is for participants (anonymous visitors get no form: 403).
    ("journal", "entry", "post", row(D, D, R, R, R, D, D, D, D, D), row(M, M, R, R, R, D, D, M, M, M)),
    # Stewards build the scenario of a chantier they can read; on the private one they are nobody (404).
    ("scenario", "build", "post", row(L, D, D, D, D, D, D, D, R, R), row(L, M, D, D, D, D, D, M, M, M)),
    ("scenario", "page", "get", POST_ONLY, POST_ONLY),
    ("table", "plan", "get", EVERYONE, SEEN_PRIVATE),
    ("table", "commitments", "get", EVERYONE, SEEN_PRIVATE),
    ("table", "unknown", "get", row(M, M, M, M, M, M, M, M, M, M), row(M, M, M, M, M, M, M, M, M, M)),
    # Only an administrator of the invited organisation answers.
    ("invitation_answer", "accept", "post", row(L, D, D, D, D, D, R, D, D, D), row(L, M, D, D, D, D, R, M, M, M)),
    ("invitation_answer", "page", "get", POST_ONLY, POST_ONLY),
]


def _missing(expected: dict[str, str]) -> dict[str, str]:
    """A chantier (or invitation) that does not exist: a 404 for everyone, after sign-in where needed."""
    return {role: value if value in (LOGIN, NOT_ALLOWED) else MISSING for role, value in expected.items()}


def _cases():
    for route, variant, method, public, private in MATRIX:
        states = [("any", public)] if private is None else [("public", public), ("private", private)]
        if private is not None:
            states.append(("missing", _missing(private)))
        for state, expected in states:
            for role in ROLES:
                yield pytest.param(
                    route, variant, method, state, role, expected[role], id=f"{route}-{variant}-{method}-{state}-{role}"
                )


MISSING_SLUG = "chantier-inexistant"


def _url(world, route: str, variant: str, state: str) -> str:
    if route in ("index", "create", "overview"):
        return reverse(f"chantiers:{route}")
    found = world.public if state == "public" else world.private  # missing: the private one's ids, another slug
    slug = MISSING_SLUG if state == "missing" else found.chantier.slug
    if route == "invitation_answer":
        return reverse("chantiers:invitation_answer", args=[999_999 if state == "missing" else found.invitation.pk])
    if route == "action_edit":
        action = found.lead_action if variant == "other" else found.own_action
        return reverse("chantiers:action_edit", args=[slug, action.pk])
    if route == "table":
        return reverse("chantiers:table", args=[slug, {"unknown": "budget"}.get(variant, variant)])
    return reverse(f"chantiers:{route}", args=[slug])


def _data(world, route: str, variant: str, state: str, role: str) -> dict[str, object]:
    found = world.public if state == "public" else world.private
    today = timezone.localdate()
    visibility = "public" if state == "public" else "private"
    if route == "create":
        mine = Membership.objects.filter(user=world.users.get(role)).first() if role != "anonymous" else None
        return {
            "organisation": mine.organisation.slug if mine else world.lead_org.slug,
            "role": "lead",
            "title_fr": "Un nouveau chantier",
            "territory": "quartier-verdun",
            "visibility": "public",
        }
    if route == "edit":
        return {
            "title_fr": "Titre révisé",
            "territory": "quartier-verdun",
            "visibility": visibility,
            "status": "active",
        }
    if route == "participants":
        return {
            "invite": {"form": "invite", "find": "Candidat", "organisation": "candidat-temoin", "role": "partner"},
            "commitment": {"form": "commitment", "kind": "data", "description_fr": "Données de fréquentation"},
            "role": {"form": "participant", "participant": found.partner.pk, "role": "contributor", "sector": "public"},
            "remove": {"form": "remove", "participant": found.partner.pk},
            "commitment_delete": {"form": "commitment_delete", "commitment": found.partner.commitments.get().pk},
        }[variant]
    if route == "indicators":
        if variant == "indicator":
            return {"form": "indicator", "name_fr": "Repas servis", "unit_fr": "repas"}
        if variant == "remove":
            return {"form": "remove", "indicator": found.indicator.pk}
        return {
            "form": "measurement",
            "indicator": found.indicator.pk,
            "measured_on": (today - timedelta(days=1)).isoformat(),
            "value": "12",
            "source": "Décompte",
        }
    if route == "action_edit" and variant == "delete":
        return {"form": "delete"}
    if route in ("action_new", "action_edit"):
        action = found.lead_action if variant == "other" else found.own_action
        owner = "" if route == "action_new" else str(action.owner_id)
        return {"title_fr": "Action révisée", "owner": owner, "status": "under_way"}
    if route == "journal":
        return {"kind": "note", "happened_on": today.isoformat(), "title": "Nouvelles"}
    if route == "invitation_answer":
        return {"answer": "accept"}
    return {}


def _fingerprint() -> tuple:
    """What a refused write must leave untouched."""
    return (
        list(Chantier.objects.order_by("id").values_list("slug", "title_fr", "visibility", "status")),
        list(Participant.objects.order_by("id").values_list("chantier_id", "organisation_id", "role", "decides")),
        list(Commitment.objects.order_by("id").values_list("participant_id", "kind", "amount")),
        list(Invitation.objects.order_by("id").values_list("organisation_id", "status")),
        list(ChantierIndicator.objects.order_by("id").values_list("chantier_id", "name_fr")),
        Measurement.objects.count(),
        list(Action.objects.order_by("id").values_list("title_fr", "status", "owner_id")),
        JournalEntry.objects.count(),
        Scenario.objects.count(),
    )


@pytest.mark.parametrize(("route", "variant", "method", "state", "role", "expected"), list(_cases()))
def test_the_permission_matrix(client, world, route, variant, method, state, role, expected):
    if role != "anonymous":
        client.force_login(world.users[role])
    url = _url(world, route, variant, state)
    before = _fingerprint()
    if method == "post":
        response = client.post(url, _data(world, route, variant, state, role))
    else:
        response = client.get(url, {"format": "csv"} if variant == "csv" else {})
    assert response.status_code == STATUS[expected], (route, variant, method, state, role, response.status_code)
    if expected == LOGIN:
        assert response["Location"].startswith(_login_url())
    if expected == MOVED:
        assert not response["Location"].startswith(_login_url())
    if method == "post" and expected != MOVED:
        assert _fingerprint() == before, "a refused request wrote something"
    if expected == MOVED and route != "scenario":  # (without offers, the scenario is refused with a message)
        assert _fingerprint() != before, "redirected without doing anything"
    if expected in (DENY, MISSING) and state == "private":  # a refusal says nothing of the private chantier
        text = _text(response)
        assert world.private.chantier.title_fr not in text
        assert world.private.chantier.title_en not in text


@pytest.mark.parametrize("role", [r for r in ROLES if r not in SEES_PRIVATE])
def test_the_private_chantier_answers_like_a_missing_one(client, world, role):
    """For whoever may not see it, every page and action of the private chantier answers exactly as for a
    slug that does not exist: the same status and the same page."""
    if role != "anonymous":
        client.force_login(world.users[role])
    slug = world.private.chantier.slug

    def same(text: str, name: str) -> str:
        text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)
        text = re.sub(r"/invitations/\d+/", "/invitations/PK/", text)
        return text.replace(name, "SLUG")

    for route, variant, method, _public, private in MATRIX:
        if private is None:
            continue
        answers = []
        for state in ("private", "missing"):
            url = _url(world, route, variant, state)
            if method == "post":
                answers.append(client.post(url, _data(world, route, variant, state, role)))
            else:
                answers.append(client.get(url))
        seen, missing = answers
        assert seen.status_code == missing.status_code, (route, variant, method)
        assert same(_text(seen), slug) == same(_text(missing), MISSING_SLUG), (route, variant, method)


def test_every_chantier_route_is_in_the_matrix():
    names = {pattern.name for pattern in chantier_urls.urlpatterns}
    covered = {route for route, *_rest in MATRIX}
    assert names - covered == set(), "a route of chantiers/urls.py has no entry in MATRIX"
    assert covered - names == set()
    assert {n.split(":", 1)[1] for n in _route_names() if n.startswith("chantiers:")} == names


# --- what is listed ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("role", ROLES)
def test_the_list_and_its_csv_never_name_a_private_chantier_to_others(client, world, role, language):
    if role != "anonymous":
        client.force_login(world.users[role])
    private, public = world.private.chantier, world.public.chantier
    url = _in(language, "chantiers:index")
    page = _text(client.get(url))
    table = client.get(url, {"format": "csv"})
    assert table.status_code == 200
    assert table["Content-Type"].startswith("text/csv")
    rows = _csv_rows(table)
    raw = table.content.decode("utf-8-sig")
    seen = role in SEES_PRIVATE
    for text in (page, raw):
        assert (private.title_fr in text or private.title_en in text) is seen, (role, language)
        assert (private.slug in text) is seen
        assert public.title_fr in text or public.title_en in text
    assert {r["slug"] for r in rows} == ({public.slug, private.slug} if seen else {public.slug})
    if seen:
        assert next(r for r in rows if r["slug"] == private.slug)["visibility"] == "private"


def test_the_list_of_ones_own_chantiers(client, world):
    client.force_login(world.users["coordinator"])
    other = Chantier.objects.create(slug="autre-chantier", title_fr="Chantier d'autrui", territory=world.verdun)
    Participant.objects.create(chantier=other, organisation=world.unrelated_org, sector="community", role="lead")
    everything = _text(client.get(reverse("chantiers:index")))
    mine = _text(client.get(reverse("chantiers:index"), {"scope": "mine"}))
    assert "Chantier d'autrui" in everything
    assert "Chantier d'autrui" not in mine
    assert world.private.chantier.title_fr in mine
    rows = _csv_rows(client.get(reverse("chantiers:index"), {"scope": "mine", "format": "csv"}))
    assert {r["slug"] for r in rows} == {world.public.chantier.slug, world.private.chantier.slug}


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("role", ["steward", "superuser"])
def test_the_overview_counts_a_private_chantier_without_naming_it(client, world, role, language):
    client.force_login(world.users[role])
    response = client.get(_in(language, "chantiers:overview"))
    assert response.status_code == 200
    text = _text(response)
    private, public = world.private.chantier, world.public.chantier
    assert private.title_fr not in text
    assert private.title_en not in text
    assert private.slug not in text
    assert (public.title_fr if language == "fr" else public.title_en) in text
    with translation.override(language):
        label = gettext("Private chantier no. %(n)s") % {"n": 1}
    assert label in text
    rows = response.context["rows"]
    assert len(rows) == 2
    assert sum(r["chantier"] is None for r in rows) == 1
    assert response.context["hidden"] == 1
    assert response.context["total"] == 2


def test_the_overview_numbers_each_private_chantier(client, world):
    other = Chantier.objects.create(
        slug="autre-confidentiel", title_fr="Autre projet secret", territory=world.verdun, visibility="private"
    )
    Participant.objects.create(chantier=other, organisation=world.unrelated_org, sector="community", role="lead")
    client.force_login(world.users["steward"])
    response = client.get(reverse("chantiers:overview"))
    text = _text(response)
    assert "Autre projet secret" not in text
    assert world.private.chantier.title_fr not in text
    for n in (1, 2):
        assert gettext("Private chantier no. %(n)s") % {"n": n} in text
    assert (response.context["hidden"], response.context["total"]) == (2, 3)


@pytest.mark.parametrize("page", ["organisation", "territory"])
@pytest.mark.parametrize("role", ROLES)
def test_directory_pages_list_a_private_chantier_only_to_those_who_see_it(client, world, role, page):
    """The chantiers listed on an organisation's page (those it takes part in) and a territory's page."""
    if role != "anonymous":
        client.force_login(world.users[role])
    url = (
        reverse("directory:organisation", args=[world.lead_org.slug])
        if page == "organisation"
        else reverse("directory:territory", args=["quartier-verdun"])
    )
    response = client.get(url)
    assert response.status_code == 200
    text = _text(response)
    assert world.public.chantier.title_fr in text
    assert (world.private.chantier.title_fr in text) is (role in SEES_PRIVATE)
    assert (reverse("chantiers:detail", args=[world.private.chantier.slug]) in text) is (role in SEES_PRIVATE)


def test_a_steward_who_takes_part_sees_the_private_chantiers_name_in_the_overview(client, world):
    steward = world.users["steward"]
    member(steward, world.lead_org)
    client.force_login(steward)
    text = _text(client.get(reverse("chantiers:overview")))
    assert world.private.chantier.title_fr in text
    with translation.override("fr"):
        assert gettext("Private chantier no. %(n)s") % {"n": 1} not in text


# --- flows: starting a chantier -------------------------------------------------------------------------


def test_start_a_chantier(client):
    org = OrganisationFactory(slug="maison-du-canal", name_fr="Maison du Canal", kind="community")
    person = UserFactory()
    member(person, org)
    client.force_login(person)
    page = client.get(reverse("chantiers:create"))
    assert page.status_code == 200
    assert 'value="maison-du-canal"' in page.content.decode()
    data = {
        "organisation": "maison-du-canal",
        "role": "backbone",
        "title_fr": "Réduire de moitié l'attente aux banques alimentaires de Verdun",
        "title_en": "Halve the wait at Verdun's food banks",
        "whom_fr": "Familles de Verdun",
        "territory": "quartier-verdun",
        "due_on": "2028-12-31",
        "visibility": "private",
    }
    response = client.post(reverse("chantiers:create"), data)
    chantier = Chantier.objects.get(title_fr=data["title_fr"])
    assert response.status_code == 302
    assert response["Location"] == reverse("chantiers:detail", args=[chantier.slug])
    assert (chantier.territory.slug, chantier.due_on, chantier.visibility) == (
        "quartier-verdun",
        date(2028, 12, 31),
        "private",
    )
    assert chantier.created_by == person
    first = chantier.participants.get()
    assert (first.organisation, first.role, first.decides, first.sector) == (org, "backbone", True, "community")
    detail = client.get(response["Location"])
    assert detail.status_code == 200
    assert data["title_fr"] in _text(detail)


def test_starting_a_chantier_with_an_error_keeps_what_was_typed(client):
    org = OrganisationFactory(slug="maison-du-canal", name_fr="Maison du Canal", kind="community")
    person = UserFactory()
    member(person, org)
    client.force_login(person)
    data = {
        "organisation": "maison-du-canal",
        "role": "lead",
        "title_fr": "",
        "title_en": "Halve the wait",
        "whom_fr": "Familles de Verdun",
        "territory": "quartier-verdun",
        "due_on": "2028-12-31",
        "visibility": "private",
        "description_fr": "Parce que l'attente dure trois semaines.",
    }
    response = client.post(reverse("chantiers:create"), data)
    assert response.status_code == 200
    assert not Chantier.objects.exists()
    form = response.context["form"]
    assert form.errors["title_fr"] == [gettext("Say in French what is to change.")]
    text = _text(response)
    assert gettext("Say in French what is to change.") in text
    assert 'value="Halve the wait"' in text
    assert 'value="Familles de Verdun"' in text
    assert "Parce que l'attente dure trois semaines." in text
    assert 'value="2028-12-31"' in text
    assert re.search(r'<option value="quartier-verdun" selected>', text)
    assert re.search(r'value="private"[^>]*checked', text)


def test_a_person_without_organisation_is_told_to_join_one(client):
    client.force_login(UserFactory())
    response = client.get(reverse("chantiers:create"))
    assert response.status_code == 403
    assert gettext("Join an organisation first") in _text(response)


# --- flows: invitations -----------------------------------------------------------------------------------


def test_invite_an_organisation_and_its_administrator_accepts(client, world):
    chantier = world.private.chantier
    target = OrganisationFactory(
        slug="fonds-des-berges", name_fr="Fonds des Berges", name_en="Riverside Fund", kind="foundation"
    )
    admins = [UserFactory(preferred_language="fr"), UserFactory(preferred_language="en")]
    for admin in admins:
        member(admin, target, Membership.Role.ADMIN)
    plain = UserFactory()
    member(plain, target)
    client.force_login(world.users["coordinator"])
    url = reverse("chantiers:participants", args=[chantier.slug])
    found = client.get(url, {"find": "Fonds des Berges"})
    assert found.status_code == 200
    assert re.search(r'<input type="radio" name="organisation" value="fonds-des-berges"', found.content.decode())
    assert "Fonds des Berges" in _text(found)
    response = client.post(
        url,
        {
            "form": "invite",
            "find": "Fonds des Berges",
            "organisation": "fonds-des-berges",
            "role": "funder",
            "message": "Joignez-vous à nous.",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == url
    invitation = Invitation.objects.get(organisation=target)
    assert (invitation.status, invitation.role, invitation.invited_by) == ("pending", "funder", world.lead_org)
    notes = Notification.objects.filter(user__in=admins)
    assert {n.user for n in notes} == set(admins)
    for note in notes:
        assert "Fonds des Berges" in note.text_fr
        assert chantier.title_fr in note.text_fr
        assert "Riverside Fund" in note.text_en
        assert chantier.title_en in note.text_en
        assert note.url == reverse("chantiers:detail", args=[chantier.slug])
    assert not Notification.objects.filter(user=plain).exists()

    # The invited organisation's people now see the private chantier; only an administrator answers.
    client.force_login(plain)
    page = client.get(reverse("chantiers:detail", args=[chantier.slug]))
    assert page.status_code == 200
    answer = reverse("chantiers:invitation_answer", args=[invitation.pk])
    assert answer not in page.content.decode()
    assert client.post(answer, {"answer": "accept"}).status_code == 403
    invitation.refresh_from_db()
    assert invitation.status == "pending"
    assert not chantier.participants.filter(organisation=target).exists()

    client.force_login(admins[0])
    page = client.get(reverse("chantiers:detail", args=[chantier.slug]))
    assert answer in page.content.decode()
    response = client.post(answer, {"answer": "accept"})
    assert response.status_code == 302
    assert response["Location"] == url
    invitation.refresh_from_db()
    assert invitation.status == "accepted"
    participant = chantier.participants.get(organisation=target)
    assert (participant.role, participant.sector, participant.decides) == ("funder", "philanthropic", True)


def test_an_invitation_declined(client, world):
    invitation = world.private.invitation
    client.force_login(world.users["invited_admin"])
    response = client.post(reverse("chantiers:invitation_answer", args=[invitation.pk]), {"answer": "decline"})
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == "declined"
    assert not world.private.chantier.participants.filter(organisation=world.invited_org).exists()
    # Declined, the organisation no longer sees the private chantier.
    assert client.get(reverse("chantiers:detail", args=[world.private.chantier.slug])).status_code == 404


def test_an_invitation_answered_twice_says_so(client, world):
    """A second click on « Accept » (or an answer after another administrator's) is told that the invitation
    has been answered, as the service words it, rather than refused as if the person had no right."""
    invitation = world.private.invitation
    client.force_login(world.users["invited_admin"])
    url = reverse("chantiers:invitation_answer", args=[invitation.pk])
    assert client.post(url, {"answer": "accept"}).status_code == 302
    again = client.post(url, {"answer": "decline"})
    assert again.status_code == 302
    assert gettext("This invitation has already been answered.") in _text(client.get(again["Location"]))
    invitation.refresh_from_db()
    assert invitation.status == "accepted"


def test_inviting_with_an_error_keeps_the_search(client, world):
    client.force_login(world.users["coordinator"])
    url = reverse("chantiers:participants", args=[world.public.chantier.slug])
    response = client.post(url, {"form": "invite", "find": "Candidat", "role": "partner", "message": "Bonjour"})
    assert response.status_code == 200
    assert "organisation" in response.context["invite_form"].errors
    text = _text(response)
    assert 'value="candidat-temoin"' in text
    assert "Bonjour" in text
    assert not Invitation.objects.filter(organisation=world.candidate_org).exists()


# --- flows: commitments ---------------------------------------------------------------------------------


def test_a_commitment_of_money_written_the_french_way(client, world):
    client.force_login(world.users["partner"])
    url = reverse("chantiers:participants", args=[world.public.chantier.slug])
    response = client.post(url, {"form": "commitment", "kind": "money", "amount": "12 500,50"})
    assert response.status_code == 302, response.context["commitment_form"].errors
    assert world.public.partner.commitments.filter(kind="money", amount=Decimal("12500.50")).exists()


def test_a_commitment_of_money_written_with_the_french_thousands_separator(client, world):
    """The amount as the page itself writes it (« 12 500,50 » with a narrow no-break space)."""
    client.force_login(world.users["partner"])
    url = reverse("chantiers:participants", args=[world.public.chantier.slug])
    response = client.post(url, {"form": "commitment", "kind": "money", "amount": f"12{NNBSP}500,50"})
    assert response.status_code == 302, response.context["commitment_form"].errors
    assert world.public.partner.commitments.filter(amount=Decimal("12500.50")).exists()


def test_a_commitment_of_money_written_the_english_way(client, world):
    client.force_login(world.users["partner"])
    url = _in("en", "chantiers:participants", world.public.chantier.slug)
    response = client.post(url, {"form": "commitment", "kind": "money", "amount": "12,500.50"})
    assert response.status_code == 302, response.context["commitment_form"].errors
    assert world.public.partner.commitments.filter(amount=Decimal("12500.50")).exists()


def test_a_commitment_of_money_without_amount_comes_back(client, world):
    client.force_login(world.users["partner"])
    url = reverse("chantiers:participants", args=[world.public.chantier.slug])
    response = client.post(
        url,
        {"form": "commitment", "kind": "money", "amount": "", "description_fr": "Subvention de fonctionnement"},
    )
    assert response.status_code == 200
    message = gettext("A commitment of money needs an amount above zero.")
    assert response.context["commitment_form"].errors["amount"] == [message]
    text = _text(response)
    assert message in text
    assert 'value="Subvention de fonctionnement"' in text
    assert re.search(r'<option value="money" selected>', text)
    assert world.public.partner.commitments.count() == 1  # the one of the world only


def test_commitments_of_staff_time_and_data(client, world):
    client.force_login(world.users["coordinator"])
    url = reverse("chantiers:participants", args=[world.public.chantier.slug])
    assert client.post(url, {"form": "commitment", "kind": "staff_time", "hours": "120"}).status_code == 302
    data = {"form": "commitment", "kind": "data", "description_fr": "Listes d'attente"}
    assert client.post(url, data).status_code == 302
    lead = world.public.lead
    assert list(lead.commitments.order_by("id").values_list("kind", "hours", "description_fr")) == [
        ("staff_time", 120, ""),
        ("data", None, "Listes d'attente"),
    ]
    # Hours missing, and data without saying what: each error on its field.
    response = client.post(url, {"form": "commitment", "kind": "staff_time", "description_fr": "Coordination"})
    assert response.status_code == 200
    assert response.context["commitment_form"].errors["hours"] == [
        gettext("A commitment of staff time needs a number of hours.")
    ]
    assert 'value="Coordination"' in _text(response)
    response = client.post(url, {"form": "commitment", "kind": "data"})
    assert response.context["commitment_form"].errors["description_fr"] == [gettext("Say what is committed.")]
    assert lead.commitments.count() == 2
    page = _text(client.get(url))
    assert "Listes d'attente" in page
    assert ngettext("%(hours)s hour", "%(hours)s hours", 120) % {"hours": "120"} in page


# --- flows: roles -------------------------------------------------------------------------------------------


def test_the_coordinator_changes_a_participants_role(client, world):
    client.force_login(world.users["coordinator"])
    partner = world.public.partner
    url = reverse("chantiers:participants", args=[world.public.chantier.slug])
    data = {"form": "participant", "participant": partner.pk, "role": "funder", "sector": "public", "decides": "on"}
    assert client.post(url, data).status_code == 302
    partner.refresh_from_db()
    assert (partner.role, partner.sector, partner.decides) == ("funder", "public", True)


def test_the_last_coordinator_cannot_step_down(client, world):
    client.force_login(world.users["coordinator"])
    lead = world.public.lead
    url = reverse("chantiers:participants", args=[world.public.chantier.slug])
    data = {"form": "participant", "participant": lead.pk, "role": "partner", "sector": "community", "decides": "on"}
    response = client.post(url, data)
    assert response.status_code == 200
    message = gettext("A chantier needs a backbone or a lead: give the role to another participant first.")
    assert message in _text(response)
    failed = next(r["form"] for r in response.context["rows"] if r["participant"].pk == lead.pk)
    assert failed.errors["role"] == [message]
    assert failed["role"].value() == "partner"  # what was chosen is kept
    lead.refresh_from_db()
    assert lead.role == "lead"

    # Removing it is refused too, with a message.
    response = client.post(url, {"form": "remove", "participant": lead.pk}, follow=True)
    assert gettext(
        "A chantier needs a backbone or a lead: give the role to another participant before this one leaves."
    ) in _text(response)
    assert Participant.objects.filter(pk=lead.pk).exists()

    # Once another participant is the backbone, the lead may become a partner.
    partner = world.public.partner
    client.post(url, {"form": "participant", "participant": partner.pk, "role": "backbone", "sector": "public"})
    assert client.post(url, data).status_code == 302
    lead.refresh_from_db()
    assert lead.role == "partner"


# --- flows: indicators and measurements -------------------------------------------------------------------


def test_indicators_adopted_or_new_and_measurements(client, world):
    adopted = Indicator.objects.create(
        slug="menages-servis",
        name_fr="Ménages servis",
        name_en="Households served",
        method=Indicator.Method.ENTERED,
        unit_fr="ménages",
        status=Indicator.Status.ADOPTED,
    )
    chantier = world.public.chantier
    url = reverse("chantiers:indicators", args=[chantier.slug])
    client.force_login(world.users["coordinator"])
    page = client.get(url)
    assert 'value="menages-servis"' in page.content.decode()
    response = client.post(
        url,
        {
            "form": "indicator",
            "indicator": "menages-servis",
            "baseline": "120",
            "baseline_on": "2024-01-15",
            "target": "200",
            "target_on": "2028-12-31",
        },
    )
    assert response.status_code == 302
    chosen = chantier.indicators.get(indicator=adopted)
    assert (chosen.baseline, chosen.target, chosen.target_on) == (120.0, 200.0, date(2028, 12, 31))
    response = client.post(
        url,
        {
            "form": "indicator",
            "name_fr": "Jours d'attente",
            "unit_fr": "jours",
            "higher_is_better": "0",
            "baseline": "21,5",
            "baseline_on": "2024-01-15",
            "target": "7",
            "target_on": "2028-12-31",
        },
    )
    assert response.status_code == 302
    waiting = chantier.indicators.get(name_fr="Jours d'attente")
    assert (waiting.baseline, waiting.higher_is_better, waiting.unit_fr) == (21.5, False, "jours")

    # An incomplete new indicator comes back with its message, what was typed kept.
    response = client.post(url, {"form": "indicator", "name_fr": "Bénévoles", "baseline": "3"})
    assert response.status_code == 200
    errors = response.context["indicator_form"].errors
    assert errors["unit_fr"] == [gettext("Give the unit of the values.")]
    assert errors["baseline"] == [gettext("Give both the baseline and the date it was measured.")]
    assert 'value="Bénévoles"' in _text(response)

    # A participant records values; a future date is refused on its field.
    client.force_login(world.users["partner"])
    today = timezone.localdate()
    measured_on = today - timedelta(days=30)
    response = client.post(
        url,
        {
            "form": "measurement",
            "indicator": waiting.pk,
            "measured_on": measured_on.isoformat(),
            "value": "14,5",
            "source": "Registre",
        },
    )
    assert response.status_code == 302
    assert waiting.measurements.get().value == 14.5
    future = (today + timedelta(days=3)).isoformat()
    response = client.post(
        url,
        {"form": "measurement", "indicator": waiting.pk, "measured_on": future, "value": "9", "source": "Registre"},
    )
    assert response.status_code == 200
    failed = next(r["form"] for r in response.context["rows"] if r["indicator"].pk == waiting.pk)
    assert failed.errors["measured_on"] == [gettext("A measurement cannot be dated in the future.")]
    text = _text(response)
    assert gettext("A measurement cannot be dated in the future.") in text
    assert f'value="{future}"' in text
    assert 'value="Registre"' in text
    assert waiting.measurements.count() == 1

    # The chart's text alternative lists every value, as the page writes numbers.
    page = _text(client.get(url))
    assert f"2024-01-15{NBSP}: 21,5" in page
    assert f"{measured_on.isoformat()}{NBSP}: 14,5" in page
    english = _text(client.get(_in("en", "chantiers:indicators", chantier.slug)))
    assert f"2024-01-15: 21.5; {measured_on.isoformat()}: 14.5" in english
    assert "Target: 7 by 2028-12-31" in english


# --- flows: the action plan ---------------------------------------------------------------------------------


def test_actions_with_owners_and_elements_and_possible_duplicates(client, world):
    names = element_names("fr")
    first, second = list(names)[:2]
    chantier = world.public.chantier
    Action.objects.filter(chantier=chantier).delete()
    client.force_login(world.users["coordinator"])
    url = reverse("chantiers:action_new", args=[chantier.slug])
    page = client.get(url)
    assert f'value="{first}"' in page.content.decode()
    assert names[first] in _text(page)

    def add(title, owner, elements, starts_on, due_on):
        data = {
            "title_fr": title,
            "owner": owner.pk,
            "elements": elements,
            "starts_on": starts_on,
            "due_on": due_on,
            "status": "planned",
        }
        response = client.post(url, data)
        assert response.status_code == 302, response.context["form"].errors
        assert response["Location"] == reverse("chantiers:detail", args=[chantier.slug]) + "#plan"
        return Action.objects.get(title_fr=title)

    lead, partner = world.public.lead, world.public.partner
    a = add("Recenser les familles", lead, [first, second], "2027-01-01", "2027-06-30")
    b = add("Enquête municipale", partner, [first], "2027-06-01", "2027-12-31")
    c = add("Bilan de l'hiver", partner, [first], "2028-01-01", "2028-03-31")
    assert (a.owner, a.elements) == (lead, [first, second])

    detail = client.get(reverse("chantiers:detail", args=[chantier.slug]))
    flagged = {r["action"].pk: r["flagged"] for r in detail.context["actions"]}
    assert flagged == {a.pk: True, b.pk: True, c.pk: False}
    text = _text(detail)
    assert text.count(gettext("possible duplicate")) == 2
    assert names[first] in text
    assert [(o["first"], o["second"]) for o in detail.context["overlaps"]] == [(a, b)]

    # The partner's people update their own action.
    client.force_login(world.users["partner"])
    edit = reverse("chantiers:action_edit", args=[chantier.slug, b.pk])
    response = client.post(
        edit,
        {"title_fr": "Enquête municipale", "owner": partner.pk, "elements": [first], "status": "under_way"},
    )
    assert response.status_code == 302
    b.refresh_from_db()
    assert b.status == "under_way"


def test_an_action_with_an_error_keeps_what_was_typed(client, world):
    first = next(iter(element_names("fr")))
    chantier = world.public.chantier
    client.force_login(world.users["coordinator"])
    url = reverse("chantiers:action_new", args=[chantier.slug])
    data = {
        "title_fr": "Ouvrir le samedi",
        "owner": world.public.partner.pk,
        "elements": [first],
        "starts_on": "2027-06-01",
        "due_on": "2027-01-01",
        "budget": "2 500",
        "status": "planned",
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert response.context["form"].errors["due_on"] == [gettext("An action cannot be due before it starts.")]
    text = _text(response)
    assert gettext("An action cannot be due before it starts.") in text
    assert 'value="Ouvrir le samedi"' in text
    assert 'value="2027-06-01"' in text
    assert re.search(rf'value="{first}"[^>]*checked', text)
    assert not Action.objects.filter(title_fr="Ouvrir le samedi").exists()
    response = client.post(url, {**data, "due_on": "2027-12-31", "elements": ["pas-un-element"]})
    assert response.status_code == 200
    assert "elements" in response.context["form"].errors


# --- flows: the journal and the communication condition ---------------------------------------------------


def _condition(client, chantier, code):
    response = client.get(reverse("chantiers:detail", args=[chantier.slug]))
    return next(c for c in response.context["conditions"] if c.id == code).status


def test_the_journal_and_continuous_communication(client, world):
    chantier = world.public.chantier
    today = timezone.localdate()
    url = reverse("chantiers:journal", args=[chantier.slug])
    client.force_login(world.users["partner"])
    assert _condition(client, chantier, "communication") == "missing"
    response = client.post(
        url,
        {"kind": "decision", "happened_on": (today - timedelta(days=150)).isoformat(), "title": "Budget adopté"},
    )
    assert response.status_code == 302
    entry = JournalEntry.objects.get(title="Budget adopté")
    assert (entry.author, entry.created_by) == (world.partner_org, world.users["partner"])
    assert _condition(client, chantier, "communication") == "partial"
    meeting = {"kind": "meeting", "happened_on": (today - timedelta(days=120)).isoformat(), "title": "Rencontre"}
    assert client.post(url, meeting).status_code == 302
    assert _condition(client, chantier, "communication") == "partial"  # more than 90 days ago
    planned = {"kind": "meeting", "happened_on": (today + timedelta(days=20)).isoformat(), "title": "Prochaine"}
    assert client.post(url, planned).status_code == 302
    assert _condition(client, chantier, "communication") == "partial"  # a planned meeting has not happened
    recent = {"kind": "meeting", "happened_on": (today - timedelta(days=89)).isoformat(), "title": "Comité"}
    assert client.post(url, recent).status_code == 302
    assert _condition(client, chantier, "communication") == "in_place"
    page = _text(client.get(url))
    for title in ("Budget adopté", "Rencontre", "Prochaine", "Comité"):
        assert title in page
    # Anyone reads the journal of a public chantier.
    client.logout()
    assert "Comité" in _text(client.get(url))


def test_a_journal_entry_with_an_error_keeps_what_was_typed(client, world):
    chantier = world.public.chantier
    future = (timezone.localdate() + timedelta(days=3)).isoformat()
    client.force_login(world.users["coordinator"])
    url = reverse("chantiers:journal", args=[chantier.slug])
    response = client.post(url, {"kind": "decision", "happened_on": future, "title": "Décision", "text": "Les détails"})
    assert response.status_code == 200
    message = gettext("Only a meeting can be dated in the future.")
    assert response.context["form"].errors["happened_on"] == [message]
    text = _text(response)
    assert message in text
    assert f'value="{future}"' in text
    assert 'value="Décision"' in text
    assert "Les détails" in text
    assert not JournalEntry.objects.exists()


# --- flows: the balance between sectors ---------------------------------------------------------------------


def _table(text: str, caption: str) -> list[list[str]]:
    start = text.index(f"<caption>{caption}</caption>")
    table = text[start : text.index("</table>", start)]
    return [
        [_plain(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", tr, re.S)]
        for tr in re.findall(r"<tr>(.*?)</tr>", table, re.S)
    ]


@pytest.fixture
def balanced(world):
    """A chantier with one participant of each sector: the city (public, no seat) commits $30,000 and 100
    staff hours; the foundation (philanthropic, a seat) $60,000; the community lead (a seat) 300 hours."""
    chantier = Chantier.objects.create(slug="equilibre", title_fr="Équilibre", territory=world.verdun)
    city = Participant.objects.create(
        chantier=chantier, organisation=world.partner_org, sector="public", role="partner"
    )
    fund = Participant.objects.create(
        chantier=chantier, organisation=world.invited_org, sector="philanthropic", role="funder", decides=True
    )
    lead = Participant.objects.create(
        chantier=chantier, organisation=world.lead_org, sector="community", role="lead", decides=True
    )
    Commitment.objects.create(participant=city, kind="money", amount=Decimal("30000"))
    Commitment.objects.create(participant=city, kind="staff_time", hours=100)
    Commitment.objects.create(participant=fund, kind="money", amount=Decimal("60000"))
    Commitment.objects.create(participant=lead, kind="staff_time", hours=300)
    return chantier


def test_the_balance_table_in_french(client, balanced):
    # Money: 30 000 / 90 000 = 33,3 %, 60 000 / 90 000 = 66,7 %; hours: 100 / 400 = 25 %, 300 / 400 = 75 %;
    # seats: 1 of 2 each for the foundation and the lead; participants: a third each.
    response = client.get(reverse("chantiers:detail", args=[balanced.slug]))
    text = response.content.decode()
    with translation.override("fr"):
        rows = _table(text, gettext("Balance between the three sectors"))
        labels = [str(label) for _code, label in Sector.choices]
        total = gettext("Total")
    third, half, none = f"33,3{NBSP}%", f"50,0{NBSP}%", f"0,0{NBSP}%"
    assert rows[1:] == [
        [labels[0], f"1 ({third})", f"0 ({none})", f"30{NNBSP}000{NBSP}$ ({third})", f"100 (25,0{NBSP}%)"],
        [labels[1], f"1 ({third})", f"1 ({half})", f"60{NNBSP}000{NBSP}$ (66,7{NBSP}%)", f"0 ({none})"],
        [labels[2], f"1 ({third})", f"1 ({half})", f"0{NBSP}$ ({none})", f"300 (75,0{NBSP}%)"],
        [total, "3", "2", f"90{NNBSP}000{NBSP}$", "400"],
    ]
    page = html.unescape(text)
    assert "1,00" in page  # evenness: a third each
    findings = " ".join(response.context["findings"])
    assert "Fondation invitée" in findings
    assert f"66,7{NBSP}%" in findings  # one organisation commits two thirds of the money
    assert len(response.context["findings"]) == 2  # that, and money without a seat (the city)


def test_the_balance_table_in_english(client, balanced):
    response = client.get(_in("en", "chantiers:detail", balanced.slug))
    with translation.override("en"):
        rows = _table(response.content.decode(), gettext("Balance between the three sectors"))
        labels = [str(label) for _code, label in Sector.choices]
    assert rows[1:] == [
        [labels[0], "1 (33.3%)", "0 (0.0%)", "$30,000 (33.3%)", "100 (25.0%)"],
        [labels[1], "1 (33.3%)", "1 (50.0%)", "$60,000 (66.7%)", "0 (0.0%)"],
        [labels[2], "1 (33.3%)", "1 (50.0%)", "$0 (0.0%)", "300 (75.0%)"],
        ["Total", "3", "2", "$90,000", "400"],
    ]


# --- flows: the pooled-fund scenario ------------------------------------------------------------------------


def _fund(world, found) -> list:
    """The foundation joins ``found`` as a funder; it and the city (which commits money) each have an open
    offer serving every territory; a real initiative has a submitted diagnostic, so that real offers make
    the ecosystem."""
    from tests.test_scenarios import _submitted

    Participant.objects.create(
        chantier=found.chantier, organisation=world.invited_org, sector="philanthropic", role="funder", decides=True
    )
    offers = []
    for org, slug in ((world.invited_org, "fonds-souple"), (world.partner_org, "subvention-ville")):
        org.is_support_actor = True
        org.save()
        offer = OfferFactory(slug=slug, provider=org, name_fr=slug.replace("-", " ").capitalize())
        OfferCover.objects.create(offer=offer, element="financement-souple", strength=1.0)
        offers.append(offer)
    field = OrganisationFactory(name_fr="Organisme de terrain")
    person = UserFactory()
    member(person, field)
    initiative = InitiativeFactory(carrier=field)
    initiative.territories.set([world.verdun])
    _submitted(person, initiative)
    return offers


@pytest.fixture
def funded(world):
    """The public chantier's two funders (the foundation as a funder, the city through its money) each have
    an open offer serving its territory."""
    return SimpleNamespace(chantier=world.public.chantier, offers=_fund(world, world.public))


def test_a_steward_builds_the_pooled_fund_scenario(client, world, funded):
    # Left out of the pool: an offer of a funder elsewhere, a closed one, and one of a participant that
    # funds nothing (the lead).
    elsewhere = OfferFactory(slug="fonds-ailleurs", provider=world.invited_org)
    elsewhere.territories.set([Territory.objects.get(slug="quartier-saint-michel")])
    closed = OfferFactory(slug="fonds-ferme", provider=world.invited_org)
    today = timezone.localdate()
    OpenPeriod.objects.create(offer=closed, opens_on=today - timedelta(days=90), closes_on=today - timedelta(days=30))
    world.lead_org.is_support_actor = True
    world.lead_org.save()
    not_a_funder = OfferFactory(slug="accompagnement-maison", provider=world.lead_org)
    for offer in (elsewhere, closed, not_a_funder):
        OfferCover.objects.create(offer=offer, element="financement-souple", strength=1.0)
    client.force_login(world.users["steward"])
    detail = client.get(reverse("chantiers:detail", args=[funded.chantier.slug]))
    assert reverse("chantiers:scenario", args=[funded.chantier.slug]) in detail.content.decode()
    response = client.post(reverse("chantiers:scenario", args=[funded.chantier.slug]))
    assert response.status_code == 302
    funded.chantier.refresh_from_db()
    scenario = funded.chantier.scenario
    assert scenario is not None
    assert response["Location"] == reverse("scenarios:detail", args=[scenario.slug])
    pools = scenario.changes["pool"]
    assert len(pools) == 1
    assert sorted(pools[0]["offers"]) == ["fonds-souple", "subvention-ville"]
    assert client.get(response["Location"]).status_code == 200
    # Built again, the same scenario is updated.
    assert client.post(reverse("chantiers:scenario", args=[funded.chantier.slug])).status_code == 302
    assert Scenario.objects.count() == 1


def test_a_pooled_fund_needs_two_offers(client, world, funded):
    funded.offers[1].delete()
    client.force_login(world.users["steward"])
    url = reverse("chantiers:scenario", args=[funded.chantier.slug])
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("chantiers:detail", args=[funded.chantier.slug])
    page = _text(client.get(response["Location"]))
    assert (
        gettext(
            "A pooled fund needs at least two offers of the chantier's funders that serve its territory "
            "and take requests."
        )
        in page
    )
    funded.chantier.refresh_from_db()
    assert funded.chantier.scenario is None
    assert not Scenario.objects.exists()


def test_the_pooled_fund_scenario_of_a_private_chantier_does_not_name_it_to_other_stewards(client, world):
    """A steward who takes part in the private chantier builds its scenario; it is a stewards' scenario, which
    every steward sees: neither its title nor its description may name the private chantier."""
    _fund(world, world.private)
    builder = world.users["steward"]
    member(builder, world.lead_org)
    client.force_login(builder)
    response = client.post(reverse("chantiers:scenario", args=[world.private.chantier.slug]))
    assert response.status_code == 302
    scenario = Chantier.objects.get(pk=world.private.chantier.pk).scenario
    assert scenario is not None
    other = UserFactory(is_steward=True)
    client.force_login(other)
    listed = _text(client.get(reverse("scenarios:list")))
    shown = _text(client.get(reverse("scenarios:detail", args=[scenario.slug])))
    for text in (listed, shown, scenario.title, scenario.description):
        assert world.private.chantier.title_fr not in text
        assert world.private.chantier.title_en not in text


def test_the_chantier_links_its_scenario_only_to_those_who_may_open_it(client, world):
    _fund(world, world.public)
    client.force_login(world.users["steward"])
    assert client.post(reverse("chantiers:scenario", args=[world.public.chantier.slug])).status_code == 302
    scenario = Chantier.objects.get(pk=world.public.chantier.pk).scenario
    link = reverse("scenarios:detail", args=[scenario.slug])
    for role in ("coordinator", "partner", "outsider"):
        client.force_login(world.users[role])
        page = client.get(reverse("chantiers:detail", args=[world.public.chantier.slug])).content.decode()
        if link in page:
            assert client.get(link).status_code == 200, f"{role} is shown a link to a scenario they cannot open"
