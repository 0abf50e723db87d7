from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from maillage.core.errors import MaillageError
from maillage.diagnostics.loaders import framework_load_default
from maillage.directory import loaders, maps


class Command(BaseCommand):
    help = (
        "Load or update the reference data: Montréal's territories, tables de quartier and vocabularies, and "
        "publish the bundled success-conditions framework if that version is not published yet."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--montreal-dir",
            type=Path,
            default=loaders.MONTREAL_DIR,
            help="Folder with the Montréal GeoJSON and CSV files.",
        )
        parser.add_argument(
            "--taxonomies", type=Path, default=loaders.TAXONOMIES_FILE, help="The vocabularies file (JSON)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        self.verbosity = options["verbosity"]
        try:
            summary = loaders.reference_load(
                montreal_dir=options["montreal_dir"], taxonomies_file=options["taxonomies"], progress=self._progress
            )
            framework = framework_load_default()
        except MaillageError as exc:
            raise CommandError(str(exc)) from None
        maps.clear_cache()
        if framework is not None:
            self.stdout.write(f"  Success-conditions framework published: {framework.slug} {framework.version}.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Reference data loaded: {summary.territories} territories, {summary.tables} tables de quartier, "
                f"{summary.terms} vocabulary terms."
            )
        )

    def _progress(self, message: str) -> None:
        if self.verbosity >= 1:
            self.stdout.write(f"  {message}")
