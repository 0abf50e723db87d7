"""Allocation benchmark: Maillage's solver against the per-initiative greedy and a plain MILP in HiGHS.

For each size (Montréal, 3,000 initiatives × 400 offers, 10 s; province, 30,000 × 3,000, 120 s),
the project's generator makes a seeded instance, written to a JSON file. Then, each in its own
process, timed end to end (start, read, solve, write) with its peak memory:

- the per-initiative greedy (initiatives by decreasing need, each takes its best offers in turn);
- the plain MILP: every eligible pair as a binary, handed to HiGHS with the same time limit, no
  warm start, no help;
- ``maillage allocate --input … --output … --time-limit …``.

Every result is checked for feasibility and its objective recomputed by the independent checker.

    python bench/allocation.py [--sizes montreal,province]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from maillage.core.allocation import MONTREAL, PROVINCE, dump_instance, generate_instance, objective, violations
from maillage.core.allocation.model import Assignment, parse_instance

SIZES = {"montreal": (MONTREAL, 10.0), "province": (PROVINCE, 120.0)}
MAILLAGE = [sys.executable, "-m", "maillage.core.allocation"]


def run_timed(command: list[str]) -> tuple[float, float, str]:
    """Wall seconds, peak resident memory (MB) and stdout of a child process."""
    began = time.monotonic()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert child.stdout is not None
    output = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.monotonic() - began
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed with {child.returncode}")
    return wall, usage.ru_maxrss / 1024, output


def plain(path: Path, out: Path, time_limit: float) -> None:
    """The plain MILP baseline, run as a child process."""
    import highspy
    import numpy as np

    from maillage.core.allocation.arrays import compile_instance
    from maillage.core.allocation.milp import build_model
    from maillage.core.allocation.run import process_started

    started = process_started()
    instance = parse_instance(json.loads(path.read_text()))
    arrays = compile_instance(instance, prune=False)
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", max(0.1, time_limit - (time.monotonic() - started)))
    h.passModel(build_model(arrays, integer=True))
    h.run()
    info = h.getInfo()
    assignments: list[dict[str, str]] = []
    if info.primal_solution_status == 2:
        x = np.asarray(h.getSolution().col_value)[: arrays.pairs] > 0.5
        assignments = [{"initiative": a.initiative, "offer": a.offer} for a in arrays.assignments(x)]
    out.write_text(json.dumps({"assignments": assignments, "bound": info.mip_dual_bound}))


def greedy(path: Path, out: Path) -> None:
    from maillage.core.allocation.arrays import compile_instance
    from maillage.core.allocation.greedy import per_initiative_greedy

    instance = parse_instance(json.loads(path.read_text()))
    arrays = compile_instance(instance)
    chosen = per_initiative_greedy(arrays)
    out.write_text(json.dumps({"assignments": [a.__dict__ for a in arrays.assignments(chosen)]}))


def checked(instance: Any, path: Path) -> tuple[float, dict[str, Any]]:
    data = json.loads(path.read_text())
    assignments = [Assignment(a["initiative"], a["offer"]) for a in data["assignments"]]
    problems = violations(instance, assignments)
    if problems:
        raise SystemExit(f"{path.name}: infeasible: {problems[:3]}")
    return objective(instance, assignments), data


def bench(name: str, folder: Path) -> None:
    spec, limit = SIZES[name]
    instance = generate_instance(spec)
    path = folder / f"{name}.json"
    path.write_text(json.dumps(dump_instance(instance)))
    size = path.stat().st_size / 1e6
    n, m, pairs = len(instance.initiatives), len(instance.offers), instance.pairs
    print(
        f"\n{name}: {n:,} initiatives × {m:,} offers, {pairs:,} eligible pairs ({pairs / (n * m):.1%}), "
        f"file {size:.0f} MB, time limit {limit:g} s (seed {spec.seed})"
    )
    me = Path(__file__).resolve()
    rows = []
    wall, peak, _ = run_timed([sys.executable, str(me), "--greedy", str(path), str(folder / "greedy.json")])
    value, _ = checked(instance, folder / "greedy.json")
    rows.append(("per-initiative greedy", value, None, wall, peak))
    wall, peak, _ = run_timed(
        [sys.executable, str(me), "--plain", str(path), str(folder / "plain.json"), "--time-limit", str(limit)]
    )
    value, data = checked(instance, folder / "plain.json")
    rows.append(("plain MILP (HiGHS)", value if data["assignments"] else math.nan, data["bound"], wall, peak))
    wall, peak, _ = run_timed(
        [*MAILLAGE, "--input", str(path), "--output", str(folder / "maillage.json"), "--time-limit", str(limit)]
    )
    value, data = checked(instance, folder / "maillage.json")
    if abs(value - data["objective"]) > 1e-6 * max(1.0, abs(value)):
        raise SystemExit(f"maillage reports {data['objective']} but the checker finds {value}")
    rows.append(("maillage", value, data["upper_bound"], wall, peak))

    best_bound = min(b for _, _, b, _, _ in rows if b is not None and math.isfinite(b))
    print(f"{'method':<24}{'objective':>12}{'own bound':>12}{'gap*':>8}{'wall s':>9}{'peak MB':>9}")
    for label, value, bound, wall, peak in rows:
        own = f"{bound:12.1f}" if bound is not None and math.isfinite(bound) else f"{'—':>12}"
        gap = (best_bound - value) / best_bound if math.isfinite(value) else math.nan
        print(f"{label:<24}{value:12.1f}{own}{gap:8.2%}{wall:9.1f}{peak:9.0f}")
    greedy_value, plain_value, ours = rows[0][1], rows[1][1], rows[2][1]
    print(
        f"* gap to the best proven bound ({best_bound:.1f}); maillage / greedy = {ours / greedy_value:.3f}, "
        f"maillage / plain MILP = {ours / plain_value if plain_value == plain_value else math.inf:.3f}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="montreal,province")
    parser.add_argument("--plain", nargs=2, type=Path, metavar=("INSTANCE", "OUT"))
    parser.add_argument("--greedy", nargs=2, type=Path, metavar=("INSTANCE", "OUT"))
    parser.add_argument("--time-limit", type=float, default=10.0)
    args = parser.parse_args(argv)
    if args.plain:
        plain(*args.plain, args.time_limit)
        return 0
    if args.greedy:
        greedy(*args.greedy)
        return 0
    print(f"Allocation benchmark on {os.cpu_count()} cores; each method in its own process, end to end.")
    with tempfile.TemporaryDirectory() as folder:
        for name in args.sizes.split(","):
            bench(name, Path(folder))
    return 0


if __name__ == "__main__":
    sys.exit(main())
