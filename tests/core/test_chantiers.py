"""Chantiers' figures against small cases computed by hand: the balance between sectors, where decision
power sits, overlapping actions, and the five conditions of collective impact."""

from __future__ import annotations

import math
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml

from maillage.core.chantiers import (
    CONDITIONS,
    MEASURE_DAYS,
    MEETING_DAYS,
    SECTORS,
    Action,
    Facts,
    IndicatorFacts,
    Participant,
    balance,
    check_conditions,
    evenness,
    overlaps,
    power,
)

TODAY = date(2027, 3, 1)
WORDING = Path(__file__).resolve().parents[2] / "src" / "maillage" / "data" / "frameworks" / "impact-collectif.yaml"


def person(key, sector, *, role="partner", decides=False, money=0.0, hours=0.0, kinds=()):
    return Participant(key, sector, role, decides, money=money, hours=hours, kinds=frozenset(kinds))


def act(key, owner, elements, starts_on=None, due_on=None, done=False):
    return Action(key, owner, frozenset(elements), starts_on, due_on, done)


# --- balance ---------------------------------------------------------------------------------------------


def test_balance_by_sector_computed_by_hand():
    people = [
        person("ville", "public", role="funder", decides=True, money=60_000, kinds=["money", "data"]),
        person("fondation", "philanthropic", role="funder", decides=True, money=30_000, kinds=["money"]),
        person("table", "community", role="backbone", decides=True, hours=400, kinds=["staff_time", "data"]),
        person("cuisine", "community", money=10_000, hours=100, kinds=["money", "staff_time", "space"]),
    ]
    b = balance(people)
    # 4 participants: public 1, philanthropic 1, community 2 → 1/4, 1/4, 2/4.
    assert b.participants == 4
    assert [b.sectors[s].participants for s in SECTORS] == [1, 1, 2]
    assert [b.sectors[s].participant_share for s in SECTORS] == [0.25, 0.25, 0.5]
    # Money: 60,000 + 30,000 + 10,000 = 100,000 → 0.6, 0.3, 0.1.
    assert b.money == 100_000
    assert [b.sectors[s].money for s in SECTORS] == [60_000, 30_000, 10_000]
    assert [b.sectors[s].money_share for s in SECTORS] == pytest.approx([0.6, 0.3, 0.1])
    # Hours: 400 + 100 = 500, all community → 0, 0, 1 (a share of a total above zero, not None).
    assert b.hours == 500
    assert [b.sectors[s].hours_share for s in SECTORS] == [0.0, 0.0, 1.0]
    # Seats: the city, the foundation and the table → 3, one per sector.
    assert b.seats == 3
    assert [b.sectors[s].seats for s in SECTORS] == [1, 1, 1]
    assert [b.sectors[s].seat_share for s in SECTORS] == pytest.approx([1 / 3, 1 / 3, 1 / 3])
    # Commitments: participants of the sector that made one of each kind.
    assert b.sectors["public"].commitments == {"money": 1, "staff_time": 0, "space": 0, "data": 1, "decisions": 0}
    assert b.sectors["philanthropic"].commitments == {
        "money": 1,
        "staff_time": 0,
        "space": 0,
        "data": 0,
        "decisions": 0,
    }
    assert b.sectors["community"].commitments == {"money": 1, "staff_time": 2, "space": 1, "data": 1, "decisions": 0}
    # Counts 1/1/2, shares 1/4, 1/4, 1/2:
    # −(0.5 ln 0.5 + 2 · 0.25 ln 0.25) / ln 3 = (0.346574 + 0.693147) / 1.098612 = 0.946395
    assert b.evenness == pytest.approx(0.946395, abs=1e-6)
    assert b.represented == SECTORS
    assert b.missing == ()


