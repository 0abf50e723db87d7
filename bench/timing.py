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
