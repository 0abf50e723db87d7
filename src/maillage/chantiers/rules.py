"""Who may do what in chantiers (django-rules).

- A public chantier is read by everyone, signed in or not; a private one only by the people of its
  participating organisations and of the organisations invited to it (so that they can decide). Stewards
  have no special view of a private chantier: its name and records stay with its participants; the
  stewards' overview of conditions counts it without naming it.
- The people of a participating organisation take part: they write in the journal, record their own
  organisation's commitments, update the actions their organisation owns, record measurements, and invite
  other organisations.
- The people of a backbone or lead organisation coordinate: they edit the change, the indicators, the
  plan and the participants' roles.
- An administrator of an invited organisation accepts or declines the invitation (it commits the
  organisation); any member of an organisation may start a chantier in its name.
- Stewards build the pooled-fund scenario of a chantier they can read (a pool across providers is theirs).
"""

from __future__ import annotations

from typing import Any

import rules

from maillage.accounts.selectors import memberships_by_organisation
from maillage.directory.rules import is_steward

from .models import Chantier, Invitation


def _mine(user: Any) -> dict[int, str]:
    return memberships_by_organisation(user)


def participations(user: Any, chantier: Chantier) -> list[Any]:
    """The user's organisations' participant rows in the chantier (cached on the chantier per user)."""
    mine = _mine(user)
    if not mine or chantier.pk is None:
        return []
    cache: dict[int, list[Any]] = chantier.__dict__.setdefault("_participations", {})
    key = getattr(user, "pk", 0) or 0
    if key not in cache:
        cache[key] = list(chantier.participants.filter(organisation_id__in=list(mine)).select_related("organisation"))
    return cache[key]


@rules.predicate
def is_participant(user: Any, chantier: Any) -> bool:
    return isinstance(chantier, Chantier) and bool(participations(user, chantier))


@rules.predicate
def is_coordinator(user: Any, chantier: Any) -> bool:
    return isinstance(chantier, Chantier) and any(p.coordinates for p in participations(user, chantier))


@rules.predicate
def is_invited(user: Any, chantier: Any) -> bool:
    mine = _mine(user)
    return (
        isinstance(chantier, Chantier)
        and bool(mine)
        and chantier.invitations.filter(status=Invitation.Status.PENDING, organisation_id__in=list(mine)).exists()
    )


@rules.predicate
def is_public(user: Any, chantier: Any) -> bool:
    return isinstance(chantier, Chantier) and chantier.is_public


@rules.predicate
def answers_for(user: Any, invitation: Any) -> bool:
    return isinstance(invitation, Invitation) and _mine(user).get(invitation.organisation_id) == "admin"


@rules.predicate
def has_organisation(user: Any) -> bool:
    return bool(_mine(user))


rules.add_perm("chantiers.view_chantier", is_public | is_participant | is_invited)
rules.add_perm("chantiers.take_part", is_participant)
rules.add_perm("chantiers.coordinate", is_coordinator)
rules.add_perm("chantiers.answer_invitation", answers_for)
rules.add_perm("chantiers.create_chantier", has_organisation)
rules.add_perm("chantiers.build_scenario", is_steward & (is_public | is_participant))
rules.add_perm("chantiers.view_overview", is_steward)
