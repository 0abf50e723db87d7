"""A basket as plain data, for the API and the command line."""

from __future__ import annotations

from typing import Any

from .selectors import BasketView

LEFT_OUT_REASONS = {
    "full": ("Plus de place ce cycle-ci.", "No room left this cycle."),
    "closed": ("Les demandes sont fermées pour l'instant.", "Applications are closed for now."),
    "over_hours": (
        "Le panier dépasserait votre limite d'heures de reddition de comptes.",
        "The basket would go over your limit of reporting hours.",
    ),
    "redundant": (
        "Couvre des besoins que le panier couvre déjà.",
        "Covers needs that the basket already covers.",
    ),
    "weaker": ("D'autres offres couvrent davantage vos besoins.", "Other offers cover more of your needs."),
    "not_wanted": (
        "Ce n'est pas un type de soutien que vous avez demandé.",
        "Not a kind of support you asked for.",
    ),
}


def _label(label: Any) -> dict[str, str]:
    return {"fr": label.fr, "en": label.en}


def basket_data(view: BasketView) -> dict[str, Any]:
    if view.diagnostic is None or view.recommendation is None:
        return {"initiative": view.initiative.slug, "diagnostic": None, "basket": None}
    rec = view.recommendation
    left = []
    for lo in rec.left_out:
        offer_view = view.offers[lo.offer]
        details = [_label(o.reason) for o in offer_view.eligibility.failed]
        reason = lo.reason
        if reason == "not_eligible" and not offer_view.wanted:
            details.insert(0, dict(zip(("fr", "en"), LEFT_OUT_REASONS["not_wanted"], strict=True)))
        elif reason in LEFT_OUT_REASONS:
            details.append(dict(zip(("fr", "en"), LEFT_OUT_REASONS[reason], strict=True)))
        if reason == "not_eligible" and not offer_view.wanted and offer_view.eligible:
            reason = "not_wanted"
        left.append({"offer": lo.offer, "reason": reason, "details": details})
    return {
        "initiative": view.initiative.slug,
        "diagnostic": view.diagnostic.pk,
        "needs": view.needs,
        "max_burden_hours": view.max_burden_hours,
        "wanted_support_types": view.wanted_types,
        "basket": {
            "offers": list(rec.basket.offers),
            "value": round(rec.basket.value, 4),
            "burden_hours": rec.basket.burden_hours,
        },
        "items": [
            {
                "offer": item.offer,
                "covered": item.covered,
                "contribution": round(item.contribution, 4),
                "coverage_inferred": view.offers[item.offer].inferred,
                "conditions": [
                    {"kind": o.rule.kind, "passed": o.passed, "reason": _label(o.reason)}
                    for o in view.offers[item.offer].eligibility.outcomes
                ],
            }
            for item in rec.items
        ],
        "left_out": left,
        "alternatives": [
            {
                "extra_hours": a.extra_hours,
                "extra_offers": a.extra_offers,
                "added": list(a.added),
                "removed": list(a.removed),
                "value": round(a.value, 4),
            }
            for a in rec.alternatives
        ],
    }
