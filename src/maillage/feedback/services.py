"""Writes of the feedback app: cycles (open, remind, close), answers, comment review, summaries.

An answer is written in one transaction with the invitation marked answered, so that nothing is lost
or counted twice; but nothing written with the answer points back to the invitation, the organisation
or the moment. When a cycle closes, its answers are written again in a random order."""

from __future__ import annotations

import random
import re
import uuid
from collections import defaultdict
from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from maillage.accounts.models import Membership
from maillage.core import feedback as core
from maillage.core.errors import MaillageError, Problem
from maillage.core.text import french_spaces
from maillage.directory.models import Organisation, Relation
from maillage.matching.models import SupportRequest
from maillage.matching.services import members_of, notify

from . import selectors
from .models import GROUPS, OTHER_GROUP, Comment, Cycle, Invitation, PublicSummary, Question, Response, Result

MAX_HOURS = 5000  # hours applying or reporting for one support: more is a typing error
MAX_TEXT = 2000
REMINDER_GAP = timedelta(days=1)
_shuffle = random.SystemRandom().shuffle


def _path(name: str, *args: Any) -> str:
    with translation.override("fr"):
        return reverse(name, args=args)


def _steward(user: Any) -> None:
    if not user.has_perm("feedback.manage_cycles"):
        raise PermissionDenied


# --- cycles ----------------------------------------------------------------------------------------


def cycle_create(
    *, user: Any, slug: str, name_fr: str, name_en: str = "", year: int, closes_on: Any = None, is_demo: bool = False
) -> Cycle:
    if user is not None:
        _steward(user)
    problems = []
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,59}", slug or ""):
        problems.append(
            Problem("slug_invalid", _("Use lowercase letters, digits and hyphens (60 at most)."), field="slug")
        )
    elif Cycle.objects.filter(slug=slug).exists():
        problems.append(Problem("slug_taken", _("Another cycle already has this identifier."), field="slug"))
    if not (name_fr or "").strip():
        problems.append(Problem("name_missing", _("Give the cycle a name in French."), field="name_fr"))
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        problems.append(Problem("year_invalid", _("Give a year between 2000 and 2100."), field="year"))
    elif Cycle.objects.filter(year=year, is_demo=is_demo).exists():
        problems.append(
            Problem(
                "year_taken",
                _("A survey cycle already covers the support of %(year)s: the same support would be rated twice.")
                % {"year": year},
                field="year",
            )
        )
    if closes_on is not None and closes_on < timezone.localdate():
        problems.append(Problem("closes_on_past", _("The closing date is already past."), field="closes_on"))
    if problems:
        raise MaillageError("cycle_invalid", _("Some information is missing or not valid."), problems)
    try:
        with transaction.atomic():
            return Cycle.objects.create(
                slug=slug,
                name_fr=name_fr.strip(),
                name_en=(name_en or "").strip(),
                year=year,
                closes_on=closes_on,
                created_by=user,
                is_demo=is_demo,
            )
    except IntegrityError:
        raise MaillageError(
            "cycle_invalid",
            _("Some information is missing or not valid."),
            [Problem("slug_taken", _("Another cycle already has this identifier."), field="slug")],
        ) from None


def question_add(
    *,
    user: Any,
    cycle: Cycle,
    kind: str,
    text_fr: str,
    text_en: str,
    low_fr: str = "",
    low_en: str = "",
    high_fr: str = "",
    high_en: str = "",
) -> Question:
    """A question of the steward's own after the common ones, before the cycle opens (the answers
    given so far would not have it)."""
    _steward(user)
    if cycle.status != Cycle.Status.DRAFT:
        raise MaillageError("cycle_started", _("Questions can be added only before the cycle opens."))
    problems = []
    if kind not in Question.Kind.values:
        problems.append(Problem("kind_invalid", _("Choose a rating or an open comment."), field="kind"))
    if not (text_fr or "").strip():
        problems.append(Problem("text_missing", _("Write the question in French."), field="text_fr"))
    if not (text_en or "").strip():
        problems.append(Problem("text_missing", _("Write the question in English."), field="text_en"))
    if problems:
        raise MaillageError("question_invalid", _("Some information is missing or not valid."), problems)
    numbers = [int(code.removeprefix("added-")) for code in cycle.questions.values_list("code", flat=True)]
    position = max(numbers, default=0) + 1
    if kind == Question.Kind.TEXT:
        low_fr = low_en = high_fr = high_en = ""  # a comment has no scale
    return Question.objects.create(
        cycle=cycle,
        code=f"added-{position}",
        kind=kind,
        text_fr=text_fr.strip(),
        text_en=text_en.strip(),
        low_fr=low_fr.strip(),
        low_en=low_en.strip(),
        high_fr=high_fr.strip(),
        high_en=high_en.strip(),
        position=position,
    )


