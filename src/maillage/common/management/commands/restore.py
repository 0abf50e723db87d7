from __future__ import annotations

import sys
from pathlib import Path
from typing import IO, Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from maillage.common import backup
from maillage.core.errors import MaillageError


class Command(BaseCommand):
    help = (
        "Restore an archive made by `maillage backup` into this database, migrated first to the same migrations "
        "(`maillage migrate`) and empty unless --replace is given. Everything is checked before anything is "
        "written (format, migrations, checksums), then written in one transaction: all or nothing. Stop the site "
        "and its worker first. See docs/backup.md."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="The archive (maillage-backup-….tar.gz), or `-` for standard input.")
        parser.add_argument(
            "--replace",
            action="store_true",
            help=(
                "Empty this database's tables first (every table but content types and permissions, sessions "
                "included): everything it holds is replaced by the archive's. Uploaded files of the archive "
                "replace those at the same paths."
            ),
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Make every check (format, checksums, migrations, target), write nothing.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        verbose = options["verbosity"] >= 2

        def progress(message: str) -> None:
            if verbose:
                self.stdout.write(f"  {message}")

        source: Path | IO[bytes] = sys.stdin.buffer if options["path"] == "-" else Path(options["path"])
        try:
            summary = backup.restore(source, replace=options["replace"], dry_run=options["dry_run"], progress=progress)
        except MaillageError as exc:
            raise CommandError(str(exc)) from None
        manifest = summary.manifest
        origin = (
            f"the archive of {manifest.created} (Maillage {manifest.maillage_version}, "
            f"{manifest.database.get('vendor', '?')})"
        )
        if summary.dry_run:
            self.stdout.write(
                self.style.SUCCESS(
                    f"{origin} is intact and can be restored here{' with --replace' if summary.replaced else ''}: "
                    f"{summary.rows} rows of {summary.models} tables, {summary.media_files} uploaded files. "
                    "Nothing was written (--dry-run)."
                )
            )
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored {origin} in {summary.seconds:.1f} s: {summary.rows} rows of {summary.models} tables, "
                f"{summary.media_files} uploaded files"
                f"{', after emptying this database' if summary.replaced else ''}. Everyone signs in again."
            )
        )
