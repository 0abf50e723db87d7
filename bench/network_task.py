"""The network metrics as the background worker runs them, end to end, on 100,000 organisations.

Runs against the database that DATABASE_URL names (make bench starts a throwaway PostgreSQL 15). It
writes the generated graph of ``bench/network.py`` into the database (fictional organisations, labelled
demo, and their relations: partnerships, memberships and referrals, repeated pairs collapsed as the
database's uniqueness rules require), then times the task the worker runs for the analytics page
(``maillage.analytics.services.network_execute``): reading the organisations and relations, the
metrics, the summary, and storing the result. Target: under 60 s on 2 cores.

    python bench/network_task.py [--organisations 100000] [--relations 1000000]
"""

from __future__ import annotations

import argparse
import os
import resource
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "maillage.config.settings.bench")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from maillage.analytics import selectors, services  # noqa: E402
from maillage.analytics.models import NetworkRun  # noqa: E402
from maillage.core.network import generate_graph  # noqa: E402
from maillage.directory.models import Organisation, Relation  # noqa: E402

KINDS = (Relation.Kind.PARTNERS, Relation.Kind.MEMBER_OF, Relation.Kind.REFERS_TO)


def load(organisations: int, relations: int, batch: int = 20_000) -> int:
    ids, sources, targets, support, field = generate_graph(organisations, relations, seed=2026)
    Organisation.objects.bulk_create(
        (
            Organisation(
                slug=slug,
                name_fr=f"Organisme fictif {slug}",
                kind="community",
                is_field_actor=bool(f),
                is_support_actor=bool(s),
                is_demo=True,
                sort_key=slug,
            )
            for slug, s, f in zip(ids, support, field, strict=True)
        ),
        batch_size=batch,
    )
    pk = dict(Organisation.objects.filter(is_demo=True).values_list("slug", "pk"))
    seen: set[tuple[int, int, int]] = set()
    rows = []
    for n, (u, v) in enumerate(zip(sources.tolist(), targets.tolist(), strict=True)):
        kind = n % len(KINDS)
        if u == v or (u, v, kind) in seen:
            continue
        seen.add((u, v, kind))
        rows.append(Relation(source_id=pk[ids[u]], target_id=pk[ids[v]], kind=KINDS[kind], is_demo=True))
        if len(rows) >= batch:
            Relation.objects.bulk_create(rows)
            rows = []
    Relation.objects.bulk_create(rows)
    return len(seen)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--organisations", type=int, default=100_000)
    parser.add_argument("--relations", type=int, default=1_000_000)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    began = time.perf_counter()
    stored = load(args.organisations, args.relations)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE") if connection.vendor == "postgresql" else None
    print(
        f"Loaded {args.organisations:,} organisations and {stored:,} relations "
        f"({args.relations:,} generated) in {time.perf_counter() - began:.0f} s"
    )

    filters = selectors.NetworkFilters()
    run = NetworkRun.objects.create(key=filters.key(), filters=filters.as_dict())
    began = time.perf_counter()
    done = services.network_execute(run.pk)
    seconds = time.perf_counter() - began
    if done is None or done.status != NetworkRun.Status.SUCCEEDED:
        raise SystemExit(f"The network task failed: {done and done.error}")
    result = done.result or {}
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"Network task end to end: {seconds:.1f} s (metrics {result['seconds']:.1f} s of it), "
        f"{result['nodes']:,} organisations, {result['ties']:,} ties, {result['communities']:,} communities, "
        f"betweenness from {result['samples']} pivots; peak memory {peak:.0f} MB"
    )
    print(f"Reading and storing around the metrics: {seconds / result['seconds']:.2f}× the metrics alone")
    print(f"Target: under 60 s on 2 cores: {'met' if seconds < 60 else 'NOT MET'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
