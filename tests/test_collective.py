"""The collective definition of success in the app: proposals and their checks, decisions and values,
computed measures against hand computations, rounds from preparation to results, the threshold of 5 on
rankings, reactions and opinion groups, stability after closing, exports (CIDS, Pol.is), the API, the
command, the demo and the permission matrix."""

from __future__ import annotations

import html
import io
import json
import re
import zipfile
from decimal import Decimal

import numpy as np
import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation

from maillage.accounts.models import Membership
from maillage.accounts.services import token_create
from maillage.collective import exports, measures, selectors, services
from maillage.collective.models import Ballot, Indicator, IndicatorValue, Reaction, Round, Statement
from maillage.core import opinions as opinions_core
from maillage.core import polis as polis_core
from maillage.core.errors import MaillageError
from maillage.feedback import services as feedback_services
from maillage.feedback.models import Response
from tests.factories import OrganisationFactory, RelationFactory, UserFactory, member
from tests.test_permissions_matrix import EXPECTED_STATUS, _route_names

pytestmark = pytest.mark.django_db


def _text(response):
    return html.unescape(response.content.decode()).replace("\xa0", " ").replace("\u202f", " ")


def _fresh(user):
    user.__dict__.pop("_maillage_memberships", None)
    return user


ENTERED = {
    "name_fr": "Ménages accompagnés",
    "name_en": "Households supported",
    "description_fr": "Combien de ménages les initiatives accompagnent.",
    "method": "entered",
    "unit_fr": "ménages",
    "unit_en": "households",
    "source_fr": "Bilan des tables de quartier",
    "elements": ["besoin-documente"],
}
COMPUTED = {
    "name_fr": "Part non affectée",
    "name_en": "Unrestricted share",
    "method": "computed",
    "measure": "flexible_share",
}


class World:
    """Twelve field actors, six support actors and one policy maker, each with a member; a steward;
    three proposals; a round on them with four statements, open."""

    def __init__(self):
        self.steward = UserFactory(is_steward=True, is_staff=True)
        self.fields = [OrganisationFactory(name_fr=f"Terrain {n}") for n in range(12)]
        self.supports = [
            OrganisationFactory(name_fr=f"Soutien {n}", is_support_actor=True, is_field_actor=False, kind="foundation")
            for n in range(6)
        ]
        self.policy = OrganisationFactory(
            name_fr="Arrondissement témoin", is_policy_actor=True, is_field_actor=False, kind="public"
        )
        self.members = {}
        for org in [*self.fields, *self.supports, self.policy]:
            self.members[org.pk] = UserFactory()
            member(self.members[org.pk], org)
        self.proposer = self.members[self.fields[0].pk]
        self.indicators = [
            services.indicator_propose(
                user=self.proposer,
                organisation=self.fields[0],
                data={**ENTERED, "name_fr": f"Indicateur {letter}", "name_en": f"Indicator {letter}"},
            )
            for letter in "abc"
        ]
        self.round = services.round_create(user=self.steward, slug="r2026", name_fr="Ronde 2026", name_en="2026 round")
        services.round_candidates_set(user=self.steward, round=self.round, indicators=self.indicators)
        for n in range(4):
            services.statement_add(user=self.steward, round=self.round, text_fr=f"Énoncé {n}", text_en=f"Statement {n}")
        services.round_open(user=self.steward, round=self.round)

    def slug(self, letter):
        return self.indicators["abc".index(letter)].slug

    def rank(self, org, order):
        return services.ballot_submit(
            user=self.members[org.pk],
            round=self.round,
            organisation=org,
            ranks={self.slug(letter): n for n, letter in enumerate(order, start=1)},
        )

    def react(self, org, votes):
        statements = list(Statement.objects.filter(round=self.round).order_by("number"))
        return services.reactions_submit(
            user=self.members[org.pk],
            round=self.round,
            organisation=org,
            votes={s.pk: v for s, v in zip(statements, votes, strict=False)},
        )

    def close(self):
        services.round_close(user=self.steward, round=self.round)
        self.round.refresh_from_db()
        return selectors.results(self.round)


@pytest.fixture
def world():
    return World()


# --- proposals, decisions and values ----------------------------------------------------------------------


def test_a_member_proposes_an_indicator_in_both_languages(world):
    indicator = world.indicators[0]
    assert indicator.status == Indicator.Status.PROPOSED
    assert indicator.proposed_by == world.fields[0]
    assert indicator.elements == ["besoin-documente"]
    assert indicator.slug == "indicateur-a"


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"name_fr": ""}, "name_missing", "name_fr"),
        ({"elements": ["pas-un-element"]}, "element_unknown", "elements"),
        ({"method": ""}, "method_missing", "method"),
        ({"source_fr": "", "source_en": ""}, "source_missing", "source_fr"),
        ({"unit_fr": "", "unit_en": ""}, "unit_missing", "unit_fr"),
        ({"method": "computed", "measure": ""}, "measure_missing", "measure"),
        (
            {"method": "computed", "measure": "feedback_rating", "question": "hours-reporting"},
            "question_missing",
            "question",
        ),
    ],
)
def test_a_proposal_reports_each_problem_and_writes_nothing(world, change, code, field):
    before = Indicator.objects.count()
    with pytest.raises(MaillageError) as caught:
        services.indicator_propose(user=world.proposer, organisation=world.fields[0], data={**ENTERED, **change})
    assert (code, field) in [(p.code, p.field) for p in caught.value.problems]
    assert Indicator.objects.count() == before


def test_only_members_propose_in_an_organisations_name(world):
    with pytest.raises(PermissionDenied):
        services.indicator_propose(user=world.proposer, organisation=world.fields[1], data=ENTERED)


def test_the_proposal_form_keeps_what_was_typed(client, world):
    client.force_login(world.proposer)
    response = client.post(
        reverse("collective:indicator_new"),
        {
            "organisation": world.fields[0].slug,
            "name_fr": "Mon indicateur",
            "description_fr": "Texte gardé",
            "method": "entered",
        },
    )
    assert response.status_code == 200
    text = _text(response)
    assert "Mon indicateur" in text
    assert "Texte gardé" in text
    assert "Indiquez d'où viendront les valeurs." in text
    assert "Donnez à l'indicateur un nom en anglais." not in text  # the English name is optional


