"""Ecosystem analytics against small cases computed by hand."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from maillage.core.allocation import Initiative, Instance, Offer
from maillage.core.analytics import (
    OTHER,
    THRESHOLD,
    Flow,
    Place,
    amounts_by,
    by_year,
    concentration,
    dependence,
    equity_groups,
    money_shares,
    rest_of,
    sum_by_group,
    supply_demand,
)


def initiative(id, territory, **needs):
    return Initiative(id=id, max_offers=3, max_burden_hours=100.0, needs=needs, territory=territory)


def offer(id, capacity, eligible, **covers):
    return Offer(id=id, capacity=capacity, burden_hours=5.0, covers=covers, eligible=tuple(eligible))


def instance(initiatives, offers):
    return Instance(burden_penalty=0.01, initiatives=tuple(initiatives), offers=tuple(offers))


# Group "n" has five initiatives, "s" five, "x" two and "y" one (too small: merged, then withheld).
NORTH = [initiative(f"n{i}", "q-n", money=2.0, people=1.0 if i < 2 else 0.0) for i in range(5)]
SOUTH = [initiative(f"s{i}", "q-s", money=1.0) for i in range(5)]
SMALL = [initiative("x0", "q-x", money=3.0), initiative("x1", "q-x", money=3.0), initiative("y0", "q-y", money=3.0)]


def test_reachable_need_takes_the_best_cover_among_the_offers_that_reach():
    offers = [
        offer("grant", 10, ["n0", "n1", "n2"], money=0.5),
        offer("loan", 10, ["n0"], money=1.0),
        offer("coach", 10, ["n0", "n1"], people=1.0),
    ]
    result = supply_demand(instance(NORTH, offers), PLACES, {"grant": ["f1"], "loan": ["f2"], "coach": ["f1"]})
    money = next(c for c in result.cells if c.element == "money")
    # n0: 2 × 1.0 (the loan); n1, n2: 2 × 0.5 (the grant); n3, n4: nothing reaches them.
    assert money.in_need == 5
    assert money.need == pytest.approx(10.0)
    assert money.reachable == pytest.approx(2.0 + 1.0 + 1.0)
    assert money.unreachable == pytest.approx(6.0)
    assert money.unreachable_initiatives == 2
    assert money.offers == ("grant", "loan")
    assert money.providers == ("f1", "f2")
    assert money.capacity == 20
    assert money.is_gap  # two initiatives in need are out of reach
    # n0 is reached by both providers, and 20 places for the 3 reached leave 17 to spare: an overlap too.
    assert money.contested == 1
    assert money.spare == 17
    assert money.is_overlap
    people = next(c for c in result.cells if c.element == "people")
    assert (people.in_need, people.need, people.reachable, people.unreachable_initiatives) == (2, 2.0, 2.0, 0)
    assert people.reachable_share == 1.0


def test_an_offer_without_capacity_left_reaches_nobody():
    offers = [offer("full", 0, [i.id for i in SOUTH], money=1.0)]
    cell = supply_demand(instance(SOUTH, offers), PLACES, {"full": ["f"]}).cells[0]
    assert cell.reachable == 0
    assert cell.unreachable_initiatives == 5
    assert cell.offers == ()
    assert cell.is_gap


def test_more_initiatives_in_need_than_places_is_a_gap():
    offers = [offer("small", 3, [i.id for i in SOUTH], money=1.0)]
    cell = supply_demand(instance(SOUTH, offers), PLACES, {"small": ["f"]}).cells[0]
    assert cell.unreachable_initiatives == 0
    assert cell.capacity == 3
    assert cell.in_need == 5
    assert cell.is_gap
    assert cell.spare == 0
    assert not cell.is_overlap


def test_two_providers_with_places_to_spare_overlap():
    ids = [i.id for i in SOUTH]
    offers = [offer("a", 5, ids, money=1.0), offer("b", 4, ids, money=0.5), offer("c", 100, [], money=1.0)]
    result = supply_demand(instance(SOUTH, offers), PLACES, {"a": ["f1"], "b": ["f2", "f1"]})
    cell = result.cells[0]
    assert cell.providers == ("f1", "f2")
    assert cell.capacity == 9
    assert cell.spare == 4
    assert cell.contested == 5
    assert cell.is_overlap
    assert not cell.is_gap
    assert result.overlaps() == [cell]
    assert result.gaps() == []


def test_one_provider_is_not_an_overlap():
    ids = [i.id for i in SOUTH]
    offers = [offer("a", 5, ids, money=1.0), offer("b", 4, ids, money=1.0)]
    cell = supply_demand(instance(SOUTH, offers), PLACES, {"a": ["f1"], "b": ["f1"]}).cells[0]
    assert cell.contested == 0
    assert not cell.is_overlap


PLACES = {
    "q-n": Place("q-n", "b1"),
    "q-s": Place("q-s", "b1"),
    "q-x": Place("q-x", "b2"),
    "q-y": Place("q-y", "b2"),
    "q-z": Place("q-z", "b3"),
    "b2": Place(None, "b2"),
    "island": Place(),
}


def test_a_boroughs_small_quartiers_make_its_rest_or_go_to_the_others():
    extra = [
        initiative("y1", "q-y", money=1.0),
        initiative("b2-0", "b2", money=1.0),
        initiative("z0", "q-z", money=1.0),
    ]
    result = supply_demand(instance(NORTH + SOUTH + SMALL + extra, []), PLACES, {})
    # x (2), y (2) and the borough itself (1) make b2's rest of five; z (1) alone is withheld.
    assert result.groups == ("q-n", "q-s", rest_of("b2"))
    assert result.sizes[rest_of("b2")] == 5
    assert result.merged == ("b2", "q-x", "q-y")
    assert result.withheld == ("q-z",)
    assert result.withheld_initiatives == 1
    merged = next(c for c in result.cells if c.group == rest_of("b2"))
    assert merged.need == pytest.approx(3 + 3 + 3 + 1 + 1)


def test_what_no_borough_can_hold_goes_to_the_others_or_is_withheld():
    wide = [initiative(f"w{i}", "island" if i % 2 else None, money=1.0) for i in range(4)]
    result = supply_demand(instance(NORTH + wide + SMALL, []), PLACES, {})
    # The island (2), no territory (2) and b2's quartiers (3, too few alone) make seven others.
    assert result.groups == ("q-n", OTHER)
    assert result.sizes[OTHER] == 7
    result = supply_demand(instance(NORTH + wide[:2], []), PLACES, {})
    assert result.groups == ("q-n",)
    assert result.withheld == ("island",)
    assert result.withheld_initiatives == 2
    assert result.by_element()["money"] == (10.0, 0.0)  # the withheld are in no total


def test_the_borough_level_gathers_the_same_atoms():
    extra = [initiative("y1", "q-y", money=1.0), initiative("b2-0", "b2", money=1.0)]
    result = supply_demand(instance(NORTH + SOUTH + SMALL + extra, []), PLACES, {}, level="borough")
    assert result.groups == ("b1", "b2")
    assert result.sizes == {"b1": 10, "b2": 5}


def test_a_quartier_of_several_boroughs_stays_its_own_group():
    places = {"q-n": Place("q-n", None)}
    result = supply_demand(instance(NORTH, []), places, {}, level="borough")
    assert result.groups == ("q-n",)


def test_organisations_count_too():
    carriers = {i.id: ["one-organisation"] if i.id != "n4" else ["another"] for i in NORTH}
    result = supply_demand(instance(NORTH, []), PLACES, {}, carriers=carriers)
    assert result.groups == ()  # five initiatives, but of two organisations
    assert result.withheld == ("q-n",)
    carriers = {i.id: [f"org-{i.id}"] for i in NORTH}
    assert supply_demand(instance(NORTH, []), PLACES, {}, carriers=carriers).groups == ("q-n",)


def test_the_threshold_is_a_parameter():
    result = supply_demand(instance(SMALL, []), PLACES, {}, threshold=2)
    assert result.groups == ("q-x",)
    assert result.withheld == ("q-y",)


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.sampled_from(["q-n", "q-s", "q-x", "q-y", "q-z", "b2", "island", None]),
        min_size=0,
        max_size=40,
    )
)
def test_no_difference_between_rows_describes_fewer_than_the_threshold(territories):
    everyone = [initiative(f"i{n}", t, money=1.0) for n, t in enumerate(territories)]
    quartiers = supply_demand(instance(everyone, []), PLACES, {})
    boroughs = supply_demand(instance(everyone, []), PLACES, {}, level="borough")
    assert all(size >= THRESHOLD for size in quartiers.sizes.values())
    assert all(size >= THRESHOLD for size in boroughs.sizes.values())
    # The totals agree, and so do the groups withheld.
    assert sum(quartiers.sizes.values()) == sum(boroughs.sizes.values())
    assert quartiers.withheld_initiatives == boroughs.withheld_initiatives
    # A borough minus the rows of the quartier level that fall in it: nothing, or enough.
    borough_of = {"q-n": "b1", "q-s": "b1", "q-x": "b2", "q-y": "b2", "q-z": "b3"}
    for borough, size in boroughs.sizes.items():
        inside = sum(
            n for group, n in quartiers.sizes.items() if borough_of.get(group) == borough or group == rest_of(borough)
        )
        assert size - inside in (0,) or size - inside >= THRESHOLD


def test_concentration_by_hand():
    # shares 50 %, 30 %, 20 %: HHI = 2500 + 900 + 400 = 3800; top two = 80 %.
    result = concentration({"a": 50.0, "b": 30.0, "c": 20.0, "none": 0.0}, top=2)
    assert result.total == 100.0
    assert result.funders == 3
    assert result.hhi == pytest.approx(3800.0)
    assert result.top_share == pytest.approx(0.8)
    assert result.equivalent_funders == pytest.approx(10_000 / 3800)
    monopoly = concentration({"a": 7.0})
    assert monopoly.hhi == pytest.approx(10_000.0)
    assert monopoly.top_share == 1.0
    assert concentration({}).hhi is None
    assert concentration({}).top_share is None


def test_equal_funders_have_hhi_ten_thousand_over_n():
    result = concentration({str(i): 3.0 for i in range(8)})
    assert result.hhi == pytest.approx(1250.0)
    assert result.top_share == pytest.approx(5 / 8)


FLOWS = [
    Flow("f1", "r1", 60.0, 2024, flexible=True, territories=("t1", "t2"), sectors=("food",)),
    Flow("f2", "r1", 40.0, 2024, multi_year=True, territories=("t1", "t2"), sectors=("food",)),
    Flow("f1", "r2", 100.0, 2025, flexible=True, multi_year=True, territories=("t2",)),
    Flow("f3", "r3", 0.0, 2025),
]


def test_amounts_split_evenly_among_territories():
    table = amounts_by(FLOWS, "territories", none="?")
    assert table == {"t1": {"f1": 30.0, "f2": 20.0}, "t2": {"f1": 130.0, "f2": 20.0}, "?": {"f3": 0.0}}
    sectors = amounts_by(FLOWS, "sectors", none="?")
    assert sectors["food"] == {"f1": 60.0, "f2": 40.0}
    assert sectors["?"] == {"f1": 100.0, "f3": 0.0}


def test_dependence_on_the_largest_funder():
    rows = dependence(FLOWS)
    assert [(d.recipient, d.main_funder, d.main_share, d.funders) for d in rows] == [
        ("r2", "f1", 1.0, 1),
        ("r1", "f1", 0.6, 2),
    ]  # r3 received nothing: no share to speak of


def test_flexible_and_multi_year_shares():
    shares = money_shares(FLOWS)
    assert shares.total == 200.0
    assert shares.flows == 4
    assert shares.flexible_share == pytest.approx(160 / 200)
    assert shares.multi_year_share == pytest.approx(140 / 200)
    assert money_shares([]).flexible_share is None


def test_trends_by_year():
    rows = by_year(FLOWS)
    assert [r.year for r in rows] == [2024, 2025]
    assert rows[0].concentration.hhi == pytest.approx(60**2 + 40**2)
    assert rows[1].concentration.funders == 1
    assert rows[1].shares.total == 100.0


def test_quintiles_of_the_territories():
    figures = {f"t{i}": float(i) for i in range(10)}
    groups = equity_groups(figures)
    assert groups.classes == 5
    assert [sorted(s for s, g in groups.group_of.items() if g == k) for k in range(5)] == [
        ["t0", "t1"],
        ["t2", "t3"],
        ["t4", "t5"],
        ["t6", "t7"],
        ["t8", "t9"],
    ]
    assert groups.bounds[4] == (8.0, 9.0)
    assert equity_groups({"a": 1.0}).classes == 0


def test_sums_by_group_give_ratios_of_sums():
    groups = equity_groups({"a": 1.0, "b": 2.0, "c": 3.0, "d": 4.0}, classes=2)
    sums = sum_by_group(groups, {"a": {"money": 10.0, "people": 5.0}, "b": {"money": 30.0, "people": 15.0}})
    assert sums[0].territories == 2
    assert sums[0].ratio("money", "people") == pytest.approx(2.0)
    assert sums[1].ratio("money", "people") is None
    assert math.isclose(sums[0].ratio("money", "people", 1000) or 0, 2000)


def test_sankey_bars_are_proportional_and_bands_stack():
    from maillage.core.sankey import sankey

    chart = sankey([("a", "x", 30.0), ("a", "y", 10.0), ("b", "x", 20.0), ("a", "x", 0.0)], height=106.0, gap=6.0)
    nodes = {(n.side, n.id): n for n in chart.nodes}
    # 60 $ over 100 px (106 minus one gap): 1 px per 0.6 $.
    assert nodes[("source", "a")].height == pytest.approx(40 / 0.6)
    assert nodes[("source", "b")].y == pytest.approx(40 / 0.6 + 6)
    assert nodes[("target", "x")].height == pytest.approx(50 / 0.6)
    assert [(link.source, link.target, link.value) for link in chart.links] == [
        ("a", "x", 30.0),
        ("a", "y", 10.0),
        ("b", "x", 20.0),
    ]
    # The band b→x enters x below a→x.
    ax, _, bx = chart.links
    assert ax.path.startswith("M12.0,0.0")
    assert "628.0,50.0" in bx.path
    assert sankey([]).nodes == ()
