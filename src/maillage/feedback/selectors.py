"""Reads of the feedback app: the survey of a cycle, a person's invitations, scorecards, practices.

Results come from closed cycles only, and through :mod:`maillage.core.feedback`: a rating with fewer
than five answers, or a slice that would isolate respondents by difference, is never computed into
a page."""

from __future__ import annotations

import hashlib
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from maillage.accounts.models import Membership
from maillage.accounts.selectors import memberships_by_organisation
from maillage.common.i18n import current_language
from maillage.core import feedback as core
from maillage.core.errors import MaillageError
from maillage.diagnostics import selectors as diagnostic_selectors
from maillage.diagnostics.models import Diagnostic
from maillage.directory.models import InitiativeCarrier, Organisation, Relation, SupportOffer
from maillage.matching.models import SupportRequest
from maillage.matching.selectors import covers_of

from .models import Comment, Cycle, Invitation, PublicSummary, Question, Response, Result

THRESHOLD = core.THRESHOLD
MIN_PEERS = 5  # a percentile among fewer peers would be a comparison with named competitors
DIMENSIONS = ("group",)  # how results may be sliced: the respondents' broad group of organisations
GROUP_VALUES = ("community", "enterprise", "other")
HOURS = ("hours-applying", "hours-reporting")


@dataclass(frozen=True)
class SurveyQuestion:
    """One question of a cycle's survey: a common one or one a steward added."""

    code: str
    kind: str  # "scale", "hours", "text"
    text: str
    low: str = ""
    high: str = ""
    added: bool = False


def survey_questions(cycle: Cycle | None, language: str | None = None) -> list[SurveyQuestion]:
    language = language or current_language()
    common = [
        SurveyQuestion(
            q.id,
            q.kind,
            q.text(language),
            q.low_en if language == "en" else q.low_fr,
            q.high_en if language == "en" else q.high_fr,
        )
        for q in core.QUESTIONS
    ]
    if cycle is None:
        return common
    added = [
        SurveyQuestion(
            q.code,
            q.kind,
            q.text_en if language == "en" and q.text_en else q.text_fr,
            (q.low_en if language == "en" else q.low_fr) or q.low_fr,
            (q.high_en if language == "en" else q.high_fr) or q.high_fr,
            added=True,
        )
        for q in cycle.questions.all()
    ]
    # Comments last: the added ratings go with the common ones.
    return (
        [q for q in common if q.kind != "text"]
        + [q for q in added if q.kind != "text"]
        + [q for q in common if q.kind == "text"]
        + [q for q in added if q.kind == "text"]
    )


# --- cycles and invitations ------------------------------------------------------------------------


def cycle_get(slug: str) -> Cycle:
    cycle = Cycle.objects.filter(slug=slug).prefetch_related("questions").first() if slug else None
    if cycle is None:
        raise MaillageError("not_found", _("There is no such survey cycle."))
    return cycle


def cycles() -> list[Cycle]:
    """Every cycle with ``invited`` and ``answered``: as counted at closing for a closed cycle."""
    found = list(
        Cycle.objects.annotate(
            live_invited=Count("invitations", distinct=True),
            live_answered=Count("invitations", filter=Q(invitations__answered=True), distinct=True),
        ).order_by("-year", "-created_at", "-id")
    )
    closed = {
        row["cycle"]: row
        for row in Result.objects.values("cycle").annotate(invited=Sum("invited"), answered=Sum("answered"))
    }
    for cycle in found:
        row = closed.get(cycle.pk) if cycle.status == Cycle.Status.CLOSED else None
        cycle.invited = row["invited"] if row else (0 if cycle.status == Cycle.Status.CLOSED else cycle.live_invited)
        cycle.answered = row["answered"] if row else (0 if cycle.status == Cycle.Status.CLOSED else cycle.live_answered)
    return found


def closed_cycles(subject: Organisation | None = None) -> list[Cycle]:
    """Closed cycles, real ones first, latest first; for a support actor, those where someone answered
    about it (fictional cycles for the demo's fictional support actors, real ones for the others)."""
    cycles = Cycle.objects.filter(status=Cycle.Status.CLOSED)
    if subject is not None:
        cycles = cycles.filter(results__subject=subject, results__answered__gt=0, is_demo=subject.is_demo)
    return list(cycles.order_by("is_demo", "-year", "-closed_at", "-id").distinct())


