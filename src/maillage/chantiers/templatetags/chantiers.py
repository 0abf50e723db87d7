"""The chantiers an organisation takes part in, or that work on a territory, on their directory pages
(only those the person may see)."""

from __future__ import annotations

from typing import Any

from django import template
from django.db.models import Q

from maillage.directory.models import Organisation, Territory

from .. import selectors

register = template.Library()


@register.inclusion_tag("chantiers/_linked.html", takes_context=True)
def linked_chantiers(context: dict[str, Any], subject: Organisation | Territory) -> dict[str, Any]:
    found = selectors.visible(context["request"].user)
    if isinstance(subject, Organisation):
        found = found.filter(participants__organisation=subject)
    else:
        found = found.filter(Q(territory=subject) | Q(territory__within=subject))  # there, or in one of its parts
    return {"chantiers": list(found.distinct()[:20]), "subject": subject}
