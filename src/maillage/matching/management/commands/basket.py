from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from maillage.core.errors import MaillageError
from maillage.directory import selectors as directory_selectors
from maillage.matching import selectors
from maillage.matching.serialise import basket_data


class Command(BaseCommand):
    help = "The basket of support of an initiative, explained (an operator's command: it reads private needs)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("initiative", help="The initiative's identifier (its slug).")
        parser.add_argument("--all-types", action="store_true", help="Every kind of support, not only those wanted.")
        parser.add_argument("--json", action="store_true", help="Print the basket as JSON.")
        parser.add_argument("--language", choices=("fr", "en"), default="fr")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            initiative = directory_selectors.initiative_detail(options["initiative"])
        except MaillageError as exc:
            raise CommandError(str(exc)) from None
        data = basket_data(selectors.basket_for(initiative, all_types=options["all_types"]))
        if options["json"]:
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            return
        language = options["language"]
        with translation.override(language):
            if data["basket"] is None:
                raise CommandError("This initiative has no submitted diagnostic: no needs, no basket.")
            basket = data["basket"]
            self.stdout.write(
                f"{initiative.name} — {len(basket['offers'])} offers, value {basket['value']:.2f}, "
                f"{basket['burden_hours']:.0f} reporting hours a year (limit: {data['max_burden_hours'] or '—'})"
            )
            for item in data["items"]:
                covered = ", ".join(f"{e} {share:.0%}" for e, share in item["covered"].items())
                self.stdout.write(f"  + {item['offer']}: covers {covered}")
                for condition in item["conditions"]:
                    mark = "?" if condition["passed"] is None else "✓"
                    self.stdout.write(f"      {mark} {condition['reason'][language]}")
            for left in data["left_out"]:
                reasons = " ".join(d[language] for d in left["details"])
                self.stdout.write(f"  − {left['offer']} ({left['reason']}): {reasons}")
            for alternative in data["alternatives"]:
                self.stdout.write(
                    f"  ~ +{alternative['extra_hours']:.0f} h, +{alternative['extra_offers']} offer: "
                    f"adds {', '.join(alternative['added'])}"
                    + (f" instead of {', '.join(alternative['removed'])}" if alternative["removed"] else "")
                )
