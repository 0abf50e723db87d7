"""Scoring a diagnostic: tables of cases, and YAML scenarios that non-developers can read."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from maillage.core import scoring
from maillage.core.errors import MaillageError
from maillage.core.framework import FORMAT, parse_framework
from maillage.core.scoring import Parameters, TerritoryFigures

SCENARIOS = sorted((Path(__file__).parent / "scenarios").glob("*.yaml"))


def framework_of(elements, question_counts):
    """A small valid framework with these elements (id, level, importance) and question counts."""
    levels: dict[str, list] = {}
    for element in elements:
        count = max(2, question_counts.get(element["id"], 2))
        levels.setdefault(element["level"], []).append(
            {
                "id": element["id"],
                "name": {"fr": element["id"], "en": element["id"]},
                "description": {"fr": "…", "en": "…"},
                "importance": element["importance"],
                "support_types": element.get("support_types", ["accompagnement"]),
                "sources": ["s"],
                "questions": [{"id": f"q{n}", "text": {"fr": f"Q{n}", "en": f"Q{n}"}} for n in range(1, count + 1)],
            }
        )
    return parse_framework(
        {
            "format": FORMAT,
            "id": "test",
            "version": "1",
            "valid_from": "2026-01-01",
            "title": {"fr": "Test", "en": "Test"},
            "about": {"fr": "Test", "en": "Test"},
            "sources": [{"id": "s", "citation": "Source."}],
            "levels": [
                {"id": lv, "name": {"fr": lv, "en": lv}, "description": {"fr": "…", "en": "…"}, "elements": items}
                for lv, items in levels.items()
            ],
        },
        support_types=None,
    )


def run(scenario):
    framework = framework_of(scenario["elements"], {k: len(v) for k, v in scenario["answers"].items()})
    answers = {}
    for element_id, values in scenario["answers"].items():
        for number, value in enumerate(values, start=1):
            if value != "skip":
                answers[f"{element_id}.q{number}"] = value
    return scoring.score(
        framework,
        answers,
        importance=scenario.get("importance", {}),
        equity=[TerritoryFigures(**t) for t in scenario.get("territories", [])],
        parameters=Parameters(**scenario.get("parameters", {})),
    )


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario(path):
    scenario = yaml.safe_load(path.read_text(encoding="utf-8"))
    expect = scenario["expect"]
    result = run(scenario)
    if "equity_index" in expect:
        assert result.equity_index == pytest.approx(expect["equity_index"], abs=1e-4)
    assert result.equity_multiplier == pytest.approx(expect["equity_multiplier"], abs=1e-4)
    for element_id, score in expect.get("scores", {}).items():
        assert result.element(element_id).score == (None if score is None else pytest.approx(score, abs=1e-6))
    for level_id, score in expect.get("levels", {}).items():
        level = next(lr for lr in result.levels if lr.level == level_id)
        assert level.score == (None if score is None else pytest.approx(score, abs=1e-6))
    needs = result.needs_map()
    assert list(needs) == list(expect["needs"]), "needs are ranked from the largest"
    assert needs == pytest.approx(expect["needs"], abs=1e-4)


# --- tables of cases ---------------------------------------------------------------------------

ONE = [{"id": "e", "level": "l", "importance": 2}]


@pytest.mark.parametrize(
    ("answers", "score", "gap", "need"),
    [
        ([5, 5], 5.0, 0.0, 0.0),
        ([4, 4], 4.0, 0.0, 0.0),
        ([3, 4], 3.5, 0.166667, 0.333333),
        ([1, 1], 1.0, 1.0, 2.0),
        ([1, None], 1.0, 1.0, 2.0),  # "not applicable" does not count
        ([None, None], None, 0.0, 0.0),  # nothing usable: no score, no need
        ([2, "skip"], 2.0, 0.666667, 1.333333),
    ],
)
def test_element_score_gap_and_need(answers, score, gap, need):
    result = run({"elements": ONE, "answers": {"e": answers}})
    element = result.element("e")
    assert element.score == (None if score is None else pytest.approx(score))
    assert element.gap == pytest.approx(gap, abs=1e-6)
    assert element.need == pytest.approx(need, abs=1e-6)


@pytest.mark.parametrize(
    ("figures", "expected"),
    [
        ([], 0.0),
        ([TerritoryFigures(0, 50, 50, 50)], 0.0),  # no population: no figures
        ([TerritoryFigures(100, 0, 0, 0)], 0.0),
        ([TerritoryFigures(100, 25, 80, 60)], 1.0),  # at the references
        ([TerritoryFigures(100, 99, 99, 99)], 1.0),  # capped
        ([TerritoryFigures(100, 12.5, 0, 0)], 0.2),  # half the low-income reference × weight 0.4
        ([TerritoryFigures(100, 25, 80, 60), TerritoryFigures(300, 0, 0, 0)], 0.25),
    ],
)
def test_equity_index(figures, expected):
    assert scoring.equity_index(figures, Parameters()) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("answers", "importance", "code"),
    [
        ({"e.q1": 6}, {}, "answer_invalid"),
        ({"e.q1": 0}, {}, "answer_invalid"),
        ({"e.q1": True}, {}, "answer_invalid"),
        ({"e.q9": 3}, {}, "question_unknown"),
        ({}, {"e": 4}, "importance_invalid"),
        ({}, {"nope": 2}, "element_unknown"),
    ],
)
def test_invalid_answers_are_refused(answers, importance, code):
    framework = framework_of(ONE, {})
    with pytest.raises(MaillageError) as caught:
        scoring.score(framework, answers, importance=importance)
    assert caught.value.code == "answers_invalid"
    assert [p.code for p in caught.value.problems] == [code]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"target": 1.0}, "target"),
        ({"target": 6.0}, "target"),
        ({"equity_boost": -0.1}, "equity_boost"),
        ({"low_income_weight": 0, "material_deprivation_weight": 0, "priority_zone_weight": 0}, "low_income_weight"),
        ({"priority_zone_reference": 0}, "priority_zone_reference"),
    ],
)
def test_parameters_are_checked(changes, field):
    with pytest.raises(MaillageError) as caught:
        Parameters(**changes)
    assert caught.value.problems[0].field == field


def test_progress_counts_not_applicable_as_answered():
    framework = framework_of(ONE, {"e": 3})
    assert scoring.progress(framework, {"e.q1": 2, "e.q2": None}) == (2, 3)


def test_result_round_trips_through_its_dict():
    result = run({"elements": ONE, "answers": {"e": [1, 2]}, "territories": [{"population": 5, "low_income_pct": 10,
                  "material_deprivation_pct": 10, "priority_zone_pct": 10}]})  # fmt: skip
    assert scoring.DiagnosticResult.from_dict(result.as_dict()) == result


def test_versions_are_compared_only_on_the_elements_they_share():
    two = [{"id": "a", "level": "l", "importance": 2}, {"id": "b", "level": "l", "importance": 2}]
    renamed = [{"id": "a", "level": "l", "importance": 2}, {"id": "c", "level": "l", "importance": 2}]
    before = run({"elements": two, "answers": {"a": [2, 2], "b": [1, 1]}})
    after = run({"elements": renamed, "answers": {"a": [4, 3], "c": [5, 5]}})
    comparison = scoring.compare(before, after)
    assert [(c.element, c.before, c.after, c.delta) for c in comparison.changes] == [("a", 2.0, 3.5, 1.5)]
    assert comparison.only_before == ("b",)
    assert comparison.only_after == ("c",)
    assert comparison.improved == comparison.changes
    assert comparison.same_version  # same framework id and version string in this test
