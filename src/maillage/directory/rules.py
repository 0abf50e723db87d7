"""Who may do what in the directory: the one place where these permissions are decided.

Predicates compose (django-rules). Object permissions take the organisation, initiative
or offer concerned; model permissions (no object) are what Django's admin asks, and only
stewards hold them. The full role × object × action matrix is tested in
``tests/test_permissions_matrix.py``.
"""

from __future__ import annotations

from typing import Any

import rules

from maillage.accounts.selectors import memberships_by_organisation

from .models import Initiative, Organisation, SupportOffer


@rules.predicate
def is_steward(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and (user.is_steward or user.is_superuser))


def _organisation_ids(obj: Any) -> set[int]:
    if isinstance(obj, Organisation):
        return {obj.pk}
    # .all() uses what list pages and the API prefetched; a single object costs one query.
    if isinstance(obj, Initiative):
        return {carrier.organisation_id for carrier in obj.carriers.all()}
    if isinstance(obj, SupportOffer):
        return {provider.pk for provider in obj.providers.all()}
    return set()


@rules.predicate
def is_member(user: Any, obj: Any) -> bool:
    """A member or admin of the organisation, or of one carrying the initiative or providing the offer."""
    if obj is None:
        return False
    mine = memberships_by_organisation(user)
    return bool(mine) and bool(_organisation_ids(obj) & mine.keys())


@rules.predicate
def is_admin(user: Any, obj: Any) -> bool:
    if obj is None:
        return False
    mine = memberships_by_organisation(user)
    return any(mine.get(org_id) == "admin" for org_id in _organisation_ids(obj))


@rules.predicate
def is_support_organisation(user: Any, obj: Any) -> bool:
    return isinstance(obj, Organisation) and obj.is_support_actor


is_authenticated = rules.is_authenticated

# Organisations
rules.add_perm("directory.create_organisation", is_authenticated)
rules.add_perm("directory.view_organisation_private", is_member | is_steward)
rules.add_perm("directory.edit_organisation", is_admin | is_steward)
rules.add_perm("directory.manage_organisation_members", is_admin | is_steward)
# Initiatives: any member of a carrying organisation edits them.
rules.add_perm("directory.create_initiative_for", is_member | is_steward)
rules.add_perm("directory.view_initiative_private", is_member | is_steward)
rules.add_perm("directory.edit_initiative", is_member | is_steward)
# Offers: members of a providing support actor edit them.
rules.add_perm("directory.create_offer_for", (is_member | is_steward) & is_support_organisation)
rules.add_perm("directory.edit_offer", is_member | is_steward)

# Django's admin: stewards manage every directory model (reference data included).
for model in (
    "territory",
    "sector",
    "population",
    "supporttype",
    "language",
    "resource",  # the shareable resources (a kitchen, a van…): reference data like the other vocabularies
    "organisation",
    "initiative",
    "initiativecarrier",
    "supportoffer",
    "openperiod",
    "relation",
):
    for action in ("view", "add", "change", "delete"):
        rules.add_perm(f"directory.{action}_{model}", is_steward)
rules.add_perm("directory", is_steward)
