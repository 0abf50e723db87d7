"""Reads of the scenarios app: which scenarios a person sees, and what a run's results say.

Results are read from the run's stored instance and result (the ecosystem as it was when it ran).
Aggregates over fewer than :data:`AGGREGATE_THRESHOLD` initiatives are withheld, as for diagnostics:
a territory with three initiatives would otherwise show their needs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from maillage.accounts.selectors import memberships_by_organisation
from maillage.core.errors import MaillageError
from maillage.core.stats import class_of, quantile_breaks
from maillage.diagnostics.selectors import AGGREGATE_THRESHOLD
from maillage.directory.models import Initiative, Organisation, SupportOffer, Territory
from maillage.directory.rules import is_steward

from .models import Run, Scenario

GROUPS = 3  # equity groups: thirds of the quartiers by their share of people with low income


def visible_scenarios(user: Any) -> QuerySet[Scenario]:
    if not getattr(user, "is_authenticated", False):
        return Scenario.objects.none()
    mine = list(memberships_by_organisation(user))
    owned = Q(organisation_id__in=mine)
    if is_steward(user):
        owned |= Q(organisation__isnull=True)
    return Scenario.objects.filter(owned | Q(is_shared=True)).select_related("organisation")


def creatable_for(user: Any) -> list[Organisation]:
    """The support actors this person may make scenarios for (stewards also make the stewards')."""
    mine = list(memberships_by_organisation(user))
    return list(Organisation.objects.filter(pk__in=mine, is_support_actor=True).order_by("name_fr"))


def scenario_get(slug: str) -> Scenario:
    found = Scenario.objects.select_related("organisation").filter(slug=slug).first()
    if found is None:
        raise MaillageError("not_found", _("There is no such scenario."))
    return found


def latest_run(scenario: Scenario) -> Run | None:
    return scenario.runs.order_by("-queued_at", "-id").first()


def latest_result(scenario: Scenario) -> Run | None:
    return scenario.runs.filter(status=Run.Status.SUCCEEDED).order_by("-finished_at", "-id").first()


# --- what a run says ----------------------------------------------------------------------------------


@dataclass
class Share:
    need: float = 0.0
    covered: float = 0.0
    initiatives: int = 0

    @property
    def shown(self) -> bool:
        return self.initiatives >= AGGREGATE_THRESHOLD

    @property
    def pct(self) -> float | None:
        if not self.shown or self.need <= 0:
            return None
        return 100 * self.covered / self.need


@dataclass(frozen=True)
class Reason:
    element: str
    need: float  # the initiative's weight of need on the element
    covered: float  # what this offer adds there, given the rest of the basket
    best: bool  # no other offer open to this initiative covers the element as well


@dataclass(frozen=True)
class Advice:
    initiative: str
    offer: str
    value: float  # what the offer adds to the initiative's coverage (its marginal value)
    reasons: tuple[Reason, ...]


@dataclass
class Outcome:
    """A run's results, computed once from its stored instance and result."""

    run: Run
    needs: dict[str, dict[str, float]]
    territory: dict[str, str | None]
    covers: dict[str, dict[str, float]]
    eligible: dict[str, set[str]]
    basket: dict[str, list[str]]
    offer_extra: dict[str, Mapping[str, Any]]
    by_element: dict[str, Share] = field(default_factory=dict)
    by_territory: dict[str, Share] = field(default_factory=dict)
    total: Share = field(default_factory=Share)
    unplaced: Share = field(default_factory=Share)  # initiatives without a territory

    @classmethod
    def of(cls, run: Run) -> Outcome:
        instance, result = run.instance or {}, run.result or {}
        needs = {i["id"]: dict(i.get("needs", {})) for i in instance.get("initiatives", [])}
        territory = {i["id"]: i.get("territory") for i in instance.get("initiatives", [])}
        covers = {o["id"]: dict(o.get("covers", {})) for o in instance.get("offers", [])}
        eligible = {o["id"]: set(o.get("eligible", [])) for o in instance.get("offers", [])}
        extra = {o["id"]: o for o in instance.get("offers", [])}
        basket: dict[str, list[str]] = defaultdict(list)
        for a in result.get("assignments", []):
            basket[a["initiative"]].append(a["offer"])
        outcome = cls(run, needs, territory, covers, eligible, dict(basket), extra)
        outcome._aggregate()
        return outcome

    def coverage(self, initiative: str, offers: Iterable[str]) -> dict[str, float]:
        """Per element, the share of the initiative's need that these offers cover (capped at 1)."""
        got: dict[str, float] = defaultdict(float)
        for offer in offers:
            for element, share in self.covers.get(offer, {}).items():
                got[element] += share
        return {e: min(1.0, got.get(e, 0.0)) for e in self.needs.get(initiative, {})}

    def _aggregate(self) -> None:
        for initiative, needs in self.needs.items():
            got = self.coverage(initiative, self.basket.get(initiative, []))
            where = self.territory.get(initiative)
            cell = self.by_territory.setdefault(where, Share()) if where else self.unplaced
            cell.initiatives += 1
            self.total.initiatives += 1
            for element, weight in needs.items():
                if weight <= 0:
                    continue
                share = self.by_element.setdefault(element, Share())
                share.need += weight
                share.covered += weight * got[element]
                share.initiatives += 1
                for whole in (self.total, cell):
                    whole.need += weight
                    whole.covered += weight * got[element]

    def advice(self, initiative: str, offer: str) -> Advice:
        basket = self.basket.get(initiative, [])
        others = [o for o in basket if o != offer]
        with_it = self.coverage(initiative, basket)
        without = self.coverage(initiative, others)
        needs = self.needs.get(initiative, {})
        reasons = []
        for element, share in sorted(self.covers.get(offer, {}).items()):
            weight = needs.get(element, 0.0)
            if weight <= 0:
                continue
            best = all(
                self.covers[o].get(element, 0.0) < share
                for o, accepted in self.eligible.items()
                if o != offer and initiative in accepted
            )
            reasons.append(Reason(element, weight, weight * (with_it[element] - without[element]), best))
        reasons.sort(key=lambda r: -r.covered)
        value = sum(r.covered for r in reasons)
        return Advice(initiative, offer, value, tuple(reasons))

    def advised_for_offer(self, offer: str) -> list[Advice]:
        found = [self.advice(i, offer) for i, offers in self.basket.items() if offer in offers]
        return sorted(found, key=lambda a: -a.value)

    def advised_basket(self, initiative: str) -> list[Advice]:
        return sorted((self.advice(initiative, o) for o in self.basket.get(initiative, [])), key=lambda a: -a.value)

    def offer_summary(self, offer: str) -> dict[str, Any]:
        """Aggregates of an offer's advice: how many initiatives, the elements it covers there (withheld
        below the threshold)."""
        advised = self.advised_for_offer(offer)
        elements: dict[str, Share] = {}
        for advice in advised:
            for reason in advice.reasons:
                cell = elements.setdefault(reason.element, Share())
                cell.need += reason.need
                cell.covered += reason.covered
                cell.initiatives += 1
        return {"count": len(advised), "elements": elements, "value": sum(a.value for a in advised)}


def equity_groups(outcome: Outcome) -> list[tuple[str, Share]]:
    """Coverage by equity group: the thirds of the quartiers by their share of people with low income
    (Census 2021), and the initiatives placed at a wider level (a borough, the island)."""
    figures = dict(
        Territory.objects.filter(kind=Territory.Kind.QUARTIER, low_income_pct__isnull=False).values_list(
            "slug", "low_income_pct"
        )
    )
    breaks = quantile_breaks(sorted(figures.values()), GROUPS) if len(figures) >= GROUPS else []
    labels = [
        _("Quartiers with the fewest people with low income (lowest third)"),
        _("Quartiers in the middle third"),
        _("Quartiers with the most people with low income (highest third)"),
        _("Other initiatives: placed at a wider level (a borough, the island) or without a territory"),
    ]
    groups = [Share() for _label in labels]
    groups[GROUPS] = Share(outcome.unplaced.need, outcome.unplaced.covered, outcome.unplaced.initiatives)
    for territory, share in outcome.by_territory.items():
        value = figures.get(territory)
        index = GROUPS if value is None or not breaks else class_of(value, breaks)
        groups[index].need += share.need
        groups[index].covered += share.covered
        groups[index].initiatives += share.initiatives
    return list(zip(labels, groups, strict=True))


def offer_labels(ids: Iterable[str], language: str) -> dict[str, str]:
    """Offers by name and provider ("Coaching — Fondation X"): two providers may name an offer alike."""
    labels = {}
    for offer in SupportOffer.objects.filter(slug__in=list(ids)).prefetch_related("providers"):
        name = offer.name_en if language == "en" and offer.name_en else offer.name_fr
        providers = ", ".join(
            (p.name_en if language == "en" and p.name_en else p.name_fr) for p in offer.providers.all()
        )
        labels[offer.slug] = f"{name} — {providers}" if providers else name
    return labels


def names(outcome: Outcome, language: str) -> tuple[dict[str, str], dict[str, str]]:
    """Display names of the run's initiatives and offers (from the directory; a scenario's new or
    pooled offer by the name it was given)."""
    offers = offer_labels(outcome.covers, language)
    given = {
        item.get("id"): item.get("name")
        for key in ("pool", "add_offers")
        for item in (outcome.run.scenario.changes.get(key) or [])
        if isinstance(item, Mapping) and item.get("name")
    }
    for offer_id, data in outcome.offer_extra.items():
        offers.setdefault(offer_id, str(given.get(offer_id) or data.get("name") or offer_id))
    initiatives = {
        i.slug: i.name_en if language == "en" and i.name_en else i.name_fr
        for i in Initiative.objects.filter(slug__in=list(outcome.needs)).only("slug", "name_fr", "name_en")
    }
    return initiatives, offers
