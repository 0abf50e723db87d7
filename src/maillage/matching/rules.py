"""Who may see a basket: the members of the initiative's carrying organisations (it shows their needs).

Tested in ``tests/test_matching.py`` (every role).
"""

from __future__ import annotations

import rules

from maillage.directory.rules import is_member

rules.add_perm("matching.view_basket", is_member)  # object: the initiative
