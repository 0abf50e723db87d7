from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from maillage.core.errors import MaillageError
from maillage.interop import exports


def _write_array(path: Path, items: Iterator[dict[str, Any]], *, key: str | None = None) -> int:
    """Write a JSON array (or an object holding it under ``key``) one item at a time: bounded memory."""
    count = 0
    with path.open("w", encoding="utf-8") as out:
        out.write('{"version": "1.4", "' + key + '": [' if key else "[")
        for item in items:
            out.write(",\n" if count else "\n")
            out.write(json.dumps(item, ensure_ascii=False))
            count += 1
        out.write("\n]}\n" if key else "\n]\n")
    return count


class Command(BaseCommand):
    help = (
        "Export open data: `hsds` (Open Referral HSDS 3: organizations.json, services.json and the tabular data "
        "package in tabular/) or `360giving` "
        "(360Giving 1.4: grants.json, a grant package), every object validated against the official schema."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("standard", choices=["hsds", "360giving"])
        parser.add_argument("--output", required=True, help="The folder to write in (created if missing).")
        parser.add_argument("--demo", action="store_true", help="Export the fictional demo records instead.")

    def handle(self, *args: Any, **options: Any) -> None:
        folder = Path(options["output"])
        folder.mkdir(parents=True, exist_ok=True)
        demo = options["demo"]
        try:
            if options["standard"] == "hsds":
                n = _write_array(folder / "organizations.json", exports.hsds_organizations(demo=demo))
                m = _write_array(folder / "services.json", exports.hsds_services(demo=demo))
                tables = folder / "tabular"
                tables.mkdir(exist_ok=True)
                rows = exports.hsds_tables(tables, demo=demo)
                self.stdout.write(
                    f"{n} organizations and {m} services written to {folder} (HSDS 3), and the tabular data package "
                    f"to {tables} ({', '.join(f'{count} {name}' for name, count in rows.items())})."
                )
            else:
                n = _write_array(folder / "grants.json", exports.grants(demo=demo), key="grants")
                if n == 0:  # a 360Giving package holds at least one grant
                    (folder / "grants.json").unlink()
                    self.stdout.write("No funding relation with an amount and a year to export.")
                else:
                    self.stdout.write(f"{n} grants written to {folder / 'grants.json'} (360Giving 1.4).")
        except MaillageError as exc:
            details = "\n".join(f"  {p.message}" for p in exc.problems)
            raise CommandError(f"{exc.message}\n{details}") from None
