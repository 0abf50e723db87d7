"""Anonymous feedback in the app: unlinkable answers, thresholds and differencing, percentiles and
burden against hand computations, cycles, comment review, public summaries, the API, the commands
and the permission matrix."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, models
from django.urls import reverse

from maillage.accounts.models import Membership
from maillage.accounts.services import token_create
from maillage.core.errors import MaillageError
from maillage.feedback import selectors, services
from maillage.feedback.models import Comment, Cycle, Invitation, PublicSummary, Question, Response
from maillage.matching.models import Notification, SupportRequest
from tests.factories import OfferFactory, OrganisationFactory, RelationFactory, UserFactory, member
from tests.test_permissions_matrix import EXPECTED_STATUS, _route_names

pytestmark = pytest.mark.django_db

GOOD = {
    "impact-organisation": 6,
    "impact-initiative": 5,
    "understanding": 5,
    "relationship": 6,
    "fit": 5,
    "flexibility": 4,
    "hours-applying": 10,
    "hours-reporting": 10,
    "beyond-money": 3,
    "recommend": 6,
}


def _text(response):
    return html.unescape(response.content.decode()).replace("\xa0", " ").replace("\u202f", " ")


def _fresh(user):
    user.__dict__.pop("_maillage_memberships", None)
    return user


class World:
    """A foundation that funded twelve field actors in 2025 (ten community organisations in Verdun,
    two social enterprises in Rosemont), people in every role, and a survey cycle open on 2025."""

    def __init__(self, territory, *, open_now=True):
        self.subject = OrganisationFactory(
            name_fr="Fondation témoin", is_support_actor=True, is_field_actor=False, kind="foundation"
        )
        self.other = OrganisationFactory(
            name_fr="Autre bailleur", is_support_actor=True, is_field_actor=False, kind="foundation"
        )
        self.fields = []
        for number in range(12):
            kind = "community" if number < 10 else "social_enterprise"
            place = "quartier-verdun" if number < 10 else "rosemont-la-petite-patrie"
            org = OrganisationFactory(name_fr=f"Répondant témoin {number}", kind=kind)
            org.territories.set([territory(place)])
            RelationFactory(
                source=self.subject,
                target=org,
                kind="funds",
                year=2025,
                amount=Decimal(10000),
                is_flexible=number % 2 == 0,
                is_multi_year=number < 3,
            )
            self.fields.append(org)
        self.users = {
            "outsider": UserFactory(),
            "field_member": UserFactory(),
            "field_admin": UserFactory(),
            "subject_member": UserFactory(),
            "subject_admin": UserFactory(),
            "other_provider": UserFactory(),
            "steward": UserFactory(is_steward=True, is_staff=True),
        }
        member(self.users["field_member"], self.fields[0])
        member(self.users["field_admin"], self.fields[0], Membership.Role.ADMIN)
        member(self.users["subject_member"], self.subject)
        member(self.users["subject_admin"], self.subject, Membership.Role.ADMIN)
        member(self.users["other_provider"], self.other, Membership.Role.ADMIN)
        # One person per organisation, a member since before the cycle opened (who may answer for it).
        self.respondents = {}
        for number, org in enumerate(self.fields):
            self.respondents[number] = UserFactory()
            member(self.respondents[number], org)
        self.cycle = services.cycle_create(
            user=self.users["steward"], slug="c2025", name_fr="Sondage 2025", name_en="2025 survey", year=2025
        )
        if open_now:
            self.open()

    def open(self):
        services.cycle_open(user=self.users["steward"], cycle=self.cycle)

    def add(self, kind="community", name="Nouveau répondant"):
        """Another organisation funded in 2025, with its respondent (before the cycle opens)."""
        org = OrganisationFactory(name_fr=name, kind=kind)
        RelationFactory(source=self.subject, target=org, kind="funds", year=2025, amount=Decimal(5000))
        self.respondents[len(self.fields)] = UserFactory()
        member(self.respondents[len(self.fields)], org)
        self.fields.append(org)
        return org

    def fund(self, year, numbers=range(12)):
        for number in numbers:
            RelationFactory(
                source=self.subject, target=self.fields[number], kind="funds", year=year, amount=Decimal(10000)
            )

    def invitation(self, number, subject=None):
        return Invitation.objects.get(
            cycle=self.cycle, organisation=self.fields[number], subject=subject or self.subject
        )

    def answer(self, number, answers=None, subject=None):
        services.response_submit(
            user=_fresh(self.respondents[number]),
            invitation=self.invitation(number, subject),
            answers=GOOD if answers is None else answers,
        )

    def close(self):
        services.cycle_close(user=self.users["steward"], cycle=self.cycle)
        self.cycle.refresh_from_db()


@pytest.fixture
def world(territory):
    return World(territory)


# --- invitations and cycles ----------------------------------------------------------------------------


def test_opening_invites_every_field_actor_funded_that_year_and_tells_them(world):
    invitations = Invitation.objects.filter(cycle=world.cycle, subject=world.subject)
    assert invitations.count() == 12
    assert {i.amount for i in invitations} == {Decimal(10000)}
    assert world.invitation(0).basis == "financement 2025"
    assert world.cycle.status == "open"
    told = Notification.objects.filter(user=world.users["field_member"])
    assert told.count() == 1
    assert "anonymement" in told.get().text_fr
    assert not Notification.objects.filter(user=world.users["subject_member"]).exists()


def test_an_accepted_request_invites_every_carrier_and_reminders_reach_only_those_who_have_not_answered(territory):
    from tests.factories import InitiativeFactory

    world = World(territory, open_now=False)
    offer = OfferFactory(provider=world.other, name_fr="Offre témoin")
    carrier = OrganisationFactory(name_fr="Porteur témoin")
    request = SupportRequest.objects.create(initiative=InitiativeFactory(carrier=carrier), offer=offer)
    world.open()
    # Asked before the cycle opened, accepted since: invited at the next reminder.
    SupportRequest.objects.filter(pk=request.pk).update(status="accepted", answered_at="2025-06-01T12:00:00Z")
    world.answer(1)
    Notification.objects.all().delete()
    added, reminded = services.cycle_remind(user=world.users["steward"], cycle=world.cycle)
    assert added == 1
    new = Invitation.objects.get(cycle=world.cycle, organisation=carrier)
    assert (new.subject, new.basis) == (world.other, "Offre témoin")
    assert reminded == 12  # eleven funded that have not answered, and the new one
    assert Notification.objects.filter(user=world.users["field_member"]).exists()
    assert not Notification.objects.filter(user=world.respondents[1]).exists()
    world.cycle.refresh_from_db()
    assert world.cycle.reminders == 1
    assert world.cycle.reminded_at is not None


def test_support_declared_after_opening_is_not_surveyed_so_nobody_fills_the_survey_with_fakes(world):
    # The foundation's admin creates four organisations and declares grants to them mid-cycle, to
    # answer in their name and so read a real grantee's answers out of the mean: none is invited.
    admin = world.users["subject_admin"]
    for number in range(4):
        fake = OrganisationFactory(name_fr=f"Organisme fantôme {number}")
        member(admin, fake, Membership.Role.ADMIN)
        RelationFactory(source=world.subject, target=fake, kind="funds", year=2025, amount=1)
    # A grant declared mid-cycle to an organisation that existed before is not added either.
    RelationFactory(source=world.other, target=world.fields[0], kind="funds", year=2025, amount=1)
    added, _reminded = services.cycle_remind(user=world.users["steward"], cycle=world.cycle)
    assert added == 0
    assert Invitation.objects.filter(cycle=world.cycle).count() == 12


def test_nobody_rates_an_organisation_they_belong_to(territory, client):
    world = World(territory, open_now=False)
    # A person in both the foundation and a grantee: that grantee is not invited to rate it.
    member(world.respondents[2], world.subject)
    world.open()
    assert not Invitation.objects.filter(cycle=world.cycle, organisation=world.fields[2]).exists()
    # Nor can a member of the foundation answer for a grantee it joins, or anyone who joined after
    # the cycle opened (a steward adding themselves, for one).
    for person in (world.users["subject_admin"], world.users["steward"]):
        member(person, world.fields[3])
        _fresh(person)
        client.force_login(person)
        assert client.get(reverse("feedback:survey", args=[world.invitation(3).pk])).status_code == 403
        assert world.invitation(3) not in selectors.my_invitations(person)


def test_cycles_move_only_forward(world):
    steward = world.users["steward"]
    with pytest.raises(MaillageError) as caught:
        services.cycle_open(user=steward, cycle=world.cycle)
    assert caught.value.code == "cycle_not_draft"
    with pytest.raises(MaillageError) as caught:
        services.question_add(user=steward, cycle=world.cycle, kind="scale", text_fr="Q ?", text_en="Q?")
    assert caught.value.code == "cycle_started"
    world.close()
    for action in (services.cycle_remind, services.cycle_close):
        with pytest.raises(MaillageError) as caught:
            action(user=steward, cycle=world.cycle)
        assert caught.value.code == "cycle_not_open"


def test_a_steward_adds_questions_that_the_survey_then_asks(client, world):
    steward = world.users["steward"]
    draft = services.cycle_create(user=steward, slug="c2026", name_fr="Sondage 2026", year=2026)
    client.force_login(steward)
    response = client.post(reverse("feedback:cycle", args=["c2026"]), {"kind": "scale", "text_fr": "", "text_en": ""})
    assert response.status_code == 422
    assert "Ce champ est obligatoire" in _text(response)
    response = client.post(
        reverse("feedback:cycle", args=["c2026"]),
        {
            "kind": "scale",
            "text_fr": "Les délais étaient-ils clairs ?",
            "text_en": "Were the deadlines clear?",
            "low_fr": "Pas du tout",
            "high_fr": "Tout à fait",
        },
    )
    assert response.status_code == 302
    question = Question.objects.get(cycle=draft)
    assert question.code == "added-1"
    codes = [q.code for q in selectors.survey_questions(draft)]
    assert codes.index("added-1") < codes.index("comment-best")  # ratings before the comments
    client.post(reverse("feedback:cycle_action", args=["c2026", "remove-added-1"]))
    assert not Question.objects.filter(cycle=draft).exists()


def test_an_added_rating_is_answered_and_shown_like_the_others(world, territory):
    steward = world.users["steward"]
    world.fund(2024, range(5))
    cycle = services.cycle_create(user=steward, slug="c2024", name_fr="2024", year=2024)
    services.question_add(user=steward, cycle=cycle, kind="scale", text_fr="Délais clairs ?", text_en="Clear?")
    services.cycle_open(user=steward, cycle=cycle)
    for number in range(5):
        invitation = Invitation.objects.get(cycle=cycle, organisation=world.fields[number], subject=world.subject)
        services.response_submit(
            user=_fresh(world.respondents[number]), invitation=invitation, answers={"added-1": 2 + number}
        )
    services.cycle_close(user=steward, cycle=cycle)
    card = selectors.scorecard(world.subject, cycle)
    added = next(r for r in card.rows if r.question.code == "added-1")
    assert added.rating.shown
    assert added.rating.mean == pytest.approx(4.0)


# --- unlinkable answers -------------------------------------------------------------------------------


def test_answers_hold_nothing_that_joins_them_to_who_gave_them():
    for model in (Response, Comment):
        fields = {f.name: f for f in model._meta.get_fields()}
        assert isinstance(model._meta.pk, models.UUIDField), model
        assert not [f for f in fields.values() if isinstance(f, models.DateField | models.DateTimeField)], model
        relations = {name for name, f in fields.items() if f.is_relation}
        assert relations == {"cycle", "subject"}, model  # never the organisation, the person, the invitation
    # Participation records that an organisation answered, never when.
    invitation_fields = {f.name: f for f in Invitation._meta.get_fields()}
    assert not [f for f in invitation_fields.values() if getattr(f, "auto_now", False)]
    assert {f.name for f in invitation_fields.values() if isinstance(f, models.DateTimeField)} == {"invited_at"}


def test_a_stored_answer_names_neither_the_organisation_nor_the_person(world):
    world.answer(3, {**GOOD, "comment-best": "Un accompagnement attentif."})
    response = Response.objects.get()
    stored = json.dumps({"answers": response.answers, "group": response.respondent_group})
    respondent = world.fields[3]
    person = world.respondents[3]
    for secret in (respondent.slug, respondent.name_fr, str(respondent.pk), person.email, str(person.pk)):
        assert secret not in stored
    assert response.respondent_group == "community"  # a broad group: not the kind, the place or the amount
    comment = Comment.objects.get()
    assert (comment.question, comment.text, comment.status) == (
        "comment-best",
        "Un accompagnement attentif.",
        "pending",
    )
    assert world.invitation(3).answered


def test_closing_rewrites_the_answers_in_a_random_order_with_new_identifiers(world):
    for number in range(12):
        world.answer(number, {"recommend": 1 + number % 7, "hours-applying": number})
    table = connection.ops.quote_name(Response._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {table}")
        before = {row[0] for row in cursor.fetchall()}
    world.close()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, answers FROM {table}")
        rows = cursor.fetchall()
    assert {row[0] for row in rows}.isdisjoint(before)
    order = [(json.loads(a) if isinstance(a, str) else a)["hours-applying"] for _, a in rows]
    assert sorted(order) == list(range(12))
    # The rows no longer come in the order of answering (a 1 in 479,001,600 chance that they do).
    assert order != list(range(12))


def test_an_organisation_answers_once_and_only_while_the_cycle_is_open(world):
    world.answer(0)
    with pytest.raises(MaillageError) as caught:
        world.answer(0)
    assert caught.value.code == "already_answered"
    world.close()
    with pytest.raises(MaillageError) as caught:
        world.answer(1)
    assert caught.value.code == "cycle_not_open"
    assert Response.objects.count() == 1


@pytest.mark.parametrize("role", ["outsider", "subject_admin", "steward", "other_provider"])
def test_only_the_invited_organisation_answers(world, role):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.response_submit(user=world.users[role], invitation=world.invitation(0), answers=GOOD)


@pytest.mark.parametrize(
    ("answers", "code", "field"),
    [
        ({"recommend": 9}, "rating_invalid", "recommend"),
        ({"recommend": "beaucoup"}, "rating_invalid", "recommend"),
        ({"hours-applying": -1}, "hours_invalid", "hours-applying"),
        ({"hours-applying": "nan"}, "hours_invalid", "hours-applying"),
        ({"hours-reporting": 10_000}, "hours_invalid", "hours-reporting"),
        ({"comment-best": "x\x00y"}, "null_character", "comment-best"),
        ({"comment-best": "x" * 2001}, "text_too_long", "comment-best"),
        ({"unknown": 3}, "question_unknown", "unknown"),
        ({}, "answers_missing", None),
    ],
)
def test_invalid_answers_are_refused_with_the_question_and_nothing_is_written(world, answers, code, field):
    with pytest.raises(MaillageError) as caught:
        world.answer(0, answers)
    assert caught.value.code == "answers_invalid"
    assert [(p.code, p.field) for p in caught.value.problems] == [(code, field)]
    assert not Response.objects.exists()
    assert not Comment.objects.exists()
    assert not world.invitation(0).answered


def test_the_survey_form_redisplays_what_was_typed_with_the_error(client, world):
    client.force_login(world.users["field_member"])
    url = reverse("feedback:survey", args=[world.invitation(0).pk])
    page = client.get(url)
    assert page.status_code == 200
    text = _text(page)
    assert "Quel effet ce soutien a-t-il eu sur votre organisation ?" in text
    assert "Fondation témoin" in text
    response = client.post(url, {"recommend": "6", "hours-applying": "-3", "comment-best": "Merci"})
    assert response.status_code == 200
    text = _text(response)
    assert "Indiquez un nombre d'heures entre 0 et 5 000." in text
    assert re.search(r'name="recommend" value="6"[^>]*checked', response.content.decode())
    assert "Merci</textarea>" in text
    assert not Response.objects.exists()
    response = client.post(url, {"recommend": "6", "hours-applying": "2,5", "comment-best": "Merci"})
    assert response.status_code == 302
    stored = Response.objects.get()
    assert stored.answers == {"recommend": 6, "hours-applying": 2.5}
    assert "déjà répondu" in _text(client.get(url))


def test_the_survey_reads_in_english(client, world):
    client.force_login(world.users["field_member"])
    text = _text(client.get("/en" + reverse("feedback:survey", args=[world.invitation(0).pk])))
    assert "What effect did this support have on your organisation?" in text
    assert "funding 2025" in text
    assert "Send my answers" in text


# --- thresholds and differencing ----------------------------------------------------------------------------


def _api(client, world, role, query=""):
    _token, raw = token_create(user=world.users[role], name="t")
    return client.get(
        f"/api/feedback/scorecards/{world.subject.slug}{query}", headers={"authorization": f"Bearer {raw}"}
    )


def test_a_rating_shows_from_five_answers_and_only_once_the_cycle_is_closed(client, world):
    for number in range(4):
        world.answer(number)
    world.answer(4, {"recommend": 2})  # the fifth answers one question only
    client.force_login(world.users["subject_member"])
    url = reverse("feedback:scorecard", args=[world.subject.slug])
    assert "Aucun cycle de sondage où cet acteur de soutien a été noté n'est encore clos" in _text(client.get(url))
    assert _api(client, world, "subject_member").status_code == 404  # nothing while it is open
    world.close()
    card = selectors.scorecard(world.subject, world.cycle)
    rows = {r.question.code: r for r in card.rows}
    assert rows["recommend"].rating.shown
    assert rows["recommend"].rating.mean == pytest.approx((6 * 4 + 2) / 5)
    assert rows["recommend"].rating.distribution == (0, 1, 0, 0, 0, 4, 0)
    assert rows["fit"].rating is None
    assert rows["fit"].refused.code == "too_few"
    data = _api(client, world, "subject_member").json()
    questions = {q["code"]: q for q in data["questions"]}
    assert questions["recommend"]["rating"]["answers"] == 5
    assert questions["fit"]["rating"] is None
    assert questions["fit"]["withheld"] == "too_few"
    text = _text(client.get(url))
    assert "Moins de 5 réponses." in text
    assert "5 organisations sur 12 invitées ont répondu" in text


@pytest.fixture
def five_enterprises(territory):
    """The world with five social enterprises invited, so that groups of respondents may be offered."""
    world = World(territory, open_now=False)
    for number in range(3):
        world.add("social_enterprise", f"Entreprise témoin {number}")
    world.open()
    return world


def test_a_slice_that_would_isolate_by_difference_is_refused(client, five_enterprises):
    # Ten community organisations and one social enterprise answer: "community only" is 10, but the
    # whole minus it would be the one social enterprise.
    world = five_enterprises
    for number in range(11):
        world.answer(number)
    world.close()
    client.force_login(world.users["subject_member"])
    url = reverse("feedback:scorecard", args=[world.subject.slug])
    text = _text(client.get(url + "?group=community"))
    assert "Ce choix de répondants est refusé" in text
    assert "Moyenne" not in text
    response = _api(client, world, "subject_member", "?group=community")
    assert response.status_code == 422
    assert response.json()["code"] == "slice_refused"
    assert response.json()["problems"][0]["code"] == "difference"
    assert response.json()["problems"][0]["field"] == "group"
    # Too few in the slice itself.
    response = _api(client, world, "subject_member", "?group=enterprise")
    assert response.json()["problems"][0]["code"] == "too_few"
    # The whole remains: eleven answers.
    whole = _api(client, world, "subject_member").json()
    assert {q["code"]: q for q in whole["questions"]}["recommend"]["rating"]["answers"] == 11


def test_a_slice_is_released_when_its_complement_counts_five_or_none(client, five_enterprises):
    world = five_enterprises
    for number in range(10):
        world.answer(number)
    world.close()
    response = _api(client, world, "subject_member", "?group=community")
    assert response.status_code == 200
    assert {q["code"]: q for q in response.json()["questions"]}["fit"]["rating"]["answers"] == 10


def test_a_question_skipped_by_someone_outside_the_slice_is_withheld_in_the_slice(territory):
    # Five community organisations rate "fit"; five social enterprises… only one of them does.
    world = World(territory, open_now=False)
    for number in range(3):
        world.add("social_enterprise", f"Entreprise témoin {number}")
    world.open()
    for number in range(5):
        world.answer(number)
    world.answer(10)  # a social enterprise rates everything
    for number in (11, 12, 13, 14):
        world.answer(number, {"recommend": 4})  # the other four rate only "recommend"
    world.close()
    card = selectors.scorecard(world.subject, world.cycle, {"group": "community"})
    assert card.decision.allowed  # five and five
    rows = {r.question.code: r for r in card.rows}
    assert rows["recommend"].rating.shown
    assert rows["fit"].rating is None
    assert rows["fit"].refused.code == "difference"


def test_no_group_is_offered_when_a_group_invited_is_small_whoever_answered(client, territory):
    # Two social enterprises were invited: whether "community organisations" is refused or shown would
    # tell whether one of them answered. It is never offered, whoever answered.
    world = World(territory)
    for number in range(10):
        world.answer(number)
    world.close()
    card = selectors.scorecard(world.subject, world.cycle, {"group": "community"})
    assert (card.decision.allowed, card.decision.code) == (False, "groups_small")
    response = _api(client, world, "subject_member", "?group=community")
    assert response.json()["problems"][0]["code"] == "groups_small"
    client.force_login(world.users["subject_member"])
    text = _text(client.get(reverse("feedback:scorecard", args=[world.subject.slug]) + "?group=community"))
    assert "compte moins de 5 organisations invitées" in text


# --- scorecard figures by hand ----------------------------------------------------------------------------


def _peer(name, kind="foundation"):
    """A support actor that funded five organisations of its own in 2025, each with a respondent
    (before the cycle opens)."""
    peer = OrganisationFactory(name_fr=name, is_support_actor=True, is_field_actor=False, kind=kind)
    people = []
    for number in range(5):
        org = OrganisationFactory(name_fr=f"{name} bénéficiaire {number}")
        RelationFactory(source=peer, target=org, kind="funds", year=2025, amount=Decimal(1000))
        person = UserFactory()
        member(person, org)
        people.append((org, person))
    return peer, people


def _rate(world, peer, people, value):
    """The peer's five organisations rate it ``value`` on "recommend", with 10 hours each."""
    for org, person in people:
        invitation = Invitation.objects.get(cycle=world.cycle, organisation=org, subject=peer)
        services.response_submit(
            user=_fresh(person),
            invitation=invitation,
            answers={"recommend": value, "hours-applying": 5, "hours-reporting": 5},
        )


