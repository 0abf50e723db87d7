"""Reads about frameworks and diagnostics. Permission checks live in ``rules.py``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.db.models import Avg, Count, Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from maillage.accounts.selectors import memberships_by_organisation
from maillage.core import scoring
from maillage.core.errors import MaillageError, Problem
from maillage.core.framework import Framework as CoreFramework
from maillage.core.framework import parse_framework
from maillage.directory.models import Initiative, Territory

from .models import Diagnostic, ElementScore, Framework, ScoringSettings

#: Aggregates over fewer diagnostics than this are not shown (stewards see no single initiative).
AGGREGATE_THRESHOLD = 5


# --- frameworks ----------------------------------------------------------------------------------


def current_framework() -> Framework | None:
    """The framework version that new diagnostics use: the last one published."""
    return Framework.objects.order_by("-published_at", "-id").first()


def framework_versions() -> QuerySet[Framework]:
    return Framework.objects.defer("document", "source_text").select_related("published_by")


def framework_get(slug: str, version: str) -> Framework:
    framework = Framework.objects.filter(slug=slug, version=version).first()
    if framework is None:
        raise MaillageError(
            "not_found",
            _("There is no version {version} of the framework “{slug}”.").format(version=version, slug=slug),
        )
    return framework


def framework_of(framework: Framework) -> CoreFramework:
    """The published framework as the core's dataclasses (parsed once per version and process).

    Published versions never change; the key includes the publication time so that a database
    restored or rolled back under a running process never serves another version's document.
    """
    return _parsed(framework.pk, f"{framework.version}@{framework.published_at.isoformat()}")


@lru_cache(maxsize=32)
def _parsed(pk: int, stamp: str) -> CoreFramework:
    document = Framework.objects.values_list("document", flat=True).get(pk=pk)
    return parse_framework(document, support_types=None)


def element_names(language: str) -> dict[str, str]:
    """The current framework's elements by id, named in the language."""
    current = current_framework()
    if current is None:
        return {}
    return {e.id: e.name.get(language) for e in framework_of(current).elements}


def checked_elements(values: Iterable[Any], problems: list[Problem], field: str = "elements") -> list[str]:
    """Element ids of the current framework, each once, in the order given; the unknown ones are named in
    one problem on ``field``."""
    known = set(element_names("fr"))
    elements = [str(e) for e in values]
    unknown = [e for e in elements if e not in known]
    if unknown:
        problems.append(
            Problem(
                "element_unknown",
                _("These are not elements of the current framework: %(codes)s.") % {"codes": ", ".join(unknown)},
                field=field,
            )
        )
    return [e for e in dict.fromkeys(elements) if e in known]


def scoring_parameters() -> scoring.Parameters:
    current = ScoringSettings.objects.first()
    if current is None:
        return scoring.Parameters()
    return scoring.Parameters(**{name: getattr(current, name) for name in ScoringSettings.PARAMETERS})


# --- equity figures of the territories an initiative serves -------------------------------------


def territory_figures(territories: Iterable[Territory]) -> list[scoring.TerritoryFigures]:
    """Figures of each territory served: its own, or those of the quartiers within it (a borough)."""
    wanted = {t.pk for t in territories}
    if not wanted:
        return []
    children: dict[int, set[int]] = {}
    for child, parent in Territory.within.through.objects.values_list("from_territory_id", "to_territory_id"):
        children.setdefault(parent, set()).add(child)
    with_figures = {
        row["pk"]: row
        for row in Territory.objects.filter(population_2021__isnull=False).values(
            "pk", "population_2021", "low_income_pct", "material_deprivation_pct", "priority_zone_pct"
        )
    }
    chosen: set[int] = set()
    for pk in wanted:
        if pk in with_figures:
            chosen.add(pk)
            continue
        seen, frontier = {pk}, {pk}
        while frontier:
            frontier = set().union(*(children.get(p, set()) for p in frontier)) - seen
            seen |= frontier
        chosen |= seen & with_figures.keys()
    return [
        scoring.TerritoryFigures(
            population=row["population_2021"],
            low_income_pct=row["low_income_pct"] or 0.0,
            material_deprivation_pct=row["material_deprivation_pct"] or 0.0,
            priority_zone_pct=row["priority_zone_pct"] or 0.0,
        )
        for pk, row in sorted(with_figures.items())
        if pk in chosen
    ]


# --- diagnostics ---------------------------------------------------------------------------------


def diagnostic_get(pk: int) -> Diagnostic:
    diagnostic = (
        Diagnostic.objects.select_related("initiative", "framework")
        .prefetch_related("initiative__carriers", "shares")
        .filter(pk=pk)
        .first()
    )
    if diagnostic is None:
        raise MaillageError("not_found", _("There is no such diagnostic."))
    return diagnostic


def draft_of(initiative: Initiative) -> Diagnostic | None:
    return Diagnostic.objects.filter(initiative=initiative, status=Diagnostic.Status.DRAFT).first()


