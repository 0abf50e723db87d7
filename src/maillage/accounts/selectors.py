"""Reads about people: their memberships, cached once per user object."""

from __future__ import annotations

from typing import Any

from .models import ApiToken, Membership, User


def memberships_by_organisation(user: Any) -> dict[int, str]:
    """``{organisation id: role}`` for a user (empty for anonymous visitors), cached on the user."""
    if not getattr(user, "is_authenticated", False):
        return {}
    cached: dict[int, str] | None = getattr(user, "_maillage_memberships", None)
    if cached is None:
        cached = dict(Membership.objects.filter(user=user).values_list("organisation_id", "role"))
        user._maillage_memberships = cached
    return cached


def user_memberships(user: User) -> list[Membership]:
    return list(Membership.objects.filter(user=user).select_related("organisation").order_by("organisation__sort_key"))


def organisation_members(organisation_id: int) -> list[Membership]:
    return list(
        Membership.objects.filter(organisation_id=organisation_id).select_related("user").order_by("user__email")
    )


def user_tokens(user: User) -> list[ApiToken]:
    return list(ApiToken.objects.filter(user=user, revoked_at__isnull=True))


def organisations_of(user: Any) -> list[Any]:
    """The organisations a person is a member of, by name."""
    from maillage.directory.models import Organisation

    return list(Organisation.objects.filter(pk__in=list(memberships_by_organisation(user))).order_by("sort_key"))
