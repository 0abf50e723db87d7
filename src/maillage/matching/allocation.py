"""The current ecosystem as an allocation instance (``maillage-allocation/1``), read from the database.

Every initiative with a submitted diagnostic enters with the needs of its latest one, its reporting
hours limit and the kinds of support it wants; every offer that takes requests this cycle enters
with what it covers, its reporting hours, what is left of its capacity this year and the
initiatives its rules accept. It is what each initiative's basket sees ([baskets](../../docs/baskets.md)),
for all of them at once: with a single initiative, the allocation is its basket.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import timedelta

from django.utils import timezone

from maillage.core import eligibility as rules_core
from maillage.core.allocation import Initiative as AllocationInitiative
from maillage.core.allocation import Instance
from maillage.core.allocation import Offer as AllocationOffer
from maillage.diagnostics import selectors as diagnostic_selectors

from . import selectors

NO_LIMIT_HOURS = 10_000.0  # an initiative that set no reporting-hours limit


def ecosystem_instance(relax: Mapping[str, Collection[str]] | None = None) -> Instance:
    """The allocation instance of the ecosystem as it is today (demo and real data are never mixed:
    real data when there is any, else the demo's).

    ``relax`` lifts rules of some offers for a what-if: offer slug → the kinds of rule not applied
    (``territory`` also lifts the territories an offer lists without a rule)."""
    latest = diagnostic_selectors.latest_submitted()
    real = [d for d in latest.values() if not d.initiative.is_demo]
    chosen = real or list(latest.values())
    current = diagnostic_selectors.current_framework()
    framework = diagnostic_selectors.framework_of(current) if current is not None else None

    graph = selectors.TerritoryGraph.load()
    initiatives: list[AllocationInitiative] = []
    applicants: list[tuple[str, rules_core.Applicant, set[str]]] = []
    for diagnostic in sorted(chosen, key=lambda d: d.initiative.slug):
        result = diagnostic_selectors.result_of(diagnostic)
        if result is None:
            continue
        initiative = diagnostic.initiative
        own = [t.slug for t in diagnostic.territories.all()] or [t.slug for t in initiative.territories.all()]
        initiatives.append(
            AllocationInitiative(
                id=initiative.slug,
                max_offers=selectors.MAX_OFFERS,
                max_burden_hours=float(diagnostic.max_reporting_hours or NO_LIMIT_HOURS),
                needs={e: w for e, w in result.needs_map().items() if w > 0},
                territory=own[0] if own else None,
                extra={"name": initiative.name_fr, "demo": initiative.is_demo},
            )
        )
        wanted = {t.code for t in diagnostic.wanted_support_types.all()}
        applicants.append((initiative.slug, selectors.applicant_of(initiative, diagnostic, graph), wanted))

    today = timezone.localdate()
    horizon = today + timedelta(days=selectors.OPENING_HORIZON_DAYS)
    accepted = selectors.accepted_this_year()
    offers: list[AllocationOffer] = []
    for offer in selectors.offers_for_baskets():
        if framework is None:
            break
        if offer.is_demo == bool(real):
            continue  # demo and real data are never mixed
        _, accepting = selectors.accepting_requests(offer, today, horizon)
        if not accepting:
            continue
        covers, _ = selectors.covers_of(offer, framework)
        if not covers:
            continue
        rules = selectors.rules_of(offer)
        if relax and offer.slug in relax:
            rules = [rule for rule in rules if rule.kind not in relax[offer.slug]]
        eligible = tuple(
            slug
            for slug, applicant, wanted in applicants
            if (not wanted or offer.support_type.code in wanted) and rules_core.is_eligible(rules, applicant)
        )
        left = len(eligible) if offer.capacity is None else max(0, offer.capacity - accepted.get(offer.pk, 0))
        offers.append(
            AllocationOffer(
                id=offer.slug,
                capacity=left,
                burden_hours=float(offer.reporting_hours),
                covers=covers,
                eligible=eligible,
                extra={"name": offer.name_fr, "demo": offer.is_demo},
            )
        )
    return Instance(
        burden_penalty=selectors.BURDEN_PENALTY,
        initiatives=tuple(initiatives),
        offers=tuple(offers),
        extra={
            "source": "maillage",
            "date": today.isoformat(),
            "demo": not real,
            "relax": {slug: sorted(kinds) for slug, kinds in (relax or {}).items() if kinds},
        },
    )