def test_stewards_adopt_with_a_target_and_enter_values(world):
    indicator = world.indicators[0]
    with pytest.raises(PermissionDenied):
        services.indicator_decide(user=world.proposer, indicator=indicator, status="adopted")
    with pytest.raises(MaillageError) as caught:
        services.indicator_decide(user=world.steward, indicator=indicator, status="adopted", target="12,5")
    assert caught.value.problems[0].code == "target_incomplete"
    services.indicator_decide(
        user=world.steward, indicator=indicator, status="adopted", target="12,5", target_year="2028"
    )
    indicator.refresh_from_db()
    assert (indicator.status, indicator.target, indicator.target_year) == ("adopted", 12.5, 2028)
    assert indicator.adopted_at is not None
    services.value_enter(user=world.steward, indicator=indicator, year="2025", value="8", source="Bilan 2025")
    services.value_enter(user=world.steward, indicator=indicator, year=2026, value="10,5", source="Bilan 2026")
    services.value_enter(user=world.steward, indicator=indicator, year=2026, value="11", source="Bilan corrigé")
    progress = selectors.progress(selectors.indicator_detail(indicator.slug))
    assert [(v.year, v.value) for v in progress.values] == [(2025, 8.0), (2026, 11.0)]
    assert progress.change == 3.0
    assert progress.improving is True
    assert progress.reached == 67.0  # 100 × 3 / 4.5, rounded


@pytest.mark.parametrize(
    ("year", "value", "source", "codes"),
    [
        ("1999", "3", "x", {"year_invalid"}),
        ("2025", "beaucoup", "x", {"number_invalid"}),
        ("2025", "inf", "x", {"number_invalid"}),
        ("", "", "", {"year_missing", "value_missing", "source_missing"}),
    ],
)
def test_a_bad_value_is_refused_with_each_reason(world, year, value, source, codes):
    with pytest.raises(MaillageError) as caught:
        services.value_enter(user=world.steward, indicator=world.indicators[0], year=year, value=value, source=source)
    assert {p.code for p in caught.value.problems} == codes
    assert not IndicatorValue.objects.exists()


@pytest.mark.parametrize(
    ("language", "typed", "stored"),
    [
        ("fr", "12,5", 12.5),
        ("fr", "1 150", 1150.0),
        ("fr", "1\u202f150,5", 1150.5),
        ("en", "12.5", 12.5),
        ("en", "1,150", 1150.0),
        ("en", "1,150.25", 1150.25),
        ("en", "12,5", None),  # a decimal comma in English is refused, never read as 125 or 12.5
        ("fr", "-3", -3.0),
    ],
)
def test_numbers_are_read_as_people_type_them(world, language, typed, stored):
    with translation.override(language):
        if stored is None:
            with pytest.raises(MaillageError):
                services.value_enter(
                    user=world.steward, indicator=world.indicators[0], year=2025, value=typed, source="x"
                )
        else:
            found = services.value_enter(
                user=world.steward, indicator=world.indicators[0], year=2025, value=typed, source="x"
            )
            assert found.value == stored


def test_a_computed_indicator_is_not_typed(world):
    indicator = services.indicator_propose(user=world.proposer, organisation=world.fields[0], data=COMPUTED)
    with pytest.raises(MaillageError) as caught:
        services.value_enter(user=world.steward, indicator=indicator, year=2025, value=3, source="x")
    assert caught.value.code == "indicator_computed"


# --- computed measures against hand computations ----------------------------------------------------------


def test_the_flexible_share_of_a_year(world):
    funder = world.supports[0]
    grants = [(1000, True), (3000, False), (6000, True), (2000, False), (8000, True)]
    for n, (amount, flexible) in enumerate(grants):
        RelationFactory(
            source=funder, target=world.fields[n], kind="funds", year=2025, amount=Decimal(amount), is_flexible=flexible
        )
    RelationFactory(
        source=funder, target=world.fields[5], kind="funds", year=2024, amount=Decimal(9000), is_flexible=False
    )
    measured = measures.flexible_share(2025)
    assert measured.value == 75.0  # (1 000 + 6 000 + 8 000) / 20 000
    assert "5 subventions" in measured.source.text("fr")
    assert "5 grants" in measured.source.text("en")
    assert measures.flexible_share(2024).value is None  # one grant: fewer than five
    assert measures.flexible_share(2023).value is None


def test_the_mean_feedback_rating_of_a_closed_cycle(world):
    funder = world.supports[0]
    for org in world.fields[:6]:
        RelationFactory(source=funder, target=org, kind="funds", year=2025, amount=Decimal(1000))
    cycle = feedback_services.cycle_create(user=None, slug="c2025", name_fr="Sondage 2025", year=2025)
    feedback_services.cycle_open(user=None, cycle=cycle)
    for _n, value in enumerate([7, 6, 5, 4, 3]):
        Response.objects.create(
            cycle=cycle, subject=funder, respondent_group="community", answers={"flexibility": value}
        )
    Response.objects.create(cycle=cycle, subject=funder, respondent_group="community", answers={"fit": 2})
    assert measures.feedback_rating("flexibility", 2025, demo=False).value is None  # still open
    feedback_services.cycle_close(user=None, cycle=cycle)
    measured = measures.feedback_rating("flexibility", 2025, demo=False)
    assert measured.value == 5.0
    assert measures.feedback_rating("fit", 2025, demo=False).value is None  # one answer


def test_recording_keeps_the_year_and_says_why_when_there_is_no_value(world):
    flexible = services.indicator_propose(user=world.proposer, organisation=world.fields[0], data=COMPUTED)
    reachable = services.indicator_propose(
        user=world.proposer,
        organisation=world.fields[0],
        data={**COMPUTED, "name_fr": "Portée", "measure": "synergies_realised"},
    )
    for indicator in (flexible, reachable):
        services.indicator_decide(user=world.steward, indicator=indicator, status="adopted")
    for org in world.fields[:5]:
        RelationFactory(
            source=world.supports[0], target=org, kind="funds", year=2024, amount=Decimal(100), is_flexible=True
        )
    done = {i.slug: (value, note) for i, value, note in services.values_record(user=world.steward, year=2024)}
    assert done[flexible.slug][0] == 100.0
    assert done[reachable.slug] == (None, str(measures.measure(reachable, 2024).why))
    assert "as it stands" in done[reachable.slug][1] or "tel qu" in done[reachable.slug][1]
    assert list(IndicatorValue.objects.values_list("indicator__slug", "year", "computed")) == [
        (flexible.slug, 2024, True)
    ]
    with pytest.raises(PermissionDenied):
        services.values_record(user=world.proposer, year=2024)