def test_percentiles_among_peers_of_the_same_kind_by_hand(territory):
    world = World(territory, open_now=False)
    values = {"Pair A": 3, "Pair B": 4, "Pair C": 6, "Pair D": 5, "Pair E": 2}
    peers = {name: _peer(name) for name in values}
    city = _peer("Ville témoin", kind="public_body")  # another kind: not a peer
    world.open()
    for number in range(5):
        world.answer(number, {"recommend": 5, "hours-applying": 20, "hours-reporting": 0})
    for name, (peer, people) in peers.items():
        _rate(world, peer, people, values[name])
    _rate(world, *city, 7)
    world.close()
    card = selectors.scorecard(world.subject, world.cycle)
    recommend = next(r for r in card.rows if r.question.code == "recommend")
    # Peers 3, 4, 6, 5, 2: three below, one equal (counting half): (3 + 0.5) / 5.
    assert recommend.peers == 5
    assert recommend.percentile == pytest.approx(70.0)
    # Hours per $1,000: a median of 20 h for a median grant of $10,000 = 2.0; the peers 10 h for $1,000.
    assert card.hours_per_thousand == pytest.approx(2.0)
    assert card.hours_percentile == pytest.approx(100.0)  # lighter than every peer
    assert card.hours_peers == 5  # the public body is not a peer
    assert (card.hours_lighter, card.hours_heavier) == (5, 0)
    # Too few peers for a question no peer was rated on.
    fit = next(r for r in card.rows if r.question.code == "fit")
    assert fit.percentile is None
    # Four peers would be too few: their ranks would compare it with named competitors.
    Response.objects.filter(subject=peers["Pair E"][0]).delete()
    from django.core.cache import cache

    cache.clear()
    assert (
        next(
            r for r in selectors.scorecard(world.subject, world.cycle).rows if r.question.code == "recommend"
        ).percentile
        is None
    )


