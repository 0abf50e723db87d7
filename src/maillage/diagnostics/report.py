"""What a diagnostic's results page, PDF and exports show: the core's result with the framework's texts."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from typing import Any

from maillage.common.i18n import current_language
from maillage.core import scoring
from maillage.core.framework import Element, Framework

from . import selectors
from .models import Diagnostic

TOP_NEEDS = 5


@dataclass
class ElementRow:
    element: Element
    name: str
    result: scoring.ElementResult

    @property
    def score_pct(self) -> float:
        """Where the score lies on the bar: 1 → 0 %, 5 → 100 %."""
        return 0.0 if self.result.score is None else (self.result.score - 1) / 4 * 100


@dataclass
class LevelRow:
    id: str
    name: str
    description: str
    score: float | None
    elements: list[ElementRow] = field(default_factory=list)


@dataclass
class NeedRow:
    name: str
    description: str
    need: scoring.Need
    support_types: list[str]
    own: bool  # the team chose the importance (rather than the framework's default)


@dataclass
class ChangeRow:
    name: str
    change: scoring.Change

    @property
    def magnitude(self) -> float:
        return abs(self.change.delta)


@dataclass
class Report:
    diagnostic: Diagnostic
    framework: Framework
    result: scoring.DiagnosticResult
    levels: list[LevelRow]
    top_needs: list[NeedRow]
    target_pct: float
    previous: Diagnostic | None
    comparison: scoring.Comparison | None
    changes: list[ChangeRow]
    removed: list[str]  # element ids of the earlier version that this one lacks
    unchanged: int = 0  # elements compared whose score did not change

    @property
    def max_weight(self) -> float:
        """The largest weight a need can have: a full gap, an essential condition, the full equity boost."""
        return 3 * (1 + self.result.parameters.equity_boost)


def build(diagnostic: Diagnostic, support_type_names: dict[str, str], viewer: Any = None) -> Report:
    """The report of a submitted diagnostic. ``viewer`` (the person reading) sees the comparison with the
    previous diagnostic only if they may read that one too: a support actor given one diagnostic learns
    nothing of the others. Without a viewer (commands), the comparison is always made."""
    framework = selectors.framework_of(diagnostic.framework)
    result = selectors.result_of(diagnostic)
    assert result is not None, "only submitted diagnostics have a report"
    language = current_language()
    levels = []
    for level in framework.levels:
        level_result = next((lr for lr in result.levels if lr.level == level.id), None)
        row = LevelRow(
            level.id, level.name.get(language), level.description.get(language), level_result and level_result.score
        )
        for element in level.elements:
            element_result = result.element(element.id)
            if element_result is not None:
                row.elements.append(ElementRow(element, element.name.get(language), element_result))
        levels.append(row)
    top = [
        NeedRow(
            framework.element(need.element).name.get(language),
            framework.element(need.element).description.get(language),
            need,
            [support_type_names.get(code, code) for code in need.support_types],
            bool(getattr(result.element(need.element), "importance_is_own", False)),
        )
        for need in result.needs[:TOP_NEEDS]
    ]
    previous = selectors.previous_submitted(diagnostic)
    if previous is not None and viewer is not None and not viewer.has_perm("diagnostics.view_diagnostic", previous):
        previous = None
    comparison, changes, removed, unchanged = None, [], [], 0
    if previous is not None and previous.result:
        previous_result = scoring.DiagnosticResult.from_dict(previous.result)
        comparison = scoring.compare(previous_result, result)
        names = {e.id: e.name.get(language) for e in framework.elements}
        changes = [ChangeRow(names[c.element], c) for c in comparison.changes if c.delta]
        removed = list(comparison.only_before)
        unchanged = sum(1 for c in comparison.changes if not c.delta)
    return Report(
        diagnostic=diagnostic,
        framework=framework,
        result=result,
        levels=levels,
        top_needs=top,
        target_pct=(result.parameters.target - 1) / 4 * 100,
        previous=previous,
        comparison=comparison,
        changes=changes,
        removed=removed,
        unchanged=unchanged,
    )


# --- exports -------------------------------------------------------------------------------------

CSV_COLUMNS = (
    "diagnostic",
    "initiative",
    "status",
    "submitted_at",
    "framework",
    "version",
    "level",
    "element",
    "question",
    "question_text",
    "answer",
    "element_score",
    "element_gap",
    "element_importance",
    "element_need",
)


def as_json(diagnostic: Diagnostic) -> dict[str, Any]:
    """Everything about one diagnostic; ``needs`` is the allocation format's object."""
    result = selectors.result_of(diagnostic)
    return {
        "id": diagnostic.pk,
        "initiative": diagnostic.initiative.slug,
        "framework": {"id": diagnostic.framework.slug, "version": diagnostic.framework.version},
        "status": diagnostic.status,
        "is_demo": diagnostic.is_demo,
        "created_at": diagnostic.created_at.isoformat(),
        "submitted_at": diagnostic.submitted_at.isoformat() if diagnostic.submitted_at else None,
        "context": {
            "stage": diagnostic.stage,
            "team_size": diagnostic.team_size,
            "budget_range": diagnostic.budget_range,
            "territories": sorted(t.slug for t in diagnostic.territories.all()),
            "populations": sorted(p.code for p in diagnostic.populations.all()),
        },
        "aspirations": {
            "support_types": sorted(t.code for t in diagnostic.wanted_support_types.all()),
            "max_reporting_hours": diagnostic.max_reporting_hours,
            "horizon": diagnostic.horizon,
        },
        "answers": diagnostic.answers,
        "importance": diagnostic.importance,
        "result": result.as_dict() if result else None,
        "needs": result.needs_map() if result else None,
    }


def csv_rows(diagnostic: Diagnostic) -> list[dict[str, Any]]:
    framework = selectors.framework_of(diagnostic.framework)
    result = selectors.result_of(diagnostic)
    language = current_language()
    rows = []
    for element in framework.elements:
        element_result = result.element(element.id) if result else None
        for question in element.questions:
            answer = diagnostic.answers.get(question.key, "")
            rows.append(
                {
                    "diagnostic": diagnostic.pk,
                    "initiative": diagnostic.initiative.slug,
                    "status": diagnostic.status,
                    "submitted_at": diagnostic.submitted_at.isoformat() if diagnostic.submitted_at else "",
                    "framework": diagnostic.framework.slug,
                    "version": diagnostic.framework.version,
                    "level": element.level,
                    "element": element.id,
                    "question": question.key,
                    "question_text": question.text.get(language),
                    "answer": "na" if question.key in diagnostic.answers and answer is None else answer,
                    "element_score": ""
                    if element_result is None or element_result.score is None
                    else element_result.score,
                    "element_gap": "" if element_result is None else element_result.gap,
                    "element_importance": "" if element_result is None else element_result.importance,
                    "element_need": "" if element_result is None else element_result.need,
                }
            )
    return rows


def write_csv(diagnostics: list[Diagnostic], out: io.TextIOBase | Any) -> None:
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for diagnostic in diagnostics:
        writer.writerows(csv_rows(diagnostic))


def dumps(diagnostics: list[Diagnostic]) -> str:
    return json.dumps(
        {"format": "maillage-diagnostics/1", "diagnostics": [as_json(d) for d in diagnostics]},
        ensure_ascii=False,
        indent=2,
    )