# --- rounds -----------------------------------------------------------------------------------------------


def test_opening_a_round_tells_every_member_in_their_language(world, django_capture_on_commit_callbacks):
    from django.core import mail

    from maillage.matching.models import Notification

    english = UserFactory(preferred_language="en")
    member(english, world.fields[9])
    mail.outbox.clear()
    later = services.round_create(user=world.steward, slug="annonce", name_fr="Ronde annoncée", name_en="Round told")
    services.round_candidates_set(user=world.steward, round=later, indicators=world.indicators)
    with django_capture_on_commit_callbacks(execute=True):
        services.round_open(user=world.steward, round=later)
    assert Notification.objects.filter(user=english, text_en__contains="Round told").exists()
    sent = {m.to[0]: m.body for m in mail.outbox}
    assert "Round told" in sent[english.email]
    assert "Ronde annoncée" in sent[world.proposer.email]
    assert len(sent) == len(world.members) + 1


def test_a_round_is_prepared_then_opened(world):
    other = services.round_create(user=world.steward, slug="vide", name_fr="Vide")
    with pytest.raises(MaillageError) as caught:
        services.round_open(user=world.steward, round=other)
    assert caught.value.code == "round_empty"
    with pytest.raises(MaillageError) as caught:
        services.round_create(user=world.steward, slug="vide", name_fr="")
    assert {p.code for p in caught.value.problems} == {"slug_taken", "name_missing"}
    with pytest.raises(MaillageError):
        services.round_candidates_set(user=world.steward, round=world.round, indicators=world.indicators[:2])
    demo = Indicator.objects.create(
        slug="fictif", name_fr="Fictif", name_en="Fictional", method="entered", is_demo=True
    )
    with pytest.raises(MaillageError):
        services.round_candidates_set(user=world.steward, round=other, indicators=[demo])
    with pytest.raises(PermissionDenied):
        services.round_open(user=world.proposer, round=other)


def test_a_ballot_keeps_ranks_ties_and_leaves_out(world):
    org = world.fields[1]
    user = world.members[org.pk]
    ballot = services.ballot_submit(
        user=user,
        round=world.round,
        organisation=org,
        ranks={world.slug("b"): "1", world.slug("a"): 1, world.slug("c"): ""},
    )
    a, b, _c = world.indicators
    assert ballot.ranking == [sorted([a.pk, b.pk])]
    assert ballot.actor_kind == "field"
    assert selectors.my_ballot(world.round, org) == {a.slug: 1, b.slug: 1}
    with pytest.raises(MaillageError) as caught:
        services.ballot_submit(user=user, round=world.round, organisation=org, ranks={world.slug("a"): "9", "autre": 1})
    assert {p.code for p in caught.value.problems} == {"rank_invalid", "indicator_unknown"}
    assert Ballot.objects.get(pk=ballot.pk).ranking == [sorted([a.pk, b.pk])]  # unchanged
    assert services.ballot_submit(user=user, round=world.round, organisation=org, ranks={}) is None
    assert not Ballot.objects.filter(organisation=org).exists()


def test_who_may_take_part(world):
    org = world.fields[1]
    with pytest.raises(PermissionDenied):  # not a member of that organisation
        services.ballot_submit(user=world.proposer, round=world.round, organisation=org, ranks={})
    late = OrganisationFactory(name_fr="Créé après l'ouverture")
    late_user = UserFactory()
    member(late_user, late)
    with pytest.raises(MaillageError) as caught:
        services.ballot_submit(user=late_user, round=world.round, organisation=late, ranks={world.slug("a"): 1})
    assert caught.value.code == "not_a_participant"
    fictional = OrganisationFactory(name_fr="Fictif", is_demo=True)
    Round.objects.filter(pk=world.round.pk).update(opened_at=timezone.now())
    world.round.refresh_from_db()
    fictional_user = UserFactory()
    member(fictional_user, fictional)
    with pytest.raises(MaillageError):
        services.reactions_submit(user=fictional_user, round=world.round, organisation=fictional, votes={})
    assert services.participants_of(_fresh(fictional_user), world.round) == []


def test_reactions_and_suggested_statements(world):
    org = world.fields[2]
    assert world.react(org, [1, -1, 0]) == 3
    assert world.react(org, [None, 1]) == 2
    assert sorted(selectors.my_reactions(world.round, org).values()) == [0, 1]
    with pytest.raises(MaillageError) as caught:
        world.react(org, [5])
    assert caught.value.problems[0].code == "vote_invalid"
    suggested = services.statement_add(
        user=world.members[org.pk], round=world.round, text_fr="Une idée", organisation=org
    )
    assert suggested.status == Statement.Status.PENDING
    with pytest.raises(MaillageError):  # not open to reactions until accepted
        services.reactions_submit(
            user=world.members[org.pk], round=world.round, organisation=org, votes={suggested.pk: 1}
        )
    services.statement_moderate(user=world.steward, statement=suggested, status="accepted")
    services.reactions_submit(user=world.members[org.pk], round=world.round, organisation=org, votes={suggested.pk: 1})
    with pytest.raises(MaillageError) as caught:
        services.statement_add(user=world.steward, round=world.round, text_fr="", text_en="")
    assert caught.value.problems[0].code == "text_missing"


def test_results_wait_for_the_closing(world):
    for org in world.fields[:6]:
        world.rank(org, "abc")
    assert selectors.results(world.round) is None
    services.statement_add(
        user=world.members[world.fields[0].pk], round=world.round, text_fr="En attente", organisation=world.fields[0]
    )
    results = world.close()
    assert results.schulze.order == [[world.slug("a")], [world.slug("b")], [world.slug("c")]]
    assert Statement.objects.get(text_fr="En attente").status == Statement.Status.MODERATED_OUT
    with pytest.raises(MaillageError):
        world.rank(world.fields[7], "cba")


def test_the_consensus_ranking_needs_five_ballots(world):
    for org in world.fields[:4]:
        world.rank(org, "abc")
    results = world.close()
    assert results.schulze is None
    assert results.ballots == 4


