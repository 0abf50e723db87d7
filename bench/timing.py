"""What the page benchmarks share: the 95th percentile, and a page timed through Django's test client."""

from __future__ import annotations

import statistics
import time
from typing import Any


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[94]


def timed(client: Any, url: str) -> float:
    """Milliseconds to get ``url`` (the run stops when the page does not answer 200)."""
    began = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - began) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    return elapsed


def compare(client: Any, pages: list[tuple[str, str]], repeat: int, target_ms: float, clear: Any) -> float:
    """Time each page cold (after ``clear()``) and warm ``repeat`` times against the directory's list of
    organisations measured in the same run; print one row per page; return the worst warm p95."""
    baseline = [timed(client, "/organisations/") for _ in range(repeat)]
    base = statistics.median(baseline)
    print(f"{'page':<22} {'cold ms':>9} {'median ms':>10} {'p95 ms':>8} {'ratio':>6}  target p95 < {target_ms:.0f} ms")
    print(f"{'directory (baseline)':<22} {'':>9} {base:>10.1f} {p95(baseline):>8.1f} {1.0:>6.2f}")
    worst = 0.0
    for label, url in pages:
        clear()
        cold = timed(client, url)
        warm = [timed(client, url) for _ in range(repeat)]
        worst = max(worst, p95(warm))
        print(
            f"{label:<22} {cold:>9.1f} {statistics.median(warm):>10.1f} {p95(warm):>8.1f} "
            f"{statistics.median(warm) / base:>6.2f}"
        )
    return worst


def steward_client(email: str) -> Any:
    """A test client signed in as a steward made for the benchmark (made once, kept between runs)."""
    from django.test import Client

    from maillage.accounts.models import User

    steward = User.objects.filter(email=email).first() or User.objects.create_user(
        email=email, password=f"{email}-password", is_steward=True
    )
    client = Client()
    client.force_login(steward)
    return client
