"""Open data imports at scale: 100,000 fictional organisations imported from HSDS 3 JSON and from Maillage's CSV
template, on the database DATABASE_URL names (PostgreSQL under ``make bench``) and on a fresh SQLite file.

Each measurement runs in its own process on a directory holding the reference data only (real territories and
vocabularies): the file is generated first (not timed), then the child times ``maillage.interop.imports`` and
reports its peak resident memory (``ru_maxrss``). Printed, for each database and format:

- the import of 100,000 organisations (target: under 60 s), then the re-import of the same file (everything
  unchanged: the idempotence check), each against the baseline of reading and validating the same file
  without touching the database (the readers alone), as a ratio measured in the same run;
- the peak memory of the import of 100,000 organisations against that of 10,000 (bounded memory: the ratio
  stays far below 10).

    python bench/interop.py [--organisations 100000] [--small 10000] [--formats hsds,csv] [--sqlite-only]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

SEED = 2026
TARGET_SECONDS = 60.0
WORDS = ["Cuisine", "Maison", "Atelier", "Réseau", "Carrefour", "Centre", "Collectif", "Coop", "Table", "Jardin"]
PLACES = ["du Plateau", "de Verdun", "d'Hochelaga", "de Parc-Extension", "de Saint-Michel", "de Lachine", "de LaSalle"]


def generate(kind: str, path: Path, n: int) -> None:
    """A file of ``n`` fictional organisations (labelled as such) in the format ``kind``."""
    rng = random.Random(SEED)
    names = (f"{rng.choice(WORDS)} {rng.choice(PLACES)} (fictif {i})" for i in range(n))
    if kind == "hsds":
        with path.open("w", encoding="utf-8") as out:
            out.write("[")
            for i, name in enumerate(names):
                document: dict[str, Any] = {
                    "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    "name": name,
                    "description": f"Organisme fictif généré pour la mesure n° {i}.",
                    "email": f"info{i}@example.org",
                    "website": f"https://org{i}.example.org",
                    "year_incorporated": 1950 + i % 70,
                    "organization_identifiers": [],
                }
                if i % 3 == 0:
                    document["organization_identifiers"].append(
                        {
                            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                            "organization_id": document["id"],
                            "identifier_type": "Québec enterprise number (NEQ)",
                            "identifier": f"{1100000000 + i:010d}",
                        }
                    )
                out.write(("," if i else "") + "\n" + json.dumps(document, ensure_ascii=False))
            out.write("\n]\n")
    else:
        quartiers = ["quartier-verdun", "Parc-Extension", "quartier-saint-michel", "quartier-lachine", "Petite-Patrie"]
        with path.open("w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out, delimiter=";")
            writer.writerow(["source_id", "name_fr", "roles", "kind", "neq", "founded_year", "email", "territories"])
            for i, name in enumerate(names):
                writer.writerow(
                    [
                        f"b{i}",
                        name,
                        "field" if i % 10 else "field|support",
                        "community",
                        f"{1100000000 + i:010d}" if i % 3 == 0 else "",
                        1950 + i % 70,
                        f"info{i}@example.org",
                        "|".join(rng.sample(quartiers, 2)),
                    ]
                )


# --- the child: one measurement in its own process ----------------------------------------------------------


def child(mode: str, kind: str, path: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "maillage.config.settings.bench")
    import django

    django.setup()
    from maillage.interop import imports

    began = time.perf_counter()
    if mode == "read":
        rows = sum(1 for _ in imports.read(kind, Path(path)))
        result: dict[str, Any] = {"rows": rows, "ok": True}
    else:
        report = imports.import_file(kind, Path(path), source_label="Mesure (fictif)", demo=True)
        result = {"rows": report.rows_read, "ok": report.ok, "counts": {k: dict(v) for k, v in report.counts.items()}}
    result["seconds"] = time.perf_counter() - began
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def measure(mode: str, kind: str, path: Path, env: dict[str, str]) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", mode, kind, str(path)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    if not result["ok"]:
        raise SystemExit(f"{mode} {kind} failed: {result}")
    return result


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([str(Path(sys.executable).with_name("maillage")), *args, "-v0"], env=env, check=True)


def clear(env: dict[str, str]) -> None:
    code = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'maillage.config.settings.bench'); "
        "django.setup(); from maillage.directory.loaders import demo_clear; demo_clear()"
    )
    subprocess.run([sys.executable, "-c", code], env=env, check=True)


def databases(sqlite_only: bool, scratch: Path) -> list[tuple[str, dict[str, str]]]:
    found = []
    if os.environ.get("DATABASE_URL") and not sqlite_only:
        found.append(("PostgreSQL", dict(os.environ)))
    found.append(("SQLite", {**os.environ, "DATABASE_URL": "", "MAILLAGE_DATA_DIR": str(scratch / "sqlite")}))
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child", nargs=3, metavar=("MODE", "KIND", "PATH"))
    parser.add_argument("--organisations", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--formats", default="hsds,csv")
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    scratch = Path(tempfile.mkdtemp(prefix="maillage-bench-interop-"))
    try:
        files = {}
        for kind in args.formats.split(","):
            for n in (args.organisations, args.small):
                path = scratch / f"{kind}-{n}.{'json' if kind == 'hsds' else 'csv'}"
                generate(kind, path, n)
                files[(kind, n)] = path
        print(f"Open data imports: {args.organisations:,} and {args.small:,} fictional organisations per file")
        print(
            f"{'database':<11} {'format':<6} {'import s':>9} {'re-import s':>12} {'read s':>7} "
            f"{'import÷read':>12} {'peak MB':>8} {'peak÷small':>11}  target"
        )
        for label, env in databases(args.sqlite_only, scratch):
            manage(env, "migrate", "--noinput")
            manage(env, "reference")
            for kind in args.formats.split(","):
                clear(env)
                small = measure("import", kind, files[(kind, args.small)], env)
                clear(env)
                read = measure("read", kind, files[(kind, args.organisations)], env)
                full = measure("import", kind, files[(kind, args.organisations)], env)
                again = measure("import", kind, files[(kind, args.organisations)], env)
                assert again["counts"]["organisation"]["created"] == again["counts"]["organisation"]["updated"] == 0
                clear(env)
                verdict = "met" if full["seconds"] < TARGET_SECONDS else "MISSED"
                print(
                    f"{label:<11} {kind:<6} {full['seconds']:>9.1f} {again['seconds']:>12.1f} {read['seconds']:>7.1f} "
                    f"{full['seconds'] / read['seconds']:>12.2f} {full['peak_mb']:>8.0f} "
                    f"{full['peak_mb'] / small['peak_mb']:>11.2f}  < {TARGET_SECONDS:.0f} s: {verdict}"
                )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