def test_money_shares_come_from_the_funding_declared_that_year(world):
    money = selectors.money_shares(world.subject, 2025)
    assert money["total"] == Decimal(120000)
    assert money["flexible_share"] == pytest.approx(50.0)  # six of twelve grants are unrestricted
    assert money["multi_year_share"] == pytest.approx(25.0)  # three of twelve
    assert selectors.money_shares(world.subject, 2024)["flexible_share"] is None


def test_needs_covered_only_from_the_diagnostics_shared_with_the_support_actor(world):
    from maillage.diagnostics.models import DiagnosticShare
    from maillage.matching.models import OfferCover
    from tests.factories import InitiativeFactory
    from tests.test_scenarios import _submitted

    offer = OfferFactory(provider=world.subject)
    OfferCover.objects.create(offer=offer, element="financement-souple", strength=0.5)
    writer = UserFactory()
    for number in range(6):
        member(writer, world.fields[number])
    _fresh(writer)
    diagnostics = [_submitted(writer, InitiativeFactory(carrier=world.fields[number])) for number in range(6)]
    # Private diagnostics count for nothing, however many.
    assert not selectors.needs_coverage(world.subject, 2025).shown
    for diagnostic in diagnostics[:5]:
        DiagnosticShare.objects.create(diagnostic=diagnostic, organisation=world.subject)
    coverage = selectors.needs_coverage(world.subject, 2025)
    assert coverage.shown
    assert coverage.initiatives == 5  # the sixth did not share its diagnostic
    elements = {e.element: (e.in_need, e.covered) for e in coverage.elements}
    assert elements["financement-souple"] == (5, 5)
    assert elements["gouvernance"] == (5, 0)
    # Each needs both conditions equally (answered 1): the offer covers half of one of the two.
    needs = selectors.supported_initiatives(world.subject, 2025)[0].needs
    flexible, governance = needs["financement-souple"], needs["gouvernance"]
    assert coverage.share == pytest.approx(0.5 * flexible / sum(w for w in needs.values() if w > 0))
    assert flexible == pytest.approx(governance)
    assert not selectors.needs_coverage(world.other, 2025).shown


