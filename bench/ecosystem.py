"""The generated ecosystem the benchmarks run on, loaded as `bench/run.py` loads it (same generator, seed and
batches): the real territories and vocabularies, then ``organisations`` fictional organisations with their
initiatives, offers and relations (``maillage.core.demo``), unless exactly that many are loaded already.

Call after ``django.setup()`` and ``migrate``.
"""

from __future__ import annotations

import time

from django.db import connection

from maillage.core.demo import DemoSpec
from maillage.directory import loaders
from maillage.directory.models import Organisation


def load_ecosystem(organisations: int = 100_000, seed: int = 2026, batch_size: int = 5000) -> float:
    """Load the reference data and the fictional ecosystem; return the seconds it took."""
    started = time.perf_counter()
    loaders.reference_load()
    if Organisation.objects.filter(is_demo=True).count() != organisations:
        loaders.demo_load(DemoSpec(organisations=organisations, seed=seed), batch_size=batch_size)
    return time.perf_counter() - started


def analyse() -> None:
    """Fresh planner statistics after a bulk load (PostgreSQL only)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
