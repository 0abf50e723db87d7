"""The indicators Maillage computes from its own data, each with its source written out.

A measure is of a year when its data are dated (support granted, funding declared, a survey cycle);
the others describe the ecosystem as it stands (needs and offers, declared resources) and can be
measured for the current year only. Every figure is an aggregate over at least five initiatives,
answers or organisations, as everywhere else in Maillage; below that there is no value, and the reason.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from maillage.analytics import selectors as analytics
from maillage.core import analytics as analytics_core
from maillage.core import feedback as feedback_core
from maillage.core import scoring
from maillage.diagnostics import selectors as diagnostic_selectors
from maillage.diagnostics.models import Diagnostic
from maillage.directory.models import InitiativeCarrier, Organisation, Relation, SupportOffer
from maillage.feedback.models import Cycle, Response
from maillage.matching.models import SupportRequest
from maillage.matching.selectors import covers_of

from .models import Indicator

THRESHOLD = feedback_core.THRESHOLD

UNITS = {
    Indicator.Measure.NEEDS_COVERED: "%",
    Indicator.Measure.NEEDS_REACHABLE: "%",
    Indicator.Measure.EQUITY_COVERAGE: "%",
    Indicator.Measure.FLEXIBLE_SHARE: "%",
    Indicator.Measure.SYNERGIES_REALISED: "%",
}


@dataclass(frozen=True)
class Source:
    """Where a computed value comes from, written in either language when it is stored."""

    template: str  # an English msgid
    params: dict[str, Any]  # values, or callables read in the language asked

    def text(self, language: str) -> str:
        with translation.override(language):
            return _(self.template) % {k: v() if callable(v) else v for k, v in self.params.items()}


@dataclass(frozen=True)
class Measured:
    value: float | None
    source: Source | None = None
    why: str = ""  # when there is no value


def unit_of(indicator: Indicator) -> str:
    if indicator.method == Indicator.Method.ENTERED:
        return indicator.unit
    if indicator.measure == Indicator.Measure.FEEDBACK_RATING:
        return _("mean rating (1 to 7)")
    return UNITS.get(indicator.measure, "")


def measure(indicator: Indicator, year: int) -> Measured:
    """The indicator's value for ``year``, computed now."""
    present = timezone.localdate().year
    kind = indicator.measure
    if kind == Indicator.Measure.NEEDS_COVERED:
        return needs_covered(year, demo=indicator.is_demo)
    if kind == Indicator.Measure.FLEXIBLE_SHARE:
        return flexible_share(year)
    if kind == Indicator.Measure.FEEDBACK_RATING:
        return feedback_rating(indicator.question, year, demo=indicator.is_demo)
    if year != present:
        return Measured(
            None, why=_("This measure describes the ecosystem as it stands: only this year's can be taken.")
        )
    if kind == Indicator.Measure.NEEDS_REACHABLE:
        return needs_reachable()
    if kind == Indicator.Measure.EQUITY_COVERAGE:
        return equity_coverage()
    if kind == Indicator.Measure.SYNERGIES_REALISED:
        return synergies_realised()
    return Measured(None, why=_("Not a measure Maillage computes."))


def needs_covered(year: int, *, demo: bool = False) -> Measured:
    """Share of the needs of the initiatives with a submitted diagnostic (their latest up to the end of
    ``year``) that the support granted in ``year`` covers: each need weighted by the coverage of the
    offer granted (accepted requests answered that year), as baskets count it; for funding declared that
    year outside Maillage, the best coverage among the funder's offers."""
    framework = diagnostic_selectors.current_framework()
    if framework is None:
        return Measured(None, why=_("No framework is published."))
    parsed = diagnostic_selectors.framework_of(framework)
    latest: dict[int, dict[str, float]] = {}
    for initiative_id, result in (
        Diagnostic.objects.filter(status=Diagnostic.Status.SUBMITTED, submitted_at__year__lte=year, is_demo=demo)
        .exclude(result=None)
        .order_by("initiative_id", "-submitted_at")
        .values_list("initiative_id", "result")
    ):
        if initiative_id not in latest:
            latest[initiative_id] = scoring.DiagnosticResult.from_dict(result).needs_map()
    if len(latest) < THRESHOLD:
        return Measured(None, why=_("Fewer than five initiatives have submitted a diagnostic."))
    accepted = list(
        SupportRequest.objects.filter(
            status=SupportRequest.Status.ACCEPTED, answered_at__year=year, initiative_id__in=list(latest)
        ).values_list("initiative_id", "offer_id")
    )
    carriers: dict[int, list[int]] = defaultdict(list)
    for initiative_id, organisation_id in InitiativeCarrier.objects.filter(initiative_id__in=list(latest)).values_list(
        "initiative_id", "organisation_id"
    ):
        carriers[organisation_id].append(initiative_id)
    funders: dict[int, set[int]] = defaultdict(set)
    for source, target in Relation.objects.filter(
        kind=Relation.Kind.FUNDS, year=year, target_id__in=list(carriers)
    ).values_list("source_id", "target_id"):
        funders[source].add(target)
    # Every offer involved, read once with its declared coverage.
    offers_of: dict[int, list[int]] = defaultdict(list)
    for funder, offer_id in SupportOffer.providers.through.objects.filter(
        organisation_id__in=list(funders)
    ).values_list("organisation_id", "supportoffer_id"):
        offers_of[funder].append(offer_id)
    wanted = {offer_id for _i, offer_id in accepted} | {o for ids in offers_of.values() for o in ids}
    covers = {
        offer.pk: covers_of(offer, parsed)[0]
        for offer in SupportOffer.objects.filter(pk__in=wanted)
        .select_related("support_type")
        .prefetch_related("covers")
    }
    covered: dict[int, dict[str, float]] = defaultdict(dict)
    for initiative_id, offer_id in accepted:
        for element, strength in covers.get(offer_id, {}).items():
            covered[initiative_id][element] = max(covered[initiative_id].get(element, 0.0), strength)
    for funder, targets in funders.items():
        best: dict[str, float] = {}
        for offer_id in offers_of[funder]:
            for element, strength in covers[offer_id].items():
                best[element] = max(best.get(element, 0.0), strength)
        for target in targets:
            for initiative_id in carriers[target]:
                for element, strength in best.items():
                    covered[initiative_id][element] = max(covered[initiative_id].get(element, 0.0), strength)
    need = sum(sum(needs.values()) for needs in latest.values())
    met = sum(
        weight * covered.get(initiative_id, {}).get(element, 0.0)
        for initiative_id, needs in latest.items()
        for element, weight in needs.items()
    )
    if need <= 0:
        return Measured(None, why=_("The diagnostics show no need."))
    return Measured(
        round(100 * met / need, 1),
        Source(
            gettext_noop(
                "Maillage: needs of %(n)s initiatives' latest diagnostics, covered by the support granted in %(year)s "
                "(accepted requests and declared funding)."
            ),
            {"n": len(latest), "year": year},
        ),
    )


