"""Synergies among field actors, against small cases worked by hand."""

from __future__ import annotations

from maillage.core.synergies import Actor, Group, Reason, concerning, find_synergies

KITCHEN = Actor("kitchen", ("q1",), populations=("aines", "familles"), offers=("cuisine",), seeks=("camion",))
VAN = Actor("van", ("q1", "q2"), populations=("familles",), offers=("camion",), seeks=("cuisine", "salle"))
ROOMLESS = Actor("roomless", ("q1",), seeks=("salle",))
ELSEWHERE = Actor("elsewhere", ("q3",), offers=("salle",), seeks=("cuisine",))
ALONE = Actor("alone", ("q1",), populations=("familles",))


def test_a_pair_needs_a_resource_one_can_share_with_the_other():
    pairs, _groups = find_synergies([KITCHEN, VAN, ROOMLESS, ELSEWHERE, ALONE])
    assert [(p.a, p.b) for p in pairs] == [("kitchen", "van")]
    pair = pairs[0]
    assert pair.places == ("q1",)
    assert pair.reasons == (
        Reason("shares", "cuisine", "kitchen"),
        Reason("shares", "camion", "van"),
        Reason("population", "familles"),
    )
    assert pair.score == 5  # two resources (2 each) and one population (1)


def test_no_pair_across_quartiers_nor_on_populations_alone():
    pairs, _ = find_synergies([ELSEWHERE, VAN, ALONE, KITCHEN])
    assert all("elsewhere" not in (p.a, p.b) for p in pairs)
    assert all("alone" not in (p.a, p.b) for p in pairs)


def test_a_group_seeks_what_nobody_there_offers():
    _, groups = find_synergies([KITCHEN, VAN, ROOMLESS, ELSEWHERE])
    # In q1, the van's team and "roomless" both seek a room that nobody in q1 offers (it is in q3).
    assert groups == [Group("q1", "salle", ("roomless", "van"))]
    # Once someone in q1 offers a room, there is a pair instead of a group.
    hall = Actor("hall", ("q1",), offers=("salle",))
    pairs, groups = find_synergies([KITCHEN, VAN, ROOMLESS, hall])
    assert groups == []
    assert {(p.a, p.b) for p in pairs} == {("kitchen", "van"), ("hall", "roomless"), ("hall", "van")}


def test_pairs_in_two_shared_quartiers_are_listed_once():
    a = Actor("a", ("q1", "q2"), offers=("camion",))
    b = Actor("b", ("q2", "q1"), seeks=("camion",))
    pairs, _ = find_synergies([a, b])
    assert len(pairs) == 1
    assert pairs[0].places == ("q1", "q2")


def test_what_concerns_one_organisation():
    pairs, groups = find_synergies([KITCHEN, VAN, ROOMLESS])
    mine, my_groups = concerning(pairs, groups, "roomless")
    assert mine == []
    assert [g.resource for g in my_groups] == ["salle"]
    mine, my_groups = concerning(pairs, groups, "kitchen")
    assert len(mine) == 1
    assert my_groups == []
