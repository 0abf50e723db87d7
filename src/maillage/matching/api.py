"""Baskets of support (for the initiative's team: they show its needs) and requests for support."""

from __future__ import annotations

from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Status

from maillage.accounts.api import token_auth
from maillage.common.api_schemas import CONFLICT, ERRORS, InputSchema, amount
from maillage.core.errors import MaillageError
from maillage.directory import selectors as directory_selectors

from . import selectors, services
from .models import SupportRequest
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


class RequestIn(InputSchema):
    initiative: str
    offer: str
    message: str = Field("", max_length=3000)
    share_diagnostic: bool = True


RequestAmount = amount(minimum=0)


class AnswerIn(InputSchema):
    decision: Literal["accepted", "declined", "referred"]
    answer: str = Field("", max_length=3000)
    referred_offer: str | None = None
    amount: RequestAmount | None = None


def _request_out(r: SupportRequest) -> dict[str, Any]:
    return {
        "id": r.pk,
        "initiative": r.initiative.slug,
        "offer": r.offer.slug,
        "status": r.status,
        "message": r.message,
        "answer": r.answer,
        "referred_offer": r.referred_offer.slug if r.referred_offer else None,
        "amount": r.amount,
        "diagnostic": r.diagnostic_id,
        "created_at": r.created_at,
        "answered_at": r.answered_at,
        "is_demo": r.is_demo,
    }


def _visible_request(request: HttpRequest, pk: int) -> SupportRequest:
    found = SupportRequest.objects.select_related("initiative", "offer", "referred_offer").filter(pk=pk).first()
    if found is None or not request.user.has_perm("matching.view_request", found):
        raise MaillageError("not_found", _("There is no such request."))
    return found


@router.get(
    "/requests",
    response={200: list[dict[str, Any]], **ERRORS},
    auth=token_auth,
    summary="Requests you sent or received",
)
def request_list(request: HttpRequest) -> list[dict[str, Any]]:
    rows = {r.pk: r for r in selectors.requests_sent(request.user) + selectors.requests_received(request.user)}
    return [_request_out(r) for r in sorted(rows.values(), key=lambda r: r.created_at, reverse=True)]


@router.post("/requests", response={201: dict[str, Any], **ERRORS, **CONFLICT}, auth=token_auth)
def request_create(request: HttpRequest, payload: RequestIn) -> Any:
    """Ask for an offer for an initiative you carry (its diagnostic is shared with the providers unless
    ``share_diagnostic`` is false)."""
    created = services.request_send(
        user=request.user,
        initiative=directory_selectors.initiative_detail(payload.initiative),
        offer=directory_selectors.offer_detail(payload.offer),
        message=payload.message,
        share_diagnostic=payload.share_diagnostic,
    )
    return Status(201, _request_out(created))


@router.get("/requests/{pk}", response={200: dict[str, Any], **ERRORS}, auth=token_auth)
def request_detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    return _request_out(_visible_request(request, pk))


@router.post("/requests/{pk}/answer", response={200: dict[str, Any], **ERRORS, **CONFLICT}, auth=token_auth)
def request_answer(request: HttpRequest, pk: int, payload: AnswerIn) -> dict[str, Any]:
    """Members of a providing organisation accept, decline or refer (to ``referred_offer``)."""
    found = _visible_request(request, pk)
    referred = directory_selectors.offer_detail(payload.referred_offer) if payload.referred_offer else None
    answered = services.request_answer(
        user=request.user,
        request=found,
        decision=payload.decision,
        answer=payload.answer,
        referred_offer=referred,
        amount=payload.amount,
    )
    return _request_out(answered)


@router.post("/requests/{pk}/withdraw", response={200: dict[str, Any], **ERRORS, **CONFLICT}, auth=token_auth)
def request_withdraw(request: HttpRequest, pk: int) -> dict[str, Any]:
    return _request_out(services.request_withdraw(user=request.user, request=_visible_request(request, pk)))
