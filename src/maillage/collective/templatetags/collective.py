from __future__ import annotations

from django import template
from django.utils.formats import number_format

from maillage.common.i18n import current_language
from maillage.common.templatetags.maillage import NBSP

register = template.Library()


@register.filter
def figure(value: float | None) -> str:
    """An indicator's value as people read it: up to two decimals, none when whole, grouped thousands
    (« 9 650 », « 10,2 », « 4,85 »)."""
    if value is None:
        return "—"
    rounded = round(float(value), 2)
    decimals = 0 if rounded == int(rounded) else (1 if round(rounded, 1) == rounded else 2)
    return number_format(rounded, decimals, force_grouping=True)


@register.filter
def with_unit(value: float | None, unit: str = "") -> str:
    """A value with its unit, kept on one line: « 10,2 % » and « 9 650 ménages » in French, "10.2%" and
    "9,650 households" in English."""
    if value is None:
        return "—"
    if unit == "%":
        return f"{figure(value)}{NBSP}%" if current_language() == "fr" else f"{figure(value)}%"
    return f"{figure(value)}{NBSP}{unit}" if unit else figure(value)
