"""Analytics dashboards on the Montréal demo: how long each page takes to render.

Runs against the database that DATABASE_URL names (make bench starts a throwaway PostgreSQL 15), loads
the Montréal demo (400 fictional organisations, 600 initiatives, their diagnostics), then, signed in,
requests each analytics page with Django's test client:

- once with an empty cache (the first view after the data changed: the picture is computed);
- then ``--repeat`` times (the pictures are read from the cache), for the median and the 95th percentile.

The baseline, measured in the same run the same way, is the directory's list of organisations (a
page every visitor sees); the ratio is page / baseline. The target is a p95 under 300 ms per page.

    python bench/analytics.py [--repeat 40]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "maillage.config.settings.bench")

import django

django.setup()

from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from timing import p95, timed  # noqa: E402

from maillage.accounts.models import User  # noqa: E402

PAGES = [
    ("overview", "/analytics/"),
    ("needs by quartier", "/analytics/needs/"),
    ("needs by borough", "/analytics/needs/?level=borough"),
    ("money and power", "/analytics/money/"),
    ("equity", "/analytics/equity/"),
    ("networks", "/analytics/network/"),
    ("networks, funding in Verdun", "/analytics/network/?kind=funds&territory=verdun"),
    ("synergies", "/analytics/synergies/"),
    ("report (HTML)", "/analytics/report/?territory=verdun&format=html"),
]
BASELINE = ("directory: organisations", "/organisations/")
TARGET_MS = 300.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=40)
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    began = time.perf_counter()
    call_command("demo", "--no-scenarios", verbosity=0)
    print(f"Montréal demo loaded in {time.perf_counter() - began:.1f} s")
    user = User.objects.filter(email="bench-analytics@example.org").first() or User.objects.create_user(
        email="bench-analytics@example.org", password="bench-analytics-password"
    )
    client = Client()
    client.force_login(user)

    def measure(url: str) -> tuple[float, list[float]]:
        cache.clear()
        cold = timed(client, url)
        warm = [timed(client, url) for _ in range(args.repeat)]
        return cold, warm

    _cold, baseline = measure(BASELINE[1])
    base_p95 = p95(baseline)
    print(f"\n{'page':32} {'first':>9} {'median':>9} {'p95':>9} {'p95/base':>9}")
    print(f"{BASELINE[0]:32} {'':>9} {statistics.median(baseline):8.1f}  {base_p95:8.1f}  {1.0:8.2f}")
    worst = 0.0
    for name, url in PAGES:
        cold, warm = measure(url)
        worst = max(worst, p95(warm))
        print(f"{name:32} {cold:8.1f}  {statistics.median(warm):8.1f}  {p95(warm):8.1f}  {p95(warm) / base_p95:8.2f}")
    print(f"\n(ms; first: with an empty cache, the picture computed; median and p95 over {args.repeat} views)")
    print(f"Worst p95 {worst:.1f} ms: {'under' if worst < TARGET_MS else 'OVER'} the {TARGET_MS:.0f} ms target.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