def test_the_consensus_ranking_elects_the_condorcet_winner(world):
    orders = ["abc", "abc", "abc", "bca", "bca", "cba", "cba"]
    for org, order in zip(world.fields[:7], orders, strict=True):
        world.rank(org, order)
    results = world.close()
    # b beats a 4–3 and c 5–2: the Condorcet winner, although a has the most first places; c beats a 4–3.
    assert results.schulze.condorcet_winner == world.slug("b")
    assert results.schulze.order == [[world.slug("b")], [world.slug("c")], [world.slug("a")]]
    assert results.ranked_pairs.order == results.schulze.order
    rows = {a.slug: {b.slug: (w, loss) for b, w, loss in others} for a, others in results.pairwise_rows()}
    assert rows[world.slug("b")][world.slug("a")] == (4, 3)


def _kinds(results):
    return {k.kind: (k.decision.allowed, k.decision.code) for k in results.kinds}


def test_a_kind_of_actor_is_shown_apart_only_when_every_kind_counts_zero_or_five(world):
    for org in world.fields[:6]:
        world.rank(org, "abc")
    for org in world.supports[:3]:
        world.rank(org, "cba")
    results = world.close()
    # Three support actors: shown, they would be the difference between everyone and field actors.
    assert _kinds(results) == {
        "field": (False, "difference"),
        "support": (False, "too_few"),
        "policy": (False, "too_few"),
    }
    assert results.schulze is not None  # nine ballots together


def test_field_and_support_rankings_side_by_side(world):
    for org in world.fields[:6]:
        world.rank(org, "abc")
    for org in world.supports[:5]:
        world.rank(org, "cba")
    results = world.close()
    kinds = {k.kind: k for k in results.kinds}
    assert kinds["field"].ranking.order == [[world.slug("a")], [world.slug("b")], [world.slug("c")]]
    assert kinds["support"].ranking.order == [[world.slug("c")], [world.slug("b")], [world.slug("a")]]
    assert kinds["policy"].ranking is None
    assert kinds["policy"].decision.code == "too_few"


def test_one_policy_maker_hides_every_kind(world):
    for org in [*world.fields[:6], *world.supports[:5], world.policy]:
        world.rank(org, "abc")
    results = world.close()
    assert not any(k.ranking for k in results.kinds)


def test_statements_need_five_reactions_and_kinds_follow_the_same_rule(world):
    for org in world.fields[:5]:
        world.react(org, [1, 1])
    for org in world.supports[:4]:
        world.react(org, [-1])
    results = world.close()
    rows = {row.statement.number: row for row in results.statements}
    assert rows[1].shown
    assert (rows[1].split.agree, rows[1].split.disagree) == (5, 4)
    assert rows[1].by_kind == {"field": None, "support": None, "policy": None}  # 4 support actors
    assert rows[2].shown
    assert rows[2].by_kind["field"].agree == 5
    assert not rows[3].shown


def _conversation(world, groups=2, seed=3):
    """Organisations in ``groups`` known opinion groups: each group agrees with its own statements."""
    rng = np.random.default_rng(seed)
    for n in range(4, 12):
        services.statement_add(user=world.steward, round=world.round, text_fr=f"Énoncé {n}")
    people = [*world.fields, *world.supports]
    truth = {}
    for i, org in enumerate(people):
        g = i % groups
        truth[org.pk] = g
        votes = [1 if (n % groups) == g else -1 for n in range(12)]
        votes = [v if rng.random() > 0.1 else None for v in votes]
        world.react(org, votes)
    return truth


def test_opinion_groups_are_found_and_never_name_anyone(world):
    truth = _conversation(world)
    results = world.close()
    assert results.in_conversation == 18
    assert sorted(g.size for g in results.groups) == [9, 9]
    # Participants are random numbers; map them back through the rows to compare with the truth.
    mapping = dict(Reaction.objects.filter(statement__round=world.round).values_list("participant", "organisation_id"))
    groups = results.members
    found = {mapping[int(p)]: g for p, g in groups.items()}
    ari, share, _n = opinions_core.agreement(
        {str(k): v for k, v in found.items()}, {str(k): v for k, v in truth.items()}
    )
    assert ari == 1.0
    assert share == 1.0
    for group in results.groups:
        assert group.representative  # its own statements set it apart
    assert results.supported_by_all == []  # the groups disagree on everything
    assert all(d.allowed is False for d in results.kind_groups.values())  # policy 0, support 6 split 3/3


def test_results_do_not_move_after_closing(world):
    for org in [*world.fields[:6], *world.supports[:5]]:
        world.rank(org, "abc" if org.is_field_actor else "cba")
        world.react(org, [1, -1, 1, 0])
    results = world.close()
    before = ([k.ranking.order for k in results.kinds if k.ranking], [r.split for r in results.statements])
    exported = exports.polis_files(world.round, "fr")
    # An organisation deleted, another that becomes a policy maker: the published figures stay.
    world.supports[0].delete()
    world.fields[0].is_policy_actor = True
    world.fields[0].save()
    cache.clear()  # recomputed from the rows, not read back from the cache
    after_results = selectors.results(Round.objects.get(pk=world.round.pk))
    after = ([k.ranking.order for k in after_results.kinds if k.ranking], [r.split for r in after_results.statements])
    assert after == before
    assert exports.polis_files(Round.objects.get(pk=world.round.pk), "fr")["votes.csv"] == exported["votes.csv"]


def test_participant_numbers_are_random_and_exports_carry_no_organisation(world):
    for org in world.fields[:8]:
        world.react(org, [1, 1, -1, 0])
    world.close()
    numbers = dict(Reaction.objects.filter(statement__round=world.round).values_list("organisation_id", "participant"))
    assert sorted(set(numbers.values())) == list(range(8))
    files = exports.polis_files(world.round, "en")
    everything = "".join(files.values())
    for org in world.fields:
        assert org.slug not in everything
        assert org.name_fr not in everything
        assert str(org.pk) not in files["votes.csv"].split("\n")[0]


def test_the_polis_export_reads_back_with_the_same_groups(world, tmp_path):
    _conversation(world, groups=3)
    results = world.close()
    files = exports.polis_files(world.round, "fr")
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    conversation = polis_core.read_export(tmp_path)
    assert conversation.reported_groups  # our groups, in Pol.is's column
    again = opinions_core.opinion_groups(conversation.votes)
    assert opinions_core.agreement(again.groups(), conversation.reported_groups)[0] == 1.0
    assert len(results.groups) == 3
    out = tmp_path / "groups.csv"
    call_command("opinions", "--polis-export", str(tmp_path), "--output", str(out), stdout=io.StringIO())
    assert out.read_text().startswith("participant,group")


