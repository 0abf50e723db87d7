"""Ecosystem allocation: which initiatives each offer should serve, for the most need covered.

The problem and its JSON formats are those of ``docs/allocation.md`` (``maillage-allocation/1``
and ``maillage-allocation-result/1``). Modules:

- :mod:`.model`: the formats, read with every problem's path, and written;
- :mod:`.check`: an independent checker (objective and constraints, plain dictionaries);
- :mod:`.arrays`: the instance compiled to arrays of useful pairs;
- :mod:`.greedy`: the per-initiative baseline and the global greedy;
- :mod:`.milp`: the MILP model for HiGHS;
- :mod:`.search`: local search;
- :mod:`.solve`: the solver (greedy, LP-guided sub-MIP, branch and cut or decomposition);
- :mod:`.scenario`: what-if changes (``maillage-scenario/1``) applied to an instance;
- :mod:`.generate`: the seeded generator of benchmark instances;
- :mod:`.run`: read a file, solve, write (the command line).
"""

from .check import objective, territory_coverage, violations
from .generate import MONTREAL, PROVINCE, InstanceSpec, TerritoryWeight, generate_instance
from .model import (
    Assignment,
    Initiative,
    Instance,
    Offer,
    Result,
    dump_instance,
    dump_result,
    parse_instance,
    parse_result,
)
from .solve import Progress, Solution, solve

__all__ = [
    "MONTREAL",
    "PROVINCE",
    "Assignment",
    "Initiative",
    "Instance",
    "InstanceSpec",
    "Offer",
    "Progress",
    "Result",
    "Solution",
    "TerritoryWeight",
    "dump_instance",
    "dump_result",
    "generate_instance",
    "objective",
    "parse_instance",
    "parse_result",
    "solve",
    "territory_coverage",
    "violations",
]
