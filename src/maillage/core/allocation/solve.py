"""The allocation solver: a feasible assignment, a proven upper bound and the gap, within a time limit.

The method (measured in ``make bench``, explained in ``docs/allocation.md``):

1. *Arrays*: the instance compiled to the pairs that could ever help (:mod:`.arrays`).
2. *Incumbent*: the better of the per-initiative greedy (the baseline) and a global greedy. From
   here on there is always a feasible answer, never worse than the baseline.
3. Up to ``DIRECT_PAIRS`` useful pairs (Montréal has about 57,000), on two threads at once:
   - HiGHS's branch and cut on the whole model, warm-started, for the proven bound (its root cuts
     close most of the LP relaxation's gap);
   - the LP relaxation tightened by coverage cuts (:func:`.milp.coverage_cuts`), the pairs it uses
     solved as a small MIP (*LP-guided*), then large neighbourhood search (:mod:`.lns`) until HiGHS
     finishes or time runs out.
4. Beyond that, a Lagrangian decomposition (:mod:`.decompose`): blocks of territories, the offers
   that span blocks priced by subgradient search on the blocks' strengthened LPs; then, block by
   block, an LP-guided MIP with the block's share of the spanning offers (feasible together) and a
   branch and cut at the prices (the bound); the seams are mended by neighbourhood search.
5. The best feasible assignment found is returned, with the best proven bound.

Every assignment is checked independently by :mod:`.check` in the tests and the benchmark.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .arrays import Arrays, carry_over, compile_instance, part_of
from .decompose import BLOCK_PAIRS, Block, make_blocks, search_prices, share_capacity
from .greedy import State, global_greedy, per_initiative_greedy
from .lns import large_neighbourhood_search
from .milp import Equity, Relaxation, restrict_cuts, solve_mip
from .model import Instance, Result, relative_gap
from .search import improve

__all__ = ["DIRECT_PAIRS", "Progress", "Solution", "solve"]

DIRECT_PAIRS = 150_000  # above this many useful pairs, the problem is decomposed
WORKERS = 2
ROOT_ROUND_SECONDS = 1.3  # the longest round of HiGHS's root cut loop seen at Montréal scale (2 cores)


@dataclass(frozen=True)
class Progress:
    phase: str  # "greedy", "search", "exact", "blocks", "done"
    elapsed: float
    value: float  # the best objective found so far
    bound: float  # the best proven bound so far (inf while none is known)

    @property
    def gap(self) -> float:
        return relative_gap(self.value, self.bound) if math.isfinite(self.bound) else math.inf


@dataclass(frozen=True)
class Solution:
    result: Result
    chosen: NDArray[np.bool_]
    arrays: Arrays
    greedy_value: float  # the per-initiative greedy's objective (the baseline)
    method: str
    equity: dict[str, Any] = field(default_factory=dict)


ProgressCallback = Callable[[Progress], None]


def solve(
    instance: Instance,
    time_limit: float = 10.0,
    gap: float = 1e-4,
    equity_share: float | None = None,
    on_progress: ProgressCallback | None = None,
    started: float | None = None,
) -> Solution:
    """Solve ``instance`` within ``time_limit`` seconds of wall time counted from ``started``.

    With ``equity_share``, each territory must see at least that share of its weighted need
    covered when it can; when it cannot, the shortfall is the least possible and the result says
    so. The price of the guarantee is then measured by solving without it too (each solve gets
    half of the time).
    """
    started = time.monotonic() if started is None else started
    deadline = started + time_limit
    if equity_share is None:
        return _solve(instance, deadline, gap, None, on_progress, started)
    if not 0 < equity_share <= 1:
        raise ValueError("equity_share must be in (0, 1]")
    middle = time.monotonic() + (deadline - time.monotonic()) / 2
    free = _solve(instance, middle, gap, None, on_progress, started)
    fair = _solve(instance, deadline, gap, equity_share, on_progress, started, start=(free.arrays, free.chosen))
    shares = _territory_shares(fair.arrays, fair.chosen, instance)
    targets_met = all(done >= equity_share * total - 1e-6 for done, total in shares.values())
    report = {
        "share": equity_share,
        "feasible": targets_met,
        "objective_without": free.result.objective,
        "objective_with": fair.result.objective,
        "price": free.result.objective - fair.result.objective,
        "territories": {
            territory: {"covered": done, "need": total, "share": done / total if total else 1.0}
            for territory, (done, total) in sorted(shares.items())
        },
    }
    # The guarantee only removes assignments: the bound without it holds with it.
    bound = min(fair.result.upper_bound, free.result.upper_bound)
    extra = {**fair.result.extra, "gap": relative_gap(fair.result.objective, bound), "equity": report}
    result = Result(fair.result.assignments, fair.result.objective, bound, extra)
    return Solution(result, fair.chosen, fair.arrays, fair.greedy_value, fair.method, report)


def _solve(
    instance: Instance,
    deadline: float,
    gap: float,
    equity_share: float | None,
    on_progress: ProgressCallback | None,
    started: float,
    start: tuple[Arrays, NDArray[np.bool_]] | None = None,
) -> Solution:
    def report(phase: str, value: float, bound: float) -> None:
        if on_progress is not None:
            on_progress(Progress(phase, time.monotonic() - started, value, bound))

    arrays = compile_instance(instance, keep_worthless=equity_share is not None)
    equity = _equity(arrays, instance, equity_share) if equity_share is not None else None
    trivial = _trivial_bound(arrays)
    baseline = per_initiative_greedy(arrays)
    greedy_value = arrays.objective(baseline)
    best = baseline
    for candidate in (global_greedy(arrays), None if start is None else carry_over(*start, arrays)):
        if candidate is not None and arrays.objective(candidate) > arrays.objective(best):
            best = candidate
    report("greedy", arrays.objective(best), trivial)

    bound = trivial
    if arrays.pairs == 0:
        method = "empty"  # no pair can help: nothing to assign, the empty assignment is optimal
    elif arrays.pairs <= DIRECT_PAIRS:
        method = "exact"
        best, bound = _exact(arrays, best, deadline, gap, equity, report)
    else:
        method = "blocks"
        best, bound = _blocks(arrays, best, deadline, gap, equity, report)
        # (the neighbourhood search has polished the seams; a full pass here would not fit in time)
    bound = min(bound, trivial)
    if method == "exact":
        if equity is None:
            best = improve(arrays, best, deadline - 0.02 * (deadline - started))
        else:
            best = global_greedy(arrays, start=best)  # adding never lowers a territory's coverage
    if not _feasible(arrays, best):  # never expected: the solver's parts each keep to the constraints
        best = baseline
    value = arrays.objective(best)
    if value > bound and value - bound <= 1e-4 * max(1.0, abs(value)):
        bound = value  # HiGHS's tolerances; anything larger would be a bug, and the tests would see it
    report("done", value, bound)
    result = Result(
        assignments=arrays.assignments(best),
        objective=value,
        upper_bound=bound,
        extra={
            "gap": relative_gap(value, bound),
            "method": method,
            "greedy_objective": greedy_value,
            "wall_seconds": round(time.monotonic() - started, 3),
        },
    )
    return Solution(result, best, arrays, greedy_value, method)


def _feasible(arrays: Arrays, chosen: NDArray[np.bool_]) -> bool:
    """The constraints, counted exactly once more before answering."""
    load = np.bincount(arrays.pair_offer[chosen], minlength=len(arrays.capacity))
    count = np.bincount(arrays.pair_init[chosen], minlength=len(arrays.max_offers))
    hours = np.bincount(arrays.pair_init[chosen], weights=arrays.pair_burden[chosen], minlength=len(arrays.max_offers))
    return bool(
        (load <= arrays.capacity).all()
        and (count <= arrays.max_offers).all()
        and (hours <= arrays.max_burden + 1e-6).all()
    )


def _trivial_bound(arrays: Arrays) -> float:
    """Every slot covered as much as all its candidate offers together could, capped at 1."""
    coverable = np.bincount(arrays.entry_slot, weights=arrays.entry_share, minlength=len(arrays.slot_need))
    return float(arrays.slot_need @ np.minimum(1.0, coverable))


def _exact(
    arrays: Arrays,
    incumbent: NDArray[np.bool_],
    deadline: float,
    gap: float,
    equity: Equity | None,
    report: Callable[[str, float, float], None],
) -> tuple[NDArray[np.bool_], float]:
    """The strengthened LP; then, at once, branch and cut on the whole problem with its cuts (the
    bound) and the LP-guided sub-problem followed by neighbourhood search (the assignment)."""
    started_at = time.monotonic()
    budget = max(0.2, (deadline - started_at) * 0.97)
    relaxation = Relaxation(arrays, equity=equity)
    relaxed_bound = math.inf
    cuts = None
    if relaxation.run(started_at + budget * 0.3):
        relaxed_bound = relaxation.value
        relaxation.strengthen(started_at + budget * 0.35)
        relaxed_bound, cuts = relaxation.value, relaxation.cuts
        report("relaxed", arrays.objective(incumbent), relaxed_bound)
    with ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(
            solve_mip,
            arrays,
            # A round of HiGHS's root cuts cannot be interrupted; leave room for the last one.
            max(0.2, started_at + budget - time.monotonic() - ROOT_ROUND_SECONDS),
            start=incumbent,
            equity=equity,
            gap=gap,
            presolve=False,
            cuts=cuts,
            on_progress=lambda value, bound: report("exact", value, bound),
        )
        guided = None
        if cuts is not None:
            guided = _guided(arrays, relaxation, incumbent, started_at + budget * 0.8, gap, equity)
            if guided is not None:
                report("guided", arrays.objective(guided), relaxed_bound)
        searched = large_neighbourhood_search(
            arrays,
            _better(arrays, equity, incumbent, guided),
            started_at + budget * 0.97,
            lambda chosen: _penalised(arrays, chosen, equity),
            equity=equity,
            on_improve=lambda value: report("search", value, math.inf),
            stop=future.done,
        )
        outcome = future.result()
    best = _better(arrays, equity, incumbent, searched, outcome.chosen)
    if equity is not None:
        # HiGHS's bounds are on the penalised objective, which is not the format's.
        return best, math.inf
    return best, min(outcome.bound, relaxed_bound)


def _guided(
    arrays: Arrays,
    relaxation: Relaxation,
    incumbent: NDArray[np.bool_],
    deadline: float,
    gap: float,
    equity: Equity | None,
) -> NDArray[np.bool_] | None:
    """The pairs the (strengthened) LP relaxation uses, plus the incumbent's, solved as a much smaller MIP."""
    keep = np.flatnonzero((relaxation.x > 1e-6) | incumbent)
    sub = part_of(arrays, keep)
    outcome = solve_mip(
        sub.arrays,
        max(0.2, deadline - time.monotonic()),
        start=incumbent[keep],
        equity=_part_equity(equity, sub) if equity is not None else None,
        gap=gap,
        cuts=restrict_cuts(relaxation.cuts, keep, sub.slots, arrays),
    )
    if outcome.chosen is None:
        return None
    chosen = np.zeros(arrays.pairs, dtype=bool)
    chosen[keep[outcome.chosen]] = True
    return chosen