def test_trends_follow_the_closed_cycles(world):
    world.fund(2024, range(5))
    earlier = services.cycle_create(user=world.users["steward"], slug="c2024", name_fr="2024", year=2024)
    services.cycle_open(user=world.users["steward"], cycle=earlier)
    for number in range(5):
        invitation = Invitation.objects.get(cycle=earlier, organisation=world.fields[number], subject=world.subject)
        services.response_submit(
            user=_fresh(world.respondents[number]), invitation=invitation, answers={"recommend": 4}
        )
    services.cycle_close(user=world.users["steward"], cycle=earlier)
    for number in range(5):
        world.answer(number, {"recommend": 6})
    world.close()
    trends = selectors.trends(world.subject)
    assert [(t.cycle.slug, t.means["recommend"]) for t in trends] == [("c2024", 4.0), ("c2025", 6.0)]


def test_practice_comparisons_by_hand(territory):
    # Six support actors: three mostly unrestricted rated 6, 6, 5; three restricted rated 3, 4, 4.
    world = World(territory, open_now=False)
    plan = [(True, 6), (True, 6), (True, 5), (False, 3), (False, 4), (False, 4)]
    peers = [_peer(f"Bailleur {index}") for index in range(len(plan))]
    for (peer, _people), (flexible, _value) in zip(peers, plan, strict=True):
        peer.relations_out.update(is_flexible=flexible)
    world.open()
    for (peer, people), (_flexible, value) in zip(peers, plan, strict=True):
        _rate(world, peer, people, value)
    world.close()
    rows, rated = selectors.practices(world.cycle)
    assert rated == 6
    row = next(r for r in rows if r.practice == "flexible" and r.question == "recommend")
    assert row.comparison.mean_with == pytest.approx(17 / 3)
    assert row.comparison.mean_without == pytest.approx(11 / 3)
    assert row.comparison.difference == pytest.approx(2.0)
    assert row.comparison.shown_difference == pytest.approx(2.0)  # 5.7 − 3.7
    assert next(r for r in rows if r.practice == "flexible" and r.question == "fit").comparison is None