def question_remove(*, user: Any, question: Question) -> None:
    _steward(user)
    if question.cycle.status != Cycle.Status.DRAFT:
        raise MaillageError("cycle_started", _("Questions can be removed only before the cycle opens."))
    question.delete()


def invitations_sync(cycle: Cycle) -> int:
    """Invite each field actor that received support in the cycle's year to rate each support actor it
    received it from: an accepted request (any organisation carrying the initiative) or a funding or
    support relation of that year. Returns how many invitations were added."""
    pairs: dict[tuple[int, int], dict[str, Any]] = defaultdict(lambda: {"amount": Decimal(0), "fr": [], "en": []})
    demo = cycle.is_demo  # fictional cycles invite fictional organisations only, real ones real ones only
    # Once a cycle is open, only support asked for or declared before it opened, between organisations
    # that existed then, is added: nobody creates organisations or grants to answer in their name.
    cutoff = cycle.opened_at or timezone.now()
    requests = SupportRequest.objects.filter(
        status=SupportRequest.Status.ACCEPTED, answered_at__year=cycle.year, is_demo=demo, created_at__lt=cutoff
    ).prefetch_related("offer__providers", "initiative__carriers__organisation")
    for request in requests:
        for provider in request.offer.providers.all():
            for carrier in request.initiative.carriers.all():
                if (
                    provider.is_support_actor
                    and carrier.organisation_id != provider.pk
                    and provider.is_demo == demo
                    and carrier.organisation.is_demo == demo
                ):
                    pair = pairs[(carrier.organisation_id, provider.pk)]
                    pair["fr"].append(request.offer.name_fr)
                    pair["en"].append(request.offer.name_en or request.offer.name_fr)
    relations = Relation.objects.filter(
        year=cycle.year,
        kind__in=(Relation.Kind.FUNDS, Relation.Kind.SUPPORTS),
        source__is_support_actor=True,
        target__is_field_actor=True,
        is_demo=demo,
        source__is_demo=demo,
        target__is_demo=demo,
        created_at__lt=cutoff,
    )
    for source, target, kind, amount in relations.values_list("source_id", "target_id", "kind", "amount"):
        if source == target:
            continue
        pair = pairs[(target, source)]
        if amount:
            pair["amount"] += amount
        if kind == Relation.Kind.FUNDS:
            pair["fr"].append(f"financement {cycle.year}")
            pair["en"].append(f"funding {cycle.year}")
        else:
            pair["fr"].append(f"soutien {cycle.year}")
            pair["en"].append(f"support {cycle.year}")
    involved = {o for pair in pairs for o in pair}
    created = dict(Organisation.objects.filter(pk__in=involved).values_list("pk", "created_at"))
    people: dict[int, set[int]] = defaultdict(set)
    for organisation, user in Membership.objects.filter(organisation_id__in=involved).values_list(
        "organisation_id", "user_id"
    ):
        people[organisation].add(user)
    for organisation, subject in list(pairs):
        if (
            created.get(organisation, cutoff) >= cutoff
            or created.get(subject, cutoff) >= cutoff
            or people[organisation] & people[subject]  # nobody rates an organisation they belong to
        ):
            del pairs[(organisation, subject)]
    existing = set(Invitation.objects.filter(cycle=cycle).values_list("organisation_id", "subject_id"))
    new = [
        Invitation(
            cycle=cycle,
            organisation_id=organisation,
            subject_id=subject,
            amount=pair["amount"] or None,
            basis=", ".join(dict.fromkeys(pair["fr"]))[:300],
            basis_en=", ".join(dict.fromkeys(pair["en"]))[:300],
        )
        for (organisation, subject), pair in sorted(pairs.items())
        if (organisation, subject) not in existing
    ]
    Invitation.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def _invite_notice(cycle: Cycle, organisation_ids: set[int], *, reminder: bool) -> None:
    if cycle.is_demo:
        return  # fictional organisations have no people to tell
    organisations = Organisation.objects.filter(pk__in=organisation_ids)
    if reminder:
        fr = f"Rappel : le sondage « {cycle.name_fr} » attend encore vos réponses, anonymes."
        en = f"Reminder: the survey “{cycle.name_en or cycle.name_fr}” still awaits your anonymous answers."
    else:
        fr = (
            f"Sondage « {cycle.name_fr} » : dites, anonymement, ce que vous pensez du soutien reçu. "
            "Cinq minutes par bailleur."
        )
        en = (
            f"Survey “{cycle.name_en or cycle.name_fr}”: say, anonymously, what you think of the support you "
            "received. Five minutes per funder."
        )
    notify(members_of(organisations), fr=french_spaces(fr), en=en, url=_path("feedback:index"))


