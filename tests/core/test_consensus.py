"""Condorcet rankings against textbook examples."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from maillage.core.consensus import pairwise, ranked_pairs, schulze, tiers

# Schulze's example (Schulze 2011, §3.1; Wikipedia, "Schulze method"): 45 voters, 5 candidates.
WIKIPEDIA_SCHULZE = (
    [list("ACBED")] * 5
    + [list("ADECB")] * 5
    + [list("BEDAC")] * 8
    + [list("CABED")] * 3
    + [list("CAEBD")] * 7
    + [list("CBADE")] * 2
    + [list("DCEBA")] * 7
    + [list("EBADC")] * 8
)

# Tennessee's capital (Wikipedia, "Ranked pairs" and "Condorcet method"): percentages as voters.
TENNESSEE = (
    [["Memphis", "Nashville", "Chattanooga", "Knoxville"]] * 42
    + [["Nashville", "Chattanooga", "Knoxville", "Memphis"]] * 26
    + [["Chattanooga", "Knoxville", "Nashville", "Memphis"]] * 15
    + [["Knoxville", "Chattanooga", "Nashville", "Memphis"]] * 17
)


def test_schulze_on_its_textbook_example():
    ranking = schulze(WIKIPEDIA_SCHULZE)
    assert ranking.order == [["E"], ["A"], ["C"], ["B"], ["D"]]
    assert ranking.condorcet_winner is None  # a cycle: no candidate beats every other
    # The pairwise preferences of the example, as the textbook tabulates them.
    d = ranking.pairwise
    assert (d[("A", "B")], d[("B", "A")]) == (20, 25)
    assert (d[("A", "C")], d[("C", "A")]) == (26, 19)
    assert (d[("E", "D")], d[("D", "E")]) == (31, 14)
    assert (d[("C", "E")], d[("E", "C")]) == (24, 21)


def test_both_methods_elect_the_condorcet_winner_of_tennessee():
    for method in (schulze, ranked_pairs):
        ranking = method(TENNESSEE)
        assert ranking.condorcet_winner == "Nashville"
        assert ranking.order == [["Nashville"], ["Chattanooga"], ["Knoxville"], ["Memphis"]]


def test_ranked_pairs_locks_the_largest_margins_first():
    # A cycle a > b (margin 5), b > c (margin 3), c > a (margin 1): the weakest link c > a is dropped.
    ballots = [["a", "b", "c"]] * 4 + [["b", "c", "a"]] * 3 + [["c", "a", "b"]] * 2
    assert pairwise(ballots, ["a", "b", "c"])[("c", "a")] == 5
    ranking = ranked_pairs(ballots)
    assert ranking.order == [["a"], ["b"], ["c"]]
    assert ranking.condorcet_winner is None


def test_partial_ballots_rank_the_rest_equal_and_below():
    assert tiers(["b"], ["a", "b", "c"]) == [["b"], ["a", "c"]]
    assert tiers([["a", "c"], "b"], ["a", "b", "c"]) == [["a", "c"], ["b"]]
    ranking = schulze([["b"], ["b"], ["a"]], ["a", "b", "c"])
    assert ranking.order == [["b"], ["a"], ["c"]]
    # Nobody prefers one of two proposals to the other: they are tied.
    assert schulze([[["a", "b"]]], ["a", "b"]).order == [["a", "b"]]


def test_bad_ballots_are_refused():
    with pytest.raises(ValueError, match="not a proposal"):
        tiers(["z"], ["a"])
    with pytest.raises(ValueError, match="twice"):
        tiers(["a", "a"], ["a", "b"])


ballot = st.permutations(["a", "b", "c", "d"])


@settings(max_examples=150, deadline=None)
@given(st.lists(ballot, min_size=1, max_size=15))
def test_a_condorcet_winner_wins_and_every_proposal_is_ranked_once(ballots):
    for method in (schulze, ranked_pairs):
        ranking = method(ballots, ["a", "b", "c", "d"])
        ranked = [c for tier in ranking.order for c in tier]
        assert sorted(ranked) == ["a", "b", "c", "d"]
        if ranking.condorcet_winner is not None:
            assert ranking.order[0] == [ranking.condorcet_winner]
    # Unanimity: everyone ranks the same way, so do both methods.
    same = [ballots[0]] * 3
    assert [t[0] for t in schulze(same).order] == list(ballots[0])
    assert [t[0] for t in ranked_pairs(same).order] == list(ballots[0])
