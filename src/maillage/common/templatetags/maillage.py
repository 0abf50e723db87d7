"""Template helpers: bilingual content with its language, demo labels, fr-CA numbers and money."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from maillage.common.i18n import CONTENT_LANGUAGES, current_language

register = template.Library()

NBSP = "\u00a0"


@register.simple_tag
def tr(obj: Any, base: str) -> SafeString | str:
    """The text of ``<base>_fr`` / ``<base>_en`` in the page's language, falling back to the other one.

    Text shown in the other language is marked with ``lang`` so screen readers pronounce it right.
    """
    language = current_language()
    value = getattr(obj, f"{base}_{language}", "")
    if value:
        return str(value)
    for other in CONTENT_LANGUAGES:
        fallback = getattr(obj, f"{base}_{other}", "")
        if other != language and fallback:
            return format_html('<span lang="{}">{}</span>', other, fallback)
    return ""


@register.filter
def get(mapping: dict[str, Any] | None, key: str) -> Any:
    """``mapping[key]`` in a template (the key itself when it is missing, so that a code still shows)."""
    return mapping.get(key, key) if mapping else key


@register.filter
def pct(value: float | None) -> str:
    """A percentage in fr-CA (« 12,5 % ») or en-CA (« 12.5% »)."""
    if value is None:
        return "—"
    number = number_format(round(value, 1), 1)  # rounded: number_format alone cuts (99.96 → 99.9)
    return f"{number}{NBSP}%" if current_language() == "fr" else f"{number}%"


@register.filter
def percent(value: float | None) -> str:
    """A share (0 to 1) as a percentage: 0.125 → « 12,5 % »."""
    return pct(None if value is None else 100 * value)


@register.filter
def money(value: Decimal | int | float | None) -> str:
    """Dollars in fr-CA (« 12 000 $ ») or en-CA (« $12,000 »)."""
    if value is None:
        return "—"
    number = number_format(value, 0, force_grouping=True)
    return f"{number}{NBSP}$" if current_language() == "fr" else f"${number}"


@register.filter
def integer(value: int | None) -> str:
    if value is None:
        return "—"
    return number_format(value, 0, force_grouping=True)


@register.simple_tag
def amount_range(low: Decimal | None, high: Decimal | None) -> str:
    if low is None and high is None:
        return _("No amount")
    if low is None:
        return _("up to %(high)s") % {"high": money(high)}
    if high is None:
        return _("from %(low)s") % {"low": money(low)}
    if low == high:
        return money(low)
    return _("%(low)s to %(high)s") % {"low": money(low), "high": money(high)}


@register.inclusion_tag("includes/demo_badge.html")
def demo_badge(obj: Any) -> dict[str, Any]:
    return {"is_demo": bool(getattr(obj, "is_demo", False))}


@register.simple_tag(takes_context=True)
def page_url(context: dict[str, Any], page_number: int) -> str:
    query = context.get("query_string", "")
    return f"?{query}&page={page_number}" if query else f"?page={page_number}"


@register.inclusion_tag("includes/availability.html")
def offer_availability(offer: Any) -> dict[str, Any]:
    """Open now, opening soon or closed, from the offer's periods (prefetched on lists)."""
    from django.utils import timezone

    from maillage.core.availability import availability

    periods = [(p.opens_on, p.closes_on) for p in offer.open_periods.all()]
    return {"availability": availability(periods, today=timezone.localdate(), rolling=offer.is_rolling)}
