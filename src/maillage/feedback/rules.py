"""Who may do what with feedback (django-rules).

- A field actor's members answer its invitations (those who were members before the cycle opened, and
  are not members of the support actor rated); nobody else, stewards included, sees them.
- A support actor's members and the stewards read its scorecard (aggregates only); its admins choose
  whether to publish a summary on its offers' pages, with their response.
- Stewards run the cycles, review comments and compare practices across the ecosystem. They never
  see who answered what: the data do not say it.
"""

from __future__ import annotations

from typing import Any

import rules

from maillage.accounts.models import Membership
from maillage.accounts.selectors import memberships_by_organisation
from maillage.directory.models import Organisation
from maillage.directory.rules import is_steward

from .models import Invitation


@rules.predicate
def is_invited(user: Any, invitation: Any) -> bool:
    """A member of the invited organisation since before the cycle opened, and not a member of the
    support actor rated: nobody joins an organisation to answer in its name, nor rates their own."""
    if not isinstance(invitation, Invitation):
        return False
    mine = memberships_by_organisation(user)
    if invitation.organisation_id not in mine or invitation.subject_id in mine:
        return False
    opened = invitation.cycle.opened_at
    return (
        opened is None
        or Membership.objects.filter(
            user=user, organisation_id=invitation.organisation_id, created_at__lt=opened
        ).exists()
    )


@rules.predicate
def is_member_of(user: Any, organisation: Any) -> bool:
    return isinstance(organisation, Organisation) and organisation.pk in memberships_by_organisation(user)


@rules.predicate
def is_admin_of(user: Any, organisation: Any) -> bool:
    return isinstance(organisation, Organisation) and memberships_by_organisation(user).get(organisation.pk) == "admin"


@rules.predicate
def is_support_actor(user: Any, organisation: Any) -> bool:
    return isinstance(organisation, Organisation) and organisation.is_support_actor


rules.add_perm("feedback.answer_invitation", is_invited)
rules.add_perm("feedback.view_scorecard", is_support_actor & (is_member_of | is_steward))
rules.add_perm("feedback.publish_summary", is_support_actor & is_admin_of)
rules.add_perm("feedback.manage_cycles", is_steward)
rules.add_perm("feedback.moderate_comments", is_steward)
rules.add_perm("feedback.compare_practices", is_steward)