def test_a_practice_held_by_most_at_the_top_still_splits():
    assert selectors.split_at_median({"a": 100.0, "b": 100.0, "c": 100.0, "d": 0.0}) == {
        "a": True,
        "b": True,
        "c": True,
        "d": False,
    }
    assert selectors.split_at_median({"a": 3.0, "b": 2.0, "c": 1.0}) == {"a": True, "b": False, "c": False}


# --- comments ---------------------------------------------------------------------------------------------


def test_comments_are_reviewed_after_closing_without_their_author_and_shown_from_five_answers(client, world):
    for number in range(5):
        world.answer(number, {**GOOD, "comment-change": f"Le rapport de Répondant témoin {number} est trop long."})
    client.force_login(world.users["steward"])
    assert "Aucun commentaire" in _text(client.get(reverse("feedback:comments")))  # not while open
    world.close()
    page = _text(client.get(reverse("feedback:comments")))
    assert "5 commentaires à relire" in page
    comments = list(Comment.objects.filter(status="pending"))
    response = client.post(
        reverse("feedback:comments"), {"comment": comments[0].pk, "decision": "publish", f"{comments[0].pk}-text": ""}
    )
    assert response.status_code == 422
    assert "Écrivez le commentaire à publier" in _text(response)
    client.post(
        reverse("feedback:comments"),
        {"comment": comments[0].pk, "decision": "publish", f"{comments[0].pk}-text": "Le rapport est trop long."},
    )
    client.post(reverse("feedback:comments"), {"comment": comments[1].pk, "decision": "reject"})
    comments[0].refresh_from_db()
    comments[1].refresh_from_db()
    assert (comments[0].status, comments[0].text) == ("published", "Le rapport est trop long.")
    assert (comments[1].status, comments[1].text) == ("rejected", "")
    client.force_login(world.users["subject_member"])
    text = _text(client.get(reverse("feedback:scorecard", args=[world.subject.slug])))
    assert "Le rapport est trop long." in text
    assert "Répondant témoin" not in text


