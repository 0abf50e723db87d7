"""Writes about frameworks and diagnostics. Each service is atomic, checks the permission it
needs, validates everything and raises ``MaillageError`` on bad input, changing nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from maillage.accounts.models import User
from maillage.core import scoring
from maillage.core.errors import MaillageError, Problem
from maillage.core.framework import Framework as CoreFramework
from maillage.core.framework import load_document, parse_framework
from maillage.directory.models import Initiative, Organisation, Population, SupportType, Territory

from . import selectors
from .models import Diagnostic, DiagnosticShare, ElementScore, Framework, ScoringSettings

MAX_FRAMEWORK_BYTES = 512 * 1024


def _require(user: Any, perm: str, obj: Any = None) -> None:
    if user is not None and not user.has_perm(perm, obj):
        raise PermissionDenied


# --- frameworks ----------------------------------------------------------------------------------


def framework_validate(*, content: str, name: str = "") -> CoreFramework:
    """Parse and check a framework file against the support types in the database."""
    if len(content.encode("utf-8")) > MAX_FRAMEWORK_BYTES:
        raise MaillageError("framework_too_large", _("The framework file is larger than 512 KB."))
    codes = set(SupportType.objects.values_list("code", flat=True))
    return parse_framework(load_document(content, name=name), support_types=codes)


@transaction.atomic
def framework_publish(*, user: User | None, content: str, name: str = "", note: str = "") -> Framework:
    """Publish a new version of a framework. ``user=None`` is the command line (no check)."""
    _require(user, "diagnostics.publish_framework")
    framework = framework_validate(content=content, name=name)
    if Framework.objects.filter(slug=framework.id, version=framework.version).exists():
        raise MaillageError(
            "framework_version_exists",
            _("Version {version} of “{id}” is already published: give the new file another version.").format(
                version=framework.version, id=framework.id
            ),
            [Problem("framework_version_exists", _("This version is already published."), field="version")],
        )
    return Framework.objects.create(
        slug=framework.id,
        version=framework.version,
        valid_from=framework.valid_from,
        title_fr=framework.title.fr,
        title_en=framework.title.en,
        document=framework.as_dict(),
        source_text=content,
        note=note.strip(),
        published_by=user,
    )


@transaction.atomic
def parameters_set(*, user: User | None, values: Mapping[str, float]) -> ScoringSettings:
    _require(user, "diagnostics.set_parameters")
    current = selectors.scoring_parameters().as_dict()
    unknown = set(values) - set(ScoringSettings.PARAMETERS)
    if unknown:
        raise MaillageError(
            "parameter_unknown",
            _("Unknown parameter: {names}.").format(names=", ".join(sorted(unknown))),
        )
    merged = {**current, **{k: float(v) for k, v in values.items()}}
    scoring.Parameters(**merged)  # validates, raising MaillageError with one problem per field
    return ScoringSettings.objects.create(changed_by=user, **merged)


# --- diagnostics ---------------------------------------------------------------------------------


def _budget_range(amount: int | None) -> str:
    if amount is None:
        return ""
    bounds = (
        (100_000, Organisation.BudgetRange.UNDER_100K),
        (500_000, Organisation.BudgetRange.FROM_100K),
        (1_000_000, Organisation.BudgetRange.FROM_500K),
        (5_000_000, Organisation.BudgetRange.FROM_1M),
    )
    return next((str(value) for bound, value in bounds if amount < bound), str(Organisation.BudgetRange.OVER_5M))


@transaction.atomic
def diagnostic_start(*, user: User | None, initiative: Initiative) -> tuple[Diagnostic, bool]:
    """The initiative's diagnostic in progress, or a new one with its context filled from the directory.

    Returns ``(diagnostic, created)``.
    """
    _require(user, "diagnostics.start_diagnostic", initiative)
    draft = selectors.draft_of(initiative)
    if draft is not None:
        return draft, False
    framework = selectors.current_framework()
    if framework is None:
        raise MaillageError(
            "framework_missing", _("No success-conditions framework is published yet: ask a steward to publish one.")
        )
    # The context comes from the team's previous diagnostic, or else from the directory.
    previous = initiative.diagnostics.filter(status=Diagnostic.Status.SUBMITTED).order_by("-submitted_at").first()
    try:
        with transaction.atomic():
            diagnostic = Diagnostic.objects.create(
                initiative=initiative,
                framework=framework,
                started_by=user,
                stage=initiative.stage,
                budget_range=(previous and previous.budget_range) or _budget_range(initiative.annual_budget),
                team_size=previous.team_size if previous else "",
                max_reporting_hours=previous.max_reporting_hours if previous else None,
                horizon=previous.horizon if previous else "",
            )
    except IntegrityError:
        # Someone of the team started it at the same moment: theirs is the one in progress.
        draft = selectors.draft_of(initiative)
        if draft is None:
            raise
        return draft, False
    source: Any = previous if previous is not None else initiative
    diagnostic.territories.set(source.territories.all())
    diagnostic.populations.set(source.populations.all())
    if previous is not None:
        diagnostic.wanted_support_types.set(previous.wanted_support_types.all())
    return diagnostic, True


@dataclass
class ContextInput:
    stage: str
    team_size: str
    budget_range: str
    territories: Iterable[Territory]
    populations: Iterable[Population]


@dataclass
class AspirationsInput:
    wanted_support_types: Iterable[SupportType]
    max_reporting_hours: int | None
    horizon: str


def _locked(user: User | None, diagnostic: Diagnostic) -> Diagnostic:
    """The diagnostic as it is now in the database, locked until the transaction ends, if it may change.

    Two saves of the same diagnostic (two people, two tabs, an autosave and a submission) then
    follow each other: neither loses the other's answers, and nothing reopens a submitted one.
    """
    current = Diagnostic.objects.select_for_update().select_related("framework", "initiative").get(pk=diagnostic.pk)
    if current.status != Diagnostic.Status.DRAFT:
        raise MaillageError("diagnostic_submitted", _("This diagnostic is submitted: it can no longer change."))
    _require(user, "diagnostics.edit_diagnostic", current)
    return current


@transaction.atomic
def diagnostic_save(
    *,
    user: User | None,
    diagnostic: Diagnostic,
    context: ContextInput | None = None,
    answers: Mapping[str, int | None] | None = None,
    importance: Mapping[str, int | None] | None = None,
    aspirations: AspirationsInput | None = None,
) -> Diagnostic:
    """Save part of a diagnostic in progress. Answers and importances merge into those already given;
    an importance of ``None`` goes back to the framework's default. Returns the saved diagnostic."""
    diagnostic = _locked(user, diagnostic)
    framework = selectors.framework_of(diagnostic.framework)
    if answers is not None or importance is not None:
        given_importance = {k: v for k, v in (importance or {}).items() if v is not None}
        scoring.check_answers(framework, answers or {}, importance or {})
        diagnostic.answers = {**diagnostic.answers, **(answers or {})}
        merged = {**diagnostic.importance, **given_importance}
        for element_id, value in (importance or {}).items():
            if value is None:
                merged.pop(element_id, None)
        diagnostic.importance = merged
    if context is not None:
        diagnostic.stage, diagnostic.team_size, diagnostic.budget_range = (
            context.stage,
            context.team_size,
            context.budget_range,
        )
    if aspirations is not None:
        if aspirations.max_reporting_hours is not None and not 0 <= aspirations.max_reporting_hours <= 2000:
            raise MaillageError(
                "hours_invalid",
                _("Some information is missing or not valid."),
                [Problem("hours_invalid", _("Give a number of hours from 0 to 2,000."), field="max_reporting_hours")],
            )
        diagnostic.max_reporting_hours = aspirations.max_reporting_hours
        diagnostic.horizon = aspirations.horizon
    diagnostic.save(
        update_fields=[
            "answers",
            "importance",
            "stage",
            "team_size",
            "budget_range",
            "max_reporting_hours",
            "horizon",
            "updated_at",
        ]
    )
    if context is not None:
        diagnostic.territories.set(list(context.territories))
        diagnostic.populations.set(list(context.populations))
    if aspirations is not None:
        diagnostic.wanted_support_types.set(list(aspirations.wanted_support_types))
    return diagnostic


