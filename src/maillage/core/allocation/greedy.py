"""Greedy assignments: the per-initiative baseline, and a global greedy.

The *per-initiative greedy* is what a first-come ranked list amounts to: initiatives in decreasing
total need, each takes its best marginal offer while capacity lasts. It is the benchmark's
baseline; the solver must never do worse.

The *global greedy* adds, over all pairs at once, the one whose marginal gain is largest (lazily:
the capped coverage is submodular, so a gain computed earlier is an upper bound of the gain now).
From a given assignment, it fills whatever capacity is left.
"""

from __future__ import annotations

import heapq

import numpy as np
from numpy.typing import NDArray

from .arrays import Arrays

__all__ = ["State", "global_greedy", "per_initiative_greedy"]

EPSILON = 1e-9


class State:
    """An assignment being built: coverage per slot, load per offer, count and hours per initiative."""

    def __init__(self, arrays: Arrays, chosen: NDArray[np.bool_] | None = None) -> None:
        self.arrays = arrays
        self.need = arrays.slot_need.tolist()
        self.entry_start = arrays.entry_start.tolist()
        self.entry_slot = arrays.entry_slot.tolist()
        self.entry_share = arrays.entry_share.tolist()
        self.pair_init = arrays.pair_init.tolist()
        self.pair_offer = arrays.pair_offer.tolist()
        self.pair_burden = arrays.pair_burden.tolist()
        self.penalty = arrays.burden_penalty
        self.max_offers = arrays.max_offers.tolist()
        self.max_burden = arrays.max_burden.tolist()
        self.capacity = arrays.capacity.tolist()
        self.chosen = np.zeros(arrays.pairs, dtype=bool) if chosen is None else chosen.copy()
        self.covered = arrays.coverage(self.chosen).tolist()
        self.load = np.bincount(arrays.pair_offer[self.chosen], minlength=len(self.capacity)).tolist()
        self.count = np.bincount(arrays.pair_init[self.chosen], minlength=len(self.max_offers)).tolist()
        self.hours = np.bincount(
            arrays.pair_init[self.chosen], weights=arrays.pair_burden[self.chosen], minlength=len(self.max_offers)
        ).tolist()

    def gain(self, pair: int) -> float:
        """What adding ``pair`` would add to the objective now."""
        covered, need, share, slot = self.covered, self.need, self.entry_share, self.entry_slot
        total = 0.0
        for k in range(self.entry_start[pair], self.entry_start[pair + 1]):
            before = covered[slot[k]]
            if before < 1.0:
                total += need[slot[k]] * (min(1.0, before + share[k]) - before)
        return float(total - self.penalty * self.pair_burden[pair])

    def loss(self, pair: int) -> float:
        """What removing the (chosen) ``pair`` would take from the objective now."""
        covered, need, share, slot = self.covered, self.need, self.entry_share, self.entry_slot
        total = 0.0
        for k in range(self.entry_start[pair], self.entry_start[pair + 1]):
            before = covered[slot[k]]
            after = before - share[k]
            if after < 1.0:
                total += need[slot[k]] * (min(1.0, before) - after)
        return float(total - self.penalty * self.pair_burden[pair])

    def fits(self, pair: int) -> bool:
        i, o = self.pair_init[pair], self.pair_offer[pair]
        return (
            not self.chosen[pair]
            and self.load[o] < self.capacity[o]
            and self.count[i] < self.max_offers[i]
            and self.hours[i] + self.pair_burden[pair] <= self.max_burden[i] + EPSILON
        )

    def add(self, pair: int) -> None:
        for k in range(self.entry_start[pair], self.entry_start[pair + 1]):
            self.covered[self.entry_slot[k]] += self.entry_share[k]
        i, o = self.pair_init[pair], self.pair_offer[pair]
        self.load[o] += 1
        self.count[i] += 1
        self.hours[i] += self.pair_burden[pair]
        self.chosen[pair] = True

    def remove(self, pair: int) -> None:
        for k in range(self.entry_start[pair], self.entry_start[pair + 1]):
            self.covered[self.entry_slot[k]] -= self.entry_share[k]
        i, o = self.pair_init[pair], self.pair_offer[pair]
        self.load[o] -= 1
        self.count[i] -= 1
        self.hours[i] -= self.pair_burden[pair]
        self.chosen[pair] = False


def per_initiative_greedy(arrays: Arrays) -> NDArray[np.bool_]:
    """The baseline: initiatives by decreasing total need, each takes its best offers in turn."""
    state = State(arrays)
    totals = np.bincount(arrays.slot_init, weights=arrays.slot_need, minlength=len(arrays.max_offers))
    starts = arrays.init_start.tolist()
    for i in np.argsort(-totals, kind="stable").tolist():
        candidates = range(starts[i], starts[i + 1])
        while state.count[i] < state.max_offers[i]:
            best, best_gain = -1, EPSILON
            for pair in candidates:
                if state.fits(pair):
                    gain = state.gain(pair)
                    if gain > best_gain:
                        best, best_gain = pair, gain
            if best < 0:
                break
            state.add(best)
    return state.chosen


def global_greedy(arrays: Arrays, start: NDArray[np.bool_] | None = None) -> NDArray[np.bool_]:
    """Add pairs by decreasing marginal gain, over all pairs at once, from ``start`` if given."""
    state = State(arrays, start)
    heap = [(-alone, p) for p, alone in enumerate(arrays.pair_alone.tolist())]
    heapq.heapify(heap)
    while heap:
        _, pair = heapq.heappop(heap)
        if not state.fits(pair):
            continue  # offers and initiatives only fill up: it will never fit again
        value = state.gain(pair)
        if value <= EPSILON:
            continue  # gains only shrink as coverage grows
        if not heap or -value <= heap[0][0] + EPSILON:
            state.add(pair)
        else:
            heapq.heappush(heap, (-value, pair))
    return state.chosen
