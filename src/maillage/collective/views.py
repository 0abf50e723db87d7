"""Pages of the collective definition of success: the dashboard of adopted indicators, the proposals,
and the deliberation rounds (taking part, results, and the stewards' running of them). Thin: check,
call one service or selector, render."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from maillage.accounts.selectors import memberships_by_organisation, organisations_of
from maillage.common.charts import Chart, line_chart
from maillage.common.errors import add_to_form
from maillage.common.i18n import current_language
from maillage.common.views import NotFound, get_or_404
from maillage.core.errors import MaillageError
from maillage.core.text import formula_safe, french_spaces
from maillage.directory.models import Organisation

from . import exports, measures, selectors, services
from .forms import (
    BallotForm,
    CandidatesForm,
    DecisionForm,
    IndicatorForm,
    ReactionsForm,
    RoundForm,
    StatementForm,
    ValueForm,
)
from .models import Indicator, Round, Statement
from .templatetags.collective import figure


def _steward_only(request: HttpRequest) -> None:
    if not request.user.has_perm("collective.run_rounds"):
        raise PermissionDenied


def _element_names() -> dict[str, str]:
    return selectors.element_names(current_language())


# --- charts ------------------------------------------------------------------------------------------------


def chart(progress: selectors.Progress, width: int = 320, height: int = 130) -> Chart | None:
    values = progress.values
    if not values:
        return None
    target = progress.indicator.target
    years = [v.year for v in values]
    first, last = min(years), max([*years, progress.indicator.target_year or 0])
    listed = "; ".join(
        f"{v.year} : {figure(v.value)}" if current_language() == "fr" else f"{v.year}: {figure(v.value)}"
        for v in values
    )
    description = _("Values by year: %(values)s.") % {"values": listed}
    if target is not None:
        description += " " + _("Target: %(target)s in %(year)s (dashed line).") % {
            "target": figure(target),
            "year": progress.indicator.target_year,
        }
    return line_chart(
        [(v.year, v.year, v.value) for v in values],
        end=last,
        labels=[(year, year) for year in ([first] if first == last else [first, last])],
        target=target,
        description=french_spaces(description) if current_language() == "fr" else description,
        width=width,
        height=height,
    )


# --- the dashboard ---------------------------------------------------------------------------------------


def index(request: HttpRequest) -> HttpResponse:
    """The adopted indicators, with their latest value, target, trend and sources: open to everyone."""
    rows = []
    for indicator in selectors.adopted():
        progress = selectors.progress(indicator)
        rows.append({"progress": progress, "chart": chart(progress), "unit": measures.unit_of(indicator)})
    return render(
        request,
        "collective/index.html",
        {
            "rows": rows,
            "demo": any(r["progress"].indicator.is_demo for r in rows),
            "element_names": _element_names(),
            "is_steward": request.user.has_perm("collective.run_rounds"),
        },
    )


@require_POST
def record(request: HttpRequest) -> HttpResponse:
    """Stewards compute this year's value of every adopted computed indicator."""
    _steward_only(request)
    done = services.values_record(user=request.user)
    kept = [indicator for indicator, value, _why in done if value is not None]
    messages.success(
        request,
        ngettext("%(count)s value recorded for this year.", "%(count)s values recorded for this year.", len(kept))
        % {"count": len(kept)},
    )
    for indicator, value, why in done:
        if value is None:
            messages.warning(request, f"{indicator.name}: {why}")
    return redirect("collective:index")


