"""The bundled framework, and fictional diagnostics for the demo initiatives."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from maillage.core import demo as demo_core
from maillage.core import scoring
from maillage.directory.models import Initiative, SupportType

from . import selectors, services
from .models import Diagnostic, ElementScore, Framework

FRAMEWORKS_DIR = Path(__file__).resolve().parent.parent / "data" / "frameworks"
DEFAULT_FRAMEWORK = FRAMEWORKS_DIR / "conditions-de-reussite.yaml"

Progress = Callable[[str], None]


def _quiet(_message: str) -> None:
    pass


def framework_load_default(path: Path = DEFAULT_FRAMEWORK) -> Framework | None:
    """Publish the bundled framework unless that version is already published (idempotent)."""
    content = path.read_text(encoding="utf-8")
    framework = services.framework_validate(content=content, name=path.name)
    if Framework.objects.filter(slug=framework.id, version=framework.version).exists():
        return None
    return services.framework_publish(user=None, content=content, name=path.name, note="")


def _team_size(budget: int | None) -> str:
    if not budget or budget < 20_000:
        return Diagnostic.TeamSize.VOLUNTEERS
    if budget < 200_000:
        return Diagnostic.TeamSize.SMALL
    return Diagnostic.TeamSize.MEDIUM


@transaction.atomic
def demo_diagnostics_load(*, seed: int = 2026, share: float = 0.8, progress: Progress = _quiet) -> int:
    """Fill diagnostics for most demo initiatives: submitted ones (some with an earlier one, a year
    before) and a few in progress. Returns how many diagnostics were written."""
    framework_model = selectors.current_framework()
    if framework_model is None:
        return 0
    Diagnostic.objects.filter(is_demo=True).delete()
    framework = selectors.framework_of(framework_model)
    parameters = selectors.scoring_parameters()
    support_types = {t.code: t for t in SupportType.objects.all()}
    rng = random.Random(seed)
    now = timezone.now()
    figures_cache: dict[tuple[int, ...], list[scoring.TerritoryFigures]] = {}
    initiatives = Initiative.objects.filter(is_demo=True).prefetch_related("territories", "populations").order_by("pk")
    count = 0
    scores: list[ElementScore] = []
    progress("Writing fictional self-diagnostics")
    for initiative in initiatives.iterator(chunk_size=500):
        if rng.random() >= share:
            continue
        territories = list(initiative.territories.all())
        key = tuple(sorted(t.pk for t in territories))
        if key not in figures_cache:
            figures_cache[key] = selectors.territory_figures(territories)
        figures = figures_cache[key]
        need = scoring.equity_index(figures, scoring.Parameters())
        rounds = 2 if rng.random() < 0.15 else 1
        draft = rng.random() < 0.06
        for round_index in range(rounds + (1 if draft else 0)):
            answers, importance = demo_core.diagnostic_answers(framework, need=need, rng=rng)
            is_draft = draft and round_index == rounds
            if is_draft:
                answers = dict(list(answers.items())[: rng.randrange(1, len(answers))])
            submitted_at = now - timedelta(days=rng.randrange(1, 200) + 365 * (rounds - 1 - round_index))
            result = scoring.score(framework, answers, importance=importance, equity=figures, parameters=parameters)
            diagnostic = Diagnostic.objects.create(
                initiative=initiative,
                framework=framework_model,
                status=Diagnostic.Status.DRAFT if is_draft else Diagnostic.Status.SUBMITTED,
                is_demo=True,
                stage=initiative.stage,
                team_size=_team_size(initiative.annual_budget),
                budget_range=services._budget_range(initiative.annual_budget),
                answers=answers,
                importance=importance,
                max_reporting_hours=rng.choice((10, 20, 30, 40, 60)),
                horizon=rng.choice(Diagnostic.Horizon.values),
                result=None if is_draft else result.as_dict(),
                submitted_at=None if is_draft else submitted_at,
            )
            if not is_draft:
                Diagnostic.objects.filter(pk=diagnostic.pk).update(created_at=submitted_at - timedelta(days=2))
            if not is_draft:
                scores.extend(ElementScore.rows_of(diagnostic, diagnostic.result))
            diagnostic.territories.set(territories)
            diagnostic.populations.set(initiative.populations.all())
            wanted = {code for need_ in result.needs[:3] for code in need_.support_types[:1]}
            diagnostic.wanted_support_types.set([support_types[c] for c in sorted(wanted) if c in support_types])
            count += 1
    ElementScore.objects.bulk_create(scores, batch_size=2000)
    return count