def test_the_review_page_shows_no_trace_of_who_wrote_a_comment(client, world):
    for number in range(5):
        world.answer(number, {"comment-best": "Merci."})
    world.close()
    client.force_login(world.users["steward"])
    page = _text(client.get(reverse("feedback:comments")))
    for org in world.fields:
        assert org.name_fr not in page
        assert org.slug not in page
    assert "Fondation témoin" in page  # what the comment is about


def test_comments_about_a_support_actor_with_fewer_than_five_answers_are_erased_unread(world, territory):
    for number in range(4):
        world.answer(number, {"comment-best": "Merci, Madame Tremblay."})
    assert Comment.objects.count() == 4
    world.close()
    assert not Comment.objects.exists()  # never shown, so never read: not even by a steward
    card = selectors.scorecard(world.subject, world.cycle)
    assert card.comments == []
    assert card.comments_withheld


# --- public summaries --------------------------------------------------------------------------------------


def test_a_support_actor_publishes_its_summary_and_response_on_its_offers_pages(client, world):
    offer = OfferFactory(provider=world.subject, name_fr="Fonds témoin")
    for number in range(6):
        world.answer(number)
    world.close()
    page = reverse("directory:offer", args=[offer.slug])
    assert "Ce qu'en disent les organisations soutenues" not in _text(client.get(page))
    client.force_login(world.users["subject_member"])
    response = client.post(reverse("feedback:summary", args=[world.subject.slug]), {"is_published": "on"})
    assert response.status_code == 403  # publishing is the admins' decision
    client.force_login(world.users["subject_admin"])
    response = client.post(
        reverse("feedback:summary", args=[world.subject.slug]),
        {"is_published": "on", "response_fr": "Nous allégeons nos rapports.", "response_en": "Lighter reports."},
    )
    assert response.status_code == 302
    client.logout()
    text = _text(client.get(page))
    assert "Ce qu'en disent les organisations soutenues : Fondation témoin" in text
    assert "6 organisations ont répondu" in text
    assert "6,0 sur 7" in text  # recommend: six answers of 6
    assert "Nous allégeons nos rapports." in text
    assert "Lighter reports." in _text(client.get("/en" + page))
    assert client.get(f"/api/feedback/summaries/{world.subject.slug}").json()["ratings"]["recommend"]["mean"] == 6
    PublicSummary.objects.update(is_published=False)
    assert "Nous allégeons" not in _text(client.get(page))
    assert client.get(f"/api/feedback/summaries/{world.subject.slug}").status_code == 404


def test_a_summary_too_long_is_refused_and_kept(client, world):
    client.force_login(world.users["subject_admin"])
    response = client.post(
        reverse("feedback:summary", args=[world.subject.slug]), {"is_published": "on", "response_fr": "x" * 2001}
    )
    assert response.status_code == 422
    assert "x" * 2001 in response.content.decode()
    assert not PublicSummary.objects.exists()


# --- permissions ------------------------------------------------------------------------------------------

ROLES = (
    "anonymous",
    "outsider",
    "field_member",
    "field_admin",
    "subject_member",
    "subject_admin",
    "other_provider",
    "steward",
)
OK, DENY, LOGIN = "ok", "deny", "login"


def _expect(route, role):
    if role == "anonymous":
        return LOGIN
    if route in ("feedback:index", "feedback:scorecards"):
        return OK
    if route == "feedback:survey":
        return OK if role in ("field_member", "field_admin") else DENY
    if route == "feedback:scorecard":
        return OK if role in ("subject_member", "subject_admin", "steward") else DENY
    if route == "feedback:summary":
        return "redirect" if role == "subject_admin" else DENY
    return OK if role == "steward" else DENY  # cycles, comments, practices


ROUTES = [
    ("feedback:index", "get"),
    ("feedback:survey", "get"),
    ("feedback:scorecards", "get"),
    ("feedback:scorecard", "get"),
    ("feedback:summary", "post"),
    ("feedback:cycles", "get"),
    ("feedback:cycle", "get"),
    ("feedback:cycle_action", "post"),
    ("feedback:comments", "get"),
    ("feedback:practices", "get"),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("route", "method"), ROUTES)
def test_the_permission_matrix(client, world, role, route, method):
    args = {
        "feedback:survey": [world.invitation(0).pk],
        "feedback:scorecard": [world.subject.slug],
        "feedback:summary": [world.subject.slug],
        "feedback:cycle": ["c2025"],
        "feedback:cycle_action": ["c2025", "remind"],
    }.get(route, [])
    if role != "anonymous":
        client.force_login(world.users[role])
    url = reverse(route, args=args)
    response = client.post(url, {"is_published": ""}) if method == "post" else client.get(url)
    expected = _expect(route, role)
    if route == "feedback:cycle_action" and expected == OK:
        expected = "redirect"
    assert response.status_code in EXPECTED_STATUS[expected], (role, route, response.status_code)
    if role == "anonymous":
        assert reverse("accounts:login") in response["Location"]


def test_every_feedback_route_is_in_the_matrix():
    assert {n for n in _route_names() if n.startswith("feedback:")} == {r for r, _ in ROUTES}


def test_another_support_actor_never_reads_a_scorecard_not_its_own(client, world):
    for number in range(5):
        world.answer(number)
    world.close()
    assert _api(client, world, "other_provider").status_code == 403
    assert _api(client, world, "field_member").status_code == 403
    assert _api(client, world, "steward").status_code == 200
    assert client.get(f"/api/feedback/scorecards/{world.subject.slug}").status_code == 401


@pytest.mark.parametrize(("role", "status"), [("steward", 200), ("subject_admin", 403), ("outsider", 403)])
def test_practices_in_the_api_are_for_stewards(client, world, role, status):
    world.close()
    _token, raw = token_create(user=world.users[role], name="t")
    response = client.get("/api/feedback/practices", headers={"authorization": f"Bearer {raw}"})
    assert response.status_code == status


def test_the_cycle_list_in_the_api_counts_without_naming(client, world):
    world.answer(0)
    world.close()
    data = client.get("/api/feedback/cycles").json()
    assert data == [
        {
            "slug": "c2025",
            "name_fr": "Sondage 2025",
            "name_en": "2025 survey",
            "year": 2025,
            "status": "closed",
            "closes_on": None,
            "invited": 12,
            "answered": 1,
            "is_demo": False,
        }
    ]