def test_the_polis_export_needs_five_participants(client, world):
    for org in world.fields[:4]:
        world.react(org, [1])
    world.close()
    assert exports.polis_files(world.round, "fr") is None
    client.force_login(world.steward)
    assert client.get(reverse("collective:polis", args=["r2026"])).status_code == 404


# --- pages ------------------------------------------------------------------------------------------------


def test_a_member_ranks_and_reacts_through_the_page(client, world):
    org = world.fields[3]
    user = world.members[org.pk]
    client.force_login(user)
    page = client.get(reverse("collective:round", args=["r2026"]))
    assert page.status_code == 200
    assert "Terrain 3" in _text(page)
    statements = selectors.statements(world.round)
    url = reverse("collective:round_action", args=["r2026", "answers"])
    version = re.search(r'name="version" value="([0-9a-f]+)"', page.content.decode()).group(1)
    response = client.post(
        url,
        {
            "organisation": org.slug,
            "version": version,
            f"rank-{world.slug('c')}": "1",
            f"rank-{world.slug('a')}": "2",
            f"s{statements[0].pk}": "1",
            f"s{statements[1].pk}": "-1",
        },
    )
    assert response.status_code == 302
    assert selectors.my_ballot(world.round, org) == {world.slug("c"): 1, world.slug("a"): 2}
    assert selectors.my_reactions(world.round, org) == {statements[0].pk: 1, statements[1].pk: -1}
    # A bad rank re-displays the page with the message, and nothing chosen is lost, reactions included.
    response = client.post(
        url,
        {"organisation": org.slug, "version": "x", f"rank-{world.slug('a')}": "7", f"s{statements[2].pk}": "0"},
    )
    assert response.status_code == 400
    text = _text(response)
    assert "Certaines réponses ne sont pas valides" in text
    assert re.search(rf'name="s{statements[2].pk}" value="0"[^>]*checked', response.content.decode())
    assert selectors.my_reactions(world.round, org) == {statements[0].pk: 1, statements[1].pk: -1}  # unchanged
    # Someone else's organisation cannot be chosen.
    response = client.post(url, {"organisation": world.fields[4].slug, f"rank-{world.slug('a')}": "1"})
    assert response.status_code == 403
    assert not Ballot.objects.filter(organisation=world.fields[4]).exists()


def test_a_page_loaded_before_another_members_save_changes_nothing(client, world):
    """Two members of one organisation: the second's page, loaded before the first saved, is refused
    instead of replacing the first's answers (empty fields would withdraw them)."""
    org = world.fields[3]
    url = reverse("collective:round_action", args=["r2026", "answers"])
    client.force_login(world.members[org.pk])
    page = client.get(reverse("collective:round", args=["r2026"])).content.decode()
    stale = re.search(r'name="version" value="([0-9a-f]+)"', page).group(1)
    services.ballot_submit(user=None, round=world.round, organisation=org, ranks={world.slug("b"): 1})
    statements = selectors.statements(world.round)
    response = client.post(url, {"organisation": org.slug, "version": stale, f"s{statements[0].pk}": "1"})
    assert response.status_code == 302
    assert selectors.my_ballot(world.round, org) == {world.slug("b"): 1}  # kept
    assert selectors.my_reactions(world.round, org) == {}
    assert "a modifié ses réponses" in _text(client.get(response["Location"]))


def test_an_answer_after_closing_is_refused_even_from_a_stale_round(world):
    stale = Round.objects.get(pk=world.round.pk)
    world.close()
    with pytest.raises(MaillageError) as caught:
        services.ballot_submit(user=None, round=stale, organisation=world.fields[0], ranks={world.slug("a"): 1})
    assert caught.value.code == "round_not_open"
    with pytest.raises(MaillageError):
        services.reactions_submit(user=None, round=stale, organisation=world.fields[0], votes={})


def test_results_are_in_the_language_of_the_page(client, world):
    for org in [*world.fields[:6], *world.supports[:5]]:
        world.rank(org, "abc")
    with translation.override("en"):
        results = world.close()  # computed (and cached) by an English-speaking steward
        assert results.kinds[0].label == "Field actors"
    client.force_login(world.proposer)
    french = _text(client.get(reverse("collective:round", args=["r2026"])))
    assert "Acteurs de terrain" in french
    assert "Field actors" not in french


def test_a_group_share_below_five_is_withheld(world):
    # Two groups of nine; statement 4 seen by four of one group and one of the other.
    for n in range(4, 12):
        services.statement_add(user=world.steward, round=world.round, text_fr=f"Énoncé {n}")
    people = [*world.fields, *world.supports]
    for i, org in enumerate(people):
        g = i % 2
        votes = [1 if (n % 2) == g else -1 for n in range(12)]
        if i not in (0, 1, 2, 4, 6):
            votes[3] = None
        world.react(org, votes)
    results = world.close()
    row = next(r for r in results.statements if r.statement.number == 4)
    assert row.shown  # five reactions in all
    assert None in row.by_group.values()  # but four and one by group
    assert row.group_consensus is None
    assert all(s.number != 4 for g in results.groups for s, _st in g.representative)


def test_a_unicode_digit_in_a_statement_action_is_a_404(client, world):
    client.force_login(world.steward)
    response = client.post("/collective/rounds/r2026/accept-\u00b2/")
    assert response.status_code == 404


def test_a_round_of_one_indicator_does_not_open(world):
    single = services.round_create(user=world.steward, slug="seul", name_fr="Seul")
    services.round_candidates_set(user=world.steward, round=single, indicators=world.indicators[:1])
    services.statement_add(user=world.steward, round=single, text_fr="Un énoncé")
    with pytest.raises(MaillageError) as caught:
        services.round_open(user=world.steward, round=single)
    assert caught.value.code == "round_empty"


def test_exports_do_not_hand_a_spreadsheet_a_formula(world):
    formula = services.indicator_propose(
        user=world.proposer, organisation=world.fields[0], data={**ENTERED, "name_fr": "=HYPERLINK(1)"}
    )
    other = services.round_create(user=world.steward, slug="formule", name_fr="Formule")
    services.round_candidates_set(user=world.steward, round=other, indicators=[formula, *world.indicators[:1]])
    services.statement_add(user=world.steward, round=other, text_fr="=1+1")
    services.round_open(user=world.steward, round=other)
    statement = other.statements.get()
    for org in world.fields[:5]:
        services.ballot_submit(user=None, round=other, organisation=org, ranks={formula.slug: 1})
        services.reactions_submit(user=None, round=other, organisation=org, votes={statement.pk: 1})
    services.round_close(user=world.steward, round=other)
    other.refresh_from_db()
    assert "'=1+1" in exports.polis_files(other, "fr")["comments.csv"]


