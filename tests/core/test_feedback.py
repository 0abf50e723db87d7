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
    # Community organisations: 8, but their cell in Saint-Michel is 3: refused too.
    assert release(PEOPLE, {"kind": "community"}).code == "difference"
    # With every cell at five or more, the kinds and the places may be shown.
    full = [
        *PEOPLE,
        *[{"kind": "community", "borough": "saint-michel"}] * 2,
        {"kind": "collective", "borough": "verdun"},
    ]
    assert release(full, {"kind": "collective"}).allowed
    assert release(full, {"borough": "saint-michel"}).allowed
    assert release(full, {"kind": "community", "borough": "verdun"}).allowed


def test_slices_over_different_dimensions_cannot_be_combined_to_isolate_one():
    # The attack a nested-only check misses: kind=b − (place=x − kind=a & place=x) = (b, y), alone.
    people = (
        [{"kind": "a", "place": "x"}] * 5
        + [{"kind": "a", "place": "y"}] * 5
        + [{"kind": "b", "place": "x"}] * 5
        + [{"kind": "b", "place": "y"}] * 1
    )
    for query in ({"kind": "b"}, {"place": "x"}, {"kind": "a", "place": "x"}, {"kind": "a"}):
        decision = release(people, query)
        assert (decision.allowed, decision.code) == (False, "difference"), query
    assert release(people, {}).allowed  # everyone together stays shown


def test_counts_can_be_given_instead_of_profiles():
    counts = {(("borough", "verdun"),): 6, (("borough", "lachine"),): 5}
    assert release(counts, {"borough": "verdun"}).allowed
    assert not release({(("borough", "verdun"),): 6, (("borough", "lachine"),): 1}, {"borough": "verdun"}).allowed


KINDS = ["a", "b", "c"]
PLACES = ["x", "y", "z"]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(KINDS), st.sampled_from(PLACES)), max_size=60),
    st.lists(st.tuples(st.integers(0, 15), st.sampled_from([-1, 1])), min_size=1, max_size=4),
)
def test_no_sum_or_difference_of_released_slices_isolates_anyone(pairs, combination):
    people = [{"kind": k, "place": p} for k, p in pairs]
    queries = [{}]
    queries += [{"kind": k} for k in KINDS] + [{"place": p} for p in PLACES]
    queries += [{"kind": k, "place": p} for k, p in itertools.product(KINDS, PLACES)]
    released = [q for q in queries if release(people, q).allowed]
    if not released:
        return

    def members(query):
        return {i for i, person in enumerate(people) if all(person[d] == v for d, v in query.items())}

    for query in released:
        assert len(members(query)) >= 5
    # Any signed combination of released figures (each slice added or subtracted, repeats allowed):
    # the respondents it weighs the same form groups of five or more, or weigh nothing.
    weight = [0] * len(people)
    for index, sign in combination:
        for i in members(released[index % len(released)]):
            weight[i] += sign
    groups: dict[int, int] = {}
    for w in weight:
        groups[w] = groups.get(w, 0) + 1
    assert all(size >= 5 for w, size in groups.items() if w != 0), (combination, groups)


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
    return fb.Supported(frozenset({org}), needs, dict.fromkeys(covered, 1.0))


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
    # An offer that covers half of a need addresses half of it.
    half = fb.needs_coverage([fb.Supported(frozenset({o}), {"finance": 1.0}, {"finance": 0.5}) for o in "abcde"])
    assert half.share == pytest.approx(0.5)
    assert half.elements == (fb.ElementCoverage("finance", 5, 5),)


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
