"""Feedback in the API: aggregates only, never an answer. A scorecard for its support actor's members
and the stewards; a published summary for everyone; practice comparisons for stewards."""

from __future__ import annotations

from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router

from maillage.accounts.api import read_auth, token_auth
from maillage.accounts.selectors import memberships_by_organisation
from maillage.common.api_schemas import ERRORS
from maillage.core.errors import MaillageError, Problem
from maillage.directory import selectors as directory_selectors
from maillage.directory.models import Organisation

from . import selectors
from .models import Cycle

router = Router(tags=["feedback"])


def _rating(rating: Any) -> dict[str, Any] | None:
    if rating is None or not rating.shown:
        return None
    return {
        "answers": rating.count,
        "mean": rating.mean,
        "median": rating.median,
        "distribution": list(rating.distribution) or None,
    }


def _closed_cycle(slug: str | None, subject: Organisation | None = None) -> Cycle:
    found = selectors.closed_cycle(slug, selectors.closed_cycles(subject))
    if found is None:
        raise MaillageError("not_found", _("No survey cycle is closed yet."))
    return found


@router.get("/feedback/cycles", response={200: list[dict[str, Any]], **ERRORS}, auth=read_auth)
def cycle_list(request: HttpRequest) -> list[dict[str, Any]]:
    """Survey cycles, with how many organisations were invited and answered (never which)."""
    steward = request.user.has_perm("feedback.manage_cycles")
    return [
        {
            "slug": c.slug,
            "name_fr": c.name_fr,
            "name_en": c.name_en,
            "year": c.year,
            "status": c.status,
            "closes_on": c.closes_on,
            # Live counts of an open cycle for stewards only; a closed cycle's as counted at closing.
            "invited": c.invited if c.status == Cycle.Status.CLOSED or steward else None,
            "answered": c.answered if c.status == Cycle.Status.CLOSED or steward else None,
            "is_demo": c.is_demo,
        }
        for c in selectors.cycles()
        if c.status != Cycle.Status.DRAFT or steward
    ]


@router.get("/feedback/scorecards/{slug}", response={200: dict[str, Any], **ERRORS}, auth=token_auth)
def scorecard(
    request: HttpRequest,
    slug: str,
    cycle: str | None = None,
    group: Literal["community", "enterprise", "other"] | None = None,
) -> dict[str, Any]:
    """A support actor's scorecard in a closed cycle (its latest by default), for its members and the
    stewards. ``group`` keeps one broad group of respondents; it is refused (422, ``slice_refused``)
    when it counts fewer than five, or when any group counts between one and four (its figures would
    follow by difference with all respondents)."""
    subject = directory_selectors.organisation_detail(slug)
    if not request.user.has_perm("feedback.view_scorecard", subject):
        raise PermissionDenied
    found = _closed_cycle(cycle, subject)
    query = selectors.parse_query({"group": group or ""})
    card = selectors.scorecard(
        subject, found, query, with_needs=subject.pk in memberships_by_organisation(request.user)
    )
    if query and not card.decision.allowed:
        reason = {
            "difference": _(
                "Compared with all respondents, this group would let one deduce what fewer than five organisations "
                "answered."
            ),
            "groups_small": _(
                "A group counts fewer than five organisations invited: showing or refusing it would tell who answered."
            ),
        }.get(card.decision.code, _("Fewer than five organisations answered in this group."))
        raise MaillageError(
            "slice_refused",
            _("This choice of respondents is refused: choose a wider one."),
            [Problem(card.decision.code, reason, field=card.decision.dimension or None)],
        )
    return {
        "cycle": found.slug,
        "support_actor": subject.slug,
        "slice": query,
        "invited": card.invited,
        "answered": card.answered,
        "questions": [
            {
                "code": row.question.code,
                "kind": row.question.kind,
                "rating": _rating(row.rating),
                "withheld": None
                if row.rating and row.rating.shown
                else (row.refused.code if row.refused else "too_few"),
                "percentile_among_peers": row.percentile,  # ratings only: higher than this share of peers
                "peers": row.peers or None,
            }
            for row in card.rows
        ],
        "hours_per_thousand": card.hours_per_thousand,
        "hours_per_thousand_lighter_than_peers_pct": card.hours_percentile,
        "funding": {
            "total": float(card.money["total"]),
            "grants": card.money["grants"],
            "unrestricted_pct": card.money["flexible_share"],
            "multi_year_pct": card.money["multi_year_share"],
        },
        "answers_shown": card.decision.allowed,  # False: fewer than five answers in the cycle
        "needs": (
            {
                "initiatives": card.coverage.initiatives,
                "addressed_share": card.coverage.share,
                "elements": [
                    {"element": e.element, "in_need": e.in_need, "addressed": e.covered} for e in card.coverage.elements
                ],
            }
            if card.coverage is not None and card.coverage.shown
            else None
        ),
        "comments": [c.text for c in card.comments],
    }


@router.get("/feedback/summaries/{slug}", response={200: dict[str, Any], **ERRORS}, auth=read_auth)
def summary(request: HttpRequest, slug: str) -> dict[str, Any]:
    """A support actor's public summary, when it chose to publish one."""
    subject = directory_selectors.organisation_detail(slug)
    view = selectors.public_summary(subject)
    if view is None:
        raise MaillageError("not_found", _("This support actor publishes no summary of its feedback."))
    return {
        "support_actor": subject.slug,
        "cycle": view.cycle.slug if view.cycle else None,
        "answered": view.answered if view.ratings else None,  # a count below five says who may have answered
        "ratings": {q.code: _rating(r) for q, r in view.ratings},
        "response_fr": view.subject.feedback_summary.response_fr,
        "response_en": view.subject.feedback_summary.response_en,
    }


@router.get("/feedback/practices", response={200: dict[str, Any], **ERRORS}, auth=token_auth)
def practices(request: HttpRequest, cycle: str | None = None) -> dict[str, Any]:
    """Mean ratings of support actors with and without a practice (stewards): comparisons, not causes."""
    if not request.user.has_perm("feedback.compare_practices"):
        raise PermissionDenied
    found = _closed_cycle(cycle)
    rows, rated = selectors.practices(found)
    return {
        "cycle": found.slug,
        "support_actors_rated": rated,
        "comparisons": [
            {
                "practice": row.practice,
                "question": row.question,
                "mean_with": row.comparison.mean_with if row.comparison else None,
                "mean_without": row.comparison.mean_without if row.comparison else None,
                "with": len(row.comparison.with_practice) if row.comparison else None,
                "without": len(row.comparison.without) if row.comparison else None,
            }
            for row in rows
        ],
    }