def needs_reachable() -> Measured:
    supply = analytics.demand_supply("quartier")
    need = sum(c.need for c in supply.cells)
    reachable = sum(c.reachable for c in supply.cells)
    if need <= 0:
        return Measured(None, why=_("Fewer than five initiatives have submitted a diagnostic."))
    return Measured(
        round(100 * reachable / need, 1),
        Source(
            gettext_noop(
                "Maillage, analytics: needs of the diagnostics within reach of an offer of the directory, on %(date)s."
            ),
            {"date": timezone.localdate().isoformat()},
        ),
    )


def equity_coverage() -> Measured:
    """The share of the need within reach of an offer in the fifth of the quartiers with the largest
    share of low-income residents (the equity page's first indicator, on its last quintile)."""
    where = analytics.places()
    supply = analytics.demand_supply("quartier")
    values = {q: where.figures[q]["low_income"] for q in where.quartiers() if "low_income" in where.figures.get(q, {})}
    groups = analytics_core.equity_groups(values, classes=5)
    if not groups.classes:
        return Measured(None, why=_("The quartiers' census figures are missing."))
    rows: dict[str, dict[str, float]] = defaultdict(lambda: {"need": 0.0, "reachable": 0.0})
    for cell in supply.cells:
        rows[cell.group]["need"] += cell.need
        rows[cell.group]["reachable"] += cell.reachable
    value = analytics_core.sum_by_group(groups, rows)[-1].ratio("reachable", "need", 100)
    if value is None:
        return Measured(None, why=_("No need is shown in these quartiers (fewer than five initiatives)."))
    return Measured(
        round(value, 1),
        Source(
            gettext_noop(
                "Maillage, equity: needs within reach of an offer in the fifth of quartiers with the most low-income "
                "residents (Statistics Canada, 2021 census), on %(date)s."
            ),
            {"date": timezone.localdate().isoformat()},
        ),
    )


def flexible_share(year: int) -> Measured:
    flows = [f for f in analytics.funding_flows() if f.year == year]
    shares = analytics_core.money_shares(flows)
    if shares.flexible_share is None or shares.flows < THRESHOLD:
        return Measured(None, why=_("Fewer than five grants are declared for this year."))
    return Measured(
        round(100 * shares.flexible_share, 1),
        Source(
            gettext_noop("Maillage: funding relations declared for %(year)s (%(n)s grants)."),
            {"year": year, "n": shares.flows},
        ),
    )


def feedback_rating(question: str, year: int, *, demo: bool) -> Measured:
    """The mean answer to one feedback question over every support actor, in the closed survey cycle of
    the support of ``year``."""
    cycle = Cycle.objects.filter(year=year, status=Cycle.Status.CLOSED, is_demo=demo).first()
    if cycle is None:
        return Measured(None, why=_("The survey cycle of this year is not closed."))
    values = [
        answers[question]
        for answers in Response.objects.filter(cycle=cycle).values_list("answers", flat=True)
        if isinstance(answers.get(question), int | float)
    ]
    rating = feedback_core.summarise(values)
    if not rating.shown or rating.mean is None:
        return Measured(None, why=_("Fewer than five answers to this question."))
    return Measured(
        round(rating.mean, 2),
        Source(
            gettext_noop("Maillage, feedback: %(n)s answers of the survey “%(cycle)s”."),
            {"n": rating.count, "cycle": lambda: cycle.name},
        ),
    )


def synergies_realised() -> Measured:
    """Of the pairs of neighbours that analytics suggests (resources one offers and the other seeks,
    populations both serve), the share already linked by a declared relation."""
    pairs, _groups = analytics.synergies()
    if len(pairs) < THRESHOLD:
        return Measured(None, why=_("Fewer than five synergies are suggested."))
    slugs = {s for p in pairs for s in (p.a, p.b)}
    ids = dict(Organisation.objects.filter(slug__in=slugs).values_list("slug", "pk"))
    linked = {
        frozenset(pair)
        for pair in Relation.objects.filter(Q(source_id__in=ids.values()) & Q(target_id__in=ids.values())).values_list(
            "source_id", "target_id"
        )
    }
    realised = sum(1 for p in pairs if frozenset((ids.get(p.a), ids.get(p.b))) in linked)
    return Measured(
        round(100 * realised / len(pairs), 1),
        Source(
            gettext_noop(
                "Maillage, synergies: %(done)s of %(n)s suggested pairs of neighbours already linked, on %(date)s."
            ),
            {"done": realised, "n": len(pairs), "date": timezone.localdate().isoformat()},
        ),
    )
