from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from maillage.collective import exports, selectors, services
from maillage.collective.models import Round
from maillage.core.errors import MaillageError


class Command(BaseCommand):
    help = (
        "The collective definition of success: list the indicators, record this year's computed values (for a "
        "yearly schedule), export the adopted indicators as CIDS JSON-LD, or a closed round's reactions as a "
        "Pol.is export folder."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        actions.add_parser("list", help="Every indicator, its status and latest value.")
        record = actions.add_parser("record", help="Compute the adopted computed indicators' values for a year.")
        record.add_argument("--year", type=int, help="The year (this year by default).")
        cids = actions.add_parser("cids", help="The adopted indicators and their values as CIDS JSON-LD.")
        cids.add_argument("--output", required=True, help="The file to write (.jsonld).")
        cids.add_argument("--language", choices=["fr", "en"], default="fr")
        cids.add_argument("--base-url", default="http://127.0.0.1:8000", help="The site's address, for the IRIs.")
        polis = actions.add_parser("polis", help="A closed round's statements and reactions as a Pol.is export.")
        polis.add_argument("round", help="The round's identifier.")
        polis.add_argument("--output", required=True, help="The folder to write comments.csv, votes.csv… in.")
        polis.add_argument("--language", choices=["fr", "en"], default="fr")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except MaillageError as exc:
            raise CommandError(str(exc)) from None

    def _list(self, options: dict[str, Any]) -> None:
        for indicator in selectors.indicators():
            progress = selectors.progress(indicator)
            latest = f"{progress.latest.value:g} ({progress.latest.year})" if progress.latest else "—"
            self.stdout.write(f"{indicator.slug}\t{indicator.status}\t{indicator.method}\t{latest}")

    def _record(self, options: dict[str, Any]) -> None:
        for indicator, value, note in services.values_record(user=None, year=options["year"]):
            self.stdout.write(f"{indicator.slug}\t{'—' if value is None else f'{value:g}'}\t{note}")

    def _cids(self, options: dict[str, Any]) -> None:
        document = exports.cids_document(None, selectors.adopted(), options["language"], base=options["base_url"])
        Path(options["output"]).write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")
        self.stdout.write(f"{len(document.get('@graph', []))} nodes written to {options['output']}.")

    def _polis(self, options: dict[str, Any]) -> None:
        found = selectors.round_detail(options["round"])
        if found.status != Round.Status.CLOSED:
            raise CommandError("The reactions are exported once the round is closed.")
        with translation.override(options["language"]):
            files = exports.polis_files(found, options["language"])
        if files is None:
            raise CommandError("Fewer than five organisations reacted: the reactions are not exported.")
        folder = Path(options["output"])
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in files.items():
            (folder / name).write_text(text, encoding="utf-8")
        self.stdout.write(f"{', '.join(files)} written to {folder}.")
