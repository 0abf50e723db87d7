"""The allocation solver: formats, feasibility (independent checker), optimality on tiny instances."""

from __future__ import annotations

import importlib
import itertools
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from maillage.core.allocation import (
    Assignment,
    Initiative,
    Instance,
    InstanceSpec,
    Offer,
    dump_instance,
    dump_result,
    generate_instance,
    objective,
    parse_instance,
    parse_result,
    solve,
    violations,
)
from maillage.core.allocation.arrays import compile_instance
from maillage.core.allocation.greedy import per_initiative_greedy
from maillage.core.errors import MaillageError

solve_module = importlib.import_module("maillage.core.allocation.solve")

ELEMENTS = ("a", "b", "c")


@st.composite
def instances(draw, max_initiatives=4, max_offers=4):
    n = draw(st.integers(1, max_initiatives))
    m = draw(st.integers(1, max_offers))
    initiatives = tuple(
        Initiative(
            id=f"i{k}",
            max_offers=draw(st.integers(0, 3)),
            max_burden_hours=float(draw(st.sampled_from([0, 5, 10, 20, 40]))),
            needs={e: float(draw(st.integers(0, 4))) for e in draw(st.sets(st.sampled_from(ELEMENTS), max_size=3))},
            territory=draw(st.sampled_from(["t1", "t2", None])),
        )
        for k in range(n)
    )
    offers = tuple(
        Offer(
            id=f"o{k}",
            capacity=draw(st.integers(0, 3)),
            burden_hours=float(draw(st.sampled_from([0, 2, 5, 10, 20]))),
            covers={
                e: draw(st.sampled_from([0.25, 0.5, 0.75, 1.0]))
                for e in draw(st.sets(st.sampled_from(ELEMENTS), min_size=1, max_size=3))
            },
            eligible=tuple(i.id for i in initiatives if draw(st.booleans())),
        )
        for k in range(m)
    )
    return Instance(burden_penalty=draw(st.sampled_from([0.0, 0.02, 0.2])), initiatives=initiatives, offers=offers)


def brute_force(instance: Instance) -> float:
    """The best objective over every subset of eligible pairs that the checker accepts."""
    pairs = [Assignment(i, o.id) for o in instance.offers for i in o.eligible]
    best = 0.0
    for size in range(len(pairs) + 1):
        for subset in itertools.combinations(pairs, size):
            if not violations(instance, subset):
                best = max(best, objective(instance, subset))
    return best


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_every_result_is_feasible_and_checks_out(instance):
    solution = solve(instance, time_limit=5)
    result = solution.result
    assert violations(instance, result.assignments) == []
    assert result.objective == pytest.approx(objective(instance, result.assignments), abs=1e-6)
    assert result.objective >= solution.greedy_value - 1e-9
    assert result.upper_bound >= result.objective - 1e-9


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(max_initiatives=3, max_offers=3))
def test_tiny_instances_are_solved_to_optimality(instance):
    if sum(len(o.eligible) for o in instance.offers) > 9:
        return
    best = brute_force(instance)
    result = solve(instance, time_limit=5).result
    assert result.objective == pytest.approx(best, abs=1e-6)
    assert result.upper_bound >= best - 1e-6


def test_the_format_example_and_the_cap_at_one():
    instance = parse_instance(
        {
            "format": "maillage-allocation/1",
            "burden_penalty": 0.02,
            "initiatives": [
                {"id": "i1", "max_offers": 3, "max_burden_hours": 40, "needs": {"financement-souple": 3.6}},
                {"id": "i2", "max_offers": 3, "max_burden_hours": 40, "needs": {"financement-souple": 1.0}},
            ],
            "offers": [
                {
                    "id": "o1",
                    "capacity": 1,
                    "burden_hours": 10,
                    "covers": {"financement-souple": 0.8},
                    "eligible": ["i1", "i2"],
                },
                {
                    "id": "o2",
                    "capacity": 1,
                    "burden_hours": 10,
                    "covers": {"financement-souple": 0.8},
                    "eligible": ["i1", "i2"],
                },
            ],
        }
    )
    result = solve(instance, time_limit=5).result
    # A second offer on i1 covers only 0.2 more of 3.6 (0.72); on i2 it covers 0.8 of 1.0.
    assert sorted((a.initiative, a.offer[:1]) for a in result.assignments) == [("i1", "o"), ("i2", "o")]
    assert result.objective == pytest.approx(3.6 * 0.8 + 1.0 * 0.8 - 0.02 * 20)
    assert result.gap == pytest.approx(0, abs=1e-6)


