"""``python -m maillage.core.allocation --input instance.json --output result.json``: no Django at all."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import MaillageError
from .run import process_started, run_file


def main(argv: list[str] | None = None) -> int:
    started = process_started()
    parser = argparse.ArgumentParser(prog="python -m maillage.core.allocation", description=__doc__)
    parser.add_argument("--input", type=Path, required=True, help="A maillage-allocation/1 JSON file.")
    parser.add_argument("--output", type=Path, help="Where to write the maillage-allocation-result/1 JSON.")
    parser.add_argument("--time-limit", type=float, default=10.0, help="Seconds of wall time, end to end.")
    parser.add_argument("--gap", type=float, default=1e-4, help="Stop when this close to the bound (relative).")
    parser.add_argument("--equity-share", type=float, help="Minimum share of each territory's need to cover.")
    parser.add_argument("--what-if", type=Path, help="A maillage-scenario/1 file of changes to apply first.")
    args = parser.parse_args(argv)
    if args.time_limit <= 0:
        parser.error("the time limit is a number of seconds above 0")
    if args.equity_share is not None and not 0 < args.equity_share <= 1:
        parser.error("the equity share is a number above 0 and at most 1")
    try:
        solution = run_file(
            args.input, args.output, args.time_limit, args.gap, args.equity_share, sys.stderr, started, args.what_if
        )
    except MaillageError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    result = solution.result
    print(f"objective {result.objective:.4f}  upper bound {result.upper_bound:.4f}  gap {result.gap:.4%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
