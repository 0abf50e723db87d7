"""Large neighbourhood search: free a neighbourhood, solve it exactly with HiGHS, keep the rest.

A neighbourhood is a set of initiatives, mostly whole territories (their local offers interact)
plus a few initiatives drawn at random (so that offers shared across territories move too).
Every pair of these initiatives is freed; the other initiatives keep their offers, which leaves
each offer the capacity they do not use. The sub-problem is small (a few thousand pairs) and
HiGHS solves it to optimality in a fraction of a second, warm-started with the current
assignment, so each step can only improve the whole.
"""

from __future__ import annotations

import dataclasses
import random
import time
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from .arrays import Arrays, neighbourhood_keys, part_of
from .milp import Equity, solve_mip

__all__ = ["large_neighbourhood_search"]


def large_neighbourhood_search(
    arrays: Arrays,
    chosen: NDArray[np.bool_],
    deadline: float,
    score: Callable[[NDArray[np.bool_]], float],
    equity: Equity | None = None,
    target_pairs: int = 5_000,
    step_seconds: float = 1.0,
    seed: int = 1,
    on_improve: Callable[[float], None] | None = None,
    stop: Callable[[], bool] | None = None,
) -> NDArray[np.bool_]:
    """Improve ``chosen`` (by ``score``, the objective to maximise) until ``deadline`` or ``stop()``."""
    rng = random.Random(seed)
    chosen = chosen.copy()
    if arrays.pairs == 0:
        return chosen
    current = score(chosen)
    groups: dict[str, list[int]] = {}
    for number, key in enumerate(neighbourhood_keys(arrays.instance)):
        groups.setdefault(key, []).append(number)
    keys = sorted(groups)
    starts = arrays.init_start
    sizes = (starts[1:] - starts[:-1]).tolist()
    everyone = list(range(len(sizes)))
    order: list[str] = []
    size = max(200, target_pairs)
    while time.monotonic() < deadline - 0.05 and not (stop is not None and stop()):
        members: list[int] = []
        total = 0
        for _ in range(len(keys)):  # whole territories, up to 70 % of the size
            if total >= 0.7 * size:
                break
            if not order:
                order = keys[:]
                rng.shuffle(order)
            for i in groups[order.pop()]:
                members.append(i)
                total += sizes[i]
        for _ in range(len(everyone)):  # and initiatives drawn at random
            if total >= size:
                break
            i = rng.choice(everyone)
            members.append(i)
            total += sizes[i]
        picked = np.unique(np.array(members, dtype=np.int64))
        pairs = np.concatenate([np.arange(starts[i], starts[i + 1]) for i in picked.tolist()]).astype(np.int64)
        if not len(pairs):
            continue
        part = part_of(arrays, pairs)
        inside = np.zeros(arrays.pairs, dtype=bool)
        inside[pairs] = True
        outside_load = np.bincount(arrays.pair_offer[chosen & ~inside], minlength=len(arrays.capacity))
        capacity = arrays.capacity[part.offers] - outside_load[part.offers]
        sub = dataclasses.replace(part.arrays, capacity=np.maximum(0, capacity))
        sub_equity = None
        if equity is not None:
            sub_equity = equity.restricted(arrays, part.slots, chosen & ~inside)
        limit = min(step_seconds, deadline - time.monotonic())
        if limit <= 0.05:
            break
        outcome = solve_mip(sub, limit, start=chosen[pairs], equity=sub_equity, gap=1e-6)
        if outcome.chosen is None:
            continue
        whole = len(picked) == len(sizes) and outcome.status == "Optimal"
        candidate = chosen.copy()
        candidate[pairs] = outcome.chosen
        value = score(candidate)
        if value > current + 1e-9:
            chosen, current = candidate, value
            if on_improve is not None:
                on_improve(current)
        if whole:
            break  # the neighbourhood was the whole problem, solved to optimality
        size = max(200, int(size * 0.8)) if outcome.status == "Time limit reached" else int(size * 1.1)
    return chosen