def closed_cycle(wanted: str | None, closed: list[Cycle]) -> Cycle | None:
    """The closed cycle asked for (an error when there is none by that identifier), or the first of
    ``closed`` (None when nothing is closed yet)."""
    if not wanted:
        return closed[0] if closed else None
    found = next((c for c in closed if c.slug == wanted), None)
    if found is None:
        raise MaillageError("not_found", _("There is no closed survey cycle with this identifier."))
    return found


def latest_closed() -> Cycle | None:
    """The latest closed cycle, a real one when there is any."""
    return Cycle.objects.filter(status=Cycle.Status.CLOSED).order_by("is_demo", "-year", "-closed_at", "-id").first()


def invitation_get(pk: int | str) -> Invitation:
    invitation = (
        Invitation.objects.select_related("cycle", "organisation", "subject").filter(pk=pk).first()
        if str(pk).isdigit()
        else None
    )
    if invitation is None:
        raise MaillageError("not_found", _("There is no such invitation."))
    return invitation


def my_invitations(user: Any) -> list[Invitation]:
    """The invitations of the person's organisations in open cycles, those to answer first."""
    organisations = list(memberships_by_organisation(user))
    if not organisations:
        return []
    found = (
        Invitation.objects.filter(organisation_id__in=organisations, cycle__status=Cycle.Status.OPEN)
        .exclude(subject_id__in=organisations)
        .select_related("cycle", "organisation", "subject")
        .order_by("answered", "cycle__closes_on", "organisation__sort_key", "subject__sort_key", "id")
    )
    since = dict(Membership.objects.filter(user=user).values_list("organisation_id", "created_at"))
    return [i for i in found if i.cycle.opened_at is None or since[i.organisation_id] < i.cycle.opened_at]


@dataclass(frozen=True)
class Participation:
    subject: Organisation
    invited: int
    answered: int


def participation(cycle: Cycle) -> list[Participation]:
    """Per support actor: how many organisations were invited and how many answered (never which);
    for a closed cycle, as counted at its closing."""
    rows: Any
    if cycle.status == Cycle.Status.CLOSED:
        rows = Result.objects.filter(cycle=cycle).values("subject", "invited", "answered")
    else:
        rows = (
            Invitation.objects.filter(cycle=cycle)
            .values("subject")
            .annotate(invited=Count("id"), answered=Count("id", filter=Q(answered=True)))
        )
    subjects = Organisation.objects.in_bulk([r["subject"] for r in rows])
    return sorted(
        (Participation(subjects[r["subject"]], r["invited"], r["answered"]) for r in rows),
        key=lambda p: (-p.answered, p.subject.sort_key),
    )


def subjects_of(organisations: Iterable[int]) -> list[Organisation]:
    """The support actors among these organisations (whose scorecards the person reads)."""
    return list(Organisation.objects.filter(pk__in=list(organisations), is_support_actor=True).order_by("sort_key"))


# --- scorecards ----------------------------------------------------------------------------------------


def _answered(cycle: Cycle, subject_ids: Any = None) -> dict[int, list[core.Answered]]:
    responses = Response.objects.filter(cycle=cycle)
    if subject_ids is not None:
        responses = responses.filter(
            subject_id__in=subject_ids if isinstance(subject_ids, QuerySet) else list(subject_ids)
        )
    found: dict[int, list[core.Answered]] = defaultdict(list)
    for subject_id, group, answers in responses.values_list("subject_id", "respondent_group", "answers"):
        values = {k: v for k, v in answers.items() if isinstance(v, int | float) and not isinstance(v, bool)}
        if all(code in values for code in HOURS):
            values["hours-total"] = sum(values[code] for code in HOURS)
        found[subject_id].append(core.Answered({"group": group}, values))
    return found


def _scales(questions: Iterable[SurveyQuestion]) -> dict[str, range | None]:
    scales: dict[str, range | None] = {q.code: (core.SCALE if q.kind == "scale" else None) for q in questions}
    scales["hours-total"] = None
    return scales


