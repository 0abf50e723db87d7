"""`make bench`: directory search, list rendering and diagnostics on a generated ecosystem of 100,000 organisations.

Runs against the database that DATABASE_URL names (make bench starts a throwaway PostgreSQL 15).
For each of 200 seeded queries (words, accent-free spellings, filters), it times:

- Maillage's search (normalised tokens against the indexed search text; count + first page), and
- a plain ``icontains`` baseline over the name and description fields (count + first page),

then the rendering of the directory list page for both, and prints medians, 95th percentiles and
the ratio baseline / Maillage measured in the same run. The target is a p95 under 50 ms for search.

Then it writes fictional submitted diagnostics for 20,000 initiatives and times the stewards'
aggregates per element (SQL over the element-score rows) against a baseline that reads each
diagnostic's JSON result and averages in Python, and the scoring of one diagnostic in the core.

    python bench/run.py [--organisations 100000] [--queries 200] [--seed 2026] [--diagnostics 20000]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "maillage.config.settings.bench")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Q, QuerySet  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402

from maillage.common.pagination import page_of  # noqa: E402
from maillage.core import scoring  # noqa: E402
from maillage.core.demo import DemoSpec, diagnostic_answers  # noqa: E402
from maillage.diagnostics import loaders as diagnostic_loaders  # noqa: E402
from maillage.diagnostics import selectors as diagnostic_selectors  # noqa: E402
from maillage.diagnostics.models import Diagnostic, ElementScore  # noqa: E402
from maillage.directory import loaders, selectors, views  # noqa: E402
from maillage.directory.models import (  # noqa: E402
    Initiative,
    Organisation,
    Territory,
)

WORDS = [
    "cuisine",
    "économie sociale",
    "economie",
    "solidaire",
    "jardin collectif",
    "atelier vélo",
    "friperie",
    "maison de quartier",
    "fondation",
    "réseau",
    "incubateur",
    "jeunes",
    "aînés",
    "aines",
    "familles",
    "immigrantes",
    "logement",
    "locataires",
    "sécurité alimentaire",
    "securite alimentaire",
    "numérique",
    "café",
    "cafe des langues",
    "coopérative",
    "cooperative de travail",
    "verdun",
    "saint-michel",
    "parc-extension",
    "hochelaga",
    "montréal-nord",
    "brindille",
    "colibri",
    "tournesol",
    "envol",
    "racines",
    "ressourcerie",
    "halte-répit",
    "aide aux devoirs",
    "médiation",
    "ruelles vertes",
    "insertion",
    "santé",
    "sante bien-etre",
    "culture",
    "théâtre",
    "soccer",
    "mobilité",
    "navette",
    "zéro déchet",
]


def make_queries(count: int, seed: int) -> list[dict[str, str]]:
    rng = random.Random(seed)
    boroughs = list(Territory.objects.filter(kind="borough").values_list("slug", flat=True))
    quartiers = list(Territory.objects.filter(kind="quartier").values_list("slug", flat=True))
    queries = []
    for _ in range(count):
        query: dict[str, str] = {"q": rng.choice(WORDS)}
        roll = rng.random()
        if roll < 0.15:
            query["territory"] = rng.choice(boroughs)
        elif roll < 0.30:
            query["territory"] = rng.choice(quartiers)
        if rng.random() < 0.2:
            query["role"] = rng.choice(["field", "support"])
        queries.append(query)
    return queries


def filters_of(query: dict[str, str]) -> selectors.DirectoryFilters:
    territory = Territory.objects.get(slug=query["territory"]) if "territory" in query else None
    return selectors.DirectoryFilters(query=query.get("q", ""), role=query.get("role", ""), territory=territory)


class Baseline:
    """The baseline's results, paged like Maillage's (count in the same query)."""

    def __init__(self, qs: QuerySet[Organisation]) -> None:
        self.qs = qs.prefetch_related("territories", "sectors")

    def page(self, number: int, per_page: int) -> Any:
        return page_of(self.qs, number, per_page)


def icontains_search(filters: selectors.DirectoryFilters) -> Baseline:
    """The baseline: what a first version would do, field by field, with ``icontains``."""
    qs = Organisation.objects.all()
    for word in filters.query.split():
        qs = qs.filter(
            Q(name_fr__icontains=word)
            | Q(name_en__icontains=word)
            | Q(description_fr__icontains=word)
            | Q(description_en__icontains=word)
        )
    if filters.role == "field":
        qs = qs.filter(is_field_actor=True)
    elif filters.role == "support":
        qs = qs.filter(is_support_actor=True)
    if filters.territory is not None:
        qs = qs.filter(territories__in=selectors.territory_scope_ids(filters.territory)).distinct()
    return Baseline(qs.order_by("name_fr", "id"))


def time_search(
    search: Callable[[selectors.DirectoryFilters], Any], queries: list[dict[str, str]]
) -> tuple[list[float], list[int]]:
    """Time what the directory does for a query: the first page of 25 and the total count."""
    timings, counts = [], []
    for query in queries:
        filters = filters_of(query)
        started = time.perf_counter()
        page = search(filters).page(1, 25)
        timings.append((time.perf_counter() - started) * 1000)
        counts.append(page.paginator.count)
    return timings, counts


def time_pages(queries: list[dict[str, str]], *, baseline: bool) -> list[float]:
    client = Client()
    original = views.LISTS["organisations"]["selector"]
    if baseline:
        views.LISTS["organisations"]["selector"] = icontains_search
    try:
        timings = []
        for query in queries:
            started = time.perf_counter()
            response = client.get("/organisations/", query)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.status_code
    finally:
        views.LISTS["organisations"]["selector"] = original
    return timings


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[94]


def row(label: str, ours: list[float], base: list[float]) -> str:
    return (
        f"{label:<34} {statistics.median(ours):>9.1f} {p95(ours):>9.1f}   {statistics.median(base):>9.1f} "
        f"{p95(base):>9.1f}   {statistics.median(base) / statistics.median(ours):>6.1f}x {p95(base) / p95(ours):>6.1f}x"
    )


def load_diagnostics(count: int, seed: int) -> float:
    """Submitted fictional diagnostics for the first ``count`` demo initiatives; returns the seconds taken."""
    started = time.perf_counter()
    diagnostic_loaders.framework_load_default()
    framework_model = diagnostic_selectors.current_framework()
    assert framework_model is not None
    Diagnostic.objects.filter(is_demo=True).delete()
    framework = diagnostic_selectors.framework_of(framework_model)
    rng = random.Random(seed)
    now = timezone.now()
    ids = list(Initiative.objects.filter(is_demo=True).order_by("pk").values_list("pk", flat=True)[:count])
    for start in range(0, len(ids), 2000):
        batch = []
        for initiative_id in ids[start : start + 2000]:
            answers, importance = diagnostic_answers(framework, need=rng.random(), rng=rng)
            result = scoring.score(framework, answers, importance=importance).as_dict()
            batch.append(
                Diagnostic(
                    initiative_id=initiative_id,
                    framework=framework_model,
                    status=Diagnostic.Status.SUBMITTED,
                    is_demo=True,
                    answers=answers,
                    importance=importance,
                    result=result,
                    submitted_at=now,
                )
            )
        created = Diagnostic.objects.bulk_create(batch)
        ElementScore.objects.bulk_create(
            [row for d in created for row in ElementScore.rows_of(d, d.result)], batch_size=5000
        )
    return time.perf_counter() - started


def json_aggregates(framework: Any) -> dict[str, tuple[int, float]]:
    """Baseline: read every latest result's JSON and average in Python (what a first version does)."""
    latest: dict[int, Any] = {}
    rows = Diagnostic.objects.filter(framework=framework, status="submitted", is_demo=True).order_by(
        "initiative_id", "submitted_at"
    )
    for initiative_id, result in rows.values_list("initiative_id", "result").iterator():
        latest[initiative_id] = result
    sums: dict[str, list[float]] = {}
    for result in latest.values():
        for element in result["elements"]:
            if element["score"] is not None:
                sums.setdefault(element["element"], []).append(element["score"])
    return {k: (len(v), sum(v) / len(v)) for k, v in sums.items()}