def test_shares_are_none_when_there_is_nothing_to_share():
    b = balance([person("a", "community"), person("b", "community")])
    community = b.sectors["community"]
    assert (community.participants, community.participant_share) == (2, 1.0)
    assert (b.money, community.money_share, b.hours, community.hours_share) == (0, None, 0, None)
    assert (b.seats, community.seat_share) == (0, None)
    assert b.sectors["public"].participant_share == 0.0
    # One sector only: −(1 · ln 1) / ln 3 = 0.
    assert b.evenness == 0.0
    assert b.represented == ("community",)
    assert b.missing == ("public", "philanthropic")


def test_an_empty_chantier_has_no_shares_and_no_evenness():
    b = balance([])
    assert b.participants == 0
    assert all(b.sectors[s].participant_share is None for s in SECTORS)
    assert b.evenness is None
    assert b.missing == SECTORS


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        ([1, 1, 1], 1.0),  # a third each: ln 3 / ln 3
        ([3, 0, 0], 0.0),  # one sector
        ([2, 1, 1], 0.946395),  # (0.5 ln 2 + 0.5 ln 4) / ln 3 = 1.039721 / 1.098612
        ([1, 1, 0], 0.630930),  # two sectors even: ln 2 / ln 3 = 0.693147 / 1.098612
        ([4, 1, 0], 0.455486),  # −(0.8 ln 0.8 + 0.2 ln 0.2) / ln 3 = (0.178515 + 0.321888) / 1.098612
        ([0, 0, 0], None),  # nobody
        ([5], None),  # a single category: evenness means nothing
    ],
)
def test_pielou_evenness(counts, expected):
    result = evenness(counts)
    if expected is None:
        assert result is None
    else:
        assert result == pytest.approx(expected, abs=1e-6)
        assert math.copysign(1.0, result) == 1.0  # never −0.0


# --- power -----------------------------------------------------------------------------------------------


def codes(people):
    return sorted(f.code for f in power(people).findings)


@pytest.mark.parametrize(
    ("people", "expected"),
    [
        pytest.param(
            [person("a", "public"), person("b", "community")],
            ["no_decision_seat"],
            id="nobody decides: only that is said (not that the community has no seat)",
        ),
        pytest.param(
            [person("a", "public", money=5_000), person("b", "community")],
            ["no_decision_seat", "single_funder"],
            id="nobody decides, one funder",
        ),
        pytest.param(
            [
                person("a", "public", decides=True),
                person("b", "public", decides=True),
                person("c", "community", decides=True),
            ],
            ["sector_majority"],
            id="2 of 3 seats: 0.667 > 0.5",
        ),
        pytest.param(
            [person("a", "public", decides=True), person("c", "community", decides=True)],
            [],
            id="1 of 2 seats: 0.5 is not a majority",
        ),
        pytest.param(
            [
                person("a", "public", decides=True),
                person("b", "philanthropic", decides=True),
                person("c", "community"),
            ],
            ["community_without_seat"],
            id="the community takes part without a seat",
        ),
        pytest.param(
            [person("a", "public", decides=True), person("b", "philanthropic", decides=True)],
            [],
            id="no community participant: nothing to say of its seat",
        ),
        pytest.param(
            [
                person("f1", "philanthropic", decides=True, money=40_000),
                person("f2", "philanthropic", decides=True, money=40_000),
                person("p", "public", decides=True, money=20_000),
                person("c", "community", decides=True),
            ],
            ["money_buys_seats"],
            id="the richest sector (80 %) alone holds the most seats (2 of 4)",
        ),
        pytest.param(
            [
                person("f1", "philanthropic", decides=True, money=80_000),
                person("c", "community", decides=True),
                person("p", "public", decides=True, money=20_000),
            ],
            ["single_funder"],
            id="the richest sector ties for the most seats (1 each): money does not buy them",
        ),
        pytest.param(
            [
                person("p1", "public", decides=True, money=50_000),
                person("p2", "public", decides=True),
                person("f", "philanthropic", decides=True, money=50_000),
                person("c", "community", decides=True),
            ],
            [],
            id="two sectors commit the same money: no sector commits the most",
        ),
        pytest.param(
            [
                person("c", "community", decides=True),
                person("d", "philanthropic", decides=True, money=20_000),
                person("p", "public", money=10_000),
            ],
            ["money_without_seat", "single_funder"],
            id="the public sector pays without a seat; one funder gives 20/30",
        ),
    ],
)
def test_each_finding_appears_exactly_when_it_holds(people, expected):
    assert codes(people) == expected


