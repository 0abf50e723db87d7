"""The chantiers an organisation takes part in, or that work on a territory, on their directory pages
(only those the person may see)."""

from __future__ import annotations

from typing import Any

from django import template
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from maillage.common.i18n import current_language
from maillage.common.templatetags.maillage import integer, money
from maillage.core.text import french_spaces
from maillage.directory.models import Organisation, Territory

from .. import selectors
from ..models import Commitment

register = template.Library()


@register.inclusion_tag("chantiers/_linked.html", takes_context=True)
def linked_chantiers(context: dict[str, Any], subject: Organisation | Territory) -> dict[str, Any]:
    found = selectors.visible(context["request"].user)
    if isinstance(subject, Organisation):
        found = found.filter(participants__organisation=subject)
    else:
        found = found.filter(Q(territory=subject) | Q(territory__within=subject))  # there, or in one of its parts
    return {"chantiers": list(found.distinct()[:20]), "subject": subject}


@register.simple_tag
def commitment(row: Commitment) -> str:
    """A commitment in a line: « Argent : 75 000 $ — les salaires des stagiaires », "Staff time: 400 hours"."""
    what = ""
    if row.amount is not None:
        what = money(row.amount)
    elif row.hours is not None:
        what = ngettext("%(hours)s hour", "%(hours)s hours", row.hours) % {"hours": integer(row.hours)}
    text = _("%(kind)s: %(what)s") % {"kind": row.get_kind_display(), "what": what} if what else row.get_kind_display()
    if row.description:
        text = f"{text} — {row.description}"
    return french_spaces(text) if current_language() == "fr" else text