@dataclass
class QuestionRow:
    question: SurveyQuestion
    rating: core.Rating | None
    refused: core.Decision | None = None
    percentile: float | None = None
    peers: int = 0

    @property
    def bars(self) -> list[dict[str, Any]]:
        """The distribution as bars: the share of answers at each point of the scale."""
        if self.rating is None or not self.rating.distribution:
            return []
        total = sum(self.rating.distribution) or 1
        tallest = max(self.rating.distribution) or 1
        bars = []
        for point, count in zip(core.SCALE, self.rating.distribution, strict=True):
            height = round(22 * count / tallest, 2)  # drawn in a 70 × 24 box, the tallest bar full height
            bars.append(
                {
                    "point": point,
                    "count": count,
                    "share": 100 * count / total,
                    "x": 10 * (point - 1) + 1,
                    "y": round(24 - height, 2),
                    "height": height,
                }
            )
        return bars


@dataclass
class Scorecard:
    groups_offered: bool  # every group counts five organisations invited or none
    cycle: Cycle
    subject: Organisation
    query: dict[str, str]
    invited: int
    answered: int
    decision: core.Decision
    rows: list[QuestionRow]
    money: dict[str, Any]
    coverage: core.Coverage | None  # None: not for this reader
    comments: list[Comment] = field(default_factory=list)
    comments_withheld: bool = False
    comments_pending: int = 0
    hours_per_thousand: float | None = None  # median hours applying and reporting / median grant × 1,000
    hours_percentile: float | None = None  # share of peers it is lighter than (ties half)
    hours_peers: int = 0
    hours_lighter: int = 0  # peers it is lighter than
    hours_heavier: int = 0  # peers it is heavier than
    hours_rows: list[QuestionRow] = field(default_factory=list)  # all respondents, whatever the slice

    @property
    def scale_rows(self) -> list[QuestionRow]:
        return [r for r in self.rows if r.question.kind == "scale"]


def overall_means(cycle: Cycle, codes: Iterable[str], kind: str | None = None) -> dict[int, dict[str, float]]:
    """Every support actor's shown mean per question in a closed cycle (all respondents), for peer
    ranks and practices. ``kind`` keeps the support actors of one kind of organisation.

    A closed cycle's answers never change: the result is cached under the cycle and its closing time."""
    codes = list(codes)
    key = None
    if cycle.status == Cycle.Status.CLOSED and cycle.closed_at is not None:
        stamp = f"{cycle.pk}:{cycle.closed_at.timestamp()}:{kind}:{','.join(codes)}"
        key = "feedback-means:" + hashlib.sha256(stamp.encode()).hexdigest()
        found = cache.get(key)
        if found is not None:
            return dict(found)
    subjects = Organisation.objects.filter(is_support_actor=True)
    if kind is not None:
        subjects = subjects.filter(kind=kind)
    answered = _answered(cycle, subjects.values("pk"))
    means: dict[int, dict[str, float]] = {}
    for subject_id, responses in answered.items():
        result = core.slice_ratings(responses, codes, {}, scales=dict.fromkeys(codes))
        means[subject_id] = {
            code: rating.mean for code, rating in result.ratings.items() if rating.shown and rating.mean is not None
        }
    if key is not None:
        cache.set(key, means, 24 * 3600)
    return means


def parse_query(params: Any) -> dict[str, str]:
    """The slice asked for, from a query string: only the known dimensions and values."""
    value = (params.get("group") or "").strip()
    return {"group": value} if value in GROUP_VALUES else {}


