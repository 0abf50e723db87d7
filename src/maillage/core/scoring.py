"""Scoring a self-diagnostic: from answers to a ranked list of needs.

The formula, documented with a worked example in ``docs/diagnostic-scoring.md``:

1. **Element score** ``s_e``: the mean of the element's answered questions, on the 1–5
   scale. "Not applicable" and unanswered questions do not count; an element with no
   usable answer has no score and no need.
2. **Gap to the target** ``g_e = max(0, T − s_e) / (T − 1)``, between 0 (the target ``T``
   is reached) and 1 (every answer is 1).
3. **Importance** ``w_e``: the initiative's own rating of the element (1 useful,
   2 important, 3 essential), or the framework's default when it gave none.
4. **Equity multiplier** ``m = 1 + β · x``, where ``x`` in [0, 1] is the equity index of the
   initiative's territories: a weighted mean of its low-income share, materially deprived
   share and priority-zone share, each divided by a reference value and capped at 1.
   Territories without figures give ``x = 0`` (no boost, no penalty).
5. **Need** ``n_e = g_e · w_e · m``. Needs above zero, ranked from the largest, are the
   ``needs`` of the allocation format (``maillage-allocation/1``).

>>> from maillage.core.framework import EXAMPLE, parse_framework
>>> fw = parse_framework(EXAMPLE, support_types=None)
>>> result = score(fw, {"gouvernance.q1": 2, "gouvernance.q2": 3}, importance={"gouvernance": 3},
...                equity=[TerritoryFigures(10_000, 25.0, 80.0, 60.0)])
>>> element = result.elements[0]
>>> element.score, round(element.gap, 3), result.equity_multiplier
(2.5, 0.5, 1.5)
>>> result.needs_map()
{'gouvernance': 2.25}
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from .errors import MaillageError, Problem
from .framework import IMPORTANCES, Framework
from .i18n import gettext as _

__all__ = [
    "SCALE",
    "Change",
    "Comparison",
    "DiagnosticResult",
    "ElementResult",
    "LevelResult",
    "Need",
    "Parameters",
    "TerritoryFigures",
    "check_answers",
    "compare",
    "equity_index",
    "progress",
    "score",
]

SCALE = (1, 2, 3, 4, 5)
#: How an answer of "not applicable" is stored (unanswered questions are simply absent).
NOT_APPLICABLE = None


@dataclass(frozen=True)
class Parameters:
    """The formula's parameters, which stewards set (defaults documented in docs/)."""

    target: float = 4.0
    equity_boost: float = 0.5
    low_income_weight: float = 0.4
    material_deprivation_weight: float = 0.3
    priority_zone_weight: float = 0.3
    low_income_reference: float = 25.0
    material_deprivation_reference: float = 80.0
    priority_zone_reference: float = 60.0

    def __post_init__(self) -> None:
        problems = []
        if not 1 < self.target <= 5:
            problems.append(Problem("target_invalid", _("The target must be above 1 and at most 5."), field="target"))
        if not 0 <= self.equity_boost <= 2:
            problems.append(
                Problem("equity_boost_invalid", _("The equity boost must be between 0 and 2."), field="equity_boost")
            )
        weights = (self.low_income_weight, self.material_deprivation_weight, self.priority_zone_weight)
        if any(w < 0 for w in weights) or sum(weights) <= 0:
            problems.append(
                Problem(
                    "equity_weights_invalid",
                    _("The equity weights must be zero or more, and not all zero."),
                    field="low_income_weight",
                )
            )
        for name in ("low_income_reference", "material_deprivation_reference", "priority_zone_reference"):
            if not 0 < getattr(self, name) <= 100:
                problems.append(
                    Problem(
                        "reference_invalid", _("A reference value must be above 0 and at most 100 (%)."), field=name
                    )
                )
        if problems:
            raise MaillageError("parameters_invalid", _("The scoring parameters are not valid."), problems)

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


@dataclass(frozen=True)
class TerritoryFigures:
    """Equity figures of one territory served (percentages 0–100)."""

    population: int
    low_income_pct: float
    material_deprivation_pct: float
    priority_zone_pct: float


@dataclass(frozen=True)
class ElementResult:
    element: str
    level: str
    score: float | None  # mean answer on 1–5; None when no question was usable
    answered: int  # questions answered 1–5
    not_applicable: int
    questions: int
    gap: float  # 0–1
    importance: int  # 1–3, the initiative's or the framework's
    importance_is_own: bool
    need: float