def test_findings_name_the_sector_and_their_figures():
    people = [
        person("f1", "philanthropic", role="funder", decides=True, money=90_000),
        person("f2", "philanthropic", decides=True),
        person("p", "public", money=10_000),
        person("c", "community"),
    ]
    result = power(people)
    assert result.seats == {"public": 0, "philanthropic": 2, "community": 0}
    assert result.money == {"public": 10_000, "philanthropic": 90_000, "community": 0}
    found = {f.code: f for f in result.findings}
    assert set(found) == {
        "sector_majority",
        "community_without_seat",
        "money_buys_seats",
        "money_without_seat",
        "single_funder",
    }
    # 2 of 2 seats.
    assert (found["sector_majority"].sector, found["sector_majority"].figures) == (
        "philanthropic",
        {"share": 1.0, "seats": 2},
    )
    assert found["community_without_seat"].sector == "community"
    # 90,000 of 100,000 and 2 of 2 seats.
    assert found["money_buys_seats"].sector == "philanthropic"
    assert found["money_buys_seats"].figures == pytest.approx({"money_share": 0.9, "seat_share": 1.0})
    assert (found["money_without_seat"].sector, found["money_without_seat"].figures) == ("public", {"money": 10_000})
    assert found["single_funder"].subject == "f1"
    assert found["single_funder"].figures == pytest.approx({"share": 0.9})


def test_funders_concentration_by_hand():
    people = [
        person("a", "philanthropic", money=60_000),
        person("b", "public", money=30_000),
        person("c", "community", money=10_000),
        person("d", "community"),
    ]
    funders = power(people).funders
    # Shares 60 %, 30 %, 10 %: HHI = 60² + 30² + 10² = 3,600 + 900 + 100 = 4,600; the largest gives 0.6.
    assert funders.funders == 3
    assert funders.total == 100_000
    assert funders.hhi == pytest.approx(4_600)
    assert funders.top_share == pytest.approx(0.6)
    single = [f for f in power(people).findings if f.code == "single_funder"]
    assert [(f.subject, f.sector) for f in single] == [("a", None)]


def test_half_the_money_is_not_a_single_funder():
    people = [person("a", "philanthropic", money=50_000), person("b", "public", money=50_000)]
    result = power(people)
    # 50² + 50² = 5,000; the largest gives exactly 0.5, not more.
    assert result.funders.hhi == pytest.approx(5_000)
    assert "single_funder" not in codes(people)


def test_no_money_no_funders():
    result = power([person("a", "community", decides=True), person("b", "public", decides=True)])
    assert result.funders.top_share is None
    assert result.funders.hhi is None
    assert result.findings == ()


# --- overlaps --------------------------------------------------------------------------------------------


def pairs(actions):
    return [(o.element, o.first, o.second) for o in overlaps(actions)]


def test_the_same_owner_never_overlaps_itself():
    actions = [act("a", "x", ["gouvernance"]), act("b", "x", ["gouvernance"])]
    assert pairs(actions) == []


def test_dates_that_touch_overlap_and_the_next_day_does_not():
    first = act("a", "x", ["e"], date(2027, 1, 1), date(2027, 6, 30))
    touching = act("b", "y", ["e"], date(2027, 6, 30), date(2027, 9, 30))
    after = act("c", "y", ["e"], date(2027, 7, 1), date(2027, 9, 30))
    before = act("d", "z", ["e"], date(2026, 1, 1), date(2026, 12, 31))
    assert pairs([first, touching]) == [("e", "a", "b")]
    assert pairs([first, after]) == []
    assert pairs([before, first]) == []


