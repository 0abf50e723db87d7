"""Who may do what in the collective definition of success (django-rules).

- Everyone reads the adopted indicators' dashboard and its CIDS export.
- Signed-in people read the proposals and the rounds; the results of a closed round (aggregates only).
- A member of an organisation proposes indicators in its name, and takes part in open rounds for it
  (one ballot and one reaction per statement per organisation, that any of its members may change).
- Stewards run the rounds, moderate statements, adopt indicators with their targets and enter values.
  Nobody, stewards included, reads an organisation's ballot or reactions: pages and exports show
  aggregates, and the vote matrix only under random participant numbers.
"""

from __future__ import annotations

from typing import Any

import rules

from maillage.accounts.selectors import memberships_by_organisation
from maillage.directory.models import Organisation
from maillage.directory.rules import is_steward


@rules.predicate
def is_member_of(user: Any, organisation: Any) -> bool:
    return isinstance(organisation, Organisation) and organisation.pk in memberships_by_organisation(user)


rules.add_perm("collective.propose_indicator", is_member_of)
rules.add_perm("collective.take_part_for", is_member_of)
rules.add_perm("collective.run_rounds", is_steward)
