"""The allocation problem as a mixed-integer programme, built from arrays and handed to HiGHS.

Columns: ``x_p`` (binary, pair p assigned; cost −burden_penalty × burden) then ``y_s`` (in [0, 1],
the share of slot s's need covered; gain need_s) and, with the equity option, one shortfall
column per territory. Rows:

- coverage, one per slot: ``y_s − Σ_p share_ps · x_p ≤ 0`` (this is the cap at 1: y ≤ 1);
- capacity, one per offer: ``Σ_p x_p ≤ capacity_o``;
- at most ``max_offers_i`` offers and ``max_burden_hours_i`` hours, two per initiative;
- equity (optional), one per territory: ``Σ_s need_s · y_s + shortfall_t ≥ share × need_t``, each
  hour of shortfall costing ``EQUITY_PENALTY`` × the largest need, so that the guarantee is met
  whenever it can be and the shortfall is the least possible otherwise.
"""

from __future__ import annotations

import math
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import highspy
import numpy as np
from numpy.typing import NDArray

from .arrays import Arrays

__all__ = [
    "Cuts",
    "Equity",
    "MipOutcome",
    "Relaxation",
    "add_cuts",
    "build_model",
    "coverage_cuts",
    "restrict_cuts",
    "solve_mip",
]

EQUITY_PENALTY = 1000.0


@dataclass(frozen=True)
class Equity:
    """A minimum share of each territory's weighted need to cover, when feasible."""

    share: float
    territory: NDArray[np.int64]  # slot → territory index, or −1 (initiatives without territory)
    territories: tuple[str, ...]
    goals: NDArray[np.float64] | None = None  # weighted need to cover per territory (default: share × need)

    def targets(self, arrays: Arrays) -> NDArray[np.float64]:
        if self.goals is not None:
            return self.goals
        mask = self.territory >= 0
        totals = np.bincount(self.territory[mask], weights=arrays.slot_need[mask], minlength=len(self.territories))
        return (self.share * totals).astype(np.float64)

    def penalty(self, arrays: Arrays) -> float:
        return EQUITY_PENALTY * max(1.0, float(arrays.slot_need.max(initial=1.0)))

    def restricted(self, whole: Arrays, slots: NDArray[np.int64], fixed: NDArray[np.bool_]) -> Equity:
        """The guarantee left to a sub-problem over ``slots`` when the ``fixed`` pairs stay as they are."""
        outside = np.ones(len(whole.slot_need), dtype=bool)
        outside[slots] = False
        mask = outside & (self.territory >= 0)
        covered = np.minimum(1.0, whole.coverage(fixed)) * whole.slot_need
        done = np.bincount(self.territory[mask], weights=covered[mask], minlength=len(self.territories))
        goals = np.maximum(0.0, self.targets(whole) - done)
        return Equity(self.share, self.territory[slots], self.territories, goals)


@dataclass(frozen=True)
class MipOutcome:
    chosen: NDArray[np.bool_] | None  # the best assignment HiGHS found, if any
    value: float  # its objective in the model (with the equity penalty, if any)
    bound: float  # HiGHS's dual bound on the model's objective
    status: str


