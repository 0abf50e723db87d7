"""Who may see a basket (the members of the initiative's carrying organisations: it shows their needs),
and who sees, answers and withdraws a request for support.

Tested in ``tests/test_matching.py`` (every role).
"""

from __future__ import annotations

from typing import Any

import rules

from maillage.directory.rules import is_member

rules.add_perm("matching.view_basket", is_member)  # object: the initiative


@rules.predicate
def is_requester(user: Any, request: Any) -> bool:
    """A member of an organisation carrying the request's initiative."""
    return request is not None and bool(is_member(user, request.initiative))


@rules.predicate
def is_provider(user: Any, request: Any) -> bool:
    """A member of an organisation providing the requested offer."""
    return request is not None and bool(is_member(user, request.offer))


rules.add_perm("matching.view_request", is_requester | is_provider)
rules.add_perm("matching.answer_request", is_provider)
rules.add_perm("matching.withdraw_request", is_requester)
