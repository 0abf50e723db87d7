"""The demo's fictional feedback: two closed survey cycles with answers, and an open one.

Everything here is invented, for the demo's fictional support actors, and labelled as such: the
answers are drawn at random around a level per support actor, higher for flexibility where its
funding is mostly unrestricted, so that the practice comparisons have something to show."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date

from django.db import transaction
from django.db.models import Avg
from django.utils import timezone

from maillage.core import feedback as core
from maillage.diagnostics import selectors as diagnostic_selectors
from maillage.diagnostics.models import DiagnosticShare
from maillage.directory.models import InitiativeCarrier, Organisation, Relation, SupportOffer

from . import selectors, services
from .models import GROUPS, OTHER_GROUP, Comment, Cycle, Invitation, PublicSummary, Response

COMMENTS = {
    "comment-best": [
        "La souplesse : nous avons pu utiliser les fonds là où c'était le plus urgent.",
        "Un agent qui connaît le quartier et qui rappelle quand on a une question.",
        "Le financement sur trois ans nous a permis d'embaucher une coordonnatrice.",
        "Les conseils pour la demande, avant même le dépôt.",
        "The introductions to other funders and partners.",
        "Quick decisions and a very simple application.",
    ],
    "comment-change": [
        "Le rapport final demande trop de chiffres que personne ne lit.",
        "Les délais de réponse sont longs : nous avons attendu quatre mois.",
        "Financer aussi les frais de fonctionnement, pas seulement les projets.",
        "Un formulaire de demande en anglais serait apprécié.",
        "Fewer interim reports for small grants.",
        "Ask us what we need before designing the programme.",
    ],
}
RESPONSES = (
    (
        "Merci aux organisations qui ont répondu. Nous allégeons dès cette année la reddition de comptes des "
        "petites subventions et visons des décisions en moins de huit semaines. (Réponse fictive, démo.)",
        "Thank you to the organisations that answered. From this year we are lightening reporting for small "
        "grants and aim to decide within eight weeks. (Fictional response, demo.)",
    ),
)


def _clip(value: float) -> int:
    return max(1, min(7, round(value)))


def demo_feedback_load(*, seed: int = 2026, progress: Callable[[str], None] = lambda _m: None) -> int:
    """Replace the demo's survey cycles. Returns the number of fictional answers written."""
    rng = random.Random(seed)
    today = timezone.localdate()
    with transaction.atomic():
        Cycle.objects.filter(is_demo=True).delete()
        PublicSummary.objects.filter(organisation__is_demo=True).delete()
        subjects = list(Organisation.objects.filter(is_demo=True, is_support_actor=True).order_by("slug"))
        level = {s.pk: rng.uniform(3.4, 6.2) for s in subjects}
        effort = {
            row["providers"]: (row["a"] or 8.0, row["r"] or 8.0)
            for row in SupportOffer.objects.filter(is_demo=True)
            .values("providers")
            .annotate(a=Avg("application_hours"), r=Avg("reporting_hours"))
        }
        written = 0
        years = [today.year - 2, today.year - 1, today.year]
        for year in years:
            is_open = year == today.year
            cycle = services.cycle_create(
                user=None,
                slug=f"demo-{year}",
                name_fr=f"Sondage {year} (démo)",
                name_en=f"{year} survey (demo)",
                year=year,
                closes_on=date(year + 1, 1, 31) if is_open else None,
                is_demo=True,
            )
            services.cycle_open(user=None, cycle=cycle)
            invitations = list(
                Invitation.objects.filter(cycle=cycle).select_related("organisation", "subject").order_by("id")
            )
            share = 0.35 if is_open else 0.75
            money = selectors.money_shares_of(level, year)  # one query a year, not one an answer
            for invitation in invitations:
                if invitation.subject_id not in level or rng.random() > share:
                    continue
                flexible = (money.get(invitation.subject_id, {}).get("flexible_share") or 50) / 100
                base = level[invitation.subject_id] + rng.gauss(0, 0.9) + 0.15 * (year - years[0])
                answers: dict[str, float] = {}
                for question in core.QUESTIONS:
                    if question.kind == "text" or rng.random() < 0.08:
                        continue
                    if question.kind == "hours":
                        applying, reporting = effort.get(invitation.subject_id, (8.0, 8.0))
                        typical = applying if question.id == "hours-applying" else reporting
                        answers[question.id] = round(max(0.5, rng.lognormvariate(0, 0.5) * float(typical)), 1)
                    elif question.id == "flexibility":
                        answers[question.id] = _clip(base + 2.4 * (flexible - 0.5) + rng.gauss(0, 0.7))
                    else:
                        answers[question.id] = _clip(base + rng.gauss(0, 0.8))
                Response.objects.create(
                    cycle=cycle,
                    subject_id=invitation.subject_id,
                    respondent_group=GROUPS.get(invitation.organisation.kind, OTHER_GROUP),
                    answers=answers,
                )
                for code, bank in COMMENTS.items():
                    if rng.random() < 0.25:
                        Comment.objects.create(
                            cycle=cycle,
                            subject_id=invitation.subject_id,
                            question=code,
                            text=rng.choice(bank),
                            # The older cycle's comments were reviewed; the last closed one's await review.
                            status=Comment.Status.PUBLISHED if year == years[0] else Comment.Status.PENDING,
                        )
                invitation.answered = True
                invitation.save(update_fields=["answered"])
                written += 1
            if not is_open:
                services.cycle_close(user=None, cycle=cycle)
                Cycle.objects.filter(pk=cycle.pk).update(closes_on=date(year + 1, 1, 15))
            progress(f"survey {year}: {len(invitations)} invitations")
        shared = _share_diagnostics(rng, years)
        progress(f"{shared} fictional diagnostics shared with a funder")
        for subject in subjects[:: max(1, len(subjects) // 4)]:
            fr, en = RESPONSES[0]
            PublicSummary.objects.create(organisation=subject, is_published=True, response_fr=fr, response_en=en)
    return written


def _share_diagnostics(rng: random.Random, years: list[int]) -> int:
    """About half of the fictional initiatives their funders supported shared their latest diagnostic
    with them (as they would when asking for support), so that the scorecards' needs have something to
    show."""
    funded = Relation.objects.filter(
        kind=Relation.Kind.FUNDS, year__in=years, is_demo=True, source__is_demo=True, target__is_demo=True
    ).values_list("source_id", "target_id")
    carried: dict[int, list[int]] = {}
    for initiative_id, organisation_id in InitiativeCarrier.objects.filter(organisation__is_demo=True).values_list(
        "initiative_id", "organisation_id"
    ):
        carried.setdefault(organisation_id, []).append(initiative_id)
    latest = diagnostic_selectors.latest_submitted()
    shares = {
        (latest[initiative].pk, funder)
        for funder, organisation in sorted(set(funded))
        for initiative in carried.get(organisation, [])
        if initiative in latest and rng.random() < 0.5
    }
    DiagnosticShare.objects.bulk_create(
        [DiagnosticShare(diagnostic_id=d, organisation_id=o) for d, o in sorted(shares)], ignore_conflicts=True
    )
    return len(shares)