def build_model(
    arrays: Arrays,
    integer: bool,
    equity: Equity | None = None,
    prices: NDArray[np.float64] | None = None,
    uncapped: NDArray[np.bool_] | None = None,
) -> highspy.HighsLp:
    """The model; ``prices`` (per pair) are subtracted from the objective, ``uncapped`` offers lose
    their capacity row (a Lagrangian relaxation)."""
    pairs, slots = arrays.pairs, len(arrays.slot_need)
    offers, initiatives = len(arrays.capacity), len(arrays.max_offers)
    groups = len(equity.territories) if equity else 0
    columns = pairs + slots + groups
    cap_row, count_row, burden_row = slots, slots + offers, slots + offers + initiatives
    equity_row = burden_row + initiatives
    rows = equity_row + groups

    entries = len(arrays.entry_slot)
    col = [
        arrays.entry_pair,
        np.arange(pairs),
        np.arange(pairs),
        np.arange(pairs),
        pairs + np.arange(slots),
    ]
    row = [
        arrays.entry_slot,
        cap_row + arrays.pair_offer,
        count_row + arrays.pair_init,
        burden_row + arrays.pair_init,
        np.arange(slots),
    ]
    value = [-arrays.entry_share, np.ones(pairs), np.ones(pairs), arrays.pair_burden, np.ones(slots)]
    if equity:
        mask = equity.territory >= 0
        index = np.flatnonzero(mask)
        col += [pairs + index, pairs + slots + np.arange(groups)]
        row += [equity_row + equity.territory[mask], equity_row + np.arange(groups)]
        value += [arrays.slot_need[mask], np.ones(groups)]
    col_all = np.concatenate(col)
    row_all = np.concatenate(row)
    val_all = np.concatenate(value)
    order = np.lexsort((row_all, col_all))
    assert len(order) == entries + 3 * pairs + slots + (int(mask.sum()) + groups if equity else 0)

    lp = highspy.HighsLp()
    lp.num_col_ = columns
    lp.num_row_ = rows
    pair_cost = -arrays.burden_penalty * arrays.pair_burden
    if prices is not None:
        pair_cost = pair_cost - prices
    cost = np.concatenate([pair_cost, arrays.slot_need])
    upper = np.ones(pairs + slots)
    if equity:
        targets = equity.targets(arrays)
        cost = np.concatenate([cost, -equity.penalty(arrays) * np.ones(groups)])
        upper = np.concatenate([upper, targets])
    lp.col_cost_ = cost
    lp.col_lower_ = np.zeros(columns)
    lp.col_upper_ = upper
    lower = np.full(rows, -highspy.kHighsInf)
    capacity = arrays.capacity.astype(np.float64)
    if uncapped is not None:
        capacity[uncapped] = highspy.kHighsInf
    row_upper = np.concatenate([np.zeros(slots), capacity, arrays.max_offers.astype(np.float64), arrays.max_burden])
    if equity:
        lower[equity_row:] = targets
        row_upper = np.concatenate([row_upper, np.full(groups, highspy.kHighsInf)])
    lp.row_lower_ = lower
    lp.row_upper_ = row_upper
    lp.sense_ = highspy.ObjSense.kMaximize
    matrix = lp.a_matrix_
    matrix.format_ = highspy.MatrixFormat.kColwise
    matrix.start_ = np.searchsorted(col_all[order], np.arange(columns + 1)).astype(np.int32)
    matrix.index_ = row_all[order].astype(np.int32)
    matrix.value_ = val_all[order]
    lp.a_matrix_ = matrix
    if integer:
        lp.integrality_ = [highspy.HighsVarType.kInteger] * pairs + [highspy.HighsVarType.kContinuous] * (
            slots + groups
        )
    return lp


_banner = threading.Lock()
_banner_done = False


def _new_highs() -> highspy.Highs:
    """A HiGHS instance; the first one of the process prints a banner on stdout, which is silenced."""
    global _banner_done
    with _banner:
        if _banner_done:
            return highspy.Highs()  # type: ignore[no-untyped-call]
        sys.stdout.flush()
        saved = os.dup(1)
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, 1)
            h = highspy.Highs()  # type: ignore[no-untyped-call]
        finally:
            os.dup2(saved, 1)
            os.close(saved)
            os.close(devnull)
        _banner_done = True
        return h


def _highs(threads: int, time_limit: float) -> highspy.Highs:
    h = _new_highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", threads)
    h.setOptionValue("time_limit", max(0.1, time_limit))
    h.setOptionValue("random_seed", 1)
    return h


def solve_mip(
    arrays: Arrays,
    time_limit: float,
    start: NDArray[np.bool_] | None = None,
    equity: Equity | None = None,
    gap: float = 1e-4,
    threads: int = 1,
    on_progress: Callable[[float, float], None] | None = None,
    cuts: Cuts | None = None,
    presolve: bool = True,
    **model: Any,
) -> MipOutcome:
    """HiGHS's branch and cut, optionally warm-started, within ``time_limit`` seconds.

    ``on_progress(best value, bound)`` is called as HiGHS goes (values in the model's terms).
    """
    h = _highs(threads=threads, time_limit=time_limit)
    h.setOptionValue("mip_rel_gap", gap)
    if not presolve:
        # On the whole model, HiGHS's presolve costs more than it saves, and with it a warm-started
        # run overshoots its time limit in the root's cut loop.
        h.setOptionValue("presolve", "off")
    h.passModel(build_model(arrays, integer=True, equity=equity, **model))
    if cuts is not None:
        add_cuts(h, arrays, cuts)
    if start is not None:
        h.setSolution(_full_solution(arrays, start, equity, h.getNumCol()))
    last = [0.0]

    def watch(event: Any) -> None:
        out = event.data_out
        if out.running_time > time_limit:
            event.interrupt()  # HiGHS checks its own limit only now and then
        if on_progress is not None and out.running_time - last[0] >= 0.5:
            last[0] = out.running_time
            on_progress(float(out.mip_primal_bound), float(out.mip_dual_bound))

    h.cbMipInterrupt.subscribe(watch)
    h.run()
    info = h.getInfo()
    status = h.modelStatusToString(h.getModelStatus())
    bound = float(info.mip_dual_bound)
    if not math.isfinite(bound):
        bound = math.inf
    if info.primal_solution_status != 2:  # kSolutionStatusFeasible
        return MipOutcome(None, -math.inf, bound, status)
    x = np.asarray(h.getSolution().col_value, dtype=np.float64)[: arrays.pairs]
    return MipOutcome(x > 0.5, float(info.objective_function_value), bound, status)


