"""``{% feedback_summaries offer %}``: the public summaries of an offer's providers, for its page;
``{% reads_scorecards as flag %}``: whether the person has scorecards to read."""

from __future__ import annotations

from typing import Any

from django import template

from maillage.accounts.selectors import memberships_by_organisation
from maillage.common.i18n import current_language
from maillage.feedback import selectors

register = template.Library()


@register.inclusion_tag("feedback/_public_summary.html")
def feedback_summaries(offer: Any) -> dict[str, Any]:
    return {
        "summaries": selectors.public_summaries(offer),
        "threshold": selectors.THRESHOLD,
        "language": current_language(),
    }


@register.simple_tag(takes_context=True)
def reads_scorecards(context: Any) -> bool:
    """Whether the person reads scorecards: a steward, or a member of a support actor."""
    user = context["request"].user
    if user.has_perm("feedback.manage_cycles"):
        return True
    return bool(selectors.subjects_of(memberships_by_organisation(user)))
