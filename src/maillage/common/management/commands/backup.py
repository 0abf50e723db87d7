from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from maillage.common import backup
from maillage.core.errors import MaillageError


def size_text(size: int) -> str:
    """``532 bytes``, ``12.4 MB``…"""
    if size < 1024:
        return f"{size} bytes"
    value = float(size)
    for unit in ("KB", "MB", "GB", "TB"):
        value /= 1024
        if value < 1024 or unit == "TB":
            break
    return f"{value:.1f} {unit}"


class Command(BaseCommand):
    help = (
        "Back up the database and the uploaded files into one archive (maillage-backup/1: a manifest, every "
        "model's rows as JSON Lines, the files under MEDIA_ROOT), read in one consistent snapshot while the "
        "site runs. Restore it with `maillage restore`. See docs/backup.md."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "path",
            nargs="?",
            help=(
                "The archive to write (replaced if it exists), or a folder to write it in under the default name, "
                "or `-` for standard output. Default: DATA_DIR/backups/maillage-backup-YYYYMMDD-HHMMSS.tar.gz "
                "(the time in UTC)."
            ),
        )

    def handle(self, *args: Any, **options: Any) -> None:
        to_stdout = options["path"] == "-"
        messages = self.stderr if to_stdout else self.stdout  # standard output carries the archive
        verbose = options["verbosity"] >= 2

        def progress(message: str) -> None:
            if verbose:
                messages.write(f"  {message}")

        destination: Path | Any = None
        if to_stdout:
            destination = sys.stdout.buffer
        elif options["path"]:
            destination = Path(options["path"])
        try:
            summary = backup.backup(destination, progress=progress)
        except MaillageError as exc:
            raise CommandError(str(exc)) from None
        where = "standard output" if summary.path is None else str(summary.path)
        if options["verbosity"] >= 1:
            messages.write(
                self.style.SUCCESS(
                    f"Backup written to {where} in {summary.seconds:.1f} s: {summary.rows} rows of {summary.models} "
                    f"tables, {summary.media_files} uploaded files, {size_text(summary.size)}."
                )
            )
