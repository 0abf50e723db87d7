from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from maillage.core.allocation import dump_instance
from maillage.core.allocation.run import read_instance_file, run_file, solve_instance
from maillage.core.allocation.scenario import apply_scenario
from maillage.core.errors import MaillageError


class Command(BaseCommand):
    help = (
        "Ecosystem allocation: solve a maillage-allocation/1 instance file (no database needed), or the "
        "current ecosystem from the database (--current), showing the best value, the proven bound and "
        "the gap as it goes. The result is advice, never a decision."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--input", type=Path, help="A maillage-allocation/1 JSON file.")
        source.add_argument(
            "--current",
            action="store_true",
            help="The ecosystem as it is today: every initiative's latest submitted diagnostic, every offer "
            "that takes requests, with what is left of its capacity this year.",
        )
        parser.add_argument("--output", type=Path, help="Where to write the maillage-allocation-result/1 JSON.")
        parser.add_argument("--save-instance", type=Path, help="With --current: also write the instance as JSON.")
        parser.add_argument("--time-limit", type=float, default=10.0, help="Seconds of wall time, end to end.")
        parser.add_argument("--gap", type=float, default=1e-4, help="Stop when this close to the bound (relative).")
        parser.add_argument("--equity-share", type=float, help="Minimum share of each territory's need to cover.")
        parser.add_argument("--what-if", type=Path, help="A maillage-scenario/1 file of changes to apply first.")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()  # the command may run in a long-lived process: count from now
        if options["time_limit"] <= 0:
            raise CommandError("The time limit is a number of seconds above 0.")
        share = options["equity_share"]
        if share is not None and not 0 < share <= 1:
            raise CommandError("The equity share is a number above 0 and at most 1.")
        settings = (options["time_limit"], options["gap"], share, self.stderr, started)
        try:
            if options["current"]:
                from maillage.matching.allocation import ecosystem_instance

                instance = ecosystem_instance()
                if options["what_if"]:
                    instance = apply_scenario(instance, read_instance_file(options["what_if"]))
                if options["save_instance"]:
                    options["save_instance"].write_text(json.dumps(dump_instance(instance), ensure_ascii=False))
                solution = solve_instance(instance, options["output"], *settings)
            else:
                solution = run_file(options["input"], options["output"], *settings, what_if=options["what_if"])
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
        if options["current"]:
            names = {i.id: i.extra.get("name", i.id) for i in instance.initiatives}
            offers = {o.id: o.extra.get("name", o.id) for o in instance.offers}
            for assignment in sorted(result.assignments, key=lambda a: (names[a.initiative], offers[a.offer])):
                self.stdout.write(f"  {names[assignment.initiative]} ← {offers[assignment.offer]}")
