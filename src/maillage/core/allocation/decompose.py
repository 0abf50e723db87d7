"""Decomposition of large instances: blocks of territories, linked by priced offers.

Initiatives are grouped into blocks along their territories, so that most offers fall inside
one block (:func:`partition`). The offers that span blocks (*linking* offers: broad and sectoral
ones) lose their capacity rows and are priced instead, μ_o per initiative served: a Lagrangian
relaxation. For any μ ≥ 0,

    L(μ) = Σ_blocks max(block objective − Σ μ_o x_po) + Σ_o μ_o capacity_o

is an upper bound on the optimum, whatever relaxation of each block is used, as long as it is
solved to optimality: the cut-strengthened LP while the prices are searched (subgradient steps
with Polyak's step length, each block's LP re-solved warm), then HiGHS's branch and cut on each
block at the best prices, which tightens each block's share further.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .arrays import Arrays, Part, neighbourhood_keys, part_of
from .milp import Relaxation

__all__ = ["Block", "LagrangianPrices", "make_blocks", "partition", "search_prices", "share_capacity"]

BLOCK_PAIRS = 40_000  # the size of a block


@dataclass
class Block:
    part: Part
    linking: NDArray[np.bool_]  # per part offer
    relaxation: Relaxation | None = None

    def pair_prices(self, prices: NDArray[np.float64]) -> NDArray[np.float64]:
        """Whole-offer prices → prices of this block's pairs (0 on offers inside the block)."""
        offer_prices = prices[self.part.offers] * self.linking
        return offer_prices[self.part.arrays.pair_offer]


@dataclass(frozen=True)
class LagrangianPrices:
    prices: NDArray[np.float64]  # per whole offer (0 on offers inside one block)
    bound: float  # L(prices) with each block's strengthened LP
    block_values: list[float]


def partition(arrays: Arrays, block_pairs: int = BLOCK_PAIRS) -> list[NDArray[np.int64]]:
    """Blocks of pairs, whole territories each, grouped so that most offers fall inside one block.

    Territories are joined along the offers they share (Kruskal's order, heaviest first) as long
    as the block stays under ``block_pairs``; then small groups share blocks (first fit
    decreasing). Initiatives without a territory are grouped by hundreds, in their order.
    """
    keys = neighbourhood_keys(arrays.instance)
    names = sorted(set(keys))
    index = {name: n for n, name in enumerate(names)}
    group = np.array([index[k] for k in keys], dtype=np.int64)
    pair_group = group[arrays.pair_init]
    size = np.bincount(pair_group, minlength=len(names)).astype(np.int64).tolist()

    weights: dict[tuple[int, int], float] = defaultdict(float)
    by_offer = np.lexsort((pair_group, arrays.pair_offer))
    offers, groups = arrays.pair_offer[by_offer], pair_group[by_offer]
    for chunk in np.split(groups, np.flatnonzero(np.diff(offers)) + 1):
        touched = np.unique(chunk).tolist()
        if 1 < len(touched) <= 12:
            for a in touched:
                for b in touched:
                    if a < b:
                        weights[(a, b)] += len(chunk) / (len(touched) - 1)
    parent = list(range(len(names)))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for (a, b), _ in sorted(weights.items(), key=lambda item: -item[1]):
        ra, rb = find(a), find(b)
        if ra != rb and size[ra] + size[rb] <= block_pairs:
            parent[rb] = ra
            size[ra] += size[rb]
    roots = sorted({find(a) for a in range(len(names))}, key=lambda r: -size[r])
    bins: list[list[int]] = []
    loads: list[int] = []
    for root in roots:
        for number, load in enumerate(loads):
            if load + size[root] <= block_pairs:
                bins[number].append(root)
                loads[number] += size[root]
                break
        else:
            bins.append([root])
            loads.append(size[root])
    block_of_root = {root: number for number, members in enumerate(bins) for root in members}
    block_of_group = np.array([block_of_root[find(g)] for g in range(len(names))], dtype=np.int64)
    pair_block = block_of_group[pair_group]
    order = np.argsort(pair_block, kind="stable")
    cuts = np.flatnonzero(np.diff(pair_block[order])) + 1
    return [np.sort(chunk) for chunk in np.split(order, cuts) if len(chunk)]


