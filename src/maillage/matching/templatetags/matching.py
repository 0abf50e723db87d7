"""Template helpers for baskets."""

from __future__ import annotations

from typing import Any

from django import template

from maillage.common.i18n import current_language

register = template.Library()


@register.filter
def in_language(label: Any) -> str:
    """A core text (``maillage.core.framework.Text``) in the active language."""
    return str(label.get(current_language()))


@register.filter
def localised_url(url: str) -> str:
    """A site path (stored in French, the default) in the active language."""
    from maillage.matching.services import path_in

    return path_in(url, current_language()) if url else url


@register.filter
def percent(share: float) -> float:
    return round(share * 100)


@register.simple_tag
def offer_conditions(offer: Any) -> dict[str, Any]:
    """Whom the offer accepts and which needs it covers, in plain words, for its page."""
    from maillage.core.eligibility import describe
    from maillage.diagnostics import selectors as diagnostic_selectors
    from maillage.matching import selectors

    names = selectors.labels()
    framework_model = diagnostic_selectors.current_framework()
    covers: list[tuple[str, float]] = []
    inferred = False
    if framework_model is not None:
        framework = diagnostic_selectors.framework_of(framework_model)
        shares, inferred = selectors.covers_of(offer, framework)
        element_names = {e.id: e.name.get(current_language()) for e in framework.elements}
        covers = [(element_names.get(e, e), share) for e, share in shares.items()]
    return {
        "rules": [describe(rule, names) for rule in selectors.rules_of(offer)],
        "covers": covers,
        "inferred": inferred,
    }


@register.simple_tag
def places_left(offer: Any) -> int | None:
    """The offer's capacity minus the requests accepted this year (None: no capacity declared)."""
    from maillage.matching.services import capacity_left

    return capacity_left(offer)