@transaction.atomic
def cycle_open(*, user: Any, cycle: Cycle) -> int:
    """Open a cycle: invite every organisation that received support that year, and tell them."""
    if user is not None:
        _steward(user)
    passed, cycle = cycle, Cycle.objects.select_for_update().get(pk=cycle.pk)
    if cycle.status != Cycle.Status.DRAFT:
        raise MaillageError("cycle_not_draft", _("Only a cycle in preparation can be opened."))
    added = invitations_sync(cycle)
    if not added:
        raise MaillageError(
            "nobody_to_invite",
            _(
                "Nobody received support in %(year)s (accepted requests or declared funding; fictional demo "
                "records are surveyed by demo cycles only): nobody to invite."
            )
            % {"year": cycle.year},
        )
    cycle.status = Cycle.Status.OPEN
    cycle.opened_at = timezone.now()
    cycle.save(update_fields=["status", "opened_at"])
    _invite_notice(
        cycle, set(Invitation.objects.filter(cycle=cycle).values_list("organisation_id", flat=True)), reminder=False
    )
    passed.refresh_from_db()
    return added


@transaction.atomic
def cycle_remind(*, user: Any, cycle: Cycle) -> tuple[int, int]:
    """Invite those who received support since the cycle opened, and remind those who have not answered.
    Returns (invitations added, organisations reminded)."""
    if user is not None:
        _steward(user)
    passed, cycle = cycle, Cycle.objects.select_for_update().get(pk=cycle.pk)
    if cycle.status != Cycle.Status.OPEN:
        raise MaillageError("cycle_not_open", _("Only an open cycle can send reminders."))
    if cycle.reminded_at is not None and timezone.now() - cycle.reminded_at < REMINDER_GAP:
        raise MaillageError(
            "reminded_recently", _("A reminder went out less than a day ago: wait before sending another.")
        )
    added = invitations_sync(cycle)
    waiting = set(Invitation.objects.filter(cycle=cycle, answered=False).values_list("organisation_id", flat=True))
    _invite_notice(cycle, waiting, reminder=True)
    cycle.reminded_at = timezone.now()
    cycle.reminders += 1
    cycle.save(update_fields=["reminded_at", "reminders"])
    passed.refresh_from_db()
    return added, len(waiting)


@transaction.atomic
def cycle_close(*, user: Any, cycle: Cycle) -> int:
    """Close a cycle: no more answers; its answers and comments are written again in a random order
    with new identifiers; the support actors rated are told their scorecard is ready. Returns the
    number of answers."""
    if user is not None:
        _steward(user)
    passed, cycle = cycle, Cycle.objects.select_for_update().get(pk=cycle.pk)
    if cycle.status != Cycle.Status.OPEN:
        raise MaillageError("cycle_not_open", _("Only an open cycle can be closed."))
    results_record(cycle)
    shuffle_answers(cycle)
    cycle.status = Cycle.Status.CLOSED
    cycle.closed_at = timezone.now()
    cycle.save(update_fields=["status", "closed_at"])
    rated = set(Response.objects.filter(cycle=cycle).values_list("subject_id", flat=True))
    if not cycle.is_demo and rated:
        notify(
            members_of(Organisation.objects.filter(pk__in=rated)),
            fr=french_spaces(f"Le sondage « {cycle.name_fr} » est clos : votre tableau de bord des retours est prêt."),
            en=f"The survey “{cycle.name_en or cycle.name_fr}” is closed: your feedback scorecard is ready.",
            url=_path("feedback:scorecards"),
        )
    passed.refresh_from_db()
    return Response.objects.filter(cycle=cycle).count()