@dataclass(frozen=True)
class LevelResult:
    level: str
    score: float | None  # mean of its scored elements


@dataclass(frozen=True)
class Need:
    element: str
    weight: float
    gap: float
    score: float
    importance: int
    support_types: tuple[str, ...]


@dataclass(frozen=True)
class DiagnosticResult:
    framework: str
    version: str
    parameters: Parameters
    equity_index: float
    equity_multiplier: float
    elements: tuple[ElementResult, ...]
    levels: tuple[LevelResult, ...]
    needs: tuple[Need, ...] = field(default=())

    def element(self, element_id: str) -> ElementResult | None:
        return next((e for e in self.elements if e.element == element_id), None)

    def needs_map(self, digits: int = 4) -> dict[str, float]:
        """The ``needs`` object of the allocation format: element id → weight, largest first."""
        return {need.element: round(need.weight, digits) for need in self.needs}

    def as_dict(self) -> dict[str, Any]:
        return {
            "framework": self.framework,
            "version": self.version,
            "parameters": self.parameters.as_dict(),
            "equity_index": self.equity_index,
            "equity_multiplier": self.equity_multiplier,
            "elements": [asdict(e) for e in self.elements],
            "levels": [asdict(level) for level in self.levels],
            "needs": [{**asdict(n), "support_types": list(n.support_types)} for n in self.needs],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DiagnosticResult:
        return cls(
            framework=data["framework"],
            version=data["version"],
            parameters=Parameters(**data["parameters"]),
            equity_index=data["equity_index"],
            equity_multiplier=data["equity_multiplier"],
            elements=tuple(ElementResult(**e) for e in data["elements"]),
            levels=tuple(LevelResult(**level) for level in data["levels"]),
            needs=tuple(Need(**{**n, "support_types": tuple(n["support_types"])}) for n in data["needs"]),
        )


def check_answers(
    framework: Framework,
    answers: Mapping[str, int | None],
    importance: Mapping[str, int | None] | None = None,
) -> None:
    """Refuse answers to unknown questions, answers outside 1–5 and importances outside 1–3
    (``None``, going back to the framework's default, is accepted for a known element)."""
    keys = set(framework.question_keys())
    problems = []
    for key, value in answers.items():
        if key not in keys:
            problems.append(
                Problem(
                    "question_unknown", _("There is no question “{key}” in this framework.").format(key=key), field=key
                )
            )
        elif value is not NOT_APPLICABLE and (
            isinstance(value, bool) or not isinstance(value, int) or value not in SCALE
        ):
            problems.append(
                Problem("answer_invalid", _("Answer with a number from 1 to 5, or “not applicable”."), field=key)
            )
    element_ids = {e.id for e in framework.elements}
    for element_id, value in (importance or {}).items():
        if element_id not in element_ids:
            problems.append(
                Problem(
                    "element_unknown",
                    _("There is no element “{id}” in this framework.").format(id=element_id),
                    field=element_id,
                )
            )
        elif value is not None and (isinstance(value, bool) or not isinstance(value, int) or value not in IMPORTANCES):
            problems.append(Problem("importance_invalid", _("Importance is 1, 2 or 3."), field=element_id))
    if problems:
        raise MaillageError("answers_invalid", _("Some answers are not valid."), problems)


def progress(framework: Framework, answers: Mapping[str, int | None]) -> tuple[int, int]:
    """(questions answered, including "not applicable"; questions in the framework)."""
    keys = framework.question_keys()
    return sum(1 for key in keys if key in answers), len(keys)


def equity_index(figures: Sequence[TerritoryFigures], parameters: Parameters) -> float:
    """The equity index in [0, 1] of the territories served, weighted by their population.

    >>> equity_index([TerritoryFigures(1, 12.5, 40.0, 30.0)], Parameters())
    0.5
    >>> equity_index([], Parameters())
    0.0
    """
    population = sum(f.population for f in figures if f.population > 0)
    if not population:
        return 0.0

    def mean(attribute: str) -> float:
        return float(sum(getattr(f, attribute) * f.population for f in figures if f.population > 0)) / population

    p = parameters
    parts = (
        (p.low_income_weight, mean("low_income_pct") / p.low_income_reference),
        (p.material_deprivation_weight, mean("material_deprivation_pct") / p.material_deprivation_reference),
        (p.priority_zone_weight, mean("priority_zone_pct") / p.priority_zone_reference),
    )
    total_weight = sum(weight for weight, _value in parts)
    return round(sum(weight * min(1.0, max(0.0, value)) for weight, value in parts) / total_weight, 6)


def score(
    framework: Framework,
    answers: Mapping[str, int | None],
    *,
    importance: Mapping[str, int] | None = None,
    equity: Sequence[TerritoryFigures] = (),
    parameters: Parameters | None = None,
) -> DiagnosticResult:
    """Score a diagnostic's answers against its framework (see the module's docstring)."""
    check_answers(framework, answers, importance)
    parameters = parameters or Parameters()
    own = importance or {}
    index = equity_index(equity, parameters)
    multiplier = 1 + parameters.equity_boost * index
    target = parameters.target
    elements: list[ElementResult] = []
    for element in framework.elements:
        values = [answers.get(q.key) for q in element.questions]
        given = [v for v in values if isinstance(v, int)]
        not_applicable = sum(1 for q in element.questions if q.key in answers and answers[q.key] is NOT_APPLICABLE)
        mean = sum(given) / len(given) if given else None
        gap = 0.0 if mean is None else max(0.0, target - mean) / (target - 1)
        weight = own.get(element.id, element.importance)
        elements.append(
            ElementResult(
                element=element.id,
                level=element.level,
                score=None if mean is None else round(mean, 6),
                answered=len(given),
                not_applicable=not_applicable,
                questions=len(element.questions),
                gap=round(gap, 6),
                importance=weight,
                importance_is_own=element.id in own,
                need=round(gap * weight * multiplier, 6),
            )
        )
    levels = []
    for level in framework.levels:
        scores = [e.score for e in elements if e.level == level.id and e.score is not None]
        levels.append(LevelResult(level.id, round(sum(scores) / len(scores), 6) if scores else None))
    order = {element.id: position for position, element in enumerate(framework.elements)}
    needs = sorted(
        (
            Need(e.element, e.need, e.gap, e.score, e.importance, framework.element(e.element).support_types)
            for e in elements
            if e.need > 0 and e.score is not None
        ),
        key=lambda need: (-need.weight, order[need.element]),
    )
    return DiagnosticResult(
        framework=framework.id,
        version=framework.version,
        parameters=parameters,
        equity_index=index,
        equity_multiplier=round(multiplier, 6),
        elements=tuple(elements),
        levels=tuple(levels),
        needs=tuple(needs),
    )


@dataclass(frozen=True)
class Change:
    element: str
    before: float
    after: float

    @property
    def delta(self) -> float:
        return round(self.after - self.before, 6)


@dataclass(frozen=True)
class Comparison:
    """Two diagnostics compared on the elements they share (and both scored)."""

    changes: tuple[Change, ...]
    only_before: tuple[str, ...]  # elements of the earlier framework that the later one lacks
    only_after: tuple[str, ...]
    same_version: bool

    @property
    def improved(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.delta > 0)

    @property
    def worsened(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.delta < 0)


def compare(before: DiagnosticResult, after: DiagnosticResult) -> Comparison:
    """Compare two results element by element, only on the elements both frameworks have.

    >>> def result(version, score):
    ...     element = ElementResult("x", "l", score, 2, 0, 2, 0.5, 2, False, 1.0)
    ...     return DiagnosticResult("f", version, Parameters(), 0.0, 1.0, (element,), ())
    >>> a, b = result("1", 2.0), result("2", 3.5)
    >>> comparison = compare(a, b)
    >>> comparison.changes[0].delta, comparison.same_version
    (1.5, False)
    """
    before_ids = [e.element for e in before.elements]
    after_ids = [e.element for e in after.elements]
    changes = []
    for element in after.elements:
        earlier = before.element(element.element)
        if earlier is not None and earlier.score is not None and element.score is not None:
            changes.append(Change(element.element, earlier.score, element.score))
    return Comparison(
        changes=tuple(changes),
        only_before=tuple(e for e in before_ids if e not in set(after_ids)),
        only_after=tuple(e for e in after_ids if e not in set(before_ids)),
        same_version=(before.framework, before.version) == (after.framework, after.version),
    )