def test_an_empty_statement_comes_back_with_its_message(client, world):
    client.force_login(world.steward)
    response = client.post(reverse("collective:round_action", args=["r2026", "statement"]), {"text_fr": ""})
    assert response.status_code == 400
    assert "Écrivez l'énoncé en français ou en anglais." in _text(response)
    client.force_login(world.members[world.fields[0].pk])
    response = client.post(
        reverse("collective:round_action", args=["r2026", "suggest"]), {"organisation": world.fields[0].slug}
    )
    assert response.status_code == 400
    assert "Écrivez l'énoncé en français ou en anglais." in _text(response)


def test_the_steward_runs_a_round_through_the_pages(client, world):
    client.force_login(world.steward)
    response = client.post(reverse("collective:rounds"), {"slug": "nouvelle", "name_fr": "Nouvelle ronde"})
    assert response.status_code == 302
    url = reverse("collective:round_action", args=["nouvelle", "candidates"])
    client.post(url, {"candidates": [i.pk for i in world.indicators[:2]]})
    client.post(reverse("collective:round_action", args=["nouvelle", "statement"]), {"text_fr": "Un énoncé"})
    found = Round.objects.get(slug="nouvelle")
    assert found.candidates.count() == 2
    assert found.statements.count() == 1
    confirm = client.post(reverse("collective:round_action", args=["nouvelle", "open"]))
    assert confirm.status_code == 200
    assert Round.objects.get(slug="nouvelle").status == "draft"
    client.post(reverse("collective:round_action", args=["nouvelle", "open"]), {"confirm": "yes"})
    assert Round.objects.get(slug="nouvelle").status == "open"
    client.post(reverse("collective:statement_action", args=["nouvelle", 1, "out"]))
    assert Statement.objects.get(round__slug="nouvelle").status == "out"
    client.post(reverse("collective:round_action", args=["nouvelle", "close"]), {"confirm": "yes"})
    assert Round.objects.get(slug="nouvelle").status == "closed"
    page = client.get(reverse("collective:round", args=["nouvelle"]))
    assert "5" in _text(page)


def test_the_results_page_in_both_languages(client, world):
    for org in [*world.fields[:6], *world.supports[:5]]:
        world.rank(org, "abc" if org.is_field_actor else "cba")
        world.react(org, [1, 1, -1, 0])
    world.close()
    client.force_login(world.proposer)
    french = _text(client.get(reverse("collective:round", args=["r2026"])))
    english = _text(client.get("/en" + reverse("collective:round", args=["r2026"])))
    assert "Schulze" in french
    assert "Schulze" in english
    assert "Policy makers" in english
    for org in world.fields:
        assert org.name_fr not in french.replace(world.fields[0].name_fr, "")  # nobody named, but the menu
    csv_text = client.get(reverse("collective:ranking_csv", args=["r2026"])).content.decode()
    assert csv_text.splitlines()[0] == "rank_schulze,rank_ranked_pairs,indicator,name"


def test_the_dashboard_and_its_cids_export(client, world):
    indicator = world.indicators[0]
    services.indicator_decide(user=world.steward, indicator=indicator, status="adopted", target=20, target_year=2028)
    for year, value in ((2024, 10), (2025, 12), (2026, 15)):
        services.value_enter(user=world.steward, indicator=indicator, year=year, value=value, source=f"Bilan {year}")
    page = _text(client.get(reverse("collective:index")))
    assert "Indicateur a" in page
    assert "Bilan 2026" in page
    assert "Indicateur b" not in page
    response = client.get(reverse("collective:cids"))
    assert response["Content-Type"].startswith("application/ld+json")
    document = json.loads(response.content)
    graph = document["@graph"]
    reports = [n for n in graph if "cids:IndicatorReport" in str(n.get("@type"))]
    assert len(reports) == 3
    assert "@context" in document


def test_the_record_button_is_for_stewards(client, world):
    client.force_login(world.proposer)
    assert client.post(reverse("collective:record")).status_code == 403
    client.force_login(world.steward)
    assert client.post(reverse("collective:record")).status_code == 302


# --- API --------------------------------------------------------------------------------------------------


def _bearer(user):
    return {"HTTP_AUTHORIZATION": f"Bearer {token_create(user=user, name='t')[1]}"}


def test_the_api_lists_indicators_and_rounds(client, world):
    data = client.get("/api/collective/indicators").json()
    assert [d["slug"] for d in data] == [i.slug for i in world.indicators]
    assert client.get(f"/api/collective/indicators/{world.slug('a')}").json()["unit"] == "ménages"
    assert client.get("/api/collective/indicators/nope").json()["code"] == "not_found"
    rounds = client.get("/api/collective/rounds").json()
    assert rounds[0]["ballots"] is None  # open: not counted for everyone
    assert client.get("/api/collective/rounds/r2026/results").status_code == 409