def scorecard(
    subject: Organisation, cycle: Cycle, query: dict[str, str] | None = None, *, with_needs: bool = True
) -> Scorecard:
    """A support actor's scorecard in a closed cycle, for the respondents of ``query`` (all by default).

    ``with_needs`` adds the needs of the initiatives supported, drawn from the diagnostics they shared
    with the support actor: for its own members only (others may not read those diagnostics)."""
    query = dict(query or {})
    questions = [q for q in survey_questions(cycle) if q.kind != "text"]
    responses = _answered(cycle, [subject.pk]).get(subject.pk, [])
    codes = [q.code for q in questions]
    counts = Result.objects.filter(cycle=cycle, subject=subject).first()
    invited_groups = counts.groups_invited if counts else {}
    groups_offered = bool(invited_groups) and not any(0 < n < THRESHOLD for n in invited_groups.values())
    if query and any(0 < n < THRESHOLD for n in invited_groups.values()):
        # A group with one to four organisations invited: a refusal or not would tell who answered.
        result = core.SliceResult(core.Decision(False, 0, "groups_small", "group"), {}, {})
    else:
        result = core.slice_ratings(responses, codes, query, scales=_scales(questions))
    own = core.slice_ratings(responses, codes, {}, scales=_scales(questions)).ratings
    peers = {pk: means for pk, means in overall_means(cycle, codes, kind=subject.kind).items() if pk != subject.pk}

    def row(question: SurveyQuestion) -> QuestionRow:
        line = QuestionRow(question, result.ratings.get(question.code), result.refused.get(question.code))
        mine = own.get(question.code)
        others = [m[question.code] for m in peers.values() if question.code in m]
        if question.kind == "scale" and mine is not None and mine.mean is not None and len(others) >= MIN_PEERS:
            line.percentile = core.percentile_rank(mine.mean, others)
            line.peers = len(others)
        return line

    card = Scorecard(
        groups_offered=groups_offered,
        cycle=cycle,
        subject=subject,
        query=query,
        invited=counts.invited if counts else 0,
        answered=counts.answered if counts else 0,
        decision=result.decision,
        rows=[row(q) for q in questions],
        money=money_shares(subject, cycle.year),
        coverage=needs_coverage(subject, cycle.year) if with_needs else None,
        comments_withheld=len(responses) < THRESHOLD,
        hours_rows=[QuestionRow(q, own.get(q.code)) for q in questions if q.kind == "hours"],
    )
    if counts is not None and counts.hours_per_thousand is not None:
        card.hours_per_thousand = counts.hours_per_thousand
        others = list(
            Result.objects.filter(cycle=cycle, subject__kind=subject.kind, hours_per_thousand__isnull=False)
            .exclude(subject=subject)
            .values_list("hours_per_thousand", flat=True)
        )
        if len(others) >= MIN_PEERS:
            card.hours_percentile = core.percentile_rank(-counts.hours_per_thousand, [-o for o in others])
            card.hours_peers = len(others)
            card.hours_lighter = sum(1 for o in others if o > counts.hours_per_thousand)
            card.hours_heavier = sum(1 for o in others if o < counts.hours_per_thousand)
    if not card.comments_withheld and not query:
        comments = Comment.objects.filter(cycle=cycle, subject=subject)
        card.comments = list(comments.filter(status=Comment.Status.PUBLISHED).order_by("id"))
        card.comments_pending = comments.filter(status=Comment.Status.PENDING).count()
    return card


def hours_per_thousand(responses: list[core.Answered], grants: list[float]) -> float | None:
    """Median hours applying and reporting (respondents who gave both) per $1,000 of the median grant:
    from five answers and a grant, else None. Computed from the answers and the declared grants
    separately, so that no answer is ever paired with an amount."""
    totals = [r.answers["hours-total"] for r in responses if "hours-total" in r.answers]
    positive = [g for g in grants if g > 0]
    if len(totals) < THRESHOLD or not positive:
        return None
    return core.hours_per_thousand(statistics.median(totals), statistics.median(positive))


AGGREGATE_HEADER = (
    "cycle",
    "support_actor",
    "slice",
    "question",
    "answers",
    "mean",
    "median",
    *[f"answered_{p}" for p in core.SCALE],
    "percentile_among_peers",
    "peers",
)
HOURS_HEADER = ("cycle", "support_actor", "hours_per_thousand", "lighter_than_peers_pct", "peers")