def time_calls(function: Callable[[], Any], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return times


def bench_basket(offer_count: int, initiatives: int, seed: int) -> None:
    """The basket of one initiative among ``offer_count`` offers: every offer's eligibility, then the exact
    solve and its explanations (pure core, no database). Baseline: the greedy basket (each step takes the
    offer that adds the most, while the limits allow), whose value the exact one must match or beat."""
    from maillage.core import basket as basket_core
    from maillage.core import eligibility as rules_core
    from maillage.core.demo import QuartierWeight, generate, need_index
    from maillage.core.framework import read_framework
    from maillage.core.reference import read_montreal, read_taxonomies

    records = read_montreal(loaders.MONTREAL_DIR)
    taxonomies = read_taxonomies(loaders.TAXONOMIES_FILE)
    quartiers = [r for r in records if r.kind == "quartier" and r.equity]
    top = max(q.equity.low_income_pct for q in quartiers)  # type: ignore[union-attr]
    weights = [
        QuartierWeight(
            q.slug,
            q.equity.population_2021,  # type: ignore[union-attr]
            need_index(
                q.equity.low_income_pct,  # type: ignore[union-attr]
                q.equity.material_deprivation_pct,  # type: ignore[union-attr]
                q.equity.social_deprivation_pct,  # type: ignore[union-attr]
                q.equity.priority_zone_pct,  # type: ignore[union-attr]
                max_low_income_pct=top,
            ),
            tuple(w for w in q.within if not w.startswith("quartier-")),
        )
        for q in quartiers
    ]
    codes = {kind: [t.code for t in getattr(taxonomies, kind)] for kind in ("sectors", "populations", "support_types")}
    eco = generate(
        DemoSpec(organisations=int(offer_count / 0.375) + 1, seed=seed),
        quartiers=weights,
        region="montreal",
        sectors=codes["sectors"],
        populations=codes["populations"],
        support_types=codes["support_types"],
        languages=["fr", "en"],
        tables={},
    )
    offers = eco.offers[:offer_count]
    framework = read_framework(diagnostic_loaders.DEFAULT_FRAMEWORK, support_types=None)
    rng = random.Random(seed)
    by_type = {t: [e.id for e in framework.elements if t in e.support_types] for t in codes["support_types"]}
    prepared = []
    for offer in offers:
        rules = [rules_core.Rule("territory", tuple(offer.territories))] if offer.territories else []
        if rng.random() < 0.25:
            rules.append(rules_core.Rule("population", tuple(rng.sample(codes["populations"], 2))))
        if rng.random() < 0.15:
            rules.append(rules_core.Rule("organisation_age", minimum_years=2))
        covers = {e: rng.choice((0.3, 0.5, 0.8, 1.0)) for e in by_type.get(offer.support_type, [])[:3]}
        prepared.append((offer, rules, covers))
    within = {q.slug: set(q.within) for q in quartiers}
    times, greedy_times, ratios = [], [], []
    for initiative in eco.initiatives[:initiatives]:
        answers, importance = diagnostic_answers(framework, need=rng.random(), rng=rng)
        needs = scoring.score(framework, answers, importance=importance).needs_map()
        places = set(initiative.territories)
        for slug in initiative.territories:
            places |= within.get(slug, set())
        applicant = rules_core.Applicant(
            territories=frozenset(places | {"montreal"}),
            own_territories=tuple(initiative.territories),
            populations=frozenset(initiative.populations),
            founded_year=initiative.started_year,
        )
        started = time.perf_counter()
        candidates = []
        for offer, rules, covers in prepared:
            if not any(needs.get(e, 0) > 0 for e in covers):
                continue
            eligible = rules_core.is_eligible(rules, applicant)
            candidates.append(
                basket_core.Candidate(basket_core.Offer(offer.key, offer.reporting_hours, covers), eligible=eligible)
            )
        rec = basket_core.recommend(needs, candidates, max_offers=3, max_burden_hours=40, burden_penalty=0.02)
        times.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        greedy = greedy_basket(needs, [c.offer for c in candidates if c.eligible], 3, 40, 0.02)
        greedy_times.append((time.perf_counter() - started) * 1000)
        if rec.basket.value > 0:
            ratios.append(greedy / rec.basket.value)
    print()
    print(f"Basket of one initiative among {len(offers):,} offers ({initiatives} initiatives; eligibility, exact")
    print("solve, explanations and alternatives included); times in ms")
    print(f"{'':<34} {'exact (Maillage)':>19}   {'greedy baseline':>19}   {'baseline / Maillage':>15}")
    print(row("basket", times, greedy_times))
    worse = sum(1 for r in ratios if r < 1 - 1e-9)
    print(
        f"Greedy value / exact value: median {statistics.median(ratios):.3f}, worst {min(ratios):.3f} "
        f"(greedy worse on {worse} of {len(ratios)} initiatives)"
    )
    verdict = "met" if p95(times) < 50 else "NOT met"
    print(f"Target: basket p95 under 50 ms with {len(offers):,} offers: {verdict} ({p95(times):.1f} ms)")


def greedy_basket(
    needs: dict[str, float], offers: list[Any], max_offers: int, max_hours: float, penalty: float
) -> float:
    from maillage.core.basket import basket_value

    chosen: list[Any] = []
    while len(chosen) < max_offers:
        current = basket_value(needs, chosen, penalty)
        hours = sum(o.burden_hours for o in chosen)
        best, gain = None, 1e-9
        for offer in offers:
            if offer in chosen or hours + offer.burden_hours > max_hours:
                continue
            value = basket_value(needs, [*chosen, offer], penalty) - current
            if value > gain:
                best, gain = offer, value
        if best is None:
            break
        chosen.append(best)
    return basket_value(needs, chosen, penalty)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--organisations", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--pages", type=int, default=50, help="how many of the queries also render the page")
    parser.add_argument("--diagnostics", type=int, default=20_000, help="submitted diagnostics to aggregate")
    parser.add_argument("--offers", type=int, default=2_000, help="offers a basket is drawn from")
    parser.add_argument("--baskets", type=int, default=200, help="initiatives whose basket is timed")
    parser.add_argument("--only-basket", action="store_true", help="only the basket benchmark (no database)")
    args = parser.parse_args(argv)
    if args.only_basket:
        bench_basket(args.offers, args.baskets, args.seed)
        return 0

    print(f"Database: {connection.vendor} {connection.settings_dict['NAME']}")
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    loaders.reference_load()
    if Organisation.objects.filter(is_demo=True).count() != args.organisations:
        loaders.demo_load(DemoSpec(organisations=args.organisations, seed=args.seed), batch_size=5000)
    load_seconds = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    counts: dict[str, Any] = {m.__name__: m.objects.count() for m in (Organisation,)}
    print(f"Ecosystem: {counts['Organisation']:,} organisations (generated and loaded in {load_seconds:.0f} s)")

    queries = make_queries(args.queries, args.seed)
    time_search(selectors.organisation_search, queries[:20])  # warm caches and connections
    time_search(icontains_search, queries[:20])
    ours, our_counts = time_search(selectors.organisation_search, queries)
    base, base_counts = time_search(icontains_search, queries)
    with override_settings(DEBUG=False):
        time_pages(queries[:5], baseline=False)  # compile templates, fill caches
        time_pages(queries[:5], baseline=True)
        page_ours = time_pages(queries[: args.pages], baseline=False)
        page_base = time_pages(queries[: args.pages], baseline=True)

    print()
    print(f"{args.queries} search queries, {args.pages} page renders; times in ms")
    print(f"{'':<34} {'Maillage':>19}   {'icontains baseline':>19}   {'baseline / Maillage':>15}")
    print(f"{'':<34} {'median':>9} {'p95':>9}   {'median':>9} {'p95':>9}   {'median':>7} {'p95':>7}")
    print(row("search (count + first page)", ours, base))
    print(row("directory list page render", page_ours, page_base))
    print()
    print(
        f"Matches per query, median: Maillage {statistics.median(our_counts):.0f}, "
        f"icontains {statistics.median(base_counts):.0f} (icontains misses accent-free spellings: "
        f"{sum(1 for c in base_counts if c == 0)} queries found nothing, against "
        f"{sum(1 for c in our_counts if c == 0)} for Maillage)"
    )
    slowest = sorted(zip(ours, our_counts, queries, strict=True), key=lambda r: -r[0])[:5]
    print("Slowest Maillage searches: " + "; ".join(f"{t:.0f} ms, {n} matches, {q}" for t, n, q in slowest))
    target = 50.0
    verdict = "met" if p95(ours) < target else "NOT met"
    print(f"Target: search p95 under {target:.0f} ms at this size: {verdict} ({p95(ours):.1f} ms)")

    seconds = load_diagnostics(args.diagnostics, args.seed)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    framework_model = diagnostic_selectors.current_framework()
    framework = diagnostic_selectors.framework_of(framework_model)
    check = diagnostic_selectors.aggregates(demo=True)
    baseline = json_aggregates(framework_model)
    assert all(a.mean_score is None or abs(a.mean_score - baseline[a.element][1]) < 0.051 for a in check.elements), (
        "the two ways of aggregating disagree"
    )
    sql_times = time_calls(lambda: diagnostic_selectors.aggregates(demo=True), 20)
    json_times = time_calls(lambda: json_aggregates(framework_model), 5)
    rng = random.Random(args.seed)
    samples = [diagnostic_answers(framework, need=rng.random(), rng=rng) for _ in range(200)]
    score_times = time_calls(lambda: [scoring.score(framework, a, importance=i) for a, i in samples], 5)
    print()
    print(f"{check.diagnostics:,} submitted diagnostics (written in {seconds:.0f} s); times in ms")
    print(f"{'':<34} {'Maillage':>19}   {'JSON baseline':>19}   {'baseline / Maillage':>15}")
    print(row("stewards' aggregates per element", sql_times, json_times))
    per_diagnostic = statistics.median(score_times) / len(samples)
    print(f"Scoring one diagnostic in the core (25 elements, 64 answers): median {per_diagnostic * 1000:.0f} µs")
    bench_basket(args.offers, args.baskets, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
