"""Local search: moves that keep an assignment feasible and raise its objective.

- *fill*: add any pair that still fits and adds something (the global greedy with no prices);
- *swap*: an initiative trades one of its offers for another with capacity left (exact gain,
  so that an offer covering the same need better replaces a weaker one);
- *transfer*: a full offer moves from the initiative that gains least from it to one that would
  gain more (proposed with arrays for all offers at once, then checked exactly one by one).

Every move is checked exactly before it is applied, so the objective never goes down.
"""

from __future__ import annotations

import time

import numpy as np
from numpy.typing import NDArray

from .arrays import Arrays
from .greedy import EPSILON, State, global_greedy

__all__ = ["improve"]


def improve(arrays: Arrays, chosen: NDArray[np.bool_], deadline: float) -> NDArray[np.bool_]:
    """Apply improving moves until none is left or the deadline (``time.monotonic()``) passes."""
    chosen = global_greedy(arrays, start=chosen)
    for _ in range(50):
        if time.monotonic() >= deadline:
            break
        state = State(arrays, chosen)
        moved = _transfers(arrays, state) + _swaps(arrays, state, deadline)
        chosen = global_greedy(arrays, start=state.chosen)
        if not moved:
            break
    return chosen


def _transfers(arrays: Arrays, state: State) -> int:
    """Move full offers to initiatives that would gain more from them."""
    chosen = state.chosen
    covered = np.asarray(state.covered)
    need = arrays.slot_need[arrays.entry_slot]
    before = covered[arrays.entry_slot]
    gains = (
        np.bincount(
            arrays.entry_pair,
            weights=need * (np.minimum(1.0, before + arrays.entry_share) - np.minimum(1.0, before)),
            minlength=arrays.pairs,
        )
        - arrays.burden_penalty * arrays.pair_burden
    )
    losses = (
        np.bincount(
            arrays.entry_pair,
            weights=need * (np.minimum(1.0, before) - np.minimum(1.0, before - arrays.entry_share)),
            minlength=arrays.pairs,
        )
        - arrays.burden_penalty * arrays.pair_burden
    )
    load = np.asarray(state.load)
    full = load >= arrays.capacity
    count = np.asarray(state.count)
    hours = np.asarray(state.hours)
    init = arrays.pair_init
    room = (count[init] < arrays.max_offers[init]) & (
        hours[init] + arrays.pair_burden <= arrays.max_burden[init] + EPSILON
    )
    candidates = np.flatnonzero(~chosen & full[arrays.pair_offer] & room & (gains > EPSILON))
    holders = np.flatnonzero(chosen & full[arrays.pair_offer])
    if not len(candidates) or not len(holders):
        return 0
    offers = len(arrays.capacity)
    best_gain = np.full(offers, -np.inf)
    np.maximum.at(best_gain, arrays.pair_offer[candidates], gains[candidates])
    least_loss = np.full(offers, np.inf)
    np.minimum.at(least_loss, arrays.pair_offer[holders], losses[holders])
    promising = np.flatnonzero(best_gain - least_loss > EPSILON)
    moved = 0
    by_offer_candidates = _group(candidates, arrays.pair_offer[candidates], gains[candidates], descending=True)
    by_offer_holders = _group(holders, arrays.pair_offer[holders], losses[holders], descending=False)
    for offer in promising[np.argsort(-(best_gain - least_loss)[promising])].tolist():
        holder = min(by_offer_holders[offer], key=lambda p: state.loss(p) if state.chosen[p] else np.inf)
        if not state.chosen[holder]:
            continue
        loss = state.loss(holder)
        for candidate in by_offer_candidates[offer][:5]:
            i = state.pair_init[candidate]
            fits = (
                state.count[i] < state.max_offers[i]
                and state.hours[i] + state.pair_burden[candidate] <= state.max_burden[i] + EPSILON
            )
            if fits and state.gain(candidate) - loss > EPSILON:
                state.remove(holder)
                state.add(candidate)
                moved += 1
                break
    return moved


def _swaps(arrays: Arrays, state: State, deadline: float) -> int:
    """Trade an offer of an initiative for a better one with capacity left."""
    moved = 0
    starts = arrays.init_start.tolist()
    for i in range(len(starts) - 1):
        if i % 256 == 0 and time.monotonic() >= deadline:
            break
        pairs = range(starts[i], starts[i + 1])
        mine = [p for p in pairs if state.chosen[p]]
        if not mine:
            continue
        options = [
            q
            for q in pairs
            if not state.chosen[q] and state.load[state.pair_offer[q]] < state.capacity[state.pair_offer[q]]
        ]
        if not options:
            continue
        best, best_delta = None, EPSILON
        for p in mine:
            loss = state.loss(p)
            state.remove(p)
            for q in options:
                if state.hours[i] + state.pair_burden[q] <= state.max_burden[i] + EPSILON:
                    delta = state.gain(q) - loss
                    if delta > best_delta:
                        best, best_delta = (p, q), delta
            state.add(p)
        if best is not None:
            state.remove(best[0])
            state.add(best[1])
            moved += 1
    return moved


def _group(
    pairs: NDArray[np.int64], keys: NDArray[np.int64], values: NDArray[np.float64], descending: bool
) -> dict[int, list[int]]:
    order = np.lexsort((-values if descending else values, keys))
    groups: dict[int, list[int]] = {}
    for key, pair in zip(keys[order].tolist(), pairs[order].tolist(), strict=True):
        groups.setdefault(key, []).append(pair)
    return groups
