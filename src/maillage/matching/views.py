"""The basket page of an initiative. Thin: load, check, call the selector, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from maillage.common.i18n import current_language
from maillage.common.views import NotFound
from maillage.core.errors import MaillageError
from maillage.directory import selectors as directory_selectors

from . import selectors, services
from .forms import CoverFormSet, RuleForm, RuleFormSet


@login_required
def basket(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        initiative = directory_selectors.initiative_detail(slug)
    except MaillageError as exc:
        raise NotFound(exc.message) from None
    if not request.user.has_perm("matching.view_basket", initiative):
        raise PermissionDenied
    view = selectors.basket_for(initiative, all_types=request.GET.get("all") == "1")
    language = current_language()
    names = {e.id: e.name.get(language) for e in view.framework.elements} if view.framework else {}
    return render(request, "matching/basket.html", {"view": view, "element_names": names, "language": language})


EXTRA_ROWS = 2


@login_required
@require_http_methods(["GET", "POST"])
def offer_conditions(request: HttpRequest, slug: str) -> HttpResponse:
    """What the offer covers and whom it accepts, edited by the providing organisation's members."""
    try:
        offer = directory_selectors.offer_detail(slug)
    except MaillageError as exc:
        raise NotFound(exc.message) from None
    if not request.user.has_perm("directory.edit_offer", offer):
        raise PermissionDenied
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
    for problem in error.problems:
        prefix, _sep, rest = (problem.field or "").partition("-")
        number, _sep, field = rest.partition("-")
        if not number.isdigit():
            continue
        if prefix == "covers" and int(number) < len(covers.forms):
            form = covers.forms[int(number)]
        elif prefix == "rules" and int(number) < len(filled):
            form = rules.forms[filled[int(number)]]
        else:
            continue
        target = {"values": None}.get(field, field)
        if field == "values":
            kind = form.cleaned_data.get("kind")
            target = RuleForm.VALUE_FIELDS.get(kind)
        form.add_error(target if target in form.fields else None, problem.message)