def test_undated_actions_span_all_time():
    undated = act("a", "x", ["e"])
    far = act("b", "y", ["e"], date(2040, 1, 1), date(2040, 2, 1))
    only_due = act("c", "z", ["e"], None, date(2000, 1, 1))  # no start: since always
    assert pairs([undated, far]) == [("e", "a", "b")]
    assert pairs([only_due, far]) == []
    assert pairs([undated, only_due]) == [("e", "a", "c")]


def test_done_and_unowned_actions_are_ignored():
    actions = [
        act("a", "x", ["e"], done=True),
        act("b", "y", ["e"]),
        act("c", None, ["e"]),
    ]
    assert pairs(actions) == []


def test_one_overlap_per_shared_element_in_order():
    actions = [
        act("a", "x", ["gouvernance", "reseautage", "outils-donnees"]),
        act("b", "y", ["reseautage", "gouvernance"]),
    ]
    assert pairs(actions) == [("gouvernance", "a", "b"), ("reseautage", "a", "b")]
    assert pairs([act("a", "x", ["e"]), act("b", "y", ["f"])]) == []


# --- the five conditions ---------------------------------------------------------------------------------

THREE = [
    person("ville", "public", role="funder", decides=True, money=50_000, kinds=["money", "data"]),
    person("fondation", "philanthropic", role="funder", decides=True, money=50_000, kinds=["money"]),
    person("table", "community", role="backbone", decides=True, hours=300, kinds=["staff_time", "data"]),
]
PLAN = [
    act("1", "table", ["concertation-quartier"], date(2027, 1, 1), date(2027, 6, 30)),
    act("2", "ville", ["politiques-publiques"], date(2027, 1, 1), date(2027, 12, 31)),
]


def facts(**changes):
    """A chantier where every condition is in place; each test takes something away."""
    base = {
        "today": TODAY,
        "has_change": True,
        "has_whom": True,
        "has_territory": True,
        "due_on": date(2028, 12, 31),
        "participants": THREE,
        "indicators": [IndicatorFacts(True, True, TODAY - timedelta(days=30))],
        "actions": PLAN,
        "meetings": [TODAY - timedelta(days=20)],
        "decisions": [TODAY - timedelta(days=20)],
    }
    return Facts(**{**base, **changes})


def check(condition, **changes):
    found = {c.condition: c for c in check_conditions(facts(**changes))}
    c = found[condition]
    return c.status, c.met, c.lacking


def test_every_condition_in_place_in_order():
    checks = check_conditions(facts())
    assert [c.condition for c in checks] == list(CONDITIONS)
    assert [c.status for c in checks] == ["in_place"] * 5
    assert all(c.lacking == () for c in checks)


# 1. Common agenda.


def test_common_agenda_in_place():
    met = ("change_written", "whom_named", "territory_named", "date_set", "three_sectors")
    assert check("common_agenda") == ("in_place", met, ())


def test_common_agenda_partial_without_a_date_and_a_sector():
    status, met, lacking = check("common_agenda", due_on=None, participants=THREE[1:])
    assert status == "partial"
    assert met == ("change_written", "whom_named", "territory_named")
    assert lacking == ("date_set", "three_sectors")


def test_common_agenda_missing_with_nothing_written():
    status, met, lacking = check(
        "common_agenda", has_change=False, has_whom=False, has_territory=False, due_on=None, participants=[]
    )
    assert (status, met) == ("missing", ())
    assert lacking == ("change_written", "whom_named", "territory_named", "date_set", "three_sectors")


def test_common_agenda_without_the_change_but_with_something_else_is_partial():
    status, met, lacking = check("common_agenda", has_change=False, has_whom=False, due_on=None)
    assert (status, met, lacking) == (
        "partial",
        ("territory_named", "three_sectors"),
        ("change_written", "whom_named", "date_set"),
    )


# 2. Shared measurement.


