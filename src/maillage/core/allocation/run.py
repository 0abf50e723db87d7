"""Read an instance file, solve it, write the result: what ``maillage allocate --input`` does.

The time limit counts from a given moment: the start of the process for
``python -m maillage.core.allocation`` (on Linux), so that "10 s" means 10 s of wall time end to end
(start, read, solve, write); the start of the command for ``maillage allocate``; now by default.
"""

from __future__ import annotations

import json
import math
import os
import time
from pathlib import Path
from typing import Any, TextIO

from ..errors import MaillageError, Problem
from ..i18n import gettext as _
from .model import Instance, dump_result, parse_instance
from .scenario import apply_scenario
from .solve import Progress, Solution, solve

__all__ = ["process_started", "read_instance_file", "run_file", "solve_instance"]

WRITE_RESERVE = 0.03  # share of the time limit kept for writing the result


def process_started() -> float:
    """The ``time.monotonic()`` reading of when this process started (now, where unknown)."""
    now = time.monotonic()
    try:
        fields = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        age = uptime - int(fields[19]) / ticks
    except (OSError, ValueError, IndexError):
        return now
    return now - max(0.0, age)


def read_instance_file(path: Path) -> Any:
    try:
        with path.open("rb") as handle:
            return json.load(handle)
    except OSError as exc:
        raise MaillageError(
            "file_unreadable", _("The file {name} cannot be read: {reason}.").format(name=path, reason=exc.strerror)
        ) from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise MaillageError(
            "allocation_invalid",
            _("The file {name} is not valid JSON.").format(name=path),
            [Problem("json_invalid", str(exc), file=str(path))],
        ) from None


def run_file(
    source: Path,
    target: Path | None,
    time_limit: float,
    gap: float = 1e-4,
    equity_share: float | None = None,
    progress: TextIO | None = None,
    started: float | None = None,
    what_if: Path | None = None,
) -> Solution:
    started = time.monotonic() if started is None else started
    instance = parse_instance(read_instance_file(source))
    if what_if is not None:
        instance = apply_scenario(instance, read_instance_file(what_if))
    return solve_instance(instance, target, time_limit, gap, equity_share, progress, started)


def solve_instance(
    instance: Instance,
    target: Path | None,
    time_limit: float,
    gap: float = 1e-4,
    equity_share: float | None = None,
    progress: TextIO | None = None,
    started: float | None = None,
) -> Solution:
    """Solve, show progress on ``progress``, write the result to ``target`` (atomically).

    The time limit counts from ``started`` (a ``time.monotonic()`` reading; now by default)."""
    started = time.monotonic() if started is None else started
    last = [-math.inf]

    def show(step: Progress) -> None:
        if progress is None or (step.phase not in ("done",) and step.elapsed - last[0] < 0.5):
            return
        last[0] = step.elapsed
        bound = f"{step.bound:,.1f}" if math.isfinite(step.bound) else "—"
        gap_text = f"{step.gap:.2%}" if math.isfinite(step.gap) else "—"
        progress.write(
            f"{step.elapsed:7.1f} s  {step.phase:<7} best {step.value:,.1f}  bound {bound}  gap {gap_text}\n"
        )
        progress.flush()

    solution = solve(
        instance,
        time_limit=time_limit * (1 - WRITE_RESERVE),
        gap=gap,
        equity_share=equity_share,
        on_progress=show,
        started=started,
    )
    if target is not None:
        data = dump_result(solution.result)
        tmp = target.with_name(target.name + ".tmp")
        with tmp.open("w", encoding="utf-8") as handle:
            json.dump(data, handle, ensure_ascii=False)
        tmp.replace(target)  # never a half-written result
    return solution
