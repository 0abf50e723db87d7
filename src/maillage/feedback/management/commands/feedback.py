from __future__ import annotations

import csv
import sys
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from maillage.core.errors import MaillageError
from maillage.directory.models import Organisation
from maillage.feedback import selectors, services
from maillage.feedback.models import Cycle, Response


class Command(BaseCommand):
    help = (
        "Anonymous feedback survey cycles: list them, create one, open it (invite every organisation that "
        "received support that year), send reminders, close it, and export its aggregates (never an answer)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        actions.add_parser("list", help="The cycles, with how many were invited and answered.")
        create = actions.add_parser("create", help="A new cycle, in preparation.")
        create.add_argument("cycle", help="Its identifier, for example 2026.")
        create.add_argument("--year", type=int, required=True, help="The year of the support to rate.")
        create.add_argument("--name-fr", required=True)
        create.add_argument("--name-en", default="")
        create.add_argument("--closes-on", type=date.fromisoformat, help="Planned closing date (YYYY-MM-DD).")
        for name, text in (
            ("open", "Open the cycle and invite."),
            ("remind", "Invite those supported since it opened, remind those who have not answered."),
            ("close", "Close the cycle: its results appear; its answers are rewritten in a random order."),
        ):
            actions.add_parser(name, help=text).add_argument("cycle")
        export = actions.add_parser("export", help="Every support actor's ratings in a closed cycle, as CSV.")
        export.add_argument("cycle")
        export.add_argument("--output", type=Path, help="The CSV file (standard output by default).")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            if action == "list":
                for c in selectors.cycles():
                    self.stdout.write(f"{c.slug}\t{c.year}\t{c.status}\t{c.invited} invited\t{c.answered} answered")
                return
            if action == "create":
                cycle = services.cycle_create(
                    user=None,
                    slug=options["cycle"],
                    name_fr=options["name_fr"],
                    name_en=options["name_en"],
                    year=options["year"],
                    closes_on=options["closes_on"],
                )
                self.stdout.write(self.style.SUCCESS(f"Cycle {cycle.slug} created (in preparation)."))
                return
            cycle = selectors.cycle_get(options["cycle"])
            if action == "open":
                added = services.cycle_open(user=None, cycle=cycle)
                self.stdout.write(self.style.SUCCESS(f"Cycle {cycle.slug} is open: {added} invitations."))
            elif action == "remind":
                added, reminded = services.cycle_remind(user=None, cycle=cycle)
                self.stdout.write(self.style.SUCCESS(f"{reminded} organisations reminded, {added} new invitations."))
            elif action == "close":
                count = services.cycle_close(user=None, cycle=cycle)
                self.stdout.write(self.style.SUCCESS(f"Cycle {cycle.slug} is closed with {count} answers."))
            else:
                self._export(cycle, options["output"])
        except MaillageError as error:
            details = "; ".join(p.message for p in error.problems)
            raise CommandError(f"{error.message} {details}".strip()) from None

    def _export(self, cycle: Cycle, output: Path | None) -> None:
        if cycle.status != Cycle.Status.CLOSED:
            raise CommandError("Only a closed cycle has results to export.")
        subjects = Organisation.objects.filter(
            pk__in=Response.objects.filter(cycle=cycle).values("subject_id")
        ).order_by("slug")
        handle = output.open("w", newline="", encoding="utf-8") if output else sys.stdout
        rows = 0
        try:
            writer = csv.writer(handle)
            writer.writerow(selectors.AGGREGATE_HEADER)
            with translation.override("en"):
                for subject in subjects:
                    for row in selectors.aggregate_rows(selectors.scorecard(subject, cycle, with_needs=False)):
                        writer.writerow(["" if v is None else f"{v:.4g}" if isinstance(v, float) else v for v in row])
                        rows += 1
        finally:
            if output:
                handle.close()
        if output:
            self.stdout.write(self.style.SUCCESS(f"{rows} rows written to {output}."))
