from __future__ import annotations

import csv
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from maillage.core import opinions
from maillage.core.errors import MaillageError
from maillage.core.polis import read_export


class Command(BaseCommand):
    help = (
        "Opinion groups of a Pol.is conversation, found as Pol.is finds them (vote matrix without the "
        "moderated-out statements, participants in the conversation, imputation, PCA, scaling for sparse "
        "voters, k-means with k chosen by silhouette). Reads a Pol.is export folder (votes.csv, "
        "comments.csv) and writes participant,group, and the representative and consensus statements."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--polis-export", type=Path, required=True, metavar="FOLDER", help="A Pol.is export.")
        parser.add_argument("--output", type=Path, required=True, help="The CSV file of participant,group.")
        parser.add_argument(
            "--statements",
            type=Path,
            help="The CSV file of representative and consensus statements (next to --output by default).",
        )
        parser.add_argument("--seed", type=int, default=0, help="The seed of the groups' k-means starts.")
        parser.add_argument(
            "--groups",
            type=int,
            metavar="K",
            help="The number of groups, instead of the silhouette's choice (for instance the number Pol.is "
            "reported: Pol.is changes it only after four updates in a row prefer another, a history an "
            "export cannot replay).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        began = time.perf_counter()
        try:
            export = read_export(options["polis_export"])
        except MaillageError as error:
            details = "\n".join(f"  {p.located()}" for p in error.problems)
            raise CommandError(f"{error.message}\n{details}".rstrip()) from None
        if options["groups"] is not None and not 2 <= options["groups"] <= 12:
            raise CommandError("--groups is a number of groups from 2 to 12.")
        result = opinions.opinion_groups(export.votes, seed=options["seed"], k=options["groups"])
        output: Path = options["output"]
        statements: Path = options["statements"] or output.with_name(f"{output.stem}-statements.csv")
        with output.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["participant", "group"])
            for participant, group in result.groups().items():
                writer.writerow([participant, group])
        with statements.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(
                ["kind", "group", "statement", "repful_for", "successes", "trials", "probability", "test", "text"]
            )
            rows = [("representative", g, s) for g, found in result.representative.items() for s in found]
            rows += [("consensus", "", s) for s in result.consensus_agree + result.consensus_disagree]
            for kind, group, s in rows:
                writer.writerow(
                    [
                        kind,
                        group,
                        s.statement,
                        s.repful_for,
                        s.successes,
                        s.trials,
                        f"{s.probability:.4f}",
                        f"{s.test:.4f}",
                        export.comments.get(s.statement, ""),
                    ]
                )
            best = sorted(result.group_consensus.items(), key=lambda item: -item[1])[: opinions.REPRESENTATIVE]
            for statement, value in best:
                if statement not in export.votes.moderated_out:
                    writer.writerow(
                        [
                            "group_aware_consensus",
                            "",
                            statement,
                            "agree",
                            "",
                            "",
                            f"{value:.4f}",
                            "",
                            export.comments.get(statement, ""),
                        ]
                    )
        sizes = ", ".join(f"group {g}: {n}" for g, n in result.sizes().items())
        self.stdout.write(
            f"{len(export.votes.participants)} participants, {len(export.votes.statements)} statements "
            f"({len(export.votes.moderated_out)} moderated out); {len(result.in_conversation)} in the "
            f"conversation, {result.k} groups ({sizes}), "
            + ("as asked" if options["groups"] is not None else "chosen by silhouette")
            + " "
            + ", ".join(f"k={k}: {s:.3f}" for k, s in result.silhouettes.items())
        )
        if export.reported_groups:
            ari, share, compared = opinions.agreement(result.groups(), export.reported_groups)
            reported = len({g for g in export.reported_groups.values() if g})
            self.stdout.write(
                f"Against the {reported} groups Pol.is reported: {share:.1%} of {compared} participants in "
                f"matching groups, adjusted Rand index {ari:.3f}."
            )
        self.stdout.write(
            self.style.SUCCESS(f"Written {output} and {statements} in {time.perf_counter() - began:.1f} s.")
        )