def missing_answers(diagnostic: Diagnostic) -> dict[str, list[str]]:
    """Per level, the keys of the questions still without an answer (or "not applicable")."""
    framework = selectors.framework_of(diagnostic.framework)
    missing: dict[str, list[str]] = {}
    for element in framework.elements:
        for question in element.questions:
            if question.key not in diagnostic.answers:
                missing.setdefault(element.level, []).append(question.key)
    return missing


def diagnostic_score(diagnostic: Diagnostic) -> scoring.DiagnosticResult:
    return scoring.score(
        selectors.framework_of(diagnostic.framework),
        diagnostic.answers,
        importance=diagnostic.importance,
        equity=selectors.territory_figures(diagnostic.territories.all()),
        parameters=selectors.scoring_parameters(),
    )


@transaction.atomic
def diagnostic_submit(*, user: User | None, diagnostic: Diagnostic) -> Diagnostic:
    """Score the diagnostic and freeze it. Every question needs an answer or "not applicable"."""
    diagnostic = _locked(user, diagnostic)
    problems = []
    if not diagnostic.stage:
        problems.append(Problem("stage_missing", _("Say at what stage the initiative is."), field="stage"))
    missing = sum(len(keys) for keys in missing_answers(diagnostic).values())
    if missing:
        problems.append(
            Problem(
                "answers_missing",
                ngettext(
                    "{count} question has no answer yet: answer it, or choose “not applicable”.",
                    "{count} questions have no answer yet: answer them, or choose “not applicable”.",
                    missing,
                ).format(count=missing),
                field="answers",
            )
        )
    if problems:
        raise MaillageError("diagnostic_incomplete", _("The diagnostic is not complete yet."), problems)
    diagnostic.result = diagnostic_score(diagnostic).as_dict()
    diagnostic.status = Diagnostic.Status.SUBMITTED
    diagnostic.submitted_at = timezone.now()
    diagnostic.save(update_fields=["result", "status", "submitted_at", "updated_at"])
    ElementScore.objects.bulk_create(ElementScore.rows_of(diagnostic, diagnostic.result))
    return diagnostic


@transaction.atomic
def diagnostic_share(*, user: User | None, diagnostic: Diagnostic, organisation: Organisation) -> DiagnosticShare:
    _require(user, "diagnostics.share_diagnostic", diagnostic)
    if not organisation.is_support_actor:
        raise MaillageError(
            "share_not_support_actor",
            _("Share a diagnostic only with a support actor."),
            [Problem("share_not_support_actor", _("This organisation is not a support actor."), field="organisation")],
        )
    try:
        with transaction.atomic():
            return DiagnosticShare.objects.create(diagnostic=diagnostic, organisation=organisation, shared_by=user)
    except IntegrityError:
        raise MaillageError(
            "already_shared",
            _("The diagnostic is already shared with this organisation."),
            [Problem("already_shared", _("Already shared."), field="organisation")],
        ) from None


@transaction.atomic
def diagnostic_unshare(*, user: User | None, diagnostic: Diagnostic, organisation_id: int) -> None:
    _require(user, "diagnostics.share_diagnostic", diagnostic)
    DiagnosticShare.objects.filter(diagnostic=diagnostic, organisation_id=organisation_id).delete()