def test_the_steward_pages_run_a_cycle_end_to_end(client, world):
    client.force_login(world.users["steward"])
    response = client.post(reverse("feedback:cycles"), {"name_fr": "", "slug": "Pas Bon", "year": "1800"})
    assert response.status_code == 422
    assert 'value="Pas Bon"' in response.content.decode()
    response = client.post(reverse("feedback:cycles"), {"name_fr": "Bis", "slug": "c2025", "year": "2025"})
    assert "Un autre cycle porte déjà cet identifiant." in _text(response)
    response = client.post(reverse("feedback:cycles"), {"name_fr": "Bis", "slug": "c2025-bis", "year": "2025"})
    assert response.status_code == 422
    assert "Un cycle de sondage couvre déjà le soutien de 2025" in _text(response)
    response = client.post(
        reverse("feedback:cycles"), {"name_fr": "2024", "slug": "c2024", "year": "2024", "closes_on": "2020-01-01"}
    )
    assert "La date de clôture est déjà passée." in _text(response)
    response = client.post(reverse("feedback:cycles"), {"name_fr": "Sondage 2024", "slug": "c2024", "year": "2024"})
    assert response.status_code == 302
    # Nobody was funded in 2024: opening would invite nobody.
    response = client.post(reverse("feedback:cycle_action", args=["c2024", "open"]), {"confirm": "yes"}, follow=True)
    assert "Personne n'a reçu de soutien en 2024" in _text(response)
    world.fund(2024, range(3))
    # Opening asks first, then invites.
    confirm = client.post(reverse("feedback:cycle_action", args=["c2024", "open"]))
    assert confirm.status_code == 200
    assert "Ouvrir Sondage 2024" in _text(confirm)
    assert Cycle.objects.get(slug="c2024").status == "draft"
    response = client.post(reverse("feedback:cycle_action", args=["c2024", "open"]), {"confirm": "yes"}, follow=True)
    assert "Le cycle est ouvert : 3 invitations envoyées." in _text(response)
    text = _text(client.get(reverse("feedback:cycle", args=["c2025"])))
    assert "Fondation témoin" in text
    client.post(reverse("feedback:cycle_action", args=["c2025", "remind"]))
    response = client.post(reverse("feedback:cycle_action", args=["c2025", "remind"]), follow=True)
    assert "Un rappel est parti il y a moins d'un jour" in _text(response)
    assert "Clore Sondage 2025" in _text(client.post(reverse("feedback:cycle_action", args=["c2025", "close"])))
    client.post(reverse("feedback:cycle_action", args=["c2025", "close"]), {"confirm": "yes"})
    assert Cycle.objects.get(slug="c2025").status == "closed"
    response = client.post(reverse("feedback:cycle_action", args=["c2025", "close"]), {"confirm": "yes"}, follow=True)
    assert "Seul un cycle ouvert peut être clos" in _text(response)
    assert client.post(reverse("feedback:cycle_action", args=["c2025", "nope"])).status_code == 404
    assert client.get(reverse("feedback:practices") + "?cycle=nope").status_code == 404


def test_a_removed_question_leaves_no_gap_that_breaks_the_next(world):
    steward = world.users["steward"]
    draft = services.cycle_create(user=steward, slug="c2030", name_fr="2030", year=2030)
    for number in range(2):
        services.question_add(user=steward, cycle=draft, kind="scale", text_fr=f"Q{number} ?", text_en=f"Q{number}?")
    services.question_remove(user=steward, question=draft.questions.get(code="added-1"))
    added = services.question_add(
        user=steward, cycle=draft, kind="text", text_fr="Autre ?", text_en="Other?", low_fr="rien"
    )
    assert added.code == "added-3"
    assert added.low_fr == ""  # a comment has no scale


def test_fictional_and_real_support_are_surveyed_apart(territory):
    world = World(territory, open_now=False)
    fictional_funder = OrganisationFactory(name_fr="Fondation fictive", is_support_actor=True, is_demo=True)
    fictional_field = OrganisationFactory(name_fr="Organisme fictif", is_demo=True)
    RelationFactory(source=fictional_funder, target=fictional_field, kind="funds", year=2025, is_demo=True, amount=1)
    RelationFactory(source=fictional_funder, target=world.fields[0], kind="funds", year=2025, is_demo=True, amount=1)
    world.open()
    assert Invitation.objects.filter(cycle=world.cycle).count() == 12
    assert not Invitation.objects.filter(cycle=world.cycle, subject=fictional_funder).exists()
    demo = services.cycle_create(user=None, slug="demo-2025", name_fr="Démo", year=2025, is_demo=True)
    services.cycle_open(user=None, cycle=demo)
    assert list(Invitation.objects.filter(cycle=demo).values_list("organisation", "subject")) == [
        (fictional_field.pk, fictional_funder.pk)
    ]


def test_counts_follow_the_answers_when_an_organisation_leaves_during_the_cycle(world):
    for number in range(6):
        world.answer(number)
    world.fields[0].delete()  # its invitation goes, its answer stays
    world.close()
    card = selectors.scorecard(world.subject, world.cycle)
    assert (card.invited, card.answered) == (11, 6)
    assert {r.question.code: r for r in card.rows}["recommend"].rating.count == 6


def test_the_needs_are_for_the_support_actor_not_the_stewards(client, world):
    for number in range(5):
        world.answer(number)
    world.close()
    client.force_login(world.users["steward"])
    url = reverse("feedback:scorecard", args=[world.subject.slug])
    assert "Affichés aux seuls membres de l'acteur de soutien" in _text(client.get(url))
    assert _api(client, world, "steward").json()["needs"] is None
    client.force_login(world.users["subject_member"])
    assert "Affichés aux seuls membres" not in _text(client.get(url))


def test_the_api_gives_the_scorecard_without_ratings_below_five_answers(client, world):
    for number in range(3):
        world.answer(number)
    world.close()
    response = _api(client, world, "subject_member")
    assert response.status_code == 200
    data = response.json()
    assert data["answers_shown"] is False
    assert {q["rating"] for q in data["questions"]} == {None}
    assert (data["invited"], data["answered"]) == (12, 3)


