from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from maillage.interop import imports
from maillage.interop.models import Standard


class Command(BaseCommand):
    help = (
        "Import open data, all or nothing: `hsds PATH` (a JSON file of HSDS 3 organizations or services, or a folder "
        "holding HSDS's tabular data package), `360giving FILE` (a 360Giving JSON package or CSV file of grants) or "
        "`csv FILE` (Maillage's CSV template). Re-importing the same file changes nothing. With --dry-run, say what "
        "would be created, updated or rejected, row by row, and write nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("standard", choices=[s.value for s in Standard])
        parser.add_argument("path")
        parser.add_argument("--dry-run", action="store_true", help="Check the file and report; write nothing.")
        parser.add_argument(
            "--source",
            default="",
            help="Who publishes the data (kept with each new record); required for csv, whose rows' source_id are "
            "identifiers within it: give the same source to every version of the same file.",
        )
        parser.add_argument("--demo", action="store_true", help="The file holds fictional demo records.")
        parser.add_argument("--rows", action="store_true", help="List every row's outcome, not only the totals.")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        if not path.exists():
            raise CommandError(f"{path} does not exist.")
        if options["standard"] == Standard.CSV and not options["source"].strip():
            raise CommandError(
                'Give --source (who publishes the file, for example "Répertoire 211"): the rows\' source_id are '
                "identifiers within that source, and later versions of the file find their records through it."
            )
        verbosity = options["verbosity"]

        def progress(rows: int) -> None:
            if verbosity > 1:
                self.stderr.write(f"{rows} rows read")

        report = imports.import_file(
            options["standard"],
            path,
            source_label=options["source"],
            demo=options["demo"],
            dry_run=options["dry_run"],
            progress=progress,
        )
        if options["rows"]:
            for row in report.rows:
                changes = f" ({', '.join(row['changes'])})" if row["changes"] else ""
                self.stdout.write(
                    f"{row['file']}, row {row['row']}: {row['kind']} {row['action']}: {row['label']}{changes}"
                )
        for kind, actions in report.counts.items():
            self.stdout.write(f"{kind}: " + ", ".join(f"{n} {action}" for action, n in actions.items()))
        if not report.ok:
            listed = "\n".join(f"  {p.located()}" for p in report.problems)
            more = report.problem_count - len(report.problems)
            tail = f"\n  … and {more} more" if more > 0 else ""
            raise CommandError(
                f"{report.problem_count} problem(s) in {report.file}: nothing was written.\n{listed}{tail}"
            )
        if report.dry_run:
            self.stdout.write(f"Dry run: {report.rows_read} rows checked, nothing written.")
        else:
            self.stdout.write(f"{report.rows_read} rows imported from {report.file}.")
