from __future__ import annotations

import time
from typing import Any

from auditlog.context import disable_auditlog
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from maillage.chantiers.loaders import demo_chantiers_clear, demo_chantiers_load
from maillage.collective.loaders import demo_collective_load
from maillage.collective.models import Indicator, Round
from maillage.core.demo import DemoSpec
from maillage.core.errors import MaillageError
from maillage.diagnostics.loaders import demo_diagnostics_load
from maillage.directory import loaders
from maillage.directory.models import Organisation
from maillage.feedback.loaders import demo_feedback_load
from maillage.feedback.models import Cycle
from maillage.matching.loaders import demo_conditions_load
from maillage.scenarios.loaders import demo_scenarios_load
from maillage.scenarios.models import Scenario


class Command(BaseCommand):
    help = (
        "Load (or reload) the Montréal demo: the real territories and tables de quartier, plus a fictional "
        "ecosystem of organisations, initiatives, offers and relations, all labelled as demo data."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--organisations", type=int, default=400, help="How many fictional organisations to generate (default 400)."
        )
        parser.add_argument("--seed", type=int, default=2026, help="Random seed (same seed, same ecosystem).")
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing if fictional organisations are already loaded."
        )
        parser.add_argument("--clear", action="store_true", help="Only remove the fictional records.")
        parser.add_argument(
            "--no-scenarios",
            action="store_true",
            help="Do not make and run the demo's allocation scenarios (a few seconds each).",
        )
        parser.add_argument(
            "--no-diagnostics",
            action="store_true",
            help="Do not fill self-diagnostics for the demo initiatives (they take a few seconds per thousand).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # Loading fictional data is not a change anyone made: the audit log stays for real ones.
        with disable_auditlog():
            self._load(**options)

    def _load(self, **options: Any) -> None:
        if options["organisations"] < 1:
            raise CommandError("--organisations must be at least 1.")
        started = time.perf_counter()
        # The real reference data are always brought up to date (idempotent, under a second).
        call_command("reference", verbosity=options["verbosity"], stdout=self.stdout)
        if options["if_empty"] and Organisation.objects.filter(is_demo=True).exists():
            self.stdout.write("The demo is already loaded (use `maillage demo` without --if-empty to reload it).")
            return
        # The demo's chantiers go first: they use the demo's organisations and its collective indicators.
        demo_chantiers_clear()
        if options["clear"]:
            Scenario.objects.filter(is_demo=True).delete()
            Cycle.objects.filter(is_demo=True).delete()
            Round.objects.filter(is_demo=True).delete()
            Indicator.objects.filter(is_demo=True).delete()
            loaders.demo_clear()
            self.stdout.write(self.style.SUCCESS("Fictional records removed."))
            return
        try:
            summary = loaders.demo_load(
                DemoSpec(organisations=options["organisations"], seed=options["seed"]),
                progress=lambda m: self.stdout.write(f"  {m}"),
            )
            demo_conditions_load(seed=options["seed"])
            diagnostics = 0
            if not options["no_diagnostics"]:
                diagnostics = demo_diagnostics_load(
                    seed=options["seed"], progress=lambda m: self.stdout.write(f"  {m}")
                )
            scenarios = 0
            if not options["no_scenarios"]:
                scenarios = demo_scenarios_load(progress=lambda m: self.stdout.write(f"  {m}"))
            answers = demo_feedback_load(seed=options["seed"], progress=lambda m: self.stdout.write(f"  {m}"))
            rankings = demo_collective_load(seed=options["seed"], progress=lambda m: self.stdout.write(f"  {m}"))
            chantiers = demo_chantiers_load(seed=options["seed"], progress=lambda m: self.stdout.write(f"  {m}"))
        except MaillageError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo loaded in {time.perf_counter() - started:.1f} s: {summary.organisations} organisations, "
                f"{summary.initiatives} initiatives, {summary.offers} offers, {summary.relations} relations, "
                f"{diagnostics} self-diagnostics, {scenarios} allocation scenarios run, {answers} survey answers, "
                f"{rankings} rankings of indicators, {chantiers} chantiers (all fictional, labelled “demo”)."
            )
        )