def results_record(cycle: Cycle) -> None:
    """Count, once, each support actor's participation and burden in the closing cycle, and erase the
    comments about a support actor with fewer than five answers: they could never be shown, and a
    steward reading them would read a lone respondent.

    Answers are counted from the answers themselves (an organisation deleted while the cycle was open
    takes its invitation away, not its answer): the counts always agree with the ratings."""
    answered = selectors._answered(cycle)
    invited: dict[int, int] = defaultdict(int)
    groups: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for subject, kind in Invitation.objects.filter(cycle=cycle).values_list("subject_id", "organisation__kind"):
        invited[subject] += 1
        groups[subject][GROUPS.get(kind, OTHER_GROUP)] += 1
    subjects = set(invited) | set(answered)
    grants: dict[int, list[float]] = defaultdict(list)
    for source, amount in Relation.objects.filter(
        source_id__in=list(subjects), kind=Relation.Kind.FUNDS, year=cycle.year, amount__isnull=False
    ).values_list("source_id", "amount"):
        grants[source].append(float(amount))
    Result.objects.filter(cycle=cycle).delete()
    Result.objects.bulk_create(
        Result(
            cycle=cycle,
            subject_id=subject,
            invited=max(invited[subject], len(answered.get(subject, []))),
            answered=len(answered.get(subject, [])),
            hours_per_thousand=selectors.hours_per_thousand(answered.get(subject, []), grants.get(subject, [])),
            groups_invited=dict(groups[subject]),
        )
        for subject in sorted(subjects)
    )
    too_few = [subject for subject in subjects if len(answered.get(subject, [])) < selectors.THRESHOLD]
    Comment.objects.filter(cycle=cycle, subject_id__in=too_few).delete()


def shuffle_answers(cycle: Cycle) -> None:
    """Write the cycle's responses and comments again, in a random order, with new identifiers."""
    for model in (Response, Comment):
        rows = list(model.objects.filter(cycle=cycle))
        model.objects.filter(cycle=cycle).delete()
        for row in rows:
            row.pk = uuid.uuid4()
        _shuffle(rows)
        model.objects.bulk_create(rows)


# --- answers ---------------------------------------------------------------------------------------


def _clean_answers(cycle: Cycle, raw: Mapping[str, Any]) -> tuple[dict[str, float], dict[str, str]]:
    """Ratings and hours (by question), and comments, checked against the cycle's survey."""
    questions = selectors.survey_questions(cycle)
    known = {q.code for q in questions}
    problems = [
        Problem("question_unknown", _("This question is not in the survey."), field=str(code))
        for code in raw
        if code not in known
    ]
    values: dict[str, float] = {}
    comments: dict[str, str] = {}
    for question in questions:
        value = raw.get(question.code)
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if question.kind == "text":
            if not isinstance(value, str):
                problems.append(Problem("text_invalid", _("Write a text."), field=question.code))
            elif "\x00" in value:
                problems.append(
                    Problem(
                        "null_character", _("Text cannot contain the NUL character (\\u0000)."), field=question.code
                    )
                )
            elif len(value.strip()) > MAX_TEXT:
                problems.append(
                    Problem(
                        "text_too_long",
                        _("Write %(max)s characters at most.") % {"max": number_format(MAX_TEXT, force_grouping=True)},
                        field=question.code,
                    )
                )
            else:
                comments[question.code] = value.strip()
            continue
        try:
            number = float(str(value).replace(",", ".").strip()) if not isinstance(value, bool) else None
        except ValueError:
            number = None
        if question.kind == "scale":
            if number is None or number not in core.SCALE:
                problems.append(Problem("rating_invalid", _("Choose a rating from 1 to 7."), field=question.code))
            else:
                values[question.code] = int(number)
        elif number is None or not 0 <= number <= MAX_HOURS or number != number:
            problems.append(
                Problem(
                    "hours_invalid",
                    _("Give a number of hours between 0 and %(max)s.")
                    % {"max": number_format(MAX_HOURS, force_grouping=True)},
                    field=question.code,
                )
            )
        else:
            values[question.code] = round(number, 1)
    if not problems and not values and not comments:
        problems.append(Problem("answers_missing", _("Answer at least one question.")))
    if problems:
        raise MaillageError("answers_invalid", _("Some answers are not valid."), problems)
    return values, comments