def _better(arrays: Arrays, equity: Equity | None, *candidates: NDArray[np.bool_] | None) -> NDArray[np.bool_]:
    found = [c for c in candidates if c is not None]
    return max(found, key=lambda c: _penalised(arrays, c, equity))


def _blocks(
    arrays: Arrays,
    incumbent: NDArray[np.bool_],
    deadline: float,
    gap: float,
    equity: Equity | None,
    report: Callable[[str, float, float], None],
) -> tuple[NDArray[np.bool_], float]:
    """Lagrangian decomposition (see :mod:`.decompose`): prices, then each block exactly, then the seams."""
    began = time.monotonic()
    total = max(0.0, deadline - began)
    blocks, linking = make_blocks(arrays, BLOCK_PAIRS)
    value = arrays.objective(incumbent)
    start_prices = _clearing_prices(arrays, incumbent)
    found = search_prices(
        arrays,
        blocks,
        linking,
        start_prices,
        value,
        began + 0.3 * total,
        WORKERS,
        on_bound=lambda bound: report("prices", value, bound),
    )
    prices = found.prices if found is not None else start_prices * linking
    lp_values = found.block_values if found is not None else [math.inf] * len(blocks)

    # The linking offers' capacity, shared out among blocks as the relaxation uses it at these prices.
    def usage(block: Block) -> NDArray[np.float64]:
        relaxation = block.relaxation
        if relaxation is None:
            return np.zeros(len(block.part.offers))
        relaxation.price(block.pair_prices(prices))
        relaxation.run(time.monotonic() + 5.0)
        used = np.bincount(block.part.arrays.pair_offer, weights=relaxation.x, minlength=len(block.part.offers))
        return used.astype(np.float64) * block.linking

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        used = list(pool.map(usage, blocks))
    shares = share_capacity(arrays, blocks, linking, used)

    sizes = [block.part.arrays.pairs for block in blocks]
    order = sorted(range(len(blocks)), key=lambda b: -sizes[b])
    block_deadline = began + 0.82 * total
    remaining_size = [sum(sizes)]
    results: dict[int, tuple[NDArray[np.bool_], float]] = {}

    def run(number: int) -> None:
        block = blocks[number]
        part = block.part
        share = sizes[number] / max(1, remaining_size[0])
        remaining_size[0] -= sizes[number]
        now = time.monotonic()
        limit = min(max(0.5, (block_deadline - now) * WORKERS * share), max(0.2, block_deadline - now))
        block_equity = _part_equity(equity, part) if equity is not None else None
        relaxation = block.relaxation
        cuts = relaxation.cuts if relaxation is not None else None
        # Primal: the block with its share of the linking offers, restricted to what the LP uses.
        capped = dataclasses.replace(part.arrays, capacity=shares[number])
        start = _within(capped, incumbent[part.pairs])
        if relaxation is not None:
            keep = np.flatnonzero((relaxation.x > 1e-6) | start)
            sub = part_of(capped, keep)
            guided = solve_mip(
                sub.arrays,
                max(0.2, limit * 0.3),
                start=start[keep],
                equity=_part_equity(block_equity, sub) if block_equity is not None else None,
                gap=gap,
                cuts=restrict_cuts(relaxation.cuts, keep, sub.slots, part.arrays),
            )
            if guided.chosen is not None:
                start = np.zeros(part.arrays.pairs, dtype=bool)
                start[keep[guided.chosen]] = True
        # Bound: the block priced, linking offers uncapped, by branch and cut.
        outcome = solve_mip(
            part.arrays,
            max(0.2, now + limit - time.monotonic()),
            equity=block_equity,
            gap=gap,
            presolve=False,
            cuts=cuts,
            prices=block.pair_prices(prices),
            uncapped=block.linking,
        )
        results[number] = (start, min(outcome.bound, lp_values[number]))
        report("blocks", value, math.inf)

    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        list(pool.map(run, order))

    bound = float(prices @ arrays.capacity)
    combined = np.zeros(arrays.pairs, dtype=bool)
    for number, block in enumerate(blocks):
        chosen, block_bound = results[number]
        bound += block_bound
        combined[block.part.pairs] = chosen
    if equity is not None:
        bound = math.inf
    combined = global_greedy(arrays, start=_repair(arrays, combined))
    incumbent = _better(arrays, equity, incumbent, combined)
    report("blocks", arrays.objective(incumbent), bound)
    # Mend the seams between blocks: neighbourhoods across them, solved exactly.
    best_value = [arrays.objective(incumbent)]

    def improved(value: float) -> None:
        best_value[0] = value
        report("search", value, bound)

    incumbent = large_neighbourhood_search(
        arrays,
        incumbent,
        # Each step may overrun by up to a second; the result still has to be written.
        deadline - max(1.5, 0.04 * max(0.0, deadline - time.monotonic())),
        lambda chosen: _penalised(arrays, chosen, equity),
        equity=equity,
        on_improve=improved,
        stop=lambda: relative_gap(best_value[0], bound) <= gap,
    )
    return incumbent, bound