def cids_export(request: HttpRequest) -> HttpResponse:
    """The adopted indicators and their values as Common Impact Data Standard JSON-LD."""
    document = exports.cids_document(request, selectors.adopted(), current_language())
    response = HttpResponse(
        json.dumps(document, ensure_ascii=False, indent=2), content_type="application/ld+json; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="maillage-indicators-{current_language()}.jsonld"'
    return response


# --- indicators ------------------------------------------------------------------------------------------


@login_required
def indicator_list(request: HttpRequest) -> HttpResponse:
    found = selectors.indicators()
    status = request.GET.get("status", "")
    if status in Indicator.Status.values:
        found = found.filter(status=status)
    return render(
        request,
        "collective/indicators.html",
        {
            "indicators": list(found),
            "status": status,
            "statuses": Indicator.Status.choices,
            "element_names": _element_names(),
            "may_propose": bool(memberships_by_organisation(request.user)),
        },
    )


def _element_choices() -> list[tuple[str, str]]:
    return list(_element_names().items())


@login_required
@require_http_methods(["GET", "POST"])
def indicator_new(request: HttpRequest) -> HttpResponse:
    mine = organisations_of(request.user)
    if not mine:
        return render(request, "collective/no_organisation.html", status=403)
    form = IndicatorForm(request.POST or None, organisations=mine, elements=_element_choices())
    if request.method == "POST" and form.is_valid():
        organisation = next(o for o in mine if o.slug == form.cleaned_data["organisation"])
        try:
            indicator = services.indicator_propose(user=request.user, organisation=organisation, data=form.cleaned_data)
        except MaillageError as error:
            add_to_form(form, error)
        else:
            messages.success(request, _("Your proposal is recorded. Stewards can now put it to a round."))
            return redirect("collective:indicator", slug=indicator.slug)
    return render(request, "collective/indicator_form.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def indicator_detail(request: HttpRequest, slug: str) -> HttpResponse:
    indicator: Indicator = get_or_404(selectors.indicator_detail, slug)
    steward = request.user.has_perm("collective.run_rounds")
    decision = DecisionForm(
        initial={
            "status": indicator.status,
            "target": "" if indicator.target is None else indicator.target,
            "target_year": indicator.target_year or "",
        }
    )
    value_form = ValueForm()
    if request.method == "POST":
        _steward_only(request)
        if request.POST.get("form") == "decision":
            decision = DecisionForm(request.POST)
            if decision.is_valid():
                try:
                    services.indicator_decide(user=request.user, indicator=indicator, **decision.cleaned_data)
                except MaillageError as error:
                    add_to_form(decision, error)
                else:
                    messages.success(request, _("The decision is recorded."))
                    return redirect("collective:indicator", slug=indicator.slug)
        elif request.POST.get("form") == "value":
            value_form = ValueForm(request.POST)
            if value_form.is_valid():
                try:
                    services.value_enter(user=request.user, indicator=indicator, **value_form.cleaned_data)
                except MaillageError as error:
                    add_to_form(value_form, error)
                else:
                    messages.success(request, _("The value is recorded."))
                    return redirect("collective:indicator", slug=indicator.slug)
    progress = selectors.progress(indicator)
    return render(
        request,
        "collective/indicator.html",
        {
            "indicator": indicator,
            "progress": progress,
            "chart": chart(progress, 560, 200),
            "unit": measures.unit_of(indicator),
            "element_names": _element_names(),
            "steward": steward,
            "decision": decision,
            "value_form": value_form,
            "rounds": indicator.rounds.exclude(status=Round.Status.DRAFT) if not steward else indicator.rounds.all(),
        },
    )


# --- rounds ------------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def round_list(request: HttpRequest) -> HttpResponse:
    steward = request.user.has_perm("collective.run_rounds")
    form = RoundForm(request.POST or None)
    if request.method == "POST":
        _steward_only(request)
        if form.is_valid():
            try:
                found = services.round_create(user=request.user, **form.cleaned_data)
            except MaillageError as error:
                add_to_form(form, error)
            else:
                messages.success(request, _("The round is created: choose its indicators and statements."))
                return redirect("collective:round", slug=found.slug)
    return render(
        request,
        "collective/rounds.html",
        {"rounds": selectors.rounds(steward=steward), "form": form, "steward": steward},
    )


def _acting(
    request: HttpRequest, found: Round, *, strict: bool = False
) -> tuple[list[Organisation], Organisation | None]:
    """The person's organisations that may take part, and the one they act for (``?as=`` or the first).
    A form sent for an organisation that is not one of them is refused, never redirected to another."""
    mine = services.participants_of(request.user, found)
    if strict:
        acting = next((o for o in mine if o.slug == request.POST.get("organisation")), None)
        if acting is None:
            raise PermissionDenied
        return mine, acting
    wanted = request.POST.get("organisation") or request.GET.get("as")
    return mine, next((o for o in mine if o.slug == wanted), mine[0] if mine else None)


def _round_context(request: HttpRequest, found: Round, **extra: Any) -> dict[str, Any]:
    steward = request.user.has_perm("collective.run_rounds")
    mine, acting = _acting(request, found)
    candidates = selectors.candidates(found)
    statements = selectors.statements(found)
    context: dict[str, Any] = {
        "round": found,
        "steward": steward,
        "candidates": candidates,
        "statements": statements,
        "organisations": mine,
        "acting": acting,
        "threshold": selectors.THRESHOLD,
    }
    if found.status == Round.Status.OPEN and acting is not None:
        context.setdefault(
            "ballot_form", BallotForm(initial=selectors.my_ballot(found, acting), candidates=candidates, prefix="rank")
        )
        reactions = selectors.my_reactions(found, acting)
        context.setdefault(
            "reactions_form",
            ReactionsForm(initial={f"s{k}": str(v) for k, v in reactions.items()}, statements=statements),
        )
        context.setdefault("suggest_form", StatementForm())
        context["version"] = selectors.answers_version(found, acting)
    if steward and found.status != Round.Status.CLOSED:
        context["ballots"], context["reacting"] = selectors.participation(found)
        context["pending"] = selectors.statements(found, status=Statement.Status.PENDING)
        context["moderated"] = selectors.statements(found, status=Statement.Status.MODERATED_OUT)
        context.setdefault("statement_form", StatementForm())
        if found.status == Round.Status.DRAFT:
            context.setdefault("candidates_form", CandidatesForm(initial={"candidates": candidates}, round=found))
    if found.status == Round.Status.CLOSED:
        context["results"] = selectors.results(found)
        context["kind_labels"] = selectors.KIND_LABELS
    context.update(extra)
    return context


@login_required
def round_detail(request: HttpRequest, slug: str) -> HttpResponse:
    found: Round = get_or_404(selectors.round_detail, slug)
    if found.status == Round.Status.DRAFT and not request.user.has_perm("collective.run_rounds"):
        raise NotFound(_("No round has this identifier."))
    return render(request, "collective/round.html", _round_context(request, found))


@login_required
@require_http_methods(["GET", "POST"])
def round_action(request: HttpRequest, slug: str, action: str) -> HttpResponse:
    found: Round = get_or_404(selectors.round_detail, slug)
    if request.method == "GET":  # a reloaded or shared address of an action: back to the round
        return redirect("collective:round", slug=found.slug)
    if found.status == Round.Status.DRAFT and not request.user.has_perm("collective.run_rounds"):
        raise NotFound(_("No round has this identifier."))
    here = reverse("collective:round", args=[found.slug])
    if action in ("answers", "suggest"):
        _mine, acting = _acting(request, found, strict=True)
        assert acting is not None
        back = f"{here}?as={acting.slug}"
        if action == "suggest":
            suggest_form = StatementForm(request.POST)
            try:
                if not suggest_form.is_valid():
                    raise MaillageError("invalid", _("The statement is not valid: see below."), [])
                services.statement_add(user=request.user, round=found, organisation=acting, **suggest_form.cleaned_data)
            except MaillageError as error:
                if suggest_form.is_valid() and not error.problems:
                    messages.error(request, error.message)
                    return redirect(back)
                add_to_form(suggest_form, error, keep_existing=True)
                context = _round_context(request, found, suggest_form=suggest_form, focus="suggest")
                return render(request, "collective/round.html", context, status=400)
            messages.success(request, _("Thank you: your statement will appear once a steward accepts it."))
            return redirect(back)
        # The ranking and the reactions are one form, saved together: nothing typed in one is lost.
        ballot_form = BallotForm(request.POST, candidates=selectors.candidates(found), prefix="rank")
        reactions_form = ReactionsForm(request.POST, statements=selectors.statements(found))
        try:
            if not (ballot_form.is_valid() and reactions_form.is_valid()):
                raise MaillageError("invalid", _("Some answers are not valid: see below."), [])
            kept, count = services.answers_save(
                user=request.user,
                round=found,
                organisation=acting,
                ranks=ballot_form.ranks(),
                votes=reactions_form.votes(),
                version=request.POST.get("version", ""),
            )
        except MaillageError as error:
            if error.code == "answers_changed":  # show the answers as they are now, with the message
                messages.error(request, error.message)
                return redirect(back)
            valid = ballot_form.is_valid() and reactions_form.is_valid()
            if valid and not error.problems:  # about the round itself (closed…): say it on the page
                messages.error(request, error.message)
                return redirect(back)
            if valid:
                ranked = any(p.field in ballot_form.fields for p in error.problems)
                add_to_form(ballot_form if ranked else reactions_form, error)
            context = _round_context(
                request, found, ballot_form=ballot_form, reactions_form=reactions_form, focus="answers"
            )
            return render(request, "collective/round.html", context, status=400)
        ranked_text = _("your ranking is recorded") if kept else _("nothing is ranked")
        messages.success(
            request,
            ngettext(
                "Your answers are saved: %(ranked)s, %(count)s reaction.",
                "Your answers are saved: %(ranked)s, %(count)s reactions.",
                count,
            )
            % {"ranked": ranked_text, "count": count},
        )
        return redirect(back)

    _steward_only(request)
    if action in ("open", "close") and request.POST.get("confirm") != "yes":
        ballots, reacting = selectors.participation(found)
        return render(
            request,
            "collective/confirm.html",
            {"round": found, "action": action, "ballots": ballots, "reacting": reacting},
        )
    try:
        if action == "candidates":
            candidates_form = CandidatesForm(request.POST, round=found)
            if not candidates_form.is_valid():
                raise MaillageError("invalid", _("Choose among the proposals listed."))
            services.round_candidates_set(
                user=request.user, round=found, indicators=candidates_form.cleaned_data["candidates"]
            )
            messages.success(request, _("The indicators of the round are saved."))
        elif action == "statement":
            statement_form = StatementForm(request.POST)
            if not statement_form.is_valid():
                raise MaillageError("invalid", _("The statement is not valid: see below."))
            try:
                services.statement_add(user=request.user, round=found, **statement_form.cleaned_data)
            except MaillageError as error:
                add_to_form(statement_form, error)
                return render(
                    request,
                    "collective/round.html",
                    _round_context(request, found, statement_form=statement_form),
                    status=400,
                )
            messages.success(request, _("The statement is added."))
        elif action.startswith(("accept-", "out-")):
            verb, _sep, number = action.partition("-")
            digits = re.fullmatch(r"[0-9]{1,9}", number)
            statement = Statement.objects.filter(round=found, number=int(number) if digits else -1).first()
            if statement is None:
                raise NotFound(_("There is no such statement."))
            services.statement_moderate(
                user=request.user,
                statement=statement,
                status=str(Statement.Status.ACCEPTED if verb == "accept" else Statement.Status.MODERATED_OUT),
            )
            messages.success(
                request,
                _("The statement is accepted.") if verb == "accept" else _("The statement is moderated out."),
            )
        elif action == "open":
            services.round_open(user=request.user, round=found)
            messages.success(request, _("The round is open: member organisations can rank and react."))
        elif action == "close":
            services.round_close(user=request.user, round=found)
            messages.success(request, _("The round is closed: its results are below."))
        else:
            raise NotFound(_("There is no such action."))
    except MaillageError as error:
        messages.error(request, error.message)
    return redirect("collective:round", slug=found.slug)


@login_required
@require_http_methods(["GET", "POST"])
def statement_action(request: HttpRequest, slug: str, number: int, verb: str) -> HttpResponse:
    """Stewards accept a statement or moderate it out."""
    if verb not in ("accept", "out"):
        raise NotFound(_("There is no such action."))
    return round_action(request, slug, f"{verb}-{number}")


@login_required
def polis_export(request: HttpRequest, slug: str) -> HttpResponse:
    """A closed round's statements and reactions as a Pol.is export folder (zip): comments.csv,
    votes.csv and participants-votes.csv, with random participant numbers and no times."""
    _steward_only(request)  # every participant's reactions, under random numbers: not for everyone
    found: Round = get_or_404(selectors.round_detail, slug)
    if found.status != Round.Status.CLOSED:
        raise NotFound(_("The reactions are exported once the round is closed."))
    files = exports.polis_files(found, current_language())
    if files is None:
        raise NotFound(_("Fewer than five organisations reacted: the reactions are not exported."))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(f"{found.slug}/{name}", text)
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="maillage-{found.slug}-polis.zip"'
    return response


@login_required
def ranking_csv(request: HttpRequest, slug: str) -> HttpResponse:
    """A closed round's consensus ranking and pairwise table as CSV."""
    found: Round = get_or_404(selectors.round_detail, slug)
    results = selectors.results(found)
    if results is None or results.schulze is None:
        raise NotFound(_("There is no ranking to export: the round is open or has fewer than five ballots."))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["rank_schulze", "rank_ranked_pairs", "indicator", "name"])
    pairs_rank = {slug: n for n, tier in enumerate(results.ranked_pairs.order, 1) for slug in tier}  # type: ignore[union-attr]
    for n, tier in enumerate(results.schulze.order, 1):
        for indicator_slug in tier:
            name = formula_safe(results.candidates[indicator_slug].name)
            writer.writerow([n, pairs_rank[indicator_slug], indicator_slug, name])
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="maillage-{found.slug}-ranking.csv"'
    return response
