"""Who may do what with frameworks and diagnostics: the one place where it is decided.

A diagnostic belongs to its initiative's carrying organisations: their members fill it in,
read it, export it and share it. Organisations it is shared with read it once submitted.
Nobody else sees it, stewards included: stewards publish frameworks, set the scoring
parameters and read aggregates over at least five initiatives. The matrix is tested in
``tests/test_diagnostics_permissions.py``.
"""

from __future__ import annotations

from typing import Any

import rules

from maillage.accounts.selectors import memberships_by_organisation
from maillage.directory.rules import is_member as is_initiative_member
from maillage.directory.rules import is_steward

from .models import Diagnostic


@rules.predicate
def is_team(user: Any, diagnostic: Diagnostic | None) -> bool:
    """A member of an organisation that carries the diagnostic's initiative."""
    return diagnostic is not None and bool(is_initiative_member(user, diagnostic.initiative))


@rules.predicate
def is_shared_with(user: Any, diagnostic: Diagnostic | None) -> bool:
    if diagnostic is None or diagnostic.status != Diagnostic.Status.SUBMITTED:
        return False
    mine = memberships_by_organisation(user)
    # .all() uses the shares that diagnostic_get prefetched.
    return bool(mine) and any(share.organisation_id in mine for share in diagnostic.shares.all())


@rules.predicate
def is_draft(user: Any, diagnostic: Diagnostic | None) -> bool:
    return diagnostic is not None and diagnostic.status == Diagnostic.Status.DRAFT


rules.add_perm("diagnostics.start_diagnostic", is_initiative_member)  # object: the initiative
rules.add_perm("diagnostics.view_diagnostic", is_team | is_shared_with)
rules.add_perm("diagnostics.edit_diagnostic", is_team & is_draft)
rules.add_perm("diagnostics.share_diagnostic", is_team & ~is_draft)
rules.add_perm("diagnostics.publish_framework", is_steward)
rules.add_perm("diagnostics.set_parameters", is_steward)
rules.add_perm("diagnostics.view_aggregates", is_steward)
