"""A deliberation round at metropolitan scale: closing it, its results page, and the Pol.is export.

Runs against the database that DATABASE_URL names (make bench starts a throwaway PostgreSQL 15). It writes a
fictional open round: ``--organisations`` organisations (field actors, support actors and policy makers), each
ranking the ``--candidates`` indicators and reacting to about 70 % of ``--statements`` statements along one of
four opinion profiles. Then it closes the round (kinds fixed, random participant numbers drawn) and, signed in
as a steward, times:

- the results page the first time (consensus rankings, each kind's ranking, opinion groups computed) and warm;
- the same results in the API;
- the Pol.is export (zip of three CSV files);

each against the directory's list of organisations measured in the same run (ratio = page / baseline; the
target is a warm p95 under 300 ms).

    python bench/collective.py [--organisations 2000] [--candidates 20] [--statements 60] [--repeat 20]
"""

from __future__ import annotations

import argparse
import os
import random
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "maillage.config.settings.bench")

import django

django.setup()

from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402
from timing import compare, steward_client  # noqa: E402

from maillage.collective import services  # noqa: E402
from maillage.collective.models import Ballot, Indicator, Reaction, Round, Statement, actor_kind_of  # noqa: E402
from maillage.directory.models import Organisation  # noqa: E402

TARGET_MS = 300.0


def populate(args: argparse.Namespace) -> Round:
    rng = random.Random(args.seed)
    Round.objects.filter(slug="bench-round").delete()
    Indicator.objects.filter(slug__startswith="bench-ind-").delete()
    Organisation.objects.filter(slug__startswith="bench-co-").delete()
    organisations = Organisation.objects.bulk_create(
        (
            Organisation(
                slug=f"bench-co-{i}",
                name_fr=f"Organisme fictif {i}",
                is_field_actor=i % 10 < 7,
                is_support_actor=i % 10 in (7, 8),
                is_policy_actor=i % 10 == 9,
                is_demo=True,
            )
            for i in range(args.organisations)
        ),
        batch_size=5000,
    )
    indicators = Indicator.objects.bulk_create(
        Indicator(slug=f"bench-ind-{i}", name_fr=f"Indicateur {i}", name_en=f"Indicator {i}", method="entered")
        for i in range(args.candidates)
    )
    found = Round.objects.create(
        slug="bench-round", name_fr="Ronde fictive", status="open", opened_at=timezone.now(), is_demo=False
    )
    found.candidates.set(indicators)
    statements = Statement.objects.bulk_create(
        Statement(round=found, number=n + 1, text_fr=f"Énoncé {n + 1}") for n in range(args.statements)
    )
    profiles = [[rng.choice([1, -1, 0]) for _ in statements] for _ in range(4)]
    leanings = {kind: [rng.random() for _ in indicators] for kind in ("field", "support", "policy")}
    ballots, reactions = [], []
    for org in organisations:
        kind = actor_kind_of(org)
        scores = sorted(range(len(indicators)), key=lambda i: -(leanings[kind][i] + rng.gauss(0, 0.3)))
        ballots.append(
            Ballot(round=found, organisation=org, actor_kind=kind, ranking=[[indicators[i].pk] for i in scores])
        )
        profile = profiles[rng.randrange(4)]
        for statement, stance in zip(statements, profile, strict=True):
            if rng.random() < 0.7:
                vote = stance if rng.random() < 0.8 else rng.choice([1, -1, 0])
                reactions.append(Reaction(statement=statement, organisation=org, vote=vote, actor_kind=kind))
    Ballot.objects.bulk_create(ballots, batch_size=5000)
    Reaction.objects.bulk_create(reactions, batch_size=5000)
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--organisations", type=int, default=2000)
    parser.add_argument("--candidates", type=int, default=20)
    parser.add_argument("--statements", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    call_command("reference", verbosity=0)
    began = time.perf_counter()
    found = populate(args)
    count = Reaction.objects.filter(statement__round=found).count()
    print(
        f"Deliberation at scale: {args.organisations:,} organisations, {args.candidates} indicators, "
        f"{args.statements} statements, {count:,} reactions, written in {time.perf_counter() - began:.1f} s"
    )
    began = time.perf_counter()
    services.round_close(user=None, round=found)
    closing = time.perf_counter() - began
    client = steward_client("bench-collective@example.org")
    pages = [
        ("results page", "/collective/rounds/bench-round/"),
        ("results in the API", "/api/collective/rounds/bench-round/results"),
        ("Pol.is export", "/collective/rounds/bench-round/polis.zip"),
    ]
    worst = compare(client, pages, args.repeat, TARGET_MS, cache.clear)
    print(f"closing the round ({count:,} reactions: kinds fixed, participant numbers drawn): {closing:.1f} s")
    print(f"warm p95 {'within' if worst < TARGET_MS else 'ABOVE'} the {TARGET_MS:.0f} ms target (worst {worst:.1f} ms)")
    Round.objects.filter(slug="bench-round").delete()
    Indicator.objects.filter(slug__startswith="bench-ind-").delete()
    Organisation.objects.filter(slug__startswith="bench-co-").delete()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