@transaction.atomic
def response_submit(*, user: Any, invitation: Invitation, answers: Mapping[str, Any]) -> None:
    """Record an organisation's answers about a support actor, once, with nothing that leads back to it."""
    if not user.has_perm("feedback.answer_invitation", invitation):
        raise PermissionDenied
    invitation = Invitation.objects.select_for_update().select_related("cycle", "organisation").get(pk=invitation.pk)
    if invitation.cycle.status != Cycle.Status.OPEN:
        raise MaillageError("cycle_not_open", _("This survey is closed: answers are no longer accepted."))
    if invitation.answered:
        raise MaillageError("already_answered", _("Your organisation has already answered this survey."))
    values, comments = _clean_answers(invitation.cycle, answers)
    Response.objects.create(
        cycle=invitation.cycle,
        subject_id=invitation.subject_id,
        respondent_group=GROUPS.get(invitation.organisation.kind, OTHER_GROUP),
        answers=values,
    )
    for code, text in comments.items():
        Comment.objects.create(cycle=invitation.cycle, subject_id=invitation.subject_id, question=code, text=text)
    invitation.answered = True
    invitation.save(update_fields=["answered"])


# --- comments ----------------------------------------------------------------------------------------


@transaction.atomic
def comment_review(*, user: Any, comment: Comment, decision: str, text: str = "") -> Comment:
    """Publish a comment once identifying details are removed (the steward's edited text replaces the
    original), or set it aside (its text is erased)."""
    if not user.has_perm("feedback.moderate_comments"):
        raise PermissionDenied
    comment = Comment.objects.select_for_update().select_related("cycle").get(pk=comment.pk)
    if comment.cycle.status != Cycle.Status.CLOSED:
        raise MaillageError("cycle_not_closed", _("Comments are reviewed once the cycle is closed."))
    if comment.status != Comment.Status.PENDING:
        raise MaillageError("comment_reviewed", _("This comment has already been reviewed."))
    if decision == "publish":
        cleaned = (text or "").strip()
        if not cleaned:
            raise MaillageError(
                "comment_invalid",
                _("Some information is missing or not valid."),
                [Problem("text_missing", _("Write the comment to publish."), field="text")],
            )
        if len(cleaned) > MAX_TEXT or "\x00" in cleaned:
            raise MaillageError(
                "comment_invalid",
                _("Some information is missing or not valid."),
                [
                    Problem(
                        "text_too_long",
                        _("Write %(max)s characters at most.") % {"max": number_format(MAX_TEXT, force_grouping=True)},
                        field="text",
                    )
                ],
            )
        comment.text = cleaned
        comment.status = Comment.Status.PUBLISHED
    elif decision == "reject":
        comment.text = ""
        comment.status = Comment.Status.REJECTED
    else:
        raise MaillageError("decision_invalid", _("Publish the comment or set it aside."))
    comment.save(update_fields=["text", "status"])
    return comment


# --- public summaries -----------------------------------------------------------------------------


def summary_update(
    *, user: Any, organisation: Organisation, is_published: bool, response_fr: str = "", response_en: str = ""
) -> PublicSummary:
    if not user.has_perm("feedback.publish_summary", organisation):
        raise PermissionDenied
    problems = [
        Problem(
            "text_too_long",
            _("Write %(max)s characters at most.") % {"max": number_format(MAX_TEXT, force_grouping=True)},
            field=name,
        )
        for name, value in (("response_fr", response_fr), ("response_en", response_en))
        if len(value or "") > MAX_TEXT
    ]
    if problems:
        raise MaillageError("summary_invalid", _("Some information is missing or not valid."), problems)
    summary, _created = PublicSummary.objects.update_or_create(
        organisation=organisation,
        defaults={
            "is_published": bool(is_published),
            "response_fr": (response_fr or "").strip(),
            "response_en": (response_en or "").strip(),
            "updated_by": user,
        },
    )
    return summary
