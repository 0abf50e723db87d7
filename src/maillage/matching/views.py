"""The basket page of an initiative. Thin: load, check, call the selector, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from maillage.common.errors import add_to_form
from maillage.common.i18n import current_language
from maillage.common.views import NotFound, get_allowed
from maillage.core.errors import MaillageError
from maillage.directory import selectors as directory_selectors

from . import selectors, services
from .forms import AnswerForm, CoverFormSet, RequestForm, RuleForm, RuleFormSet
from .models import SupportRequest


@login_required
def basket(request: HttpRequest, slug: str) -> HttpResponse:
    initiative = get_allowed(request, directory_selectors.initiative_detail, slug, "matching.view_basket")
    view = selectors.basket_for(initiative, all_types=request.GET.get("all") == "1")
    language = current_language()
    names = {e.id: e.name.get(language) for e in view.framework.elements} if view.framework else {}
    return render(request, "matching/basket.html", {"view": view, "element_names": names, "language": language})


EXTRA_ROWS = 2


@login_required
@require_http_methods(["GET", "POST"])
def offer_conditions(request: HttpRequest, slug: str) -> HttpResponse:
    """What the offer covers and whom it accepts, edited by the providing organisation's members."""
    offer = get_allowed(request, directory_selectors.offer_detail, slug, "directory.edit_offer")
    if request.method == "POST":
        covers = CoverFormSet(request.POST, prefix="covers")
        rules = RuleFormSet(request.POST, prefix="rules")
    else:
        covers = CoverFormSet(
            prefix="covers",
            initial=[{"element": c.element, "strength": str(c.strength)} for c in offer.covers.all()]
            + [{}] * EXTRA_ROWS,
        )
        rules = RuleFormSet(
            prefix="rules",
            initial=[RuleForm.initial_of(r) for r in offer.eligibility_rules.all()] + [{}] * EXTRA_ROWS,
        )
    error = None
    if request.method == "POST" and covers.is_valid() and rules.is_valid():
        chosen_covers = [
            (f.cleaned_data["element"], f.cleaned_data["strength"]) for f in covers if f.cleaned_data.get("element")
        ]
        chosen_rules = [(index, f.rule()) for index, f in enumerate(rules)]
        try:
            services.offer_conditions_set(
                user=request.user,
                offer=offer,
                covers=chosen_covers,
                rules=[rule for _index, rule in chosen_rules if rule is not None],
            )
        except MaillageError as exc:
            error = exc
            _show_problems(exc, covers, rules, chosen_rules)
        else:
            messages.success(request, _("The offer's conditions are saved."))
            return redirect("directory:offer", offer.slug)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "matching/offer_conditions.html",
        {"offer": offer, "covers": covers, "rules": rules, "error": error},
        status=status,
    )


def _show_problems(error: MaillageError, covers: Any, rules: Any, chosen_rules: list[tuple[int, Any]]) -> None:
    """Put each problem on its row and field (rule problems are numbered among the filled rows)."""
    filled = [index for index, rule in chosen_rules if rule is not None]
    filled_covers = [index for index, form in enumerate(covers.forms) if form.cleaned_data.get("element")]
    for problem in error.problems:
        prefix, _sep, rest = (problem.field or "").partition("-")
        number, _sep, field = rest.partition("-")
        if not number.isdigit():
            continue
        if prefix == "covers" and int(number) < len(filled_covers):
            form = covers.forms[filled_covers[int(number)]]
        elif prefix == "rules" and int(number) < len(filled):
            form = rules.forms[filled[int(number)]]
        else:
            continue
        target = {"values": None}.get(field, field)
        if field == "values":
            kind = form.cleaned_data.get("kind")
            target = RuleForm.VALUE_FIELDS.get(kind)
        form.add_error(target if target in form.fields else None, problem.message)


# --- requests for support --------------------------------------------------------------------------


def _request(request: HttpRequest, pk: int, perm: str = "matching.view_request") -> SupportRequest:
    found = (
        SupportRequest.objects.select_related("initiative", "offer", "diagnostic", "referred_offer")
        .prefetch_related("initiative__carriers__organisation", "offer__providers")
        .filter(pk=pk)
        .first()
    )
    if found is None or not request.user.has_perm("matching.view_request", found):
        raise NotFound(_("There is no such request."))
    if not request.user.has_perm(perm, found):
        raise PermissionDenied
    return found


@login_required
@require_POST
def request_create(request: HttpRequest) -> HttpResponse:
    form = RequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose an initiative and an offer."))
        return redirect("matching:requests")
    try:
        initiative = directory_selectors.initiative_detail(form.cleaned_data["initiative"])
        offer = directory_selectors.offer_detail(form.cleaned_data["offer"])
    except MaillageError as exc:
        raise NotFound(exc.message) from None
    try:
        created = services.request_send(
            user=request.user,
            initiative=initiative,
            offer=offer,
            message=form.cleaned_data["message"],
            share_diagnostic=form.cleaned_data["share_diagnostic"],
        )
    except MaillageError as exc:
        messages.error(request, exc.message)
        return redirect("matching:basket", initiative.slug)
    messages.success(request, _("Your request is sent. The support actor is told by e-mail and in the app."))
    return redirect("matching:request", created.pk)


@login_required
def request_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "matching/requests.html",
        {
            "sent": selectors.requests_sent(request.user),
            "received": selectors.requests_received(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    support_request = _request(request, pk)
    can_answer = request.user.has_perm("matching.answer_request", support_request)
    form = AnswerForm(request.POST or None, offer=support_request.offer) if can_answer else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.request_answer(
                    user=request.user,
                    request=support_request,
                    decision=form.cleaned_data["decision"],
                    answer=form.cleaned_data["answer"],
                    referred_offer=form.cleaned_data.get("referred_offer"),
                    amount=form.cleaned_data.get("amount"),
                )
            except MaillageError as exc:
                add_to_form(form, exc)
            else:
                messages.success(request, _("Your answer is sent to the initiative."))
                return redirect("matching:request", support_request.pk)
    diagnostic = support_request.diagnostic
    needs = []
    if diagnostic is not None and request.user.has_perm("diagnostics.view_diagnostic", diagnostic):
        from maillage.diagnostics import selectors as diagnostic_selectors

        result = diagnostic_selectors.result_of(diagnostic)
        framework = diagnostic_selectors.framework_of(diagnostic.framework)
        names = {e.id: e.name.get(current_language()) for e in framework.elements}
        needs = [(names.get(n.element, n.element), n.weight) for n in (result.needs[:5] if result else [])]
    return render(
        request,
        "matching/request.html",
        {
            "req": support_request,
            "form": form,
            "needs": needs,
            "can_withdraw": request.user.has_perm("matching.withdraw_request", support_request)
            and support_request.status == SupportRequest.Status.SENT,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def request_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    support_request = _request(request, pk, "matching.withdraw_request")
    try:
        services.request_withdraw(user=request.user, request=support_request)
    except MaillageError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The request is withdrawn."))
    return redirect("matching:request", support_request.pk)


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    notifications = list(request.user.notifications.all()[:50])
    services.notifications_read(user=request.user)
    return render(request, "matching/notifications.html", {"notifications": notifications})