def latest_submitted(initiative_ids: Iterable[int] | None = None) -> dict[int, Diagnostic]:
    """Each initiative's latest submitted diagnostic (all initiatives', or these), with what matching
    reads of it and of its initiative, in a fixed number of queries."""
    submitted = (
        Diagnostic.objects.filter(status=Diagnostic.Status.SUBMITTED)
        .select_related("framework", "initiative__sector")
        .prefetch_related("territories", "populations", "wanted_support_types", "initiative__carriers__organisation")
        .order_by("initiative_id", "-submitted_at")
    )
    if initiative_ids is not None:
        submitted = submitted.filter(initiative_id__in=list(initiative_ids))
    latest: dict[int, Diagnostic] = {}
    for diagnostic in submitted:
        latest.setdefault(diagnostic.initiative_id, diagnostic)
    return latest


def initiative_diagnostics(initiative: Initiative) -> QuerySet[Diagnostic]:
    return (
        Diagnostic.objects.filter(initiative=initiative)
        .select_related("framework")
        .order_by("-submitted_at", "-created_at")
    )


def previous_submitted(diagnostic: Diagnostic) -> Diagnostic | None:
    """The initiative's last diagnostic submitted before this one (for "what changed")."""
    if diagnostic.submitted_at is None:
        return None
    return (
        Diagnostic.objects.filter(
            initiative_id=diagnostic.initiative_id,
            status=Diagnostic.Status.SUBMITTED,
            submitted_at__lt=diagnostic.submitted_at,
        )
        .select_related("framework")
        .order_by("-submitted_at")
        .first()
    )


def visible_diagnostics(user: Any) -> QuerySet[Diagnostic]:
    """Diagnostics of initiatives that the person's organisations carry, or that were shared with them.

    Stewards get no special access: they see aggregates only (:func:`aggregates`).
    """
    organisation_ids = list(memberships_by_organisation(user))
    if not organisation_ids:
        return Diagnostic.objects.none()
    return (
        Diagnostic.objects.filter(
            Q(initiative__carriers__organisation_id__in=organisation_ids)
            | Q(shares__organisation_id__in=organisation_ids, status=Diagnostic.Status.SUBMITTED)
        )
        .distinct()
        .select_related("initiative", "framework")
        .order_by("-updated_at", "-id")
    )


def my_initiatives(user: Any) -> QuerySet[Initiative]:
    organisation_ids = list(memberships_by_organisation(user))
    return (
        Initiative.objects.filter(carriers__organisation_id__in=organisation_ids)
        .distinct()
        .order_by("sort_key", "id")
        .prefetch_related("diagnostics__framework")
    )


def result_of(diagnostic: Diagnostic) -> scoring.DiagnosticResult | None:
    return None if diagnostic.result is None else scoring.DiagnosticResult.from_dict(diagnostic.result)


# --- aggregates for stewards ---------------------------------------------------------------------


@dataclass(frozen=True)
class ElementAggregate:
    element: str
    count: int  # initiatives whose latest diagnostic scored this element
    mean_score: float | None
    mean_need: float | None
    share_in_need: float | None  # share of those initiatives with a need on this element

    @property
    def share_pct(self) -> float | None:
        return None if self.share_in_need is None else self.share_in_need * 100


@dataclass(frozen=True)
class Aggregates:
    framework: Framework | None
    diagnostics: int
    elements: list[ElementAggregate]
    threshold: int = AGGREGATE_THRESHOLD
    is_demo: bool = False


def aggregates(framework: Framework | None = None, *, demo: bool = False) -> Aggregates:
    """Per element, over the latest submitted diagnostic of each initiative with this framework version:
    real diagnostics only, or fictional ones only (``demo``), never mixed.

    Figures over fewer than :data:`AGGREGATE_THRESHOLD` initiatives are withheld (``None``); means are
    rounded (scores to 0.1, needs to 0.1, shares to 1 %), which blurs what one newcomer changes.
    """
    framework = framework or current_framework()
    if framework is None:
        return Aggregates(None, 0, [], is_demo=demo)
    submitted = Diagnostic.objects.filter(framework=framework, status=Diagnostic.Status.SUBMITTED, is_demo=demo)
    later = submitted.filter(initiative_id=OuterRef("initiative_id"), submitted_at__gt=OuterRef("submitted_at"))
    latest = submitted.exclude(Exists(later))
    rows = {
        row["element"]: row
        for row in ElementScore.objects.filter(diagnostic__in=latest, score__isnull=False)
        .values("element")
        .annotate(
            count=Count("id"), mean_score=Avg("score"), mean_need=Avg("need"), in_need=Count("id", filter=Q(need__gt=0))
        )
    }
    elements = []
    for element in framework_of(framework).elements:
        row = rows.get(element.id, {"count": 0})
        enough = row["count"] >= AGGREGATE_THRESHOLD
        elements.append(
            ElementAggregate(
                element=element.id,
                count=row["count"],
                mean_score=round(row["mean_score"], 1) if enough else None,
                mean_need=round(row["mean_need"], 1) if enough else None,
                share_in_need=round(row["in_need"] / row["count"], 2) if enough else None,
            )
        )
    return Aggregates(framework, latest.count(), elements, is_demo=demo)
