"""The instance as arrays, for the solver: pairs, need slots and their coverage entries.

A *slot* is one (initiative, element) with a positive need. A *pair* is one eligible
(initiative, offer) that could ever help: pairs whose offer alone covers nothing the initiative
needs, or costs more in burden than it can cover, or does not fit the initiative's limits, are
dropped, since an optimal assignment never needs them (the capped coverage is submodular: an
offer adds at most what it adds alone). Pairs are sorted by initiative, so that an initiative's
candidates are contiguous. An *entry* is one (pair, slot, share).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .model import Assignment, Instance

__all__ = ["Arrays", "compile_instance", "neighbourhood_keys"]

Ints = NDArray[np.int64]
Floats = NDArray[np.float64]


@dataclass(frozen=True)
class Arrays:
    instance: Instance
    burden_penalty: float
    # initiatives
    max_offers: Ints
    max_burden: Floats
    init_start: Ints  # pairs of initiative i are init_start[i]:init_start[i + 1]
    # offers
    capacity: Ints
    # slots
    slot_need: Floats
    slot_init: Ints
    # pairs
    pair_init: Ints
    pair_offer: Ints
    pair_burden: Floats
    pair_alone: Floats  # the value of the pair alone (need covered minus its burden penalty)
    entry_start: Ints  # entries of pair p are entry_start[p]:entry_start[p + 1]
    entry_slot: Ints
    entry_share: Floats
    entry_pair: Ints

    @property
    def pairs(self) -> int:
        return len(self.pair_init)

    def coverage(self, chosen: NDArray[np.bool_]) -> Floats:
        """Slot → share of its need covered by the chosen pairs (uncapped)."""
        weights = self.entry_share * chosen[self.entry_pair]
        return np.bincount(self.entry_slot, weights=weights, minlength=len(self.slot_need)).astype(np.float64)

    def objective(self, chosen: NDArray[np.bool_]) -> float:
        covered = np.minimum(1.0, self.coverage(chosen))
        return float(self.slot_need @ covered - self.burden_penalty * self.pair_burden[chosen].sum())

    def assignments(self, chosen: NDArray[np.bool_]) -> tuple[Assignment, ...]:
        initiatives, offers = self.instance.initiatives, self.instance.offers
        return tuple(
            Assignment(initiatives[i].id, offers[o].id)
            for i, o in zip(self.pair_init[chosen].tolist(), self.pair_offer[chosen].tolist(), strict=True)
        )


def compile_instance(instance: Instance, prune: bool = True, keep_worthless: bool = False) -> Arrays:
    """The arrays of ``instance``; ``prune=False`` keeps every eligible pair (the plain model);
    ``keep_worthless`` keeps pairs whose burden outweighs what they cover (the equity option needs
    them: such a pair may be the only way to reach a territory's share).

    Raises ``ValueError`` on ids used twice or eligibility naming unknown initiatives (an instance
    read with :func:`.model.parse_instance` never has them); an initiative listed twice in an
    offer's ``eligible`` counts once.
    """
    initiatives, offers = instance.initiatives, instance.offers
    init_index = {i.id: n for n, i in enumerate(initiatives)}
    if len(init_index) != len(initiatives) or len({o.id for o in offers}) != len(offers):
        raise ValueError("initiative and offer ids must be unique")
    eligible_lists = [tuple(dict.fromkeys(o.eligible)) for o in offers]
    if any(i not in init_index for lst in eligible_lists for i in lst):
        raise ValueError("an offer's eligible list names an unknown initiative")
    max_offers = np.array([i.max_offers for i in initiatives], dtype=np.int64)
    max_burden = np.array([i.max_burden_hours for i in initiatives], dtype=np.float64)
    capacity = np.array([o.capacity for o in offers], dtype=np.int64)
    burden = np.array([o.burden_hours for o in offers], dtype=np.float64)
    penalty = instance.burden_penalty

    element_index: dict[str, int] = {}
    slot_init_list, slot_element_list, slot_need_list = [], [], []
    for n, initiative in enumerate(initiatives):
        for element, weight in initiative.needs.items():
            if weight > 0:
                slot_init_list.append(n)
                slot_element_list.append(element_index.setdefault(element, len(element_index)))
                slot_need_list.append(weight)
    cover_offer, cover_element, cover_share = [], [], []
    for o, offer in enumerate(offers):
        for element, share in offer.covers.items():
            if element in element_index:  # an element nobody needs covers nothing
                cover_offer.append(o)
                cover_element.append(element_index[element])
                cover_share.append(share)
    width = max(1, len(element_index))
    slot_init = np.array(slot_init_list, dtype=np.int64)
    slot_need = np.array(slot_need_list, dtype=np.float64)
    slot_key = slot_init * width + np.array(slot_element_list, dtype=np.int64)  # increasing in initiative

    # Every eligible pair, then its entries: the offer's covered elements that the initiative needs.
    raw_offer = np.repeat(np.arange(len(offers), dtype=np.int64), [len(lst) for lst in eligible_lists])
    raw_init = np.fromiter((init_index[i] for lst in eligible_lists for i in lst), dtype=np.int64, count=len(raw_offer))
    cover_offer_arr = np.array(cover_offer, dtype=np.int64)
    cover_start = np.searchsorted(cover_offer_arr, np.arange(len(offers) + 1))
    per_pair = (cover_start[raw_offer + 1] - cover_start[raw_offer]).astype(np.int64)
    entry_raw = np.repeat(np.arange(len(raw_offer), dtype=np.int64), per_pair)
    first = np.repeat(cover_start[raw_offer], per_pair)
    offset = np.arange(len(entry_raw), dtype=np.int64) - np.repeat(np.cumsum(per_pair) - per_pair, per_pair)
    cover = first + offset
    key = raw_init[entry_raw] * width + np.array(cover_element, dtype=np.int64)[cover]
    order = np.argsort(slot_key, kind="stable")
    found = np.searchsorted(slot_key[order], key)
    found = np.minimum(found, max(0, len(slot_key) - 1))
    hit = (slot_key[order][found] == key) if len(slot_key) else np.zeros(len(key), dtype=bool)
    entry_raw, entry_slot_raw = entry_raw[hit], order[found[hit]]
    entry_share_raw = np.array(cover_share, dtype=np.float64)[cover[hit]]

    alone = (
        np.bincount(
            entry_raw, weights=slot_need[entry_slot_raw] * np.minimum(1.0, entry_share_raw), minlength=len(raw_offer)
        )
        - penalty * burden[raw_offer]
    )
    keep = np.ones(len(raw_offer), dtype=bool)
    if prune:
        entries_of = np.bincount(entry_raw, minlength=len(raw_offer))
        keep = (
            (capacity[raw_offer] > 0)
            & (max_offers[raw_init] > 0)
            & (burden[raw_offer] <= max_burden[raw_init])
            & (entries_of > 0)
            & ((alone > 0) | keep_worthless)
        )
    kept = np.flatnonzero(keep)
    kept = kept[np.lexsort((raw_offer[kept], raw_init[kept]))]
    new_index = np.full(len(raw_offer), -1, dtype=np.int64)
    new_index[kept] = np.arange(len(kept))
    entry_pair = new_index[entry_raw]
    mask = entry_pair >= 0
    entry_order = np.argsort(entry_pair[mask], kind="stable")
    entry_pair = entry_pair[mask][entry_order]
    entry_slot = entry_slot_raw[mask][entry_order]
    entry_share = entry_share_raw[mask][entry_order]
    entry_start = np.searchsorted(entry_pair, np.arange(len(kept) + 1)).astype(np.int64)
    pair_init = raw_init[kept]
    pair_offer = raw_offer[kept]
    return Arrays(
        instance=instance,
        burden_penalty=penalty,
        max_offers=max_offers,
        max_burden=max_burden,
        init_start=np.searchsorted(pair_init, np.arange(len(initiatives) + 1)).astype(np.int64),
        capacity=capacity,
        slot_need=slot_need,
        slot_init=slot_init,
        pair_init=pair_init,
        pair_offer=pair_offer,
        pair_burden=burden[pair_offer],
        pair_alone=alone[kept],
        entry_start=entry_start,
        entry_slot=entry_slot,
        entry_share=entry_share,
        entry_pair=entry_pair,
    )


@dataclass(frozen=True)
class Part:
    """A part of the problem (some pairs), renumbered: ``arrays`` plus the maps back to the whole."""

    arrays: Arrays
    pairs: Ints  # part pair → whole pair
    initiatives: Ints  # part initiative → whole initiative
    offers: Ints  # part offer → whole offer
    slots: Ints  # part slot → whole slot


def part_of(whole: Arrays, pairs: Ints) -> Part:
    """The sub-problem made of ``pairs`` (sorted whole pair indices), its initiatives, offers and slots."""
    initiatives = np.unique(whole.pair_init[pairs])
    offers = np.unique(whole.pair_offer[pairs])
    slot_mask = np.isin(whole.slot_init, initiatives)
    slots = np.flatnonzero(slot_mask)
    slot_new = np.full(len(whole.slot_need), -1, dtype=np.int64)
    slot_new[slots] = np.arange(len(slots))
    init_new = np.full(len(whole.max_offers), -1, dtype=np.int64)
    init_new[initiatives] = np.arange(len(initiatives))
    offer_new = np.full(len(whole.capacity), -1, dtype=np.int64)
    offer_new[offers] = np.arange(len(offers))
    lengths = (whole.entry_start[pairs + 1] - whole.entry_start[pairs]).astype(np.int64)
    entry_start = np.zeros(len(pairs) + 1, dtype=np.int64)
    np.cumsum(lengths, out=entry_start[1:])
    entries = np.repeat(whole.entry_start[pairs] - entry_start[:-1], lengths) + np.arange(int(entry_start[-1]))
    pair_init = init_new[whole.pair_init[pairs]]
    arrays = Arrays(
        instance=whole.instance,
        burden_penalty=whole.burden_penalty,
        max_offers=whole.max_offers[initiatives],
        max_burden=whole.max_burden[initiatives],
        init_start=np.searchsorted(pair_init, np.arange(len(initiatives) + 1)).astype(np.int64),
        capacity=whole.capacity[offers],
        slot_need=whole.slot_need[slots],
        slot_init=init_new[whole.slot_init[slots]],
        pair_init=pair_init,
        pair_offer=offer_new[whole.pair_offer[pairs]],
        pair_burden=whole.pair_burden[pairs],
        pair_alone=whole.pair_alone[pairs],
        entry_start=entry_start,
        entry_slot=slot_new[whole.entry_slot[entries]],
        entry_share=whole.entry_share[entries],
        entry_pair=np.repeat(np.arange(len(pairs), dtype=np.int64), lengths),
    )
    return Part(arrays, pairs, initiatives, offers, slots)


def carry_over(source: Arrays, chosen: NDArray[np.bool_], target: Arrays) -> NDArray[np.bool_]:
    """An assignment of ``source``'s pairs as the same (initiative, offer) pairs of ``target``
    (the same instance compiled otherwise); pairs ``target`` lacks are dropped."""
    width = len(target.capacity) + 1
    target_keys = target.pair_init * width + target.pair_offer
    keys = source.pair_init[chosen] * width + source.pair_offer[chosen]
    found = np.searchsorted(target_keys, keys)  # target pairs are sorted by initiative, then offer
    found = np.minimum(found, max(0, len(target_keys) - 1))
    result = np.zeros(target.pairs, dtype=bool)
    if len(target_keys):
        hit = target_keys[found] == keys
        result[found[hit]] = True
    return result


def neighbourhood_keys(instance: Instance) -> list[str]:
    """Each initiative's group for decomposition and neighbourhoods: its territory, or, without one,
    its hundred in the instance's order."""
    return [
        initiative.territory if initiative.territory is not None else f"#{number // 100}"
        for number, initiative in enumerate(instance.initiatives)
    ]
