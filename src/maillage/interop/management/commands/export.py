from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from maillage.collective import exports as collective_exports
from maillage.collective import selectors as collective_selectors
from maillage.collective.models import Indicator
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


def _with_rows(grants: Iterator[dict[str, Any]], writer: csv.DictWriter[str]) -> Iterator[dict[str, Any]]:
    """Pass the grants on, writing each one's spreadsheet row on the way: one pass for both files."""
    for grant in grants:
        writer.writerow(exports.giving_row(grant))
        yield grant


class Command(BaseCommand):
    help = (
        "Export open data: `hsds` (Open Referral HSDS 3: organizations.json, services.json and the tabular data "
        "package in tabular/), `360giving` (360Giving 1.4: grants.json, a grant package, and grants.csv, the same "
        "grants under the official column titles), every object validated against the official schema, or `cids` "
        "(indicators.jsonld: the adopted indicators and their values as Common Impact Data Standard JSON-LD)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("standard", choices=["hsds", "360giving", "cids"])
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
            elif options["standard"] == "360giving":
                self._giving(folder, demo)
            else:
                self._cids(folder, demo)
        except MaillageError as exc:
            details = "\n".join(f"  {p.message}" for p in exc.problems)
            raise CommandError(f"{exc.message}\n{details}") from None

    def _giving(self, folder: Path, demo: bool) -> None:
        package, table = folder / "grants.json", folder / "grants.csv"
        try:
            with table.open("w", encoding="utf-8", newline="") as out:
                writer = csv.DictWriter(out, fieldnames=[title for _path, title in exports.GIVING_COLUMNS])
                writer.writeheader()
                n = _write_array(package, _with_rows(exports.grants(demo=demo), writer), key="grants")
        except MaillageError:  # nothing half-written is left behind
            package.unlink(missing_ok=True)
            table.unlink(missing_ok=True)
            raise
        if n == 0:  # a 360Giving package holds at least one grant
            package.unlink()
            table.unlink()
            self.stdout.write("No funding relation with an amount and a year to export.")
        else:
            self.stdout.write(f"{n} grants written to {package} and {table} (360Giving 1.4).")

    def _cids(self, folder: Path, demo: bool) -> None:
        """The document the site serves at /collective/indicators.jsonld, in French, its addresses on SITE_URL:
        the adopted real indicators, or with ``demo`` the adopted fictional ones (never both)."""
        path = folder / "indicators.jsonld"
        indicators = list(collective_selectors.indicators(Indicator.Status.ADOPTED, demo=demo))
        if not indicators:
            path.unlink(missing_ok=True)
            self.stdout.write("No adopted indicator to export.")
            return
        document = collective_exports.cids_document(None, indicators, "fr", base=settings.SITE_URL)
        path.write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")
        self.stdout.write(f"{len(indicators)} indicators written to {path} (CIDS JSON-LD).")