def test_per_initiative_greedy_is_first_come_first_served():
    # The neediest initiative takes the only seat of the offer that the other one needs most.
    instance = Instance(
        0.0,
        (Initiative("big", 1, 10, {"a": 3.0, "b": 2.9}), Initiative("small", 1, 10, {"a": 2.0})),
        (Offer("oa", 1, 0, {"a": 1.0}, ("big", "small")), Offer("ob", 1, 0, {"b": 1.0}, ("big",))),
    )
    arrays = compile_instance(instance)
    assert arrays.objective(per_initiative_greedy(arrays)) == pytest.approx(3.0)
    solution = solve(instance, time_limit=5)
    assert solution.greedy_value == pytest.approx(3.0)
    assert solution.result.objective == pytest.approx(4.9)


def test_instance_and_result_round_trip_through_json():
    instance = generate_instance(InstanceSpec(initiatives=60, offers=12, territories=4, seed=5))
    again = parse_instance(json.loads(json.dumps(dump_instance(instance))))
    assert dump_instance(again) == dump_instance(instance)
    result = solve(instance, time_limit=5).result
    data = json.loads(json.dumps(dump_result(result)))
    assert data["format"] == "maillage-allocation-result/1"
    parsed = parse_result(data, instance)
    assert parsed.assignments == result.assignments
    assert parsed.objective == result.objective
    assert parsed.upper_bound == result.upper_bound


def _problems(data) -> dict[str, str]:
    with pytest.raises(MaillageError) as caught:
        parse_instance(data)
    assert caught.value.code == "allocation_invalid"
    return {p.field: p.code for p in caught.value.problems}


def test_bad_instances_name_the_offending_path():
    data = {
        "format": "maillage-allocation/1",
        "burden_penalty": -1,
        "initiatives": [
            {"id": "i1", "max_offers": 1.5, "max_burden_hours": -2, "needs": {"a": -1}},
            {"id": "i1", "max_offers": 1, "max_burden_hours": 2, "needs": []},
        ],
        "offers": [
            {
                "id": "o1",
                "capacity": -3,
                "burden_hours": "x",
                "covers": {"a": 0, "b": 1.01, "c": True},
                "eligible": ["i1", "nobody", "i1"],
            },
            "not an offer",
        ],
    }
    assert _problems(data) == {
        "burden_penalty": "burden_penalty_invalid",
        "initiatives[0].max_offers": "max_offers_invalid",
        "initiatives[0].max_burden_hours": "max_burden_hours_invalid",
        "initiatives[0].needs.a": "need_invalid",
        "initiatives[1].needs": "needs_invalid",
        "initiatives[1].id": "duplicate_id",
        "offers[0].capacity": "capacity_invalid",
        "offers[0].burden_hours": "burden_hours_invalid",
        "offers[0].covers.a": "share_invalid",
        "offers[0].covers.b": "share_invalid",
        "offers[0].covers.c": "share_invalid",
        "offers[0].eligible[1]": "unknown_initiative",
        "offers[0].eligible[2]": "duplicate_eligible",
        "offers[1]": "not_an_object",
    }


@pytest.mark.parametrize(
    ("data", "where"),
    [
        ([], "$"),
        ({"format": "other", "initiatives": [], "offers": []}, "format"),
        ({"format": "maillage-allocation/1", "initiatives": {}, "offers": []}, "initiatives"),
        ({"format": "maillage-allocation/1", "initiatives": [{"id": ""}], "offers": []}, "initiatives[0].id"),
    ],
)
def test_malformed_documents(data, where):
    assert where in _problems(data)