def aggregate_rows(card: Scorecard) -> list[list[Any]]:
    """The scorecard's figures for a CSV file, one row per question shown: aggregates only, never an
    answer, nothing from fewer than five. Percentiles only for the ratings (higher is better)."""
    label = ";".join(f"{k}={v}" for k, v in sorted(card.query.items()))
    rows = []
    for row in card.rows:
        rating = row.rating
        if rating is None or not rating.shown:
            continue
        rows.append(
            [
                card.cycle.slug,
                card.subject.slug,
                label,
                row.question.code,
                rating.count,
                rating.mean,
                rating.median,
                *(list(rating.distribution) or [None] * len(core.SCALE)),
                row.percentile,
                row.peers or None,
            ]
        )
    return rows


def money_shares(subject: Organisation, year: int) -> dict[str, Any]:
    """The support actor's funding that year (public relations): total, unrestricted and multi-year shares."""
    return money_shares_of([subject.pk], year).get(subject.pk) or _shares(None)


def money_shares_of(subject_ids: Iterable[int], year: int) -> dict[int, dict[str, Any]]:
    """:func:`money_shares` of several support actors in one query."""
    rows = (
        Relation.objects.filter(
            source_id__in=list(subject_ids), kind=Relation.Kind.FUNDS, year=year, amount__isnull=False
        )
        .values("source_id")
        .annotate(
            total=Sum("amount"),
            grants=Count("id"),
            flexible=Sum("amount", filter=Q(is_flexible=True)),
            multi_year=Sum("amount", filter=Q(is_multi_year=True)),
        )
    )
    return {row["source_id"]: _shares(row) for row in rows}


def _shares(row: dict[str, Any] | None) -> dict[str, Any]:
    total = (row or {}).get("total") or Decimal(0)
    return {
        "total": total,
        "grants": (row or {}).get("grants", 0),
        "flexible_share": float(100 * (row["flexible"] or 0) / total) if row and total else None,
        "multi_year_share": float(100 * (row["multi_year"] or 0) / total) if row and total else None,
    }


def supported_initiatives(subject: Organisation, year: int) -> list[core.Supported]:
    """The initiatives the support actor supported that year and that shared a diagnostic with it
    (when asking for its support): what their latest shared diagnostic says they need, and how much of
    each need its support addresses (the coverage of the offer granted, as baskets count it; for a
    grant made outside Maillage, the best coverage among its offers). Only diagnostics the support
    actor may already read are used: nothing private is drawn from the others."""
    framework = diagnostic_selectors.current_framework()
    if framework is None:
        return []
    parsed = diagnostic_selectors.framework_of(framework)
    offers = list(
        SupportOffer.objects.filter(providers=subject).select_related("support_type").prefetch_related("covers")
    )
    offer_covers = {offer.pk: covers_of(offer, parsed)[0] for offer in offers}
    any_offer: dict[str, float] = {}
    for covers in offer_covers.values():
        for element, strength in covers.items():
            any_offer[element] = max(any_offer.get(element, 0.0), strength)
    covered: dict[int, dict[str, float]] = {}
    for initiative_id, offer_id in SupportRequest.objects.filter(
        status=SupportRequest.Status.ACCEPTED, offer__providers=subject, answered_at__year=year
    ).values_list("initiative_id", "offer_id"):
        mine = covered.setdefault(initiative_id, {})
        for element, strength in offer_covers.get(offer_id, {}).items():
            mine[element] = max(mine.get(element, 0.0), strength)
    funded = Relation.objects.filter(source=subject, kind=Relation.Kind.FUNDS, year=year).values("target_id")
    for initiative_id in InitiativeCarrier.objects.filter(organisation_id__in=funded).values_list(
        "initiative_id", flat=True
    ):
        covered.setdefault(initiative_id, dict(any_offer))
    shared: dict[int, Any] = {}
    for diagnostic in (
        Diagnostic.objects.filter(
            initiative_id__in=list(covered), status=Diagnostic.Status.SUBMITTED, shares__organisation=subject
        )
        .order_by("initiative_id", "-submitted_at")
        .only("id", "initiative_id", "result", "submitted_at")
    ):
        shared.setdefault(diagnostic.initiative_id, diagnostic)
    carriers: dict[int, set[str]] = defaultdict(set)
    for initiative_id, organisation in InitiativeCarrier.objects.filter(initiative_id__in=list(shared)).values_list(
        "initiative_id", "organisation__slug"
    ):
        carriers[initiative_id].add(organisation)
    supported = []
    for initiative_id, diagnostic in shared.items():
        result = diagnostic_selectors.result_of(diagnostic)
        if result is not None:
            supported.append(
                core.Supported(frozenset(carriers[initiative_id]), result.needs_map(), covered[initiative_id])
            )
    return supported