def _full_solution(
    arrays: Arrays, chosen: NDArray[np.bool_], equity: Equity | None, columns: int
) -> highspy.HighsSolution:
    """A complete starting point: the pairs, their coverage and (with equity) the shortfalls."""
    values = np.zeros(columns)
    values[: arrays.pairs] = chosen
    covered = np.minimum(1.0, arrays.coverage(chosen))
    values[arrays.pairs : arrays.pairs + len(covered)] = covered
    if equity:
        mask = equity.territory >= 0
        done = np.bincount(
            equity.territory[mask], weights=(arrays.slot_need * covered)[mask], minlength=len(equity.territories)
        )
        values[arrays.pairs + len(covered) :] = np.maximum(0.0, equity.targets(arrays) - done)
    solution = highspy.HighsSolution()
    solution.col_value = values
    solution.value_valid = True
    return solution


@dataclass(frozen=True)
class Cuts:
    """Rows ``y_s − Σ_j coef_j · x_j ≤ rhs`` (submodular inequalities of the capped coverage)."""

    slot: list[int]
    pairs: list[list[int]]
    coefs: list[list[float]]
    rhs: list[float]


def coverage_cuts(arrays: Arrays, x: NDArray[np.float64], y: NDArray[np.float64], tolerance: float = 1e-4) -> Cuts:
    """Cuts violated by the LP point (x, y), one at most per slot.

    For a slot covered by pairs P with shares c, f(T) = min(1, Σ_{j∈T} c_j) is submodular, and
    for any S ⊆ P (Nemhauser and Wolsey):

        y ≤ f(S) − Σ_{j∈S} ρ_j(P∖j) (1 − x_j) + Σ_{j∉S} ρ_j(S) x_j,   ρ_j(T) = f(T ∪ j) − f(T).

    The LP's ``y ≤ Σ c x`` lets fractional offers fill a need exactly, which no whole set of
    offers does when shares do not add up to 1; these cuts take that slack away. S is tried as
    each prefix of P by decreasing x.
    """
    order = np.lexsort((-x[arrays.entry_pair], arrays.entry_slot))
    slots = arrays.entry_slot[order]
    bounds = np.flatnonzero(np.diff(slots)) + 1
    starts = np.concatenate([[0], bounds])
    ends = np.concatenate([bounds, [len(slots)]])
    cuts = Cuts([], [], [], [])
    pair_of = arrays.entry_pair[order]
    share_of = arrays.entry_share[order]
    xs = x[pair_of]
    for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
        if end - start < 2:
            continue
        slot = int(slots[start])
        values = xs[start:end]
        if y[slot] < 1e-6 or not ((values > 1e-6) & (values < 1 - 1e-6)).any():
            continue
        shares = share_of[start:end]
        total = float(shares.sum())
        f_all = min(1.0, total)
        drop = f_all - np.minimum(1.0, total - shares)  # ρ_j(P∖j)
        best_violation, best = tolerance, None
        covered = 0.0
        for k in range(0, end - start):
            # S = the first k pairs (by decreasing x).
            f_s = min(1.0, covered)
            add = np.minimum(1.0, covered + shares) - f_s  # ρ_j(S) for j ∉ S
            coef = np.where(np.arange(end - start) < k, drop, add)
            rhs = f_s - float(drop[:k].sum())
            violation = y[slot] - (rhs + float(coef @ values))
            if violation > best_violation:
                best_violation, best = violation, (coef, rhs)
            covered += float(shares[k])
            if covered >= 2.0:
                break  # S already covers the need twice over: longer prefixes only weaken the cut
        if best is not None:
            cuts.slot.append(slot)
            cuts.pairs.append(pair_of[start:end].tolist())
            cuts.coefs.append(best[0].tolist())
            cuts.rhs.append(best[1])
    return cuts


