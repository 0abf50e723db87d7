import rules

from maillage.directory.rules import is_steward

rules.add_perm("audit.view_log", is_steward)
