"""The basket solver is exact: it matches brute force on random small cases (property-based)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from maillage.core.basket import Offer, basket_value, best_basket

ELEMENTS = ["a", "b", "c", "d"]

offer_strategy = st.builds(
    Offer,
    id=st.uuids().map(str),
    burden_hours=st.integers(min_value=0, max_value=40).map(float),
    covers=st.dictionaries(
        st.sampled_from(ELEMENTS), st.floats(min_value=0.05, max_value=1.0, allow_nan=False), min_size=1, max_size=3
    ),
)
needs_strategy = st.dictionaries(st.sampled_from(ELEMENTS), st.floats(min_value=0.0, max_value=4.5), min_size=1)


def brute_force(needs, offers, max_offers, max_burden, penalty):
    best = 0.0
    for size in range(1, max_offers + 1):
        for subset in itertools.combinations(offers, size):
            if max_burden is not None and sum(o.burden_hours for o in subset) > max_burden:
                continue
            best = max(best, basket_value(needs, subset, penalty))
    return best


@settings(max_examples=300, deadline=None)
@given(
    needs=needs_strategy,
    offers=st.lists(offer_strategy, max_size=9),
    max_offers=st.integers(min_value=1, max_value=4),
    max_burden=st.one_of(st.none(), st.integers(min_value=0, max_value=80).map(float)),
    penalty=st.sampled_from([0.0, 0.02, 0.1]),
)
def test_the_basket_is_optimal(needs, offers, max_offers, max_burden, penalty):
    basket = best_basket(needs, offers, max_offers=max_offers, max_burden_hours=max_burden, burden_penalty=penalty)
    chosen = [o for o in offers if o.id in basket.offers]
    assert len(chosen) <= max_offers
    if max_burden is not None:
        assert sum(o.burden_hours for o in chosen) <= max_burden + 1e-9
    assert basket.value == pytest.approx(basket_value(needs, chosen, penalty), abs=1e-9)
    assert basket.value == pytest.approx(brute_force(needs, offers, max_offers, max_burden, penalty), abs=1e-9)


# Offers drawn from a few shapes, so that many dominate others (the solver leaves those out).
similar_offer = st.builds(
    Offer,
    id=st.uuids().map(str),
    burden_hours=st.sampled_from([0.0, 5.0, 10.0, 20.0]),
    covers=st.sampled_from([{"a": 0.5}, {"a": 0.5, "b": 0.5}, {"a": 1.0}, {"b": 0.8}, {"c": 0.3, "a": 0.3}]),
)


@settings(max_examples=300, deadline=None)
@given(
    needs=needs_strategy,
    offers=st.lists(similar_offer, max_size=10),
    max_offers=st.integers(min_value=1, max_value=3),
    max_burden=st.one_of(st.none(), st.sampled_from([10.0, 25.0])),
)
def test_leaving_out_dominated_offers_keeps_the_optimum(needs, offers, max_offers, max_burden):
    basket = best_basket(needs, offers, max_offers=max_offers, max_burden_hours=max_burden, burden_penalty=0.02)
    assert basket.value == pytest.approx(brute_force(needs, offers, max_offers, max_burden, 0.02), abs=1e-9)


def test_a_covered_need_is_not_covered_twice():
    needs = {"financement-souple": 3.0}
    offers = [Offer("grand", 10, {"financement-souple": 1.0}), Offer("autre", 10, {"financement-souple": 1.0})]
    basket = best_basket(needs, offers, max_offers=3, max_burden_hours=None, burden_penalty=0.02)
    assert basket.offers == ("grand",)


def test_the_reporting_limit_and_the_penalty_shape_the_basket():
    needs = {"a": 2.0, "b": 2.0}
    heavy = Offer("lourd", 60, {"a": 1.0, "b": 1.0})
    light = Offer("leger", 5, {"a": 1.0})
    assert best_basket(needs, [heavy, light], max_offers=2, max_burden_hours=40, burden_penalty=0.02).offers == (
        "leger",
    )
    assert best_basket(needs, [heavy, light], max_offers=2, max_burden_hours=None, burden_penalty=0.02).offers == (
        "lourd",
    )
    # A heavy enough penalty makes any reporting not worth it.
    assert best_basket(needs, [heavy, light], max_offers=2, max_burden_hours=None, burden_penalty=1.0).offers == ()


def test_nothing_to_cover_gives_an_empty_basket():
    basket = best_basket({"a": 0.0}, [Offer("x", 0, {"a": 1.0})], max_offers=3, max_burden_hours=None, burden_penalty=0)
    assert basket.offers == ()
    assert basket.value == 0.0


# --- YAML scenarios: this initiative, these offers → this basket and these reasons -------------------

import datetime as dt  # noqa: E402
from pathlib import Path  # noqa: E402

import yaml  # noqa: E402

from maillage.core.basket import Candidate, recommend  # noqa: E402
from maillage.core.eligibility import Applicant, Label, Rule, evaluate  # noqa: E402

SCENARIOS = sorted((Path(__file__).parent / "basket_scenarios").glob("*.yaml"))


def _applicant(data):
    return Applicant(
        territories=frozenset(data.get("territories", ())),
        own_territories=tuple(data.get("own_territories", ())),
        sectors=frozenset(data.get("sectors", ())),
        populations=frozenset(data.get("populations", ())),
        stage=data.get("stage", ""),
        legal_status=data.get("legal_status", ""),
        budget_range=data.get("budget_range", ""),
        founded_year=data.get("founded_year"),
    )


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_basket_scenario(path):
    scenario = yaml.safe_load(path.read_text(encoding="utf-8"))
    applicant = _applicant(scenario["applicant"])
    today = scenario.get("today", dt.date(2026, 11, 26))
    labels = {code: Label(**names) for code, names in scenario.get("labels", {}).items()}
    eligibility = {}
    candidates = []
    for data in scenario["offers"]:
        rules = [Rule(**{**r, "values": tuple(r.get("values", ()))}) for r in data.get("rules", [])]
        eligibility[data["id"]] = evaluate(rules, applicant, labels, today=today)
        candidates.append(
            Candidate(
                Offer(data["id"], data["burden_hours"], data["covers"]),
                eligible=eligibility[data["id"]].eligible,
                capacity_left=data.get("capacity_left"),
            )
        )
    rec = recommend(
        scenario["needs"],
        candidates,
        max_offers=scenario["max_offers"],
        max_burden_hours=scenario["max_burden_hours"],
        burden_penalty=scenario["burden_penalty"],
    )
    expect = scenario["expect"]
    assert list(rec.basket.offers) == expect["basket"]
    assert {lo.offer: lo.reason for lo in rec.left_out} == expect["left_out"]
    for offer_id, sentence in expect.get("reasons", {}).items():
        assert [o.reason.en for o in eligibility[offer_id].failed] == [sentence]
    assert [
        {"extra_hours": a.extra_hours, "added": list(a.added), "removed": list(a.removed)} for a in rec.alternatives
    ][: len(expect["alternatives"])] == expect["alternatives"]
    if not expect["alternatives"]:
        assert rec.alternatives == ()


def test_offers_closed_for_now_are_left_out_with_their_reason():
    from maillage.core.basket import Candidate, recommend

    needs = {"a": 2.0}
    rec = recommend(
        needs,
        [Candidate(Offer("ferme", 1, {"a": 1.0}), accepting=False), Candidate(Offer("ouvert", 5, {"a": 0.5}))],
        max_offers=3,
        max_burden_hours=None,
        burden_penalty=0.02,
    )
    assert rec.basket.offers == ("ouvert",)
    assert [(lo.offer, lo.reason) for lo in rec.left_out] == [("ferme", "closed")]
