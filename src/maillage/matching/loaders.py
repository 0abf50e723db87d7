"""Fictional conditions for the demo offers: decision delays, eligibility rules, declared coverage."""

from __future__ import annotations

import random

from django.db import transaction

from maillage.diagnostics import selectors as diagnostic_selectors
from maillage.directory.models import Initiative, Organisation, Population, SupportOffer

from .models import EligibilityRule, OfferCover


@transaction.atomic
def demo_conditions_load(*, seed: int = 2026) -> int:
    """Give the demo offers plausible conditions (all fictional, like the offers). Returns the rules written."""
    framework_model = diagnostic_selectors.current_framework()
    if framework_model is None:
        return 0
    framework = diagnostic_selectors.framework_of(framework_model)
    rng = random.Random(seed)
    populations = list(Population.objects.values_list("code", flat=True))
    offers = list(SupportOffer.objects.filter(is_demo=True).select_related("support_type").order_by("pk"))
    EligibilityRule.objects.filter(offer__in=offers).delete()
    OfferCover.objects.filter(offer__in=offers).delete()
    rules, covers, delays = [], [], []
    for offer in offers:
        offer.decision_days = rng.choice((14, 30, 45, 60, 90, 120))
        delays.append(offer)
        if rng.random() < 0.25:
            rules.append(EligibilityRule(offer=offer, kind="population", values=rng.sample(populations, 2)))
        if rng.random() < 0.15:
            rules.append(EligibilityRule(offer=offer, kind="organisation_age", minimum_years=rng.choice((1, 2, 3))))
        if rng.random() < 0.10:
            statuses = [Organisation.LegalStatus.NPO, Organisation.LegalStatus.COOP]
            rules.append(EligibilityRule(offer=offer, kind="legal_status", values=[str(s) for s in statuses]))
        if rng.random() < 0.10:
            stages = [Initiative.Stage.PILOT, Initiative.Stage.ESTABLISHED]
            rules.append(EligibilityRule(offer=offer, kind="stage", values=[str(s) for s in stages]))
        elements = [e.id for e in framework.elements if offer.support_type.code in e.support_types]
        if elements and rng.random() < 0.4:
            for element in rng.sample(elements, min(len(elements), rng.randint(1, 3))):
                covers.append(OfferCover(offer=offer, element=element, strength=rng.choice((0.3, 0.5, 0.8, 1.0))))
    for rule in rules:
        rule.is_demo = True
        rule.source = "Texte officiel fictif (démo), section « Admissibilité »"
    SupportOffer.objects.bulk_update(delays, ["decision_days"], batch_size=2000)
    EligibilityRule.objects.bulk_create(rules, batch_size=2000)
    OfferCover.objects.bulk_create(covers, batch_size=2000)
    return len(rules)
