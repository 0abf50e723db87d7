from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from maillage.core.allocation.run import process_started, run_file
from maillage.core.errors import MaillageError


class Command(BaseCommand):
    help = (
        "Ecosystem allocation: solve a maillage-allocation/1 instance file and write the result "
        "(no database needed), showing the best value, the proven bound and the gap as it goes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--input", type=Path, required=True, help="A maillage-allocation/1 JSON file.")
        parser.add_argument("--output", type=Path, help="Where to write the maillage-allocation-result/1 JSON.")
        parser.add_argument("--time-limit", type=float, default=10.0, help="Seconds of wall time, end to end.")
        parser.add_argument("--gap", type=float, default=1e-4, help="Stop when this close to the bound (relative).")
        parser.add_argument("--equity-share", type=float, help="Minimum share of each territory's need to cover.")

    def handle(self, *args: Any, **options: Any) -> None:
        started = process_started()
        if options["time_limit"] <= 0:
            raise CommandError("The time limit is a number of seconds above 0.")
        share = options["equity_share"]
        if share is not None and not 0 < share <= 1:
            raise CommandError("The equity share is a number above 0 and at most 1.")
        try:
            solution = run_file(
                options["input"], options["output"], options["time_limit"], options["gap"], share, self.stderr, started
            )
        except MaillageError as exc:
            raise CommandError(str(exc)) from None
        result = solution.result
        self.stdout.write(
            f"objective {result.objective:.4f}  upper bound {result.upper_bound:.4f}  gap {result.gap:.4%}  "
            f"({len(result.assignments)} assignments; per-initiative greedy {solution.greedy_value:.4f})"
        )
        equity = result.extra.get("equity")
        if equity:
            met = "met" if equity["feasible"] else "NOT met everywhere (least shortfall shown in the result)"
            self.stdout.write(
                f"equity share {equity['share']:.0%}: {met}; objective without {equity['objective_without']:.4f}, "
                f"with {equity['objective_with']:.4f}, price {equity['price']:.4f}"
            )