def restrict_cuts(cuts: Cuts, pairs: NDArray[np.int64], slots: NDArray[np.int64], whole: Arrays) -> Cuts:
    """The cuts of a sub-problem made of ``pairs`` (the others at 0) and ``slots``, renumbered."""
    pair_new = np.full(whole.pairs, -1, dtype=np.int64)
    pair_new[pairs] = np.arange(len(pairs))
    slot_new = np.full(len(whole.slot_need), -1, dtype=np.int64)
    slot_new[slots] = np.arange(len(slots))
    kept = Cuts([], [], [], [])
    for slot, members, coefs, rhs in zip(cuts.slot, cuts.pairs, cuts.coefs, cuts.rhs, strict=True):
        if slot_new[slot] < 0:
            continue
        new = pair_new[members]
        mask = new >= 0
        kept.slot.append(int(slot_new[slot]))
        kept.pairs.append(new[mask].tolist())
        kept.coefs.append(np.asarray(coefs)[mask].tolist())
        kept.rhs.append(rhs)
    return kept


def add_cuts(h: highspy.Highs, arrays: Arrays, cuts: Cuts) -> None:
    if not cuts.slot:
        return
    starts: list[int] = []
    index: list[int] = []
    value: list[float] = []
    for slot, pairs, coefs in zip(cuts.slot, cuts.pairs, cuts.coefs, strict=True):
        starts.append(len(index))
        index.append(arrays.pairs + slot)
        value.append(1.0)
        index.extend(pairs)
        value.extend(-c for c in coefs)
    h.addRows(
        len(cuts.slot),
        np.full(len(cuts.slot), -highspy.kHighsInf),
        np.array(cuts.rhs, dtype=np.float64),
        len(index),
        np.array(starts, dtype=np.int32),
        np.array(index, dtype=np.int32),
        np.array(value, dtype=np.float64),
    )


class Relaxation:
    """The LP relaxation kept alive in HiGHS: solved, tightened by coverage cuts, re-priced, re-solved warm."""

    def __init__(self, arrays: Arrays, equity: Equity | None = None, **model: Any) -> None:
        self.arrays = arrays
        self.h = _highs(threads=1, time_limit=1.0)
        self.h.setOptionValue("presolve", "off")  # three times faster on this model, and re-solves start warm
        self.h.passModel(build_model(arrays, integer=False, equity=equity, **model))
        self.base_cost = np.asarray(self.h.getLp().col_cost_[: arrays.pairs], dtype=np.float64)
        self.cuts = Cuts([], [], [], [])
        self.value = math.inf  # the optimum of the last solve: a bound on the model
        self.x = np.zeros(arrays.pairs)
        self.y = np.zeros(len(arrays.slot_need))

    def run(self, deadline: float) -> bool:
        """Solve (warm after the first time); False if not optimal by ``deadline``."""
        # HiGHS's time limit counts every run of the object together.
        self.h.setOptionValue("time_limit", self.h.getRunTime() + max(0.05, deadline - time.monotonic()))
        self.h.run()
        if self.h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return False
        solution = np.asarray(self.h.getSolution().col_value, dtype=np.float64)
        self.x = np.clip(solution[: self.arrays.pairs], 0.0, 1.0)
        self.y = solution[self.arrays.pairs : self.arrays.pairs + len(self.arrays.slot_need)]
        self.value = float(self.h.getInfo().objective_function_value)
        return True

    def strengthen(self, deadline: float, rounds: int = 20) -> bool:
        """Add rounds of violated coverage cuts, re-solving after each; False if a solve did not finish."""
        for _ in range(rounds):
            if time.monotonic() >= deadline:
                return True
            cuts = coverage_cuts(self.arrays, self.x, self.y)
            if not cuts.slot:
                return True
            add_cuts(self.h, self.arrays, cuts)
            for name in ("slot", "pairs", "coefs", "rhs"):
                getattr(self.cuts, name).extend(getattr(cuts, name))
            if not self.run(deadline):
                return False
        return True

    def price(self, prices: NDArray[np.float64]) -> None:
        """Subtract ``prices`` (per pair) from the pairs' original costs."""
        columns = np.arange(self.arrays.pairs, dtype=np.int32)
        self.h.changeColsCost(len(columns), columns, self.base_cost - prices)