def needs_coverage(subject: Organisation, year: int) -> core.Coverage:
    return core.needs_coverage(supported_initiatives(subject, year))


@dataclass(frozen=True)
class Trend:
    cycle: Cycle
    answered: int
    means: dict[str, float]  # question → mean, when shown


def trends(subject: Organisation) -> list[Trend]:
    """The support actor's overall means across closed cycles, oldest first."""
    found = []
    for cycle in reversed(closed_cycles(subject)):
        responses = _answered(cycle, [subject.pk]).get(subject.pk, [])
        if not responses:
            continue
        codes = [q.code for q in survey_questions(cycle) if q.kind == "scale" and not q.added]
        ratings = core.slice_ratings(responses, codes, {}).ratings
        found.append(
            Trend(
                cycle,
                len(responses),
                {c: r.mean for c, r in ratings.items() if r.shown and r.mean is not None},
            )
        )
    return found


# --- what stewards see across the ecosystem ------------------------------------------------------------


def pending_comments(cycle: Cycle | None = None, subject: Organisation | None = None) -> QuerySet[Comment]:
    """Comments of closed cycles to review (during a cycle, the order they arrive in would tell)."""
    comments = Comment.objects.filter(status=Comment.Status.PENDING, cycle__status=Cycle.Status.CLOSED)
    if cycle is not None:
        comments = comments.filter(cycle=cycle)
    if subject is not None:
        comments = comments.filter(subject=subject)
    return comments.select_related("cycle", "subject").order_by("cycle__year", "subject__sort_key", "id")


def closing_preview(cycle: Cycle) -> dict[str, Any]:
    """What closing a cycle now would do: answers, support actors left without results (fewer than
    five answers) and comments erased unread with them, and whether it closes before its planned date."""
    answered = dict(
        Response.objects.filter(cycle=cycle).values("subject").annotate(n=Count("id")).values_list("subject", "n")
    )
    subjects = set(Invitation.objects.filter(cycle=cycle).values_list("subject_id", flat=True)) | set(answered)
    too_few = [s for s in subjects if answered.get(s, 0) < THRESHOLD]
    return {
        "answered": sum(answered.values()),
        "subjects": len(subjects),
        "without_results": len(too_few),
        "comments_erased": Comment.objects.filter(cycle=cycle, subject_id__in=too_few).count(),
        "early": cycle.closes_on is not None and timezone.localdate() < cycle.closes_on,
    }


def pending_by_subject() -> list[tuple[Organisation, int]]:
    """The support actors with comments to review, and how many."""
    rows = pending_comments().order_by().values("subject").annotate(n=Count("id"))
    subjects = Organisation.objects.in_bulk([r["subject"] for r in rows])
    return sorted(((subjects[r["subject"]], r["n"]) for r in rows), key=lambda item: item[0].sort_key)


def comment_get(pk: str) -> Comment:
    import uuid

    try:
        key = uuid.UUID(str(pk))
    except ValueError:
        key = None
    comment = Comment.objects.select_related("cycle", "subject").filter(pk=key).first() if key else None
    if comment is None:
        raise MaillageError("not_found", _("There is no such comment."))
    return comment


PRACTICES = ("flexible", "multi_year", "light_reporting")
COMPARED = ("relationship", "fit", "flexibility", "impact-organisation", "recommend")


@dataclass(frozen=True)
class PracticeRow:
    practice: str
    question: str
    comparison: core.Comparison | None


def split_at_median(values: dict[str, float]) -> dict[str, bool]:
    """Who is above the median; when ties at the top leave nobody above it, who is at it or above."""
    middle = statistics.median(list(values.values()))
    above = {key: value > middle for key, value in values.items()}
    if not any(above.values()):
        above = {key: value >= middle for key, value in values.items()}
    return above


