"""Anonymous feedback: thresholds, slices against differencing, percentiles, by hand and by property."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from maillage.core import feedback as fb
from maillage.core.feedback import (
    QUESTIONS,
    Comparison,
    hours_per_thousand,
    percentile_rank,
    release,
    summarise,
)


def test_the_survey_asks_what_peer_surveys_ask_in_both_languages():
    ids = [q.id for q in QUESTIONS]
    assert len(ids) == len(set(ids))
    assert {q.kind for q in QUESTIONS} == {"scale", "hours", "text"}
    for question in QUESTIONS:
        assert question.fr.strip()
        assert question.en.strip()
        if question.kind == "scale":
            assert question.low_fr
            assert question.high_en
    assert sum(q.kind == "text" for q in QUESTIONS) == 2


def test_a_rating_shows_only_from_five_answers():
    assert not summarise([7, 7, 6, 5]).shown
    assert summarise([7, 7, 6, 5]).mean is None
    assert summarise([7, 7, 6, 5]).count == 4
    rating = summarise([7, 7, 6, 5, 1])
    assert rating.shown
    assert rating.mean == pytest.approx(26 / 5)
    assert rating.median == 6
    assert rating.distribution == (1, 0, 0, 0, 1, 1, 2)
    assert summarise([1, 2, 3, 4, 5, 6], threshold=2).median == 3.5
    with pytest.raises(ValueError, match="not on the scale"):
        summarise([8, 1, 1, 1, 1])


# Twelve respondents: community organisations and collectives, in Verdun and Saint-Michel.
PEOPLE = (
    [{"kind": "community", "borough": "verdun"}] * 5
    + [{"kind": "community", "borough": "saint-michel"}] * 3
    + [{"kind": "collective", "borough": "verdun"}] * 4
)


def test_a_slice_needs_five_respondents():
    assert release(PEOPLE, {}).allowed
    assert release(PEOPLE, {}).count == 12
    decision = release(PEOPLE, {"borough": "saint-michel"})
    assert (decision.allowed, decision.code, decision.count) == (False, "too_few", 0)


def test_a_slice_that_would_isolate_others_by_difference_is_refused():
    # Verdun has 9, but the total minus Verdun is Saint-Michel's 3: refused.
    decision = release(PEOPLE, {"borough": "verdun"})
    assert (decision.allowed, decision.code, decision.dimension) == (False, "difference", "borough")
    # Community organisations: 8, and the collectives 4: refused too.
    assert release(PEOPLE, {"kind": "community"}).code == "difference"
    # With two more collectives elsewhere (6), the kinds may be shown.
    more = [*PEOPLE, {"kind": "collective", "borough": "saint-michel"}, {"kind": "collective", "borough": "lachine"}]
    assert release(more, {"kind": "collective"}).allowed
    assert release(more, {"kind": "community"}).allowed


def test_two_filters_check_each_parent():
    people = (
        [{"kind": "a", "place": "x"}] * 5
        + [{"kind": "a", "place": "y"}] * 5
        + [{"kind": "b", "place": "x"}] * 6
        + [{"kind": "b", "place": "y"}] * 2
    )
    # a ∧ x: 5; within a, the places are 5 and 5; within x, the kinds are 5 and 6: allowed.
    assert release(people, {"kind": "a", "place": "x"}).allowed
    # b ∧ x: within b, the places are 6 and 2: y would be b's total minus b ∧ x.
    decision = release(people, {"kind": "b", "place": "x"})
    assert (decision.code, decision.dimension) == ("difference", "place")


def test_counts_can_be_given_instead_of_profiles():
    counts = {(("borough", "verdun"),): 6, (("borough", "lachine"),): 5}
    assert release(counts, {"borough": "verdun"}).allowed
    assert not release({(("borough", "verdun"),): 6, (("borough", "lachine"),): 1}, {"borough": "verdun"}).allowed


KINDS = ["a", "b", "c"]
PLACES = ["x", "y", "z"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(KINDS), st.sampled_from(PLACES)), max_size=40))
def test_no_difference_between_released_slices_isolates_anyone(pairs):
    people = [{"kind": k, "place": p} for k, p in pairs]
    queries = [{}]
    queries += [{"kind": k} for k in KINDS] + [{"place": p} for p in PLACES]
    queries += [{"kind": k, "place": p} for k, p in itertools.product(KINDS, PLACES)]
    released = [q for q in queries if release(people, q).allowed]

    def members(query):
        return {i for i, person in enumerate(people) if all(person[d] == v for d, v in query.items())}

    for query in released:
        assert len(members(query)) >= 5
    # A released slice minus released slices nested in it and disjoint from each other (what one can
    # compute from their figures by subtraction): nothing, or five or more.
    for outer in released:
        inner = [q for q in released if q != outer and members(q) <= members(outer)]
        for size in range(1, min(3, len(inner)) + 1):
            for chosen in itertools.combinations(inner, size):
                sets = [members(q) for q in chosen]
                if sum(len(m) for m in sets) != len(set().union(*sets)):
                    continue  # overlapping slices: their union's figure cannot be computed from theirs
                left = members(outer) - set().union(*sets)
                assert len(left) == 0 or len(left) >= 5, (outer, chosen)


def test_percentile_ranks_by_hand():
    peers = [3.0, 4.0, 5.0, 5.0, 6.0]
    # Below 5: two; equal: two (half each) → (2 + 1) / 5 = 60 %.
    assert percentile_rank(5.0, peers) == pytest.approx(60.0)
    assert percentile_rank(7.0, peers) == pytest.approx(100.0)
    assert percentile_rank(1.0, peers) == pytest.approx(0.0)
    assert percentile_rank(4.5, peers) == pytest.approx(40.0)
    assert percentile_rank(5.0, []) is None


def test_hours_per_thousand_dollars():
    assert hours_per_thousand(30, 15_000) == pytest.approx(2.0)
    assert hours_per_thousand(10, 0) is None


def test_a_practice_compared_not_caused():
    comparison = Comparison("flexible", with_practice=[6.0, 6.5], without=[5.0, 4.0, 6.0])
    assert comparison.difference == pytest.approx(6.25 - 5.0)
    assert Comparison("light-reporting").difference is None


def test_slice_ratings_release_each_question_over_those_who_answered_it():
    community = [fb.Answered({"kind": "community"}, {"fit": 5, "recommend": 6}) for _ in range(5)]
    enterprises = [fb.Answered({"kind": "enterprise"}, {"recommend": 4}) for _ in range(4)]
    enterprises.append(fb.Answered({"kind": "enterprise"}, {"fit": 2, "recommend": 4}))
    result = fb.slice_ratings(community + enterprises, ["fit", "recommend"], {"kind": "community"})
    assert result.decision.allowed
    assert result.ratings["recommend"].mean == 6
    # "fit" was rated by five community organisations and one enterprise: the whole minus the slice
    # would be that one enterprise's answer.
    assert "fit" not in result.ratings
    assert result.refused["fit"].code == "difference"
    whole = fb.slice_ratings(community + enterprises, ["fit"], {})
    assert whole.ratings["fit"].mean == pytest.approx((5 * 5 + 2) / 6)


def test_slice_ratings_refuse_the_slice_itself_when_too_small():
    answers = [fb.Answered({"kind": "community"}, {"fit": 5}) for _ in range(4)]
    result = fb.slice_ratings(answers, ["fit"], {})
    assert not result.decision.allowed
    assert result.decision.code == "too_few"
    assert result.ratings == {}
    assert result.refused == {}


def test_slice_ratings_without_a_scale_summarise_any_number():
    answers = [fb.Answered({}, {"ratio": v}) for v in (0.5, 1.5, 2.0, 3.0, 10.0)]
    rating = fb.slice_ratings(answers, ["ratio"], {}, scales={"ratio": None}).ratings["ratio"]
    assert (rating.median, rating.distribution) == (2.0, ())
    assert rating.mean == pytest.approx(17 / 5)


def _supported(org, needs, covered):
    return fb.Supported(frozenset({org}), needs, frozenset(covered))


def test_needs_coverage_by_hand():
    rows = [
        _supported("a", {"finance": 1.0, "team": 0.5}, {"finance"}),
        _supported("b", {"finance": 1.0}, {"finance"}),
        _supported("c", {"finance": 0.5, "team": 0.5}, set()),
        _supported("d", {"finance": 1.0, "space": 1.0}, {"space"}),
        _supported("e", {"finance": 1.0, "team": 1.0}, {"finance", "team"}),
        _supported("f", {}, {"finance"}),  # no need: not counted
    ]
    coverage = fb.needs_coverage(rows)
    assert coverage.shown
    assert coverage.initiatives == 5
    # Need 1.5 + 1 + 1 + 2 + 2 = 7.5; addressed 1 + 1 + 0 + 1 + 2 = 5.
    assert coverage.share == pytest.approx(5 / 7.5)
    # Only "finance" is needed by five: "team" (3) and "space" (1) stay unnamed.
    assert coverage.elements == (fb.ElementCoverage("finance", 5, 3),)


def test_needs_coverage_needs_five_initiatives_of_five_organisations():
    rows = [_supported("same", {"finance": 1.0}, set()) for _ in range(6)]
    assert not fb.needs_coverage(rows).shown
    assert fb.needs_coverage(rows[:5], threshold=1).shown


def test_practice_comparison_needs_three_actors_each_side():
    has = {"a": True, "b": True, "c": True, "d": False, "e": False}
    ratings = {"a": 6.0, "b": 5.0, "c": 4.0, "d": 3.0, "e": 2.0}
    assert fb.compare_practice("flexible", has, ratings) is None
    has["f"] = False
    ratings["f"] = 4.0
    comparison = fb.compare_practice("flexible", has, ratings)
    assert comparison.mean_with == pytest.approx(5.0)
    assert comparison.mean_without == pytest.approx(3.0)
    assert comparison.difference == pytest.approx(2.0)
