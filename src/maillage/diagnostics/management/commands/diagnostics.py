from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from maillage.diagnostics import report, selectors
from maillage.diagnostics.models import Diagnostic


class Command(BaseCommand):
    help = (
        "Export self-diagnostics (answers and scores) as CSV or JSON, or the needs of each initiative's latest "
        "submitted diagnostic in the allocation format. This is an operator's command: it reads every "
        "diagnostic, private ones included."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export", help="Write diagnostics to standard output or a file.")
        export.add_argument("--format", choices=("csv", "json", "allocation"), default="csv")
        export.add_argument("--initiative", default="", help="Only this initiative (its identifier).")
        export.add_argument(
            "--status", choices=("submitted", "draft", "all"), default="submitted", help="Default: submitted."
        )
        export.add_argument("--no-demo", action="store_true", help="Leave out the fictional demo diagnostics.")
        export.add_argument("--language", choices=("fr", "en"), default="fr", help="Language of the question texts.")
        export.add_argument("--output", "-o", type=Path, help="File to write (default: standard output).")

    def handle(self, *args: Any, **options: Any) -> None:
        diagnostics = (
            Diagnostic.objects.select_related("initiative", "framework")
            .prefetch_related("territories", "populations", "wanted_support_types")
            .order_by("initiative__slug", "pk")
        )
        if options["initiative"]:
            diagnostics = diagnostics.filter(initiative__slug=options["initiative"])
            if not diagnostics.exists():
                raise CommandError(f"No diagnostic for the initiative “{options['initiative']}”.")
        if options["status"] != "all":
            diagnostics = diagnostics.filter(status=options["status"])
        if options["no_demo"]:
            diagnostics = diagnostics.filter(is_demo=False)
        with translation.override(options["language"]):
            text = self._render(list(diagnostics), options["format"])
        if options["output"]:
            options["output"].write_text(text, encoding="utf-8")
            self.stderr.write(f"Wrote {options['output']}.")
        else:
            sys.stdout.write(text)

    def _render(self, diagnostics: list[Diagnostic], fmt: str) -> str:
        if fmt == "json":
            return report.dumps(diagnostics) + "\n"
        if fmt == "allocation":
            latest: dict[int, Diagnostic] = {}
            submitted = [d for d in diagnostics if d.submitted_at is not None]
            for diagnostic in sorted(submitted, key=lambda d: d.submitted_at):  # type: ignore[arg-type,return-value]
                latest[diagnostic.initiative_id] = diagnostic
            initiatives = []
            for diagnostic in latest.values():
                result = selectors.result_of(diagnostic)
                assert result is not None
                initiatives.append(
                    {
                        "id": diagnostic.initiative.slug,
                        "max_burden_hours": diagnostic.max_reporting_hours,
                        "needs": result.needs_map(),
                    }
                )
            return json.dumps({"initiatives": initiatives}, ensure_ascii=False, indent=2) + "\n"
        buffer = io.StringIO()
        report.write_csv(diagnostics, buffer)
        return buffer.getvalue()