def test_results_naming_unknown_ids_are_refused():
    instance = generate_instance(InstanceSpec(initiatives=10, offers=3, territories=2, seed=1))
    with pytest.raises(MaillageError) as caught:
        parse_result(
            {
                "format": "maillage-allocation-result/1",
                "assignments": [{"initiative": "x", "offer": "o1"}],
                "objective": 1,
                "upper_bound": "high",
            },
            instance,
        )
    assert {p.field for p in caught.value.problems} == {"assignments[0].initiative", "upper_bound"}


def test_the_checker_catches_every_kind_of_violation():
    instance = Instance(
        0.0,
        (Initiative("i", 1, 5, {"a": 1.0}), Initiative("j", 2, 50, {"a": 1.0})),
        (Offer("o", 1, 10, {"a": 1.0}, ("i", "j")), Offer("p", 1, 1, {"a": 1.0}, ("j",))),
    )
    found = violations(instance, [Assignment("i", "o"), Assignment("j", "o"), Assignment("i", "p")])
    assert "initiative i is not eligible for offer p" in found
    assert "offer o serves 2 initiatives, capacity 1" in found
    assert "initiative i gets 2 offers, at most 1" in found
    assert "initiative i carries 11 burden hours, at most 5" in found


def test_decomposition_is_feasible_and_its_bound_holds(monkeypatch):
    instance = generate_instance(InstanceSpec(initiatives=300, offers=40, territories=6, regions=3, seed=7))
    exact = solve(instance, time_limit=20, gap=1e-6).result
    monkeypatch.setattr(solve_module, "DIRECT_PAIRS", -1)
    monkeypatch.setattr(solve_module, "BLOCK_PAIRS", 400)
    solution = solve(instance, time_limit=20)
    assert solution.method == "blocks"
    result = solution.result
    assert violations(instance, result.assignments) == []
    assert result.objective >= solution.greedy_value - 1e-9
    # The Lagrangian bound is valid: never below the best value known.
    assert result.upper_bound >= exact.objective - 1e-6
    assert exact.upper_bound >= result.objective - 1e-6


def test_equity_guarantee_is_met_and_priced():
    # One seat; the richer territory's initiative gains more, the guarantee sends it to the poorer one.
    instance = Instance(
        0.0,
        (
            Initiative("rich", 1, 10, {"a": 3.0}, territory="t-rich"),
            Initiative("poor", 1, 10, {"a": 1.0}, territory="t-poor"),
        ),
        (Offer("o", 1, 0, {"a": 1.0}, ("rich", "poor")), Offer("p", 1, 0, {"a": 0.5}, ("rich",))),
    )
    free = solve(instance, time_limit=5).result
    assert {(a.initiative, a.offer) for a in free.assignments} == {("rich", "o")}
    solution = solve(instance, time_limit=5, equity_share=0.5)
    report = solution.equity
    assert report["feasible"] is True
    assert {(a.initiative, a.offer) for a in solution.result.assignments} == {("poor", "o"), ("rich", "p")}
    assert report["objective_without"] == pytest.approx(3.0)
    assert report["objective_with"] == pytest.approx(1.0 + 1.5)
    assert report["price"] == pytest.approx(0.5)
    assert report["territories"]["t-poor"]["share"] >= 0.5
    assert violations(instance, solution.result.assignments) == []