def test_shared_measurement_in_place():
    met = ("indicator_chosen", "baseline_and_target", "measured_recently", "data_shared")
    assert check("shared_measurement") == ("in_place", met, ())


def test_shared_measurement_missing_without_indicators_nor_data():
    no_data = [person("a", "public"), person("b", "community", kinds=["data"])]  # one sharer is not enough
    assert check("shared_measurement", indicators=[], participants=no_data) == (
        "missing",
        (),
        ("indicator_chosen", "data_shared"),
    )


def test_shared_measurement_partial_with_data_but_no_indicator():
    assert check("shared_measurement", indicators=[]) == ("partial", ("data_shared",), ("indicator_chosen",))


def test_shared_measurement_needs_every_indicator_complete():
    indicators = [IndicatorFacts(True, True, TODAY), IndicatorFacts(True, False, None)]
    status, met, lacking = check("shared_measurement", indicators=indicators)
    assert (status, lacking) == ("partial", ("baseline_and_target",))
    assert met == ("indicator_chosen", "measured_recently", "data_shared")  # one indicator measured is enough


@pytest.mark.parametrize(
    ("days", "recent"),
    [(0, True), (MEASURE_DAYS, True), (MEASURE_DAYS + 1, False)],  # 365 days ago still counts; 366 does not
)
def test_measured_recently_boundary(days, recent):
    indicators = [IndicatorFacts(True, True, TODAY - timedelta(days=days))]
    status, met, lacking = check("shared_measurement", indicators=indicators)
    assert ("measured_recently" in met) is recent
    assert ("measured_recently" in lacking) is not recent
    assert status == ("in_place" if recent else "partial")


def test_never_measured_is_not_measured_recently():
    status, _met, lacking = check("shared_measurement", indicators=[IndicatorFacts(True, True, None)])
    assert (status, lacking) == ("partial", ("measured_recently",))


# 3. Mutually reinforcing activities.


def test_reinforcing_activities_in_place():
    met = ("plan_written", "actions_owned", "several_owners", "no_duplication")
    assert check("reinforcing_activities") == ("in_place", met, ())


def test_reinforcing_activities_missing_without_a_plan():
    assert check("reinforcing_activities", actions=[]) == ("missing", (), ("plan_written",))


def test_one_owner_and_an_unowned_action_is_partial():
    actions = [act("1", "table", ["gouvernance"]), act("2", None, ["reseautage"])]
    assert check("reinforcing_activities", actions=actions) == (
        "partial",
        ("plan_written", "no_duplication"),
        ("actions_owned", "several_owners"),
    )


def test_a_done_action_without_owner_does_not_count_against_ownership():
    actions = [*PLAN, act("3", None, ["gouvernance"], done=True)]
    assert check("reinforcing_activities", actions=actions)[0] == "in_place"


def test_duplicated_actions_are_lacking_coordination():
    actions = [*PLAN, act("3", "fondation", ["concertation-quartier"], date(2027, 6, 30), None)]  # touches action 1
    status, met, lacking = check("reinforcing_activities", actions=actions)
    assert (status, lacking) == ("partial", ("no_duplication",))
    assert met == ("plan_written", "actions_owned", "several_owners")


# 4. Continuous communication: 90 days keeps it in place, 180 days partial.


