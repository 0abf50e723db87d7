"""Who may manage people in the administration site.

Stewards see people and manage memberships; only superusers change accounts themselves
(a steward cannot make anyone, themselves included, a superuser).
"""

from __future__ import annotations

import rules

from maillage.directory.rules import is_steward

rules.add_perm("accounts", is_steward)
rules.add_perm("accounts.view_user", is_steward)
rules.add_perm("accounts.view_apitoken", is_steward)
for action in ("view", "add", "change", "delete"):
    rules.add_perm(f"accounts.{action}_membership", is_steward)
