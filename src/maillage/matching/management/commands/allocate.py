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
        source.add_argument(
            "--scenario",
            metavar="NAME",
            help="A scenario of the app (its identifier): the current ecosystem with its changes, solved with its "
            "settings; the run is stored and shows in the app.",
        )
        parser.add_argument("--output", type=Path, help="Where to write the maillage-allocation-result/1 JSON.")
        parser.add_argument("--save-instance", type=Path, help="With --current: also write the instance as JSON.")
        parser.add_argument(
            "--time-limit", type=float, help="Seconds of wall time, end to end (10; a scenario's own by default)."
        )
        parser.add_argument("--gap", type=float, default=1e-4, help="Stop when this close to the bound (relative).")
        parser.add_argument("--equity-share", type=float, help="Minimum share of each territory's need to cover.")
        parser.add_argument("--what-if", type=Path, help="A maillage-scenario/1 file of changes to apply first.")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()  # the command may run in a long-lived process: count from now
        if options["scenario"]:
            return self._scenario(options, started)
        if options["time_limit"] is None:
            options["time_limit"] = 10.0
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

    def _scenario(self, options: dict[str, Any], started: float) -> None:
        from maillage.scenarios import services
        from maillage.scenarios.models import Run, Scenario

        scenario = Scenario.objects.filter(slug=options["scenario"]).first()
        if scenario is None:
            known = ", ".join(Scenario.objects.order_by("slug").values_list("slug", flat=True)[:20]) or "none"
            raise CommandError(f'There is no scenario "{options["scenario"]}" (scenarios: {known}).')
        limit = options["time_limit"]
        if limit is not None and not 2 <= limit <= 3600:
            raise CommandError("The time limit is a number of seconds from 2 to 3600.")
        if scenario.runs.filter(status__in=[Run.Status.QUEUED, Run.Status.RUNNING]).exists():
            raise CommandError(f"A run of scenario {scenario.slug} is already in progress.")
        run = services.run_create(user=None, scenario=scenario, time_limit=limit)
        last = [-1.0]

        def show(step: Any) -> None:
            if step.phase != "done" and step.elapsed - last[0] < 0.5:
                return
            last[0] = step.elapsed
            bound = f"{step.bound:,.1f}" if step.bound != float("inf") else "—"
            gap = f"{step.gap:.2%}" if step.gap != float("inf") else "—"
            self.stderr.write(
                f"{step.elapsed:7.1f} s  {step.phase:<7} best {step.value:,.1f}  bound {bound}  gap {gap}"
            )

        finished = services.run_execute(run.pk, on_progress=show)
        if finished is None or finished.status != Run.Status.SUCCEEDED:
            error = (finished.error if finished is not None else {}) or {}
            problems = "; ".join(f"{p.get('field') or ''} {p['message']}".strip() for p in error.get("problems_en", []))
            raise CommandError(f"{error.get('en', 'The run failed.')} {problems}".strip())
        if options["output"]:
            options["output"].write_text(json.dumps(finished.result, ensure_ascii=False))
        summary = finished.summary
        self.stdout.write(
            f"objective {summary['objective']:.4f}  upper bound {summary['upper_bound']:.4f}  "
            f"gap {summary['gap']:.4%}  ({summary['assignments']} assignments; "
            f"per-initiative greedy {summary['greedy']:.4f}); "
            f"stored as run {finished.pk} of scenario {scenario.slug}"
        )
        if summary.get("equity"):
            equity = summary["equity"]
            met = "met" if equity["feasible"] else "NOT met everywhere (least shortfall)"
            self.stdout.write(
                f"equity share {equity['share']:.0%}: {met}; objective without {equity['objective_without']:.4f}, "
                f"with {equity['objective_with']:.4f}, price {equity['price']:.4f}"
            )
