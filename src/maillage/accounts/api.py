"""API authentication by personal token, and who the caller is."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.utils import translation
from ninja import Router, Schema
from ninja.security import HttpBearer

from maillage.audit.middleware import set_actor
from maillage.common.api_schemas import ERRORS

from . import selectors
from .services import token_authenticate


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = token_authenticate(token)
        if user is not None:
            request.user = user
            set_actor(user)  # the audit log names the token's owner
            if "HTTP_ACCEPT_LANGUAGE" not in request.META:
                # Without a stated preference, answer in the token owner's language.
                translation.activate(user.preferred_language)
        return user


def anonymous(request: HttpRequest) -> Any:
    """Accept callers without a token for reads; they see public data only.

    A caller who sends a token that is not valid is refused rather than served as anonymous.
    """
    if request.headers.get("Authorization"):
        return None
    request.user = AnonymousUser()
    return request.user


token_auth = TokenAuth()
read_auth = [token_auth, anonymous]

router = Router(tags=["accounts"])


class MembershipOut(Schema):
    organisation: str
    role: str


class MeOut(Schema):
    email: str
    full_name: str
    is_steward: bool
    memberships: list[MembershipOut]


@router.get("/me", response={200: MeOut, **ERRORS}, auth=token_auth, summary="Who the token belongs to")
def me(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    return {
        "email": user.email,
        "full_name": user.full_name,
        "is_steward": user.is_steward,
        "memberships": [
            {"organisation": m.organisation.slug, "role": m.role} for m in selectors.user_memberships(user)
        ],  # type: ignore[arg-type]
    }