@pytest.mark.parametrize(
    ("days", "decided", "expected"),
    [
        (0, True, ("in_place", ("met_recently", "decisions_recorded", "community_decides"), ())),
        (
            MEETING_DAYS,
            True,
            ("in_place", ("met_recently", "decisions_recorded", "community_decides"), ()),
        ),  # 90 days ago
        (
            MEETING_DAYS + 1,
            True,
            ("partial", ("met_this_year", "decisions_recorded", "community_decides"), ("met_recently",)),
        ),
        (
            2 * MEETING_DAYS,
            True,
            ("partial", ("met_this_year", "decisions_recorded", "community_decides"), ("met_recently",)),
        ),  # 180
        (
            2 * MEETING_DAYS + 1,
            True,
            ("partial", ("decisions_recorded", "community_decides"), ("met_recently",)),
        ),  # 181
        (2 * MEETING_DAYS + 1, False, ("missing", ("community_decides",), ("met_recently", "decisions_recorded"))),
        (MEETING_DAYS, False, ("partial", ("met_recently", "community_decides"), ("decisions_recorded",))),
        (
            2 * MEETING_DAYS,
            False,
            ("partial", ("met_this_year", "community_decides"), ("met_recently", "decisions_recorded")),
        ),
    ],
)
def test_communication_by_the_last_meeting(days, decided, expected):
    meetings = [TODAY - timedelta(days=400), TODAY - timedelta(days=days)]  # the last one counts
    decisions = [TODAY - timedelta(days=400)] if decided else []
    assert check("communication", meetings=meetings, decisions=decisions) == expected


def test_communication_missing_without_meetings_nor_decisions():
    assert check("communication", meetings=[], decisions=[]) == (
        "missing",
        ("community_decides",),
        ("met_recently", "decisions_recorded"),
    )


def test_a_meeting_planned_in_the_future_has_not_happened():
    # Only a meeting in a week and one 200 days ago: the participants have not met within 180 days.
    meetings = [TODAY + timedelta(days=7), TODAY - timedelta(days=200)]
    assert check("communication", meetings=meetings, decisions=[]) == (
        "missing",
        ("community_decides",),
        ("met_recently", "decisions_recorded"),
    )


def test_communication_asks_for_a_community_decision_seat():
    # The table de quartier takes part but no longer decides: the people concerned have no say.
    people = [*THREE[:2], person("table", "community", role="backbone", decides=False, hours=300)]
    status, met, lacking = check("communication", participants=people)
    assert (status, met, lacking) == ("partial", ("met_recently", "decisions_recorded"), ("community_decides",))


# 5. Backbone support.


def test_backbone_in_place():
    assert check("backbone") == ("in_place", ("backbone_named", "backbone_staffed", "resources_committed"), ())


def test_backbone_missing_without_a_backbone():
    others = [p for p in THREE if p.role != "backbone"]
    assert check("backbone", participants=others) == ("missing", (), ("backbone_named",))


def test_backbone_without_staff_nor_money_is_partial():
    people = [person("table", "community", role="backbone", decides=True), person("b", "public", kinds=["data"])]
    assert check("backbone", participants=people) == (
        "partial",
        ("backbone_named",),
        ("backbone_staffed", "resources_committed"),
    )


def test_a_commitment_of_staff_time_without_hours_staffs_the_backbone():
    people = [person("table", "community", role="backbone", kinds=["staff_time"]), person("f", "public", money=1.0)]
    assert check("backbone", participants=people)[0] == "in_place"


def test_staff_time_of_another_participant_does_not_staff_the_backbone():
    people = [person("table", "community", role="backbone"), person("f", "public", hours=100, money=1.0)]
    assert check("backbone", participants=people) == (
        "partial",
        ("backbone_named", "resources_committed"),
        ("backbone_staffed",),
    )


# --- wording -------------------------------------------------------------------------------------------------


def test_every_condition_and_code_has_its_wording_in_both_languages():
    document = yaml.safe_load(WORDING.read_text(encoding="utf-8"))
    assert [c["id"] for c in document["conditions"]] == list(CONDITIONS)
    emitted = set()
    cases = [
        facts(),
        facts(has_change=False, has_whom=False, has_territory=False, due_on=None, participants=[], indicators=[]),
        facts(indicators=[IndicatorFacts(False, False, None)], actions=[act("1", None, ["e"])]),
        facts(meetings=[TODAY - timedelta(days=100)], decisions=[]),
    ]
    for case in cases:
        for c in check_conditions(case):
            emitted |= set(c.met) | set(c.lacking)
    assert emitted <= set(document["checks"])
    for wording in document["checks"].values():
        assert all(wording[side][language] for side in ("met", "lacking") for language in ("fr", "en"))
