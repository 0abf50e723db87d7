"""Chantiers at metropolitan scale: the list, the stewards' conditions across chantiers, a large chantier's page,
the list as CSV and a chantier in the API.

Runs against the database that DATABASE_URL names (make bench starts a throwaway PostgreSQL 15). On the demo's
fictional ecosystem (organisations, offers and their coverage), it writes ``--chantiers`` fictional chantiers of
``--participants`` participants (three commitments each), ``--actions`` actions on framework elements, two
indicators with two years of monthly measurements and a journal of ``--entries`` entries, plus one large chantier
(five times as many participants and actions). Signed in as a steward, it times each page cold and warm against
the directory's list of organisations measured in the same run (ratio = page / baseline; the target is a warm
p95 under 300 ms), and prints the number of SQL queries of each page.

    python bench/chantiers.py [--chantiers 300] [--participants 12] [--actions 15] [--entries 30] [--repeat 20]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import time
from decimal import Decimal

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "maillage.config.settings.bench")

import django

django.setup()

from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from timing import compare, steward_client  # noqa: E402

from maillage.chantiers.models import (  # noqa: E402
    SECTOR_OF_KIND,
    Action,
    Chantier,
    ChantierIndicator,
    Commitment,
    JournalEntry,
    Measurement,
    Participant,
)
from maillage.core.demo import DemoSpec  # noqa: E402
from maillage.diagnostics import loaders as diagnostic_loaders  # noqa: E402
from maillage.diagnostics import selectors as diagnostic_selectors  # noqa: E402
from maillage.directory.loaders import demo_load  # noqa: E402
from maillage.directory.models import Organisation, Territory  # noqa: E402
from maillage.matching.loaders import demo_conditions_load  # noqa: E402

TARGET_MS = 300.0
ROLES = ["backbone", "lead", "funder", "partner", "contributor"]
KINDS = ["money", "staff_time", "space", "data", "decisions"]


def populate(args: argparse.Namespace) -> Chantier:
    rng = random.Random(args.seed)
    Chantier.objects.filter(slug__startswith="bench-ch-").delete()
    organisations = list(Organisation.objects.filter(is_demo=True))
    territories = list(Territory.objects.filter(kind__in=["quartier", "borough"]))
    elements = list(diagnostic_selectors.element_names("fr"))
    today = dt.date.today()
    chantiers = Chantier.objects.bulk_create(
        Chantier(
            slug=f"bench-ch-{i}",
            title_fr=f"Changement fictif {i}",
            whom_fr="Des personnes fictives",
            territory=rng.choice(territories),
            due_on=today + dt.timedelta(days=rng.randrange(200, 1500)),
            is_demo=True,
        )
        for i in range(args.chantiers + 1)
    )
    large = chantiers[-1]
    participants: list[Participant] = []
    for chantier in chantiers:
        count = args.participants * (5 if chantier is large else 1)
        for n, organisation in enumerate(rng.sample(organisations, min(count, len(organisations)))):
            participants.append(
                Participant(
                    chantier=chantier,
                    organisation=organisation,
                    sector=SECTOR_OF_KIND.get(organisation.kind, "community"),
                    role=ROLES[n] if n < len(ROLES) else rng.choice(ROLES[2:]),
                    decides=rng.random() < 0.5,
                )
            )
    participants = Participant.objects.bulk_create(participants, batch_size=5000)
    commitments = []
    for participant in participants:
        for kind in rng.sample(KINDS, 3):
            commitments.append(
                Commitment(
                    participant=participant,
                    kind=kind,
                    amount=Decimal(rng.randrange(1, 200) * 1000) if kind == "money" else None,
                    hours=rng.randrange(10, 800) if kind == "staff_time" else None,
                    description_fr="" if kind in ("money", "staff_time") else "Engagement fictif",
                )
            )
    Commitment.objects.bulk_create(commitments, batch_size=5000)
    by_chantier: dict[int, list[Participant]] = {}
    for participant in participants:
        by_chantier.setdefault(participant.chantier_id, []).append(participant)
    actions, indicators, entries = [], [], []
    for chantier in chantiers:
        scale = 5 if chantier is large else 1
        for n in range(args.actions * scale):
            start = today + dt.timedelta(days=rng.randrange(-300, 300))
            actions.append(
                Action(
                    chantier=chantier,
                    title_fr=f"Action fictive {n}",
                    owner=rng.choice(by_chantier[chantier.pk]),
                    elements=rng.sample(elements, 2),
                    starts_on=start,
                    due_on=start + dt.timedelta(days=rng.randrange(30, 400)),
                    status=rng.choice(["planned", "under_way", "done"]),
                )
            )
        for n in range(2):
            indicators.append(
                ChantierIndicator(
                    chantier=chantier,
                    name_fr=f"Indicateur fictif {n}",
                    unit_fr="personnes",
                    baseline=100.0,
                    baseline_on=today - dt.timedelta(days=730),
                    target=50.0,
                    target_on=today + dt.timedelta(days=700),
                    position=n,
                )
            )
        for n in range(args.entries):
            entries.append(
                JournalEntry(
                    chantier=chantier,
                    kind=rng.choice(["meeting", "decision", "note"]),
                    happened_on=today - dt.timedelta(days=rng.randrange(0, 400)),
                    title=f"Entrée fictive {n}",
                    text="Compte rendu fictif.",
                )
            )
    Action.objects.bulk_create(actions, batch_size=5000)
    indicators = ChantierIndicator.objects.bulk_create(indicators, batch_size=5000)
    Measurement.objects.bulk_create(
        (
            Measurement(
                indicator=indicator,
                measured_on=today - dt.timedelta(days=30 * month),
                value=100.0 - month,
                source="Décompte fictif",
            )
            for indicator in indicators
            for month in range(24)
        ),
        batch_size=5000,
    )
    JournalEntry.objects.bulk_create(entries, batch_size=5000)
    return large


def queries(client: object, url: str) -> int:
    connection.queries_log.clear()  # the log keeps 9,000 queries: start from an empty one
    with CaptureQueriesContext(connection) as captured:
        client.get(url)  # type: ignore[attr-defined]
    return len(captured)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chantiers", type=int, default=300)
    parser.add_argument("--participants", type=int, default=12)
    parser.add_argument("--actions", type=int, default=15)
    parser.add_argument("--entries", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    call_command("reference", verbosity=0)
    diagnostic_loaders.framework_load_default()
    if not Organisation.objects.filter(is_demo=True).exists():
        demo_load(DemoSpec(organisations=400, seed=args.seed))
        demo_conditions_load(seed=args.seed)
    began = time.perf_counter()
    large = populate(args)
    print(
        f"Chantiers at scale: {args.chantiers:,} chantiers of {args.participants} participants and {args.actions} "
        f"actions, one of {large.participants.count()} participants and {large.actions.count()} actions; "
        f"written in {time.perf_counter() - began:.1f} s"
    )
    client = steward_client("bench-chantiers@example.org")
    pages = [
        ("list", "/chantiers/"),
        ("conditions (stewards)", "/chantiers/conditions/"),
        ("large chantier", f"/chantiers/{large.slug}/"),
        ("list as CSV", "/chantiers/?format=csv"),
        ("chantier in the API", f"/api/chantiers/{large.slug}"),
    ]
    worst = compare(client, pages, args.repeat, TARGET_MS, cache.clear)
    print("SQL queries: " + ", ".join(f"{label} {queries(client, url)}" for label, url in pages))
    print(f"warm p95 {'within' if worst < TARGET_MS else 'ABOVE'} the {TARGET_MS:.0f} ms target (worst {worst:.1f} ms)")
    Chantier.objects.filter(slug__startswith="bench-ch-").delete()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