def test_an_infeasible_guarantee_is_reported_with_the_least_shortfall():
    instance = Instance(
        0.0,
        (Initiative("a", 1, 10, {"x": 1.0}, territory="t1"), Initiative("b", 1, 10, {"x": 4.0}, territory="t2")),
        (Offer("o", 1, 0, {"x": 1.0}, ("a", "b")),),
    )
    solution = solve(instance, time_limit=5, equity_share=0.9)
    report = solution.equity
    assert report["feasible"] is False
    # Either way one territory misses; the least total shortfall serves b (0.9×4 would be missed otherwise).
    assert {(a.initiative, a.offer) for a in solution.result.assignments} == {("b", "o")}
    assert violations(instance, solution.result.assignments) == []


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(max_initiatives=6, max_offers=5))
def test_the_decomposition_is_feasible_on_random_instances(instance):
    blocks = importlib.import_module("maillage.core.allocation.decompose")
    original = (solve_module.DIRECT_PAIRS, solve_module.BLOCK_PAIRS)
    solve_module.DIRECT_PAIRS, solve_module.BLOCK_PAIRS = -1, 3
    try:
        solution = solve(instance, time_limit=1.5)
    finally:
        solve_module.DIRECT_PAIRS, solve_module.BLOCK_PAIRS = original
    assert blocks.BLOCK_PAIRS == 40_000
    assert solution.method in {"blocks", "empty"}
    result = solution.result
    assert violations(instance, result.assignments) == []
    assert result.objective >= solution.greedy_value - 1e-9
    assert result.upper_bound >= brute_force(instance) - 1e-6 if instance.pairs <= 9 else True


def test_the_equity_option_keeps_pairs_that_cost_more_than_they_cover():
    # Alone, the offer costs more burden (2 h × 1.0) than it covers (1.0): pruned without the option,
    # yet it is the only way to cover half of the territory's need.
    instance = Instance(
        1.0, (Initiative("i", 1, 10, {"a": 1.0}, territory="t"),), (Offer("o", 1, 2, {"a": 1.0}, ("i",)),)
    )
    assert solve(instance, time_limit=2).result.assignments == ()
    solution = solve(instance, time_limit=2, equity_share=0.5)
    assert solution.equity["feasible"] is True
    assert solution.result.assignments == (Assignment("i", "o"),)
    assert solution.equity["price"] == pytest.approx(1.0)
    assert solution.result.upper_bound == pytest.approx(0.0)  # the bound without the guarantee holds with it


def test_an_instance_built_in_code_is_checked_too():
    twice = Instance(0.0, (Initiative("i", 2, 10, {"a": 1.0}),), (Offer("o", 2, 0, {"a": 0.5}, ("i", "i")),))
    result = solve(twice, time_limit=2).result
    assert violations(twice, result.assignments) == []
    assert result.objective == pytest.approx(objective(twice, result.assignments)) == pytest.approx(0.5)
    clash = Instance(0.0, (Initiative("i", 1, 1, {}), Initiative("i", 1, 1, {})), ())
    with pytest.raises(ValueError, match="unique"):
        solve(clash, time_limit=1)


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ('{"capacity": Infinity}', "offers[0].capacity"),
        ('{"capacity": NaN}', "offers[0].capacity"),
        ('{"capacity": 1e20}', "offers[0].capacity"),
        ('{"capacity": 1, "burden_hours": ' + "9" * 400 + "}", "offers[0].burden_hours"),
    ],
)
def test_numbers_json_allows_but_no_instance_needs_are_refused(text, where):
    offer = {"id": "o", "capacity": 1, "burden_hours": 1, "covers": {}, "eligible": [], **json.loads(text)}
    assert where in _problems({"format": "maillage-allocation/1", "initiatives": [], "offers": [offer]})


def test_a_result_naming_a_list_instead_of_an_id_is_refused():
    instance = generate_instance(InstanceSpec(initiatives=10, offers=3, territories=2, seed=1))
    with pytest.raises(MaillageError) as caught:
        parse_result(
            {
                "format": "maillage-allocation-result/1",
                "assignments": [{"initiative": ["i1"], "offer": "o1"}],
                "objective": 0,
                "upper_bound": 0,
            },
            instance,
        )
    assert [p.field for p in caught.value.problems] == ["assignments[0].initiative"]


def test_the_time_limit_counts_from_the_call_by_default(tmp_path):
    import time

    from maillage.core.allocation.run import solve_instance

    instance = generate_instance(InstanceSpec(initiatives=150, offers=20, territories=3, seed=2))
    time.sleep(0.3)  # time spent before the call is not taken from the solve
    solution = solve_instance(instance, tmp_path / "r.json", time_limit=3)
    assert solution.result.gap <= 1e-3
    assert json.loads((tmp_path / "r.json").read_text())["format"] == "maillage-allocation-result/1"


