"""Template helpers for the framework's bilingual texts and the diagnostic's figures."""

from __future__ import annotations

from django import template

from maillage.common.i18n import current_language
from maillage.core.framework import Framework, Text

from ..forms import IMPORTANCE_LABELS

register = template.Library()


@register.simple_tag
def tr_text(text: Text | None) -> str:
    """A framework text in the active language (French when the English is missing)."""
    return "" if text is None else text.get(current_language())


@register.filter
def importance_label(value: int | str | None) -> str:
    return str(dict(IMPORTANCE_LABELS).get(str(value), ""))


@register.filter
def citation(framework: Framework, source_id: str) -> str:
    return next((s.citation for s in framework.sources if s.id == source_id), source_id)