def make_blocks(arrays: Arrays, block_pairs: int = BLOCK_PAIRS) -> tuple[list[Block], NDArray[np.bool_]]:
    """The blocks and, per whole offer, whether it links several of them."""
    pairs_of = partition(arrays, block_pairs)
    spans = np.zeros(len(arrays.capacity), dtype=np.int64)
    for pairs in pairs_of:
        spans[np.unique(arrays.pair_offer[pairs])] += 1
    linking = spans > 1
    blocks = []
    for pairs in pairs_of:
        part = part_of(arrays, pairs)
        blocks.append(Block(part, linking[part.offers]))
    return blocks, linking


def search_prices(
    arrays: Arrays,
    blocks: list[Block],
    linking: NDArray[np.bool_],
    start: NDArray[np.float64],
    target: float,
    deadline: float,
    workers: int,
    on_bound: Callable[[float], None] | None = None,
) -> LagrangianPrices | None:
    """Subgradient search of the prices that minimise L(μ), with the blocks' strengthened LPs.

    ``target`` is the value of a known feasible assignment (Polyak's step aims at it). Returns the
    best prices seen, or None if even the first round of block LPs did not finish in time.
    """
    capacity = arrays.capacity.astype(np.float64)
    prices = np.where(linking, start, 0.0)
    best: LagrangianPrices | None = None
    scale = 1.0
    rounds = 0

    def solve(block: Block) -> tuple[float, NDArray[np.float64]] | None:
        first = block.relaxation is None
        if first:
            block.relaxation = Relaxation(block.part.arrays, uncapped=block.linking)
        relaxation = block.relaxation
        assert relaxation is not None
        relaxation.price(block.pair_prices(prices))
        if not relaxation.run(deadline):
            return None
        if first or rounds < 3:
            relaxation.strengthen(deadline, rounds=6 if first else 2)
        usage = np.bincount(
            block.part.offers[block.part.arrays.pair_offer],
            weights=relaxation.x * block.linking[block.part.arrays.pair_offer],
            minlength=len(capacity),
        ).astype(np.float64)
        return relaxation.value, usage

    with ThreadPoolExecutor(max_workers=workers) as pool:
        while time.monotonic() < deadline:
            outcomes = list(pool.map(solve, blocks))
            if any(o is None for o in outcomes):
                break
            values = [o[0] for o in outcomes if o is not None]
            usage = np.sum([o[1] for o in outcomes if o is not None], axis=0)
            bound = float(sum(values) + prices @ (capacity * linking))
            if best is None or bound < best.bound:
                best = LagrangianPrices(prices.copy(), bound, values)
                if on_bound is not None:
                    on_bound(bound)
            else:
                scale *= 0.7
            rounds += 1
            gradient = (capacity - usage) * linking
            norm = float(gradient @ gradient)
            if norm < 1e-12 or not math.isfinite(bound):
                break
            step = scale * max(bound - target, 1e-6 * abs(bound)) / norm
            prices = np.maximum(0.0, prices - step * gradient)
    return best


def share_capacity(
    arrays: Arrays, blocks: list[Block], linking: NDArray[np.bool_], used: list[NDArray[np.float64]]
) -> list[NDArray[np.int64]]:
    """Each block's capacity: its own offers in full; of each linking offer, a whole share in
    proportion to what the block's relaxation uses of it (largest remainders), never more than the total."""
    capacity = arrays.capacity
    demand = np.zeros((len(blocks), len(capacity)))
    for number, block in enumerate(blocks):
        demand[number, block.part.offers] = used[number]
    totals = demand.sum(axis=0)
    scale = np.where(totals > capacity, capacity / np.maximum(totals, 1e-12), 1.0)
    wanted = demand * scale
    shares = np.floor(wanted + 1e-9).astype(np.int64)
    left = capacity - shares.sum(axis=0)
    remainder = wanted - shares
    for offer in np.flatnonzero(linking & (left > 0)).tolist():
        takers = np.argsort(-remainder[:, offer])[: int(left[offer])]
        shares[takers[remainder[takers, offer] > 1e-6], offer] += 1
    return [
        np.where(block.linking, shares[number, block.part.offers], capacity[block.part.offers]).astype(np.int64)
        for number, block in enumerate(blocks)
    ]