def _base() -> Instance:
    return Instance(
        0.02,
        (Initiative("i1", 3, 40, {"a": 2.0, "b": 1.0}, territory="t1"), Initiative("i2", 3, 40, {"a": 1.0})),
        (
            Offer("o1", 1, 10, {"a": 0.5}, ("i1",)),
            Offer("o2", 2, 30, {"a": 0.8, "b": 0.2}, ("i2",)),
            Offer("o3", 1, 5, {"b": 1.0}, ("i1", "i2")),
        ),
    )


def test_a_scenario_changes_capacity_burden_eligibility_and_offers():
    from maillage.core.allocation.scenario import apply_scenario

    changed = apply_scenario(
        _base(),
        {
            "format": "maillage-scenario/1",
            "capacity": {"o1": 5},
            "burden_hours": {"o2": 2},
            "eligible_add": {"o1": ["i2", "i1"]},
            "eligible_remove": {"o3": ["i2"]},
            "remove_offers": ["o2"],
            "add_offers": [{"id": "new", "capacity": 1, "burden_hours": 1, "covers": {"a": 1.0}, "eligible": ["i2"]}],
        },
    )
    offers = {o.id: o for o in changed.offers}
    assert set(offers) == {"o1", "o3", "new"}
    assert (offers["o1"].capacity, offers["o1"].eligible) == (5, ("i1", "i2"))
    assert offers["o3"].eligible == ("i1",)
    assert changed.initiatives == _base().initiatives
    # More capacity where it is short raises what the ecosystem covers.
    before = solve(_base(), time_limit=2).result.objective
    after = solve(
        apply_scenario(
            _base(), {"format": "maillage-scenario/1", "capacity": {"o1": 2}, "eligible_add": {"o1": ["i2"]}}
        ),
        time_limit=2,
    ).result.objective
    assert after > before


def test_a_pool_sums_capacity_keeps_the_best_cover_and_the_lightest_reporting():
    from maillage.core.allocation.scenario import apply_scenario

    changed = apply_scenario(_base(), {"format": "maillage-scenario/1", "pool": [{"id": "p", "offers": ["o1", "o2"]}]})
    pool = next(o for o in changed.offers if o.id == "p")
    assert (pool.capacity, pool.burden_hours, dict(pool.covers)) == (3, 10.0, {"a": 0.8, "b": 0.2})
    assert pool.eligible == ("i1", "i2")
    assert pool.extra == {"pooled": ["o1", "o2"]}
    assert {o.id for o in changed.offers} == {"o3", "p"}


def test_a_bad_scenario_names_every_offending_path():
    from maillage.core.allocation.scenario import apply_scenario

    with pytest.raises(MaillageError) as caught:
        apply_scenario(
            _base(),
            {
                "format": "maillage-scenario/1",
                "capacity": {"ghost": 1, "o1": -2},
                "eligible_add": {"o2": ["nobody"]},
                "pool": [{"id": "p", "offers": ["o1"]}],
                "surprise": True,
            },
        )
    assert caught.value.code == "scenario_invalid"
    assert {p.field: p.code for p in caught.value.problems} == {
        "capacity.ghost": "unknown_offer",
        "capacity.o1": "capacity_invalid",
        "eligible_add.o2[0]": "unknown_initiative",
        "pool[0]": "pool_invalid",
        "surprise": "key_unknown",
    }
    with pytest.raises(MaillageError) as caught:
        apply_scenario(
            _base(),
            {
                "format": "maillage-scenario/1",
                "add_offers": [{"id": "o1", "capacity": 1, "burden_hours": 1, "covers": {"a": 2}, "eligible": []}],
            },
        )
    assert {p.field for p in caught.value.problems} == {"add_offers[0].covers.a", "add_offers[0].id"}
