"""The basket of support of an initiative (members of its carrying organisations: it shows their needs)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Router

from maillage.accounts.api import token_auth
from maillage.directory import selectors as directory_selectors
from maillage.directory.api import ERRORS

from . import selectors
from .serialise import basket_data

router = Router(tags=["baskets"])


@router.get("/initiatives/{slug}/basket", response={200: dict[str, Any], **ERRORS}, auth=token_auth)
def basket(request: HttpRequest, slug: str, all_types: bool = False) -> dict[str, Any]:
    """The best basket for the initiative's latest diagnostic, explained item by item, the best offers
    left out and why, and alternatives. ``all_types`` leaves aside the kinds of support the team chose."""
    initiative = directory_selectors.initiative_detail(slug)
    if not request.user.has_perm("matching.view_basket", initiative):
        raise PermissionDenied
    return basket_data(selectors.basket_for(initiative, all_types=all_types))