def test_the_api_proposes_and_takes_part(client, world):
    org = world.fields[5]
    headers = _bearer(world.members[org.pk])
    response = client.post(
        "/api/collective/indicators",
        data={**ENTERED, "organisation": org.slug},
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 201, response.json()
    response = client.post(
        "/api/collective/indicators",
        data={**ENTERED, "organisation": world.fields[6].slug},
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 403
    response = client.post(
        "/api/collective/indicators",
        data={**ENTERED, "name_fr": "", "organisation": org.slug},
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 400
    assert response.json()["problems"][0]["field"] == "name_fr"
    response = client.put(
        "/api/collective/rounds/r2026/ballot",
        data={"organisation": org.slug, "ranks": {world.slug("b"): 1}},
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 200
    assert response.json()["ranks"] == {world.slug("b"): 1}
    response = client.put(
        "/api/collective/rounds/r2026/reactions",
        data={"organisation": org.slug, "votes": {"1": 1, "2": -1}},
        content_type="application/json",
        **headers,
    )
    assert response.json()["votes"] == {"1": 1, "2": -1}
    response = client.put(
        "/api/collective/rounds/r2026/reactions",
        data={"organisation": org.slug, "votes": {"99": 1}},
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 400  # as a statement not open to reactions (was 422 before the fuzzing)
    assert response.json()["problems"] == [
        {"code": "statement_unknown", "message": "Cet énoncé n'est pas ouvert aux réactions.", "field": "votes.99"}
    ]
    assert (
        client.put("/api/collective/rounds/r2026/ballot", data={}, content_type="application/json").status_code == 401
    )


def test_the_api_results_of_a_closed_round(client, world):
    for org in [*world.fields[:6], *world.supports[:5]]:
        world.rank(org, "abc" if org.is_field_actor else "cba")
        world.react(org, [1, 1, -1, 0])
    world.close()
    data = client.get("/api/collective/rounds/r2026/results").json()
    assert data["ballots"] == 11
    assert data["kinds"]["field"]["ranking"] == [[world.slug("a")], [world.slug("b")], [world.slug("c")]]
    assert data["kinds"]["policy"] == {"shown": False, "ballots": None, "ranking": None, "withheld_because": "too_few"}
    assert data["statements"][0]["reactions"] == {"agree": 11, "disagree": 0, "pass": 0}
    assert "organisme" not in json.dumps(data)
    assert client.get("/api/collective/cids").status_code == 200


# --- command and demo -------------------------------------------------------------------------------------


def test_the_command(world, tmp_path):
    for org in world.fields[:6]:
        world.react(org, [1, -1, 1, 1])
    world.close()
    out = io.StringIO()
    call_command("collective", "list", stdout=out)
    assert world.slug("a") in out.getvalue()
    call_command("collective", "polis", "r2026", "--output", str(tmp_path / "polis"), stdout=io.StringIO())
    assert (tmp_path / "polis" / "votes.csv").read_text().count("\n") == 6 * 4 + 1
    call_command("collective", "cids", "--output", str(tmp_path / "i.jsonld"), stdout=io.StringIO())
    assert json.loads((tmp_path / "i.jsonld").read_text())["@graph"]
    call_command("collective", "record", "--year", "2025", stdout=io.StringIO())


def test_the_demo_round_has_results_and_adopted_indicators(db):
    from maillage.collective.loaders import demo_collective_load
    from maillage.core.demo import DemoSpec
    from maillage.directory.loaders import demo_load

    demo_load(DemoSpec(organisations=400, seed=2026))
    demo_collective_load(seed=2026)
    closed = Round.objects.get(slug=f"demo-{timezone.localdate().year - 1}")
    results = selectors.results(closed)
    assert results.schulze is not None
    assert len(results.groups) >= 2
    assert {k.kind for k in results.kinds if k.ranking} == {"field", "support"}
    assert len(selectors.adopted()) == 5
    assert all(i.is_demo for i in Indicator.objects.all())
    assert Round.objects.get(slug=f"demo-{timezone.localdate().year}").status == "open"


# --- the permission matrix --------------------------------------------------------------------------------

ROLES = ("anonymous", "outsider", "member", "other_member", "support_member", "steward")
OK, DENY, LOGIN, MISSING = "ok", "deny", "login", "missing"


def _expect(route, role, state):
    public = {"collective:index", "collective:cids"}
    if route in public:
        return OK
    if route == "collective:record":
        return "redirect" if role == "steward" else DENY
    if role == "anonymous":
        return LOGIN
    steward = role == "steward"
    if route in ("collective:indicators", "collective:indicator", "collective:rounds"):
        return OK
    if route == "collective:indicator_new":  # in the name of one's organisation
        return DENY if role in ("outsider", "steward") else OK
    if route == "collective:round":
        return OK if state != "draft" or steward else MISSING
    if route == "collective:polis":  # every participant's reactions under random numbers: stewards only
        return (OK if state == "closed" else MISSING) if steward else DENY
    if route == "collective:ranking_csv":
        return OK if state == "closed" else MISSING
    if route == "collective:round_action":  # a ballot sent for the member's organisation
        if state == "draft" and not steward:
            return MISSING
        return "redirect" if role == "member" else DENY
    if route == "collective:statement_action":
        return "redirect" if steward else (MISSING if state == "draft" else DENY)
    raise AssertionError(route)


ROUTES = [
    ("collective:index", "get", {}),
    ("collective:cids", "get", {}),
    ("collective:record", "post", {}),
    ("collective:indicators", "get", {}),
    ("collective:indicator_new", "get", {}),
    ("collective:indicator", "get", {}),
    ("collective:rounds", "get", {}),
    ("collective:round", "get", {}),
    ("collective:polis", "get", {}),
    ("collective:ranking_csv", "get", {}),
    ("collective:round_action", "post", {}),
    ("collective:statement_action", "post", {}),
]


@pytest.fixture
def matrix_world(world):
    """Rounds in each state; people in each role."""
    users = {
        "outsider": UserFactory(),
        "member": world.members[world.fields[0].pk],
        "other_member": world.members[world.fields[1].pk],
        "support_member": world.members[world.supports[0].pk],
        "steward": world.steward,
    }
    draft = services.round_create(user=world.steward, slug="brouillon", name_fr="Brouillon")
    services.statement_add(user=world.steward, round=draft, text_fr="Énoncé")
    closed = services.round_create(user=world.steward, slug="close", name_fr="Close")
    services.round_candidates_set(user=world.steward, round=closed, indicators=world.indicators)
    services.statement_add(user=world.steward, round=closed, text_fr="Énoncé")
    services.round_open(user=world.steward, round=closed)
    for org in world.fields[:6]:
        services.ballot_submit(user=None, round=closed, organisation=org, ranks={world.slug("a"): 1})
        services.reactions_submit(user=None, round=closed, organisation=org, votes={closed.statements.get().pk: 1})
    services.round_close(user=world.steward, round=closed)
    return users, {"draft": "brouillon", "open": "r2026", "closed": "close"}


@pytest.mark.parametrize("state", ["draft", "open", "closed"])
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("route", "method", "_extra"), ROUTES)
def test_the_permission_matrix(client, world, matrix_world, role, route, method, _extra, state):
    users, slugs = matrix_world
    slug = slugs[state]
    args = {
        "collective:indicator": [world.slug("a")],
        "collective:round": [slug],
        "collective:polis": [slug],
        "collective:ranking_csv": [slug],
        "collective:round_action": [slug, "answers"],
        "collective:statement_action": [slug, 1, "accept"],
    }.get(route, [])
    if role != "anonymous":
        client.force_login(users[role])
    data = {"organisation": world.fields[0].slug, f"rank-{world.slug('a')}": "1"}
    data = data if route == "collective:round_action" else {}
    url = reverse(route, args=args)
    response = client.post(url, data) if method == "post" else client.get(url)
    expected = _expect(route, role, state)
    statuses = {404} if expected == MISSING else EXPECTED_STATUS[expected]
    assert response.status_code in statuses, (role, route, state, response.status_code)
    if expected == LOGIN:
        assert reverse("accounts:login") in response["Location"]


def test_every_collective_route_is_in_the_matrix():
    assert {n for n in _route_names() if n.startswith("collective:")} == {r for r, _m, _e in ROUTES}


def test_no_page_shows_an_organisations_ballot(client, world):
    """Whatever the role, no page or export says how one organisation ranked or reacted."""
    for org in [*world.fields[:6], *world.supports[:5]]:
        world.rank(org, "abc" if org.is_field_actor else "cba")
        world.react(org, [1, 1, -1, 0])
    world.close()
    client.force_login(world.steward)
    pages = [
        client.get(reverse("collective:round", args=["r2026"])),
        client.get("/api/collective/rounds/r2026/results"),
        client.get(reverse("collective:ranking_csv", args=["r2026"])),
    ]
    for response in pages:
        text = _text(response)
        for org in [*world.fields, *world.supports]:
            assert org.slug not in text
    archive = zipfile.ZipFile(io.BytesIO(client.get(reverse("collective:polis", args=["r2026"])).content))
    for name in archive.namelist():
        text = archive.read(name).decode()
        for org in [*world.fields, *world.supports]:
            assert org.slug not in text
            assert org.name_fr not in text


def test_any_member_since_the_opening_speaks_for_the_organisation(world):
    admin = UserFactory()
    member(admin, world.fields[8], Membership.Role.ADMIN)
    later = services.round_create(user=world.steward, slug="plus-tard", name_fr="Plus tard")
    services.round_candidates_set(user=world.steward, round=later, indicators=world.indicators)
    services.round_open(user=world.steward, round=later)
    ranks = {world.slug("a"): 1}
    assert services.ballot_submit(user=_fresh(admin), round=later, organisation=world.fields[8], ranks=ranks)
    with pytest.raises(MaillageError):  # but not in the round opened before they joined
        services.ballot_submit(user=admin, round=world.round, organisation=world.fields[8], ranks=ranks)


# --- review findings --------------------------------------------------------------------------------------


def test_joining_an_organisation_during_a_round_gives_no_access_to_its_ballot(client, world):
    """A steward (who may add themself to any organisation) or a new member neither reads nor changes what
    the organisation said in a round already open."""
    org = world.fields[2]
    world.rank(org, "cab")
    world.react(org, [1, -1])
    member(world.steward, org)
    _fresh(world.steward)
    client.force_login(world.steward)
    page = _text(client.get(reverse("collective:round", args=["r2026"]) + f"?as={org.slug}"))
    assert "Participer au nom de" not in page
    response = client.post(
        reverse("collective:round_action", args=["r2026", "answers"]),
        {"organisation": org.slug, f"rank-{world.slug('a')}": "1"},
    )
    assert response.status_code == 403
    with pytest.raises(MaillageError) as caught:
        services.ballot_submit(user=world.steward, round=world.round, organisation=org, ranks={world.slug("a"): 1})
    assert caught.value.code == "not_a_participant"
    headers = _bearer(world.steward)
    response = client.put(
        "/api/collective/rounds/r2026/ballot",
        data={"organisation": org.slug, "ranks": {world.slug("a"): 1}},
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 403
    assert "cab" not in response.content.decode()
    assert selectors.my_ballot(world.round, org) == {world.slug("c"): 1, world.slug("a"): 2, world.slug("b"): 3}


def test_a_statement_below_five_reactions_is_nowhere(world):
    for org in world.fields[:8]:
        world.react(org, [1, -1, 1])
    for org in world.fields[8:10]:
        world.react(org, [None, None, None, 1])  # statement 4: two reactions only
    results = world.close()
    row = next(r for r in results.statements if r.statement.number == 4)
    assert not row.shown
    assert row.by_group == {}
    assert row.group_consensus is None
    assert all(r.statement.number != 4 for r in results.supported_by_all + results.rejected_by_all)
    assert all(s.number != 4 for g in results.groups for s, _st in g.representative)
    files = exports.polis_files(world.round, "fr")
    assert [line.split(",")[2] for line in files["comments.csv"].splitlines()[1:]] == ["1", "2", "3"]
    assert all(line.split(",")[2] != "4" for line in files["votes.csv"].splitlines()[1:])


def test_opinion_groups_never_count_fewer_than_five(world):
    # Three groups by their reactions: 8, 8 and 2 organisations.
    for n in range(4, 12):
        services.statement_add(user=world.steward, round=world.round, text_fr=f"Énoncé {n}")
    people = [*world.fields, *world.supports]
    for i, org in enumerate(people):
        g = 0 if i < 8 else (1 if i < 16 else 2)
        world.react(org, [1 if (n % 3) == g else -1 for n in range(12)])
    results = world.close()
    assert results.groups
    assert min(g.size for g in results.groups) >= 5
    assert sum(g.size for g in results.groups) == 18


def test_an_organisation_deleted_while_the_round_is_open_takes_its_answers_away(world):
    for org in world.fields[:6]:
        world.rank(org, "abc")
        world.react(org, [1, 1])
    world.fields[0].delete()
    results = world.close()
    assert results.ballots == 5
    assert results.participants == 5
    assert not Reaction.objects.filter(organisation__isnull=True).exists()


def test_moderated_statements_are_not_exported(world):
    out = services.statement_add(user=world.steward, round=world.round, text_fr="Énoncé retiré plus tard")
    for org in world.fields[:6]:
        world.react(org, [1, 1, 1, 1, 1])
    services.statement_moderate(user=world.steward, statement=out, status="out")
    services.statement_add(
        user=world.members[world.fields[0].pk],
        round=world.round,
        text_fr="Suggestion en attente",
        organisation=world.fields[0],
    )
    world.close()
    files = exports.polis_files(world.round, "fr")
    assert "retiré" not in files["comments.csv"]
    assert "Suggestion" not in files["comments.csv"]
