"""Eligibility rules: each criterion, negation, unknown data, dates in force, and the sentences."""

from __future__ import annotations

import datetime as dt

import pytest

from maillage.core.eligibility import Applicant, Label, Rule, check_rule, evaluate
from maillage.core.errors import MaillageError

LABELS = {
    "quartier-verdun": Label("Verdun", "Verdun"),
    "quartier-montreal-nord": Label("Montréal-Nord", "Montréal-Nord"),
    "quartier-saint-michel": Label("Saint-Michel", "Saint-Michel"),
    "montreal": Label("Agglomération de Montréal", "Montréal agglomeration"),
    "logement": Label("Logement", "Housing"),
    "jeunes": Label("Jeunes", "Youth"),
    "aines": Label("Personnes aînées", "Older adults"),
    "npo": Label("OBNL", "non-profit"),
    "pilot": Label("Projet pilote", "Pilot"),
}
VERDUN = Applicant(
    territories=frozenset({"quartier-verdun", "verdun", "montreal"}),
    own_territories=("quartier-verdun",),
    sectors=frozenset({"logement"}),
    populations=frozenset({"jeunes"}),
    stage="pilot",
    legal_status="npo",
    budget_range="lt100k",
    founded_year=2020,
)
TODAY = dt.date(2026, 11, 26)


@pytest.mark.parametrize(
    ("rule", "passed", "french", "english"),
    [
        (
            Rule("territory", ("quartier-montreal-nord", "quartier-saint-michel")),
            False,
            "Votre initiative est à Verdun\u00a0; cette offre est pour Montréal-Nord et Saint-Michel.",
            "Your initiative is in Verdun; this offer is for Montréal-Nord and Saint-Michel.",
        ),
        (
            Rule("territory", ("montreal",)),
            True,
            "Votre initiative est à Verdun\u00a0: cette offre est pour Agglomération de Montréal.",
            "Your initiative is in Verdun: this offer is for Montréal agglomeration.",
        ),
        (
            Rule("territory", ("quartier-verdun",), negate=True),
            False,
            "Votre initiative est à Verdun\u00a0; cette offre exclut Verdun.",
            "Your initiative is in Verdun; this offer excludes Verdun.",
        ),
        (Rule("sector", ("logement",)), True, None, "Your initiative is in the sector Housing: this offer is for "
         "Housing."),
        (Rule("population", ("aines",)), False, None, "Your initiative serves Youth; this offer is for Older adults."),
        (Rule("population", ("aines",), negate=True), True, None, None),
        (Rule("stage", ("pilot",)), True, None, None),
        (Rule("legal_status", ("coop",)), False, None, None),
        (Rule("budget_range", ("lt100k", "100k-500k")), True, None, None),
        (
            Rule("organisation_age", minimum_years=3),
            True,
            "Votre organisation a 6 ans\u00a0: cette offre vise les organisations d'au moins 3 ans.",
            "Your organisation is 6 years old: this offer is for organisations at least 3 years old.",
        ),
        (Rule("organisation_age", maximum_years=5), False, None, None),
        (Rule("organisation_age", minimum_years=2, maximum_years=10), True, None, None),
    ],
)  # fmt: skip
def test_each_criterion(rule, passed, french, english):
    (outcome,) = evaluate([rule], VERDUN, LABELS, today=TODAY).outcomes
    assert outcome.passed is passed
    if french:
        assert outcome.reason.fr == french
    if english:
        assert outcome.reason.en == english


def test_missing_data_is_to_check_not_a_refusal():
    result = evaluate([Rule("language", ("fr",)), Rule("organisation_age", minimum_years=2)], Applicant(), LABELS)
    assert result.eligible
    assert len(result.to_check) == 2
    assert result.to_check[0].reason.en.startswith("We do not know which languages your team works in")


def test_all_rules_must_hold():
    rules = [Rule("sector", ("logement",)), Rule("population", ("aines",))]
    result = evaluate(rules, VERDUN, LABELS, today=TODAY)
    assert not result.eligible
    assert [o.rule.kind for o in result.failed] == ["population"]


def test_a_rule_applies_from_its_valid_from_date():
    rule = Rule("population", ("aines",), valid_from=dt.date(2027, 1, 1))
    assert evaluate([rule], VERDUN, LABELS, today=TODAY).eligible
    assert not evaluate([rule], VERDUN, LABELS, today=dt.date(2027, 1, 1)).eligible


@pytest.mark.parametrize(
    ("rule", "code"),
    [
        (Rule("planet", ("mars",)), "rule_kind_unknown"),
        (Rule("sector", ()), "rule_values_missing"),
        (Rule("organisation_age"), "rule_age_missing"),
        (Rule("organisation_age", minimum_years=5, maximum_years=2), "rule_age_order"),
        (Rule("organisation_age", minimum_years=-1), "rule_age_negative"),
    ],
)
def test_rules_that_cannot_be_evaluated_are_refused(rule, code):
    with pytest.raises(MaillageError) as caught:
        check_rule(rule)
    assert caught.value.problems[0].code == code
