"""Who may do what with scenarios: the one place where it is decided.

A scenario belongs to the stewards (no organisation: it may change every offer) or to a support actor
(it changes that actor's own offers only). Its owners see, edit and run it; once shared, every
signed-in person sees its aggregates. What a run advises for one initiative shows its needs, so only
the initiative's own members see it; what it advises for an offer, only the offer's providers (and
stewards, without names). The matrix is tested in ``tests/test_permissions_matrix.py`` and
``tests/test_scenarios.py``.
"""

from __future__ import annotations

from typing import Any

import rules

from maillage.directory.rules import is_member, is_steward

from .models import Scenario


@rules.predicate
def is_owner(user: Any, scenario: Scenario | None) -> bool:
    if scenario is None or not getattr(user, "is_authenticated", False):
        return False
    if scenario.organisation_id is None:
        return bool(is_steward(user))
    return bool(is_member(user, scenario.organisation))


@rules.predicate
def is_shared(user: Any, scenario: Scenario | None) -> bool:
    return scenario is not None and scenario.is_shared and bool(getattr(user, "is_authenticated", False))


@rules.predicate
def may_create_for(user: Any, organisation: Any) -> bool:
    """Stewards create the stewards' scenarios (no organisation); members of a support actor, its own."""
    if organisation is None:
        return bool(is_steward(user))
    return bool(is_member(user, organisation)) and bool(organisation.is_support_actor)


rules.add_perm("scenarios.create_scenario_for", may_create_for)
rules.add_perm("scenarios.view_scenario", is_owner | is_shared)
rules.add_perm("scenarios.edit_scenario", is_owner)
rules.add_perm("scenarios.run_scenario", is_owner)