def _within(arrays: Arrays, chosen: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """``chosen`` without the pairs that go beyond their offer's capacity (the last ones dropped)."""
    chosen = chosen.copy()
    picked = np.flatnonzero(chosen)
    offers = arrays.pair_offer[picked]
    order = np.argsort(offers, kind="stable")
    ranks = np.arange(len(picked)) - np.searchsorted(offers[order], offers[order])
    over = ranks >= arrays.capacity[offers[order]]
    chosen[picked[order][over]] = False
    return chosen


def _clearing_prices(arrays: Arrays, chosen: NDArray[np.bool_]) -> NDArray[np.float64]:
    """For each full offer, what its weakest holder gains from it; 0 for offers with room."""
    state = State(arrays, chosen)
    prices = np.zeros(len(arrays.capacity))
    full = np.asarray(state.load) >= arrays.capacity
    for pair in np.flatnonzero(chosen & full[arrays.pair_offer]).tolist():
        offer = state.pair_offer[pair]
        loss = max(0.0, state.loss(pair))
        prices[offer] = loss if prices[offer] == 0 else min(prices[offer], loss)
    return prices


def _repair(arrays: Arrays, chosen: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """Offers used beyond capacity give up the holders that gain least from them."""
    state = State(arrays, chosen)
    over = np.flatnonzero(np.asarray(state.load) > arrays.capacity)
    for offer in over.tolist():
        holders = np.flatnonzero(state.chosen & (arrays.pair_offer == offer)).tolist()
        while state.load[offer] > state.capacity[offer]:
            weakest = min(holders, key=state.loss)
            holders.remove(weakest)
            state.remove(weakest)
    return state.chosen


def _equity(arrays: Arrays, instance: Instance, share: float) -> Equity:
    territories = sorted({i.territory for i in instance.initiatives if i.territory is not None})
    index = {t: n for n, t in enumerate(territories)}
    of_initiative = np.array(
        [index[i.territory] if i.territory is not None else -1 for i in instance.initiatives], dtype=np.int64
    )
    return Equity(share, of_initiative[arrays.slot_init], tuple(territories))


def _part_equity(equity: Equity, part: Any) -> Equity:
    return Equity(equity.share, equity.territory[part.slots], equity.territories)


def _penalised(arrays: Arrays, chosen: NDArray[np.bool_], equity: Equity | None) -> float:
    value = arrays.objective(chosen)
    if equity is None:
        return value
    covered = np.minimum(1.0, arrays.coverage(chosen))
    mask = equity.territory >= 0
    done = np.bincount(
        equity.territory[mask], weights=(arrays.slot_need * covered)[mask], minlength=len(equity.territories)
    )
    return value - equity.penalty(arrays) * float(np.maximum(0.0, equity.targets(arrays) - done).sum())


def _territory_shares(arrays: Arrays, chosen: NDArray[np.bool_], instance: Instance) -> dict[str, tuple[float, float]]:
    covered = np.minimum(1.0, arrays.coverage(chosen)) * arrays.slot_need
    totals: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for initiative in instance.initiatives:
        if initiative.territory is not None:
            totals[initiative.territory]  # territories with no slot still count
    slot_init = arrays.slot_init.tolist()
    for slot, (done, need) in enumerate(zip(covered.tolist(), arrays.slot_need.tolist(), strict=True)):
        territory = instance.initiatives[slot_init[slot]].territory
        if territory is not None:
            totals[territory][0] += done
            totals[territory][1] += need
    return {t: (v[0], v[1]) for t, v in totals.items()}
