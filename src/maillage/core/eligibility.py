"""Declarative eligibility: an offer's conditions as data, evaluated with a reason for each one.

An offer's eligibility is a list of rules that must all hold. A rule names a criterion (territory,
sector, population served, stage, legal status, budget range, language, age of the organisation),
the values it accepts (any of them), or, negated, the values it excludes; the age rule takes a
minimum and/or maximum number of years instead. Each rule has a valid-from date and a reference to
the offer's official text. So ``all`` / ``any`` / ``not`` compose in a shape that a form can edit.

The evaluator answers, for every rule, pass, fail or unknown (the applicant's data is missing: it
does not exclude, it is flagged "to check"), with a sentence in French and in English saying why.

>>> labels = {"quartier-verdun": Label("Verdun", "Verdun"),
...           "quartier-montreal-nord": Label("Montréal-Nord", "Montréal-Nord")}
>>> rule = Rule("territory", ("quartier-montreal-nord",))
>>> applicant = Applicant(territories=frozenset({"quartier-verdun"}), own_territories=("quartier-verdun",))
>>> result = evaluate([rule], applicant, labels)
>>> result.eligible, result.outcomes[0].reason.en
(False, 'Your initiative is in Verdun; this offer is for Montréal-Nord.')
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from .errors import MaillageError, Problem
from .framework import Text as Label  # a value's name in French and English
from .i18n import gettext as _
from .text import french_spaces as _french_spaces

__all__ = [
    "KINDS",
    "Applicant",
    "Eligibility",
    "Label",
    "Outcome",
    "Rule",
    "check_rule",
    "describe",
    "evaluate",
    "is_eligible",
]

KINDS = ("territory", "sector", "population", "stage", "legal_status", "budget_range", "language", "organisation_age")


@dataclass(frozen=True)
class Rule:
    kind: str
    values: tuple[str, ...] = ()  # accepted (or, negated, excluded) codes; empty for organisation_age
    negate: bool = False
    minimum_years: int | None = None  # organisation_age only
    maximum_years: int | None = None
    valid_from: dt.date | None = None
    source: str = ""  # where the offer's official text says it (a section, a URL)


@dataclass(frozen=True)
class Applicant:
    """What the rules look at: the initiative and its lead carrying organisation.

    ``territories`` holds the initiative's territories and every territory that contains one of them
    or lies within one (a quartier's borough, a borough's quartiers, the agglomeration), so that an
    island-wide offer accepts a Verdun initiative. Empty values mean "unknown".
    """

    territories: frozenset[str] = frozenset()
    own_territories: tuple[str, ...] = ()  # the initiative's own, for the sentences
    sectors: frozenset[str] = frozenset()
    populations: frozenset[str] = frozenset()
    stage: str = ""
    legal_status: str = ""
    budget_range: str = ""
    languages: frozenset[str] = frozenset()
    founded_year: int | None = None


@dataclass(frozen=True)
class Outcome:
    rule: Rule
    passed: bool | None  # None: unknown (the applicant's data is missing)
    reason: Label


@dataclass(frozen=True)
class Eligibility:
    outcomes: tuple[Outcome, ...] = field(default_factory=tuple)

    @property
    def eligible(self) -> bool:
        """No rule fails (unknown ones do not exclude)."""
        return all(o.passed is not False for o in self.outcomes)

    @property
    def failed(self) -> tuple[Outcome, ...]:
        return tuple(o for o in self.outcomes if o.passed is False)

    @property
    def to_check(self) -> tuple[Outcome, ...]:
        return tuple(o for o in self.outcomes if o.passed is None)


def check_rule(rule: Rule) -> None:
    """Refuse a rule that cannot be evaluated (unknown kind, no values, ages out of order)."""
    problems = []
    if rule.kind not in KINDS:
        problems.append(Problem("rule_kind_unknown", _("Choose what the rule looks at."), field="kind"))
    elif rule.kind == "organisation_age":
        low, high = rule.minimum_years, rule.maximum_years
        if low is None and high is None:
            problems.append(Problem("rule_age_missing", _("Give a minimum or a maximum age."), field="minimum_years"))
        elif (low is not None and not 0 <= low <= 300) or (high is not None and not 0 <= high <= 300):
            problems.append(
                Problem("rule_age_negative", _("An age is between 0 and 300 years."), field="minimum_years")
            )
        elif low is not None and high is not None and low > high:
            problems.append(
                Problem("rule_age_order", _("The minimum age is above the maximum."), field="maximum_years")
            )
    elif not rule.values:
        problems.append(Problem("rule_values_missing", _("Choose at least one value."), field="values"))
    if problems:
        raise MaillageError("rule_invalid", _("The eligibility rule is not valid."), problems)


def evaluate(
    rules: Sequence[Rule], applicant: Applicant, labels: Mapping[str, Label], *, today: dt.date | None = None
) -> Eligibility:
    """Evaluate every rule in force on ``today`` (rules with a later valid-from date are left out)."""
    today = today or dt.date.today()
    outcomes = []
    for rule in rules:
        if rule.valid_from is not None and rule.valid_from > today:
            continue
        outcomes.append(_evaluate(rule, applicant, labels, today))
    return Eligibility(tuple(outcomes))


def is_eligible(rules: Sequence[Rule], applicant: Applicant, *, today: dt.date | None = None) -> bool:
    """The same verdict as :func:`evaluate`, without writing the sentences: for the thousands of offers
    a basket weighs, of which only a few are shown."""
    today = today or dt.date.today()
    for rule in rules:
        if rule.valid_from is not None and rule.valid_from > today:
            continue
        if _passes(rule, applicant, today) is False:
            return False
    return True


def _passes(rule: Rule, applicant: Applicant, today: dt.date) -> bool | None:
    if rule.kind == "organisation_age":
        if applicant.founded_year is None:
            return None
        age = today.year - applicant.founded_year
        return (rule.minimum_years is None or age >= rule.minimum_years) and (
            rule.maximum_years is None or age <= rule.maximum_years
        )
    have = _values_of(rule.kind, applicant)
    if not have:
        return None
    overlap = not have.isdisjoint(rule.values)
    return not overlap if rule.negate else overlap


def _values_of(kind: str, applicant: Applicant) -> frozenset[str]:
    if kind == "territory":
        return applicant.territories
    if kind in ("stage", "legal_status", "budget_range"):
        value = getattr(applicant, kind)
        return frozenset({value}) if value else frozenset()
    return {"sector": applicant.sectors, "population": applicant.populations, "language": applicant.languages}[kind]


# --- one rule ------------------------------------------------------------------------------------

# (subject in French, subject in English) for each kind: "Votre initiative est à …" / "Your initiative is in …"
_MINE = {
    "territory": ("Votre initiative est à {mine}", "Your initiative is in {mine}"),
    "sector": ("Votre initiative relève du secteur {mine}", "Your initiative is in the sector {mine}"),
    "population": ("Votre initiative sert {mine}", "Your initiative serves {mine}"),
    "stage": ("Votre initiative est à l'étape {mine}", "Your initiative is at the stage {mine}"),
    "legal_status": ("Votre organisation est {mine}", "Your organisation is {mine}"),
    "budget_range": ("Le budget de votre organisation est de {mine}", "Your organisation's budget is {mine}"),
    "language": ("Votre équipe travaille en {mine}", "Your team works in {mine}"),
}
_OFFER = {
    "territory": ("cette offre est pour {theirs}", "this offer is for {theirs}"),
    "sector": ("cette offre vise {theirs}", "this offer is for {theirs}"),
    "population": ("cette offre vise {theirs}", "this offer is for {theirs}"),
    "stage": ("cette offre vise l'étape {theirs}", "this offer is for the stage {theirs}"),
    "legal_status": ("cette offre vise les statuts {theirs}", "this offer is for the statuses {theirs}"),
    "budget_range": ("cette offre vise un budget de {theirs}", "this offer is for a budget of {theirs}"),
    "language": ("cette offre se donne en {theirs}", "this offer is given in {theirs}"),
}
_EXCLUDES = ("cette offre exclut {theirs}", "this offer excludes {theirs}")
_UNKNOWN = {
    "territory": ("Nous ne savons pas où agit votre initiative", "We do not know where your initiative acts"),
    "sector": ("Nous ne connaissons pas le secteur de votre initiative", "We do not know your initiative's sector"),
    "population": ("Nous ne savons pas qui votre initiative sert", "We do not know whom your initiative serves"),
    "stage": ("Nous ne connaissons pas l'étape de votre initiative", "We do not know your initiative's stage"),
    "legal_status": (
        "Nous ne connaissons pas le statut juridique de votre organisation",
        "We do not know your organisation's legal status",
    ),
    "budget_range": (
        "Nous ne connaissons pas le budget de votre organisation",
        "We do not know your organisation's budget",
    ),
    "language": (
        "Nous ne savons pas dans quelles langues travaille votre équipe",
        "We do not know which languages your team works in",
    ),
    "organisation_age": (
        "Nous ne connaissons pas l'année de fondation de votre organisation",
        "We do not know when your organisation was founded",
    ),
}


def _names(codes: Sequence[str], labels: Mapping[str, Label], language: str) -> str:
    names = [str(getattr(labels.get(code, Label(code, code)), language)) for code in codes]
    if len(names) <= 1:
        return "".join(names)
    conjunction = " et " if language == "fr" else " and "
    return ", ".join(names[:-1]) + conjunction + names[-1]


def _evaluate(rule: Rule, applicant: Applicant, labels: Mapping[str, Label], today: dt.date) -> Outcome:
    if rule.kind == "organisation_age":
        return _age(rule, applicant, today)
    mine_codes: tuple[str, ...]
    if rule.kind == "territory":
        have = applicant.territories
        mine_codes = applicant.own_territories or tuple(sorted(have))
    else:
        single = {
            "stage": applicant.stage,
            "legal_status": applicant.legal_status,
            "budget_range": applicant.budget_range,
        }
        if rule.kind in single:
            have = frozenset({single[rule.kind]} - {""})
        else:
            have = {"sector": applicant.sectors, "population": applicant.populations, "language": applicant.languages}[
                rule.kind
            ]
        mine_codes = tuple(sorted(have))
    if not have:
        fr, en = _UNKNOWN[rule.kind]
        theirs_fr, theirs_en = _EXCLUDES if rule.negate else _OFFER[rule.kind]
        return Outcome(
            rule,
            None,
            Label(
                _french_spaces(f"{fr} ; {theirs_fr.format(theirs=_names(rule.values, labels, 'fr'))}."),
                f"{en}; {theirs_en.format(theirs=_names(rule.values, labels, 'en'))}.",
            ),
        )
    overlap = bool(have & set(rule.values))
    passed = not overlap if rule.negate else overlap
    mine_fr, mine_en = _MINE[rule.kind]
    theirs_fr, theirs_en = _EXCLUDES if rule.negate else _OFFER[rule.kind]
    shown = [c for c in mine_codes if c in rule.values] if rule.negate and overlap else list(mine_codes)
    shown = shown or list(mine_codes)  # excluded through a territory that contains the initiative's
    sentence_fr = (
        mine_fr.format(mine=_names(shown, labels, "fr"))
        + (" : " if passed else " ; ")
        + theirs_fr.format(theirs=_names(rule.values, labels, "fr"))
        + "."
    )
    sentence_en = (
        mine_en.format(mine=_names(shown, labels, "en"))
        + (": " if passed else "; ")
        + theirs_en.format(theirs=_names(rule.values, labels, "en"))
        + "."
    )
    return Outcome(rule, passed, Label(_french_spaces(sentence_fr), sentence_en))


def _age(rule: Rule, applicant: Applicant, today: dt.date) -> Outcome:
    if applicant.founded_year is None:
        fr, en = _UNKNOWN["organisation_age"]
        return Outcome(rule, None, Label(fr + ".", en + "."))
    age = today.year - applicant.founded_year
    low, high = rule.minimum_years, rule.maximum_years
    passed = (low is None or age >= low) and (high is None or age <= high)
    if low is not None and high is not None:
        wanted = (f"de {low} à {high} ans", f"{low} to {high} years old")
    elif low is not None:
        wanted = (f"d'au moins {low} ans", f"at least {low} years old")
    else:
        wanted = (f"d'au plus {high} ans", f"at most {high} years old")
    years_fr = "an" if age in (0, 1) else "ans"
    years_en = "year" if age == 1 else "years"
    return Outcome(
        rule,
        passed,
        Label(
            _french_spaces(
                f"Votre organisation a {age} {years_fr}"
                + (" : " if passed else " ; ")
                + f"cette offre vise les organisations {wanted[0]}."
            ),
            f"Your organisation is {age} {years_en} old"
            + (": " if passed else "; ")
            + f"this offer is for organisations {wanted[1]}.",
        ),
    )


_DESCRIBE = {
    "territory": ("Pour les initiatives de : {values}", "For initiatives in: {values}"),
    "sector": ("Pour les secteurs : {values}", "For the sectors: {values}"),
    "population": ("Pour les initiatives qui servent : {values}", "For initiatives serving: {values}"),
    "stage": ("Pour les initiatives à l'étape : {values}", "For initiatives at the stage: {values}"),
    "legal_status": ("Pour les organisations : {values}", "For organisations that are: {values}"),
    "budget_range": ("Pour un budget annuel de : {values}", "For an annual budget of: {values}"),
    "language": ("Offerte en : {values}", "Given in: {values}"),
}
_DESCRIBE_NOT = {
    "territory": ("Sauf les initiatives de : {values}", "Except initiatives in: {values}"),
    "sector": ("Sauf les secteurs : {values}", "Except the sectors: {values}"),
    "population": ("Sauf les initiatives qui servent : {values}", "Except initiatives serving: {values}"),
    "stage": ("Sauf les initiatives à l'étape : {values}", "Except initiatives at the stage: {values}"),
    "legal_status": ("Sauf les organisations : {values}", "Except organisations that are: {values}"),
    "budget_range": ("Sauf un budget annuel de : {values}", "Except an annual budget of: {values}"),
    "language": ("Pas offerte en : {values}", "Not given in: {values}"),
}


def describe(rule: Rule, labels: Mapping[str, Label]) -> Label:
    """The rule in plain words, for the offer's page (no applicant needed).

    >>> describe(Rule("organisation_age", minimum_years=2), {}).en
    'For organisations at least 2 years old.'
    """
    if rule.kind == "organisation_age":
        low, high = rule.minimum_years, rule.maximum_years
        if low is not None and high is not None:
            return Label(
                f"Pour les organisations de {low} à {high} ans.", f"For organisations {low} to {high} years old."
            )
        if low is not None:
            return Label(
                f"Pour les organisations d'au moins {low} ans.", f"For organisations at least {low} years old."
            )
        return Label(f"Pour les organisations d'au plus {high} ans.", f"For organisations at most {high} years old.")
    fr, en = (_DESCRIBE_NOT if rule.negate else _DESCRIBE)[rule.kind]
    return Label(
        _french_spaces(fr.format(values=_names(rule.values, labels, "fr")) + "."),
        en.format(values=_names(rule.values, labels, "en")) + ".",
    )