def test_live_counts_of_an_open_cycle_are_for_stewards(client, world):
    world.answer(0)
    public = client.get("/api/feedback/cycles").json()[0]
    assert (public["invited"], public["answered"]) == (None, None)
    _token, raw = token_create(user=world.users["steward"], name="t")
    steward = client.get("/api/feedback/cycles", headers={"authorization": f"Bearer {raw}"}).json()[0]
    assert (steward["invited"], steward["answered"]) == (12, 1)
    world.close()
    world.fields[5].delete()
    closed = client.get("/api/feedback/cycles").json()[0]
    assert (closed["invited"], closed["answered"]) == (12, 1)  # as counted at closing


def test_participation_counts_are_fixed_when_the_cycle_closes(world):
    for number in range(6):
        world.answer(number)
    world.close()
    # An organisation that answered leaves the directory: the counts do not move, so nobody learns
    # by difference that it had answered.
    world.fields[0].delete()
    card = selectors.scorecard(world.subject, world.cycle)
    assert (card.invited, card.answered) == (12, 6)


@pytest.mark.parametrize("path", ["/feedback/cycles/c2025/remove-%00/", "/api/feedback/summaries/a%00b"])
def test_a_nul_in_an_address_is_a_plain_not_found(client, world, path):
    client.force_login(world.users["steward"])
    response = client.post(path) if "remove" in path else client.get(path)
    assert response.status_code == 404
    if path.startswith("/api/"):
        assert response.json()["code"] == "not_found"


@pytest.mark.parametrize(
    ("typed", "language", "expected"),
    [
        ("2,5", "fr", "2.5"),
        ("2.25", "fr", "2.3"),
        ("1 000", "fr", "1000.0"),
        ("1,000", "en", "1000.0"),
        ("2,5", "en", "2.5"),
        ("1\u00a0200", "fr", "1200.0"),
    ],
)
def test_hours_are_read_as_people_type_them(typed, language, expected):
    from django.utils import translation

    from maillage.feedback.forms import HoursField

    with translation.override(language):
        assert str(HoursField(required=False).clean(typed)) == expected


@pytest.mark.parametrize("typed", ["abc", "-1", "5001", "nan", "inf"])
def test_hours_out_of_reach_are_refused(typed):
    from django.core.exceptions import ValidationError

    from maillage.feedback.forms import HoursField

    with pytest.raises(ValidationError):
        HoursField(required=False).clean(typed)


def test_closing_tells_the_support_actors_rated(world):
    world.answer(0)
    mail.outbox.clear()
    world.close()
    told = Notification.objects.filter(user=world.users["subject_member"])
    assert told.count() == 1
    assert "tableau de bord" in told.get().text_fr


# --- commands -----------------------------------------------------------------------------------------------


def test_the_commands_create_open_remind_close_and_export_aggregates_only(world, tmp_path):
    out = io.StringIO()
    world.fund(2024)
    call_command("feedback", "create", "c2024", "--year", "2024", "--name-fr", "Autre", stdout=out)
    call_command("feedback", "open", "c2024", stdout=out)
    assert "12 invitations" in out.getvalue()
    call_command("feedback", "remind", "c2024", stdout=out)
    for number in range(6):
        world.answer(number, {"recommend": 5, "fit": 4} if number < 5 else {"recommend": 7})
    call_command("feedback", "close", "c2025", stdout=out)
    path = tmp_path / "aggregates.csv"
    call_command("feedback", "export", "c2025", "--output", str(path), stdout=out)
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    by_question = {r["question"]: r for r in rows}
    assert by_question["recommend"]["answers"] == "6"
    assert by_question["recommend"]["answered_7"] == "1"
    assert by_question["fit"]["answers"] == "5"
    assert "understanding" not in by_question  # nobody rated it
    with pytest.raises(CommandError, match="closed"):
        call_command("feedback", "export", "c2024")
    with pytest.raises(CommandError):
        call_command("feedback", "close", "missing")
    listing = io.StringIO()
    call_command("feedback", "list", stdout=listing)
    assert "c2025\t2025\tclosed\t12 invited\t6 answered" in listing.getvalue()


def test_the_demo_feedback_is_fictional_and_reloads(reference):
    from maillage.core.demo import DemoSpec
    from maillage.directory.loaders import demo_load
    from maillage.feedback.loaders import demo_feedback_load

    demo_load(DemoSpec(organisations=80, seed=3))
    written = demo_feedback_load(seed=3)
    assert written > 0
    assert Response.objects.count() == written
    assert set(Cycle.objects.values_list("is_demo", flat=True)) == {True}
    assert Cycle.objects.filter(status="open").count() == 1
    assert demo_feedback_load(seed=3) == written  # replaced, not added
    assert Response.objects.count() == written


def test_the_review_page_filters_by_support_actor_and_the_close_page_says_what_closing_does(client, world):
    for number in range(5):
        world.answer(number, {"comment-best": f"Commentaire {number}."})
    other = Invitation.objects.filter(cycle=world.cycle, subject=world.other)
    assert not other.exists()
    client.force_login(world.users["steward"])
    confirm = _text(client.post(reverse("feedback:cycle_action", args=["c2025", "close"])))
    assert "5 organisations ont répondu" in confirm
    assert client.get(reverse("feedback:cycle_action", args=["c2025", "close"])).status_code == 302
    assert Cycle.objects.get(slug="c2025").status == "open"  # a GET never acts
    world.close()
    page = _text(client.get(reverse("feedback:comments") + f"?subject={world.subject.slug}"))
    assert "5 commentaires à relire" in page
    assert "Fondation témoin (5)" in page
    assert client.get(reverse("feedback:comments") + "?subject=nobody").status_code == 404


def test_the_closing_preview_counts_support_actors_without_results(world):
    for number in range(3):
        world.answer(number, {"comment-best": "Merci."})
    preview = selectors.closing_preview(world.cycle)
    assert preview["answered"] == 3
    assert preview["subjects"] == 1
    assert preview["without_results"] == 1  # three answers: no results
    assert preview["comments_erased"] == 3
    assert preview["early"] is False  # no planned date
