"""Template helpers for baskets."""

from __future__ import annotations

from typing import Any

from django import template

from maillage.common.i18n import current_language

register = template.Library()


@register.filter
def in_language(label: Any) -> str:
    """A core label (``fr`` and ``en``) in the active language."""
    return str(getattr(label, current_language(), "") or getattr(label, "fr", ""))


@register.filter
def get(mapping: dict[str, Any], key: str) -> Any:
    return mapping.get(key) if mapping else None


@register.filter
def percent(share: float) -> float:
    return round(share * 100)
