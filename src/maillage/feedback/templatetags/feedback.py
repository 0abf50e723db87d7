"""``{% feedback_summaries offer %}``: the public summaries of an offer's providers, for its page."""

from __future__ import annotations

from typing import Any

from django import template

from maillage.feedback import selectors

register = template.Library()


@register.inclusion_tag("feedback/_public_summary.html")
def feedback_summaries(offer: Any) -> dict[str, Any]:
    return {"summaries": selectors.public_summaries(offer), "threshold": selectors.THRESHOLD}