def practices(cycle: Cycle) -> tuple[list[PracticeRow], int]:
    """Ratings of support actors with and without a practice, in a closed cycle: comparisons, not causes.

    Each practice splits the support actors rated at the median among them:

    - flexible: its share of unrestricted funding that year is above the median;
    - multi-year: its share of multi-year funding is above the median;
    - light reporting: its respondents' median hours per $1,000 is below the median."""
    rated = {pk: m for pk, m in overall_means(cycle, COMPARED).items() if m}
    has: dict[str, dict[str, bool]] = {p: {} for p in PRACTICES}
    figures: dict[str, dict[str, float]] = {p: {} for p in PRACTICES}
    shares = money_shares_of(rated, cycle.year)
    for pk in rated:
        money = shares.get(pk) or _shares(None)
        if money["flexible_share"] is not None:
            figures["flexible"][str(pk)] = money["flexible_share"]
            figures["multi_year"][str(pk)] = money["multi_year_share"]
    for pk, ratio in Result.objects.filter(
        cycle=cycle, subject_id__in=list(rated), hours_per_thousand__isnull=False
    ).values_list("subject_id", "hours_per_thousand"):
        figures["light_reporting"][str(pk)] = -ratio  # lighter is more
    for practice, values in figures.items():
        if values:
            has[practice] = split_at_median(values)
    rows = []
    for practice in PRACTICES:
        for question in COMPARED:
            values = {str(pk): m[question] for pk, m in rated.items() if question in m}
            rows.append(PracticeRow(practice, question, core.compare_practice(practice, has[practice], values)))
    return rows, len(rated)


# --- public summaries ----------------------------------------------------------------------------------

HEADLINE = ("impact-organisation", "relationship", "fit", "flexibility", "recommend")
HEADLINE_LABELS = {  # what the public reads: statements about the support, not questions to respondents
    "impact-organisation": gettext_lazy("Effect on the organisations supported"),
    "relationship": gettext_lazy("Relationship and responsiveness"),
    "fit": gettext_lazy("Fit with their real needs"),
    "flexibility": gettext_lazy("Flexibility in using the support"),
    "recommend": gettext_lazy("Would recommend it"),
}


@dataclass(frozen=True)
class PublicView:
    subject: Organisation
    cycle: Cycle | None
    answered: int
    ratings: list[tuple[SurveyQuestion, core.Rating]]
    response: str
    response_language: str  # the language the response is written in (French when no English one)


def public_summaries(offer: SupportOffer) -> list[PublicView]:
    """The published summaries of the offer's providers: their latest closed cycle's headline ratings
    (those with five answers or more) and their response."""
    summaries = PublicSummary.objects.filter(organisation__in=offer.providers.all(), is_published=True).select_related(
        "organisation"
    )
    return [summary for s in summaries if (summary := public_summary(s.organisation, s)) is not None]


def public_summary(subject: Organisation, summary: PublicSummary | None = None) -> PublicView | None:
    summary = summary or PublicSummary.objects.filter(organisation=subject, is_published=True).first()
    if summary is None or not summary.is_published:
        return None
    cycle = (
        Cycle.objects.filter(status=Cycle.Status.CLOSED, responses__subject=subject)
        .order_by("-year", "-closed_at", "-id")
        .first()
    )
    ratings: list[tuple[SurveyQuestion, core.Rating]] = []
    answered = 0
    if cycle is not None:
        responses = _answered(cycle, [subject.pk]).get(subject.pk, [])
        answered = len(responses)
        result = core.slice_ratings(responses, HEADLINE, {})
        questions = {q.code: q for q in survey_questions(cycle)}
        ratings = [
            (SurveyQuestion(c, "scale", str(HEADLINE_LABELS[c])), r)
            for c, r in result.ratings.items()
            if r.shown and c in questions
        ]
    english = current_language() == "en" and bool(summary.response_en)
    return PublicView(
        subject, cycle, answered, ratings, summary.response, "en" if english or not summary.response_fr else "fr"
    )


def summary_of(organisation: Organisation) -> PublicSummary | None:
    return PublicSummary.objects.filter(organisation=organisation).first()


def added_questions(cycle: Cycle) -> QuerySet[Question]:
    return cycle.questions.all()
