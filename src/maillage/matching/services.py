"""Writes of the matching app. Atomic, permission-checked, all-or-nothing, errors as ``MaillageError``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from maillage.core import eligibility as rules_core
from maillage.core.errors import MaillageError, Problem
from maillage.diagnostics import selectors as diagnostic_selectors
from maillage.directory.models import SupportOffer

from .models import EligibilityRule, OfferCover


@transaction.atomic
def offer_conditions_set(
    *,
    user: Any,
    offer: SupportOffer,
    covers: Sequence[tuple[str, float]],
    rules: Sequence[rules_core.Rule],
) -> SupportOffer:
    """Replace what the offer covers and its eligibility rules; nothing changes if anything is wrong."""
    if user is not None and not user.has_perm("directory.edit_offer", offer):
        raise PermissionDenied
    framework_model = diagnostic_selectors.current_framework()
    known = {e.id for e in diagnostic_selectors.framework_of(framework_model).elements} if framework_model else set()
    problems: list[Problem] = []
    seen: set[str] = set()
    for index, (element, strength) in enumerate(covers):
        if element not in known:
            problems.append(
                Problem("element_unknown", _("Choose a condition of the framework."), field=f"covers-{index}-element")
            )
        if element in seen:
            problems.append(
                Problem("cover_exists", _("This condition is listed twice."), field=f"covers-{index}-element")
            )
        seen.add(element)
        if not 0 < strength <= 1:
            problems.append(
                Problem(
                    "strength_invalid",
                    _("The share covered is above 0 and at most 1."),
                    field=f"covers-{index}-strength",
                )
            )
    for index, rule in enumerate(rules):
        try:
            rules_core.check_rule(rule)
        except MaillageError as exc:
            problems += [Problem(p.code, p.message, field=f"rules-{index}-{p.field}") for p in exc.problems]
    if problems:
        raise MaillageError("conditions_invalid", _("Some information is missing or not valid."), problems)
    OfferCover.objects.filter(offer=offer).delete()
    OfferCover.objects.bulk_create(OfferCover(offer=offer, element=e, strength=s) for e, s in covers)
    EligibilityRule.objects.filter(offer=offer).delete()
    EligibilityRule.objects.bulk_create(
        EligibilityRule(
            offer=offer,
            kind=rule.kind,
            values=list(rule.values),
            negate=rule.negate,
            minimum_years=rule.minimum_years,
            maximum_years=rule.maximum_years,
            valid_from=rule.valid_from,
            source=rule.source,
            position=position,
            is_demo=offer.is_demo,
        )
        for position, rule in enumerate(rules)
    )
    return offer
