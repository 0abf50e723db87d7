"""The basket page of an initiative. Thin: load, check, call the selector, render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from maillage.common.i18n import current_language
from maillage.common.views import NotFound
from maillage.core.errors import MaillageError
from maillage.directory import selectors as directory_selectors

from . import selectors


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
