"""Feedback pages: a field actor's surveys, a support actor's scorecard, and the stewards' cycles,
comment review and practice comparisons. Thin: check, call one service or selector, render."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST

from maillage.accounts.selectors import memberships_by_organisation
from maillage.common.errors import add_to_form
from maillage.common.i18n import current_language
from maillage.common.views import NotFound, get_allowed, get_or_404
from maillage.core.errors import MaillageError
from maillage.diagnostics import selectors as diagnostic_selectors
from maillage.directory import selectors as directory_selectors

from . import selectors, services
from .forms import CommentReviewForm, CycleForm, QuestionForm, SummaryForm, SurveyForm
from .models import Cycle

PAGE = 50  # comments on the review page at once


def _steward_only(request: HttpRequest, perm: str = "feedback.manage_cycles") -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


# --- field actors ---------------------------------------------------------------------------------


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The person's surveys to answer, and the scorecards and tools their roles open."""
    invitations = selectors.my_invitations(request.user)
    subjects = selectors.subjects_of(memberships_by_organisation(request.user))
    return render(
        request,
        "feedback/index.html",
        {
            "waiting": [i for i in invitations if not i.answered],
            "answered": [i for i in invitations if i.answered],
            "subjects": subjects,
            "is_steward": request.user.has_perm("feedback.manage_cycles"),
            "threshold": selectors.THRESHOLD,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def survey(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = get_or_404(selectors.invitation_get, str(pk))
    if not request.user.has_perm("feedback.answer_invitation", invitation):
        raise PermissionDenied
    if invitation.answered or invitation.cycle.status != Cycle.Status.OPEN:
        return render(request, "feedback/survey_done.html", {"invitation": invitation}, status=200)
    questions = selectors.survey_questions(invitation.cycle)
    form = SurveyForm(request.POST or None, questions=questions)
    if request.method == "POST" and form.is_valid():
        try:
            services.response_submit(user=request.user, invitation=invitation, answers=form.answers())
        except MaillageError as error:
            add_to_form(form, error)
        else:
            messages.success(
                request,
                _("Thank you. Your answers are recorded without anything that leads back to your organisation."),
            )
            return redirect("feedback:index")
    return render(
        request, "feedback/survey.html", {"invitation": invitation, "form": form, "threshold": selectors.THRESHOLD}
    )


# --- scorecards -------------------------------------------------------------------------------------


@login_required
def scorecards(request: HttpRequest) -> HttpResponse:
    """The scorecards the person may read: their support actors', or every one for a steward."""
    is_steward = request.user.has_perm("feedback.compare_practices")
    if is_steward:
        cycle = selectors.latest_closed()
        rows = selectors.participation(cycle) if cycle else []
        subjects = [r.subject for r in rows]
    else:
        cycle, rows = None, []
        subjects = selectors.subjects_of(memberships_by_organisation(request.user))
    return render(
        request,
        "feedback/scorecards.html",
        {"subjects": subjects, "rows": rows, "cycle": cycle, "is_steward": is_steward},
    )


GROUP_LABELS = {
    "community": gettext_lazy("Community organisations, collectives and tables de quartier"),
    "enterprise": gettext_lazy("Social economy enterprises"),
    "other": gettext_lazy("Other organisations"),
}


@login_required
def scorecard(request: HttpRequest, slug: str) -> HttpResponse:
    subject = get_allowed(request, directory_selectors.organisation_detail, slug, "feedback.view_scorecard")
    closed = selectors.closed_cycles(subject)
    cycle = get_or_404(lambda wanted: selectors.closed_cycle(wanted, closed), request.GET.get("cycle", ""))
    language = current_language()
    with_needs = subject.pk in memberships_by_organisation(request.user)  # shared with it, not with stewards
    card = (
        selectors.scorecard(subject, cycle, selectors.parse_query(request.GET), with_needs=with_needs)
        if cycle
        else None
    )
    if card is not None and request.GET.get("format") == "csv":
        return _scorecard_csv(card)
    summary = selectors.summary_of(subject)
    can_publish = request.user.has_perm("feedback.publish_summary", subject)
    return render(
        request,
        "feedback/scorecard.html",
        {
            "subject": subject,
            "cycle": cycle,
            "cycles": closed,
            "card": card,
            "trends": selectors.trends(subject) if cycle else [],
            "trend_questions": [q for q in selectors.survey_questions(None) if q.kind == "scale"],
            "groups": list(GROUP_LABELS.items()),
            "elements": diagnostic_selectors.element_names(language),
            "summary": summary,
            "summary_form": SummaryForm(instance=summary) if can_publish else None,
            "can_publish": can_publish,
            "public": selectors.public_summary(subject),
            "threshold": selectors.THRESHOLD,
            "min_peers": selectors.MIN_PEERS,
        },
    )


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float):
        return round(value, 3)
    return value


def _scorecard_csv(card: selectors.Scorecard) -> HttpResponse:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(selectors.AGGREGATE_HEADER)
    writer.writerows([_cell(v) for v in row] for row in selectors.aggregate_rows(card))
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="scorecard-{card.subject.slug}-{card.cycle.slug}.csv"'
    return response


@login_required
@require_POST
def summary(request: HttpRequest, slug: str) -> HttpResponse:
    subject = get_allowed(request, directory_selectors.organisation_detail, slug, "feedback.publish_summary")
    form = SummaryForm(request.POST, instance=selectors.summary_of(subject))
    if form.is_valid():
        try:
            services.summary_update(
                user=request.user,
                organisation=subject,
                is_published=form.cleaned_data["is_published"],
                response_fr=form.cleaned_data["response_fr"],
                response_en=form.cleaned_data["response_en"],
            )
        except MaillageError as error:
            add_to_form(form, error)
        else:
            messages.success(request, _("Your public summary is saved."))
            return redirect("feedback:scorecard", slug=subject.slug)
    return render(request, "feedback/summary_form.html", {"subject": subject, "form": form}, status=422)


# --- stewards: cycles -----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def cycles(request: HttpRequest) -> HttpResponse:
    _steward_only(request)
    form = CycleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            cycle = services.cycle_create(user=request.user, **form.cleaned_data)
        except MaillageError as error:
            add_to_form(form, error)
        else:
            messages.success(request, _("The cycle is created. Add your questions, then open it."))
            return redirect("feedback:cycle", slug=cycle.slug)
    return render(
        request,
        "feedback/cycles.html",
        {"cycles": selectors.cycles(), "form": form},
        status=422 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def cycle(request: HttpRequest, slug: str) -> HttpResponse:
    _steward_only(request)
    found: Cycle = get_or_404(selectors.cycle_get, slug)
    form = QuestionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.question_add(user=request.user, cycle=found, **form.cleaned_data)
        except MaillageError as error:
            add_to_form(form, error)
        else:
            messages.success(request, _("The question is added."))
            return redirect("feedback:cycle", slug=found.slug)
    return render(
        request,
        "feedback/cycle.html",
        {
            "cycle": found,
            "form": form,
            "questions": selectors.survey_questions(found),
            "participation": selectors.participation(found),
            "next_reminder": (
                found.reminded_at + services.REMINDER_GAP
                if found.reminded_at and timezone.now() < found.reminded_at + services.REMINDER_GAP
                else None
            ),
            "pending": selectors.pending_comments(found).count() if found.status == Cycle.Status.CLOSED else 0,
        },
        status=422 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def cycle_action(request: HttpRequest, slug: str, action: str) -> HttpResponse:
    _steward_only(request)
    found: Cycle = get_or_404(selectors.cycle_get, slug)
    if request.method == "GET":  # a reloaded or shared address of an action: back to the cycle
        return redirect("feedback:cycle", slug=found.slug)
    if action in ("open", "close") and request.POST.get("confirm") != "yes":
        # Opening tells hundreds of people; closing cannot be undone: say what will happen first.
        return render(
            request, "feedback/confirm.html", {"cycle": found, "action": action, **selectors.closing_preview(found)}
        )
    try:
        if action == "open":
            added = services.cycle_open(user=request.user, cycle=found)
            messages.success(
                request,
                ngettext(
                    "The cycle is open: %(count)s invitation sent.",
                    "The cycle is open: %(count)s invitations sent.",
                    added,
                )
                % {"count": added},
            )
        elif action == "remind":
            added, reminded = services.cycle_remind(user=request.user, cycle=found)
            messages.success(
                request,
                ngettext("%(count)s organisation reminded.", "%(count)s organisations reminded.", reminded)
                % {"count": reminded}
                + " "
                + ngettext("%(count)s new invitation.", "%(count)s new invitations.", added) % {"count": added},
            )
        elif action == "close":
            count = services.cycle_close(user=request.user, cycle=found)
            messages.success(
                request,
                ngettext(
                    "The cycle is closed with %(count)s answer.", "The cycle is closed with %(count)s answers.", count
                )
                % {"count": count},
            )
        elif action.startswith("remove-"):
            question = found.questions.filter(code=action.removeprefix("remove-")).first()
            if question is None:
                raise NotFound(_("There is no such question."))
            services.question_remove(user=request.user, question=question)
            messages.success(request, _("The question is removed."))
        else:
            raise NotFound(_("There is no such action."))
    except MaillageError as error:
        messages.error(request, error.message)
    return redirect("feedback:cycle", slug=found.slug)


# --- stewards: comments and practices ------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def comments(request: HttpRequest) -> HttpResponse:
    """Comments to review, with no hint of who wrote them: edit out what identifies, then publish."""
    _steward_only(request, "feedback.moderate_comments")
    failed: dict[str, CommentReviewForm] = {}
    if request.method == "POST":
        comment = get_or_404(selectors.comment_get, request.POST.get("comment", ""))
        form = CommentReviewForm(request.POST, prefix=str(comment.pk))  # one form per comment
        if form.is_valid():
            try:
                services.comment_review(
                    user=request.user,
                    comment=comment,
                    decision=request.POST.get("decision", ""),
                    text=form.cleaned_data["text"],
                )
            except MaillageError as error:
                add_to_form(form, error)
            else:
                done = (
                    _("The comment is published.")
                    if request.POST.get("decision") == "publish"
                    else _("The comment is set aside and its text erased.")
                )
                messages.success(request, done)
                where = reverse("feedback:comments")
                if request.GET.get("subject"):
                    where += "?" + urlencode({"subject": request.GET["subject"]})
                return redirect(where)
        failed[str(comment.pk)] = form
    subject = None
    if request.GET.get("subject"):
        subject = get_or_404(directory_selectors.organisation_detail, request.GET["subject"])
    pending = list(selectors.pending_comments(subject=subject)[:PAGE])
    pending.sort(key=lambda c: str(c.pk) not in failed)  # the one that needs fixing first, at the top
    texts: dict[tuple[int, str], str] = {}
    for cycle in {c.cycle for c in pending}:
        texts |= {(cycle.pk, q.code): q.text for q in selectors.survey_questions(cycle)}
    rows = [
        (
            c,
            texts.get((c.cycle_id, c.question), ""),
            failed.get(str(c.pk)) or CommentReviewForm(initial={"text": c.text}, prefix=str(c.pk)),
        )
        for c in pending
    ]
    return render(
        request,
        "feedback/comments.html",
        {
            "rows": rows,
            "total": selectors.pending_comments().count(),
            "shown_total": selectors.pending_comments(subject=subject).count(),
            "subjects": selectors.pending_by_subject(),
            "subject": subject,
            "page": PAGE,
        },
        status=422 if failed else 200,
    )


@login_required
def practices(request: HttpRequest) -> HttpResponse:
    _steward_only(request, "feedback.compare_practices")
    closed = selectors.closed_cycles()
    cycle = get_or_404(lambda wanted: selectors.closed_cycle(wanted, closed), request.GET.get("cycle", ""))
    rows, rated = selectors.practices(cycle) if cycle else ([], 0)
    questions = {q.code: q for q in selectors.survey_questions(None)}
    groups: dict[str, list[Any]] = {}
    for row in rows:
        groups.setdefault(row.practice, []).append(row)
    return render(
        request,
        "feedback/practices.html",
        {"cycle": cycle, "cycles": closed, "groups": groups, "questions": questions, "rated": rated},
    )
