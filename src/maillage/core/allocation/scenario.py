"""What-if scenarios: changes applied to an instance, validated like the instance itself.

A scenario (format ``maillage-scenario/1``) says what would be different from the ecosystem as it
is; applying it gives a new ``maillage-allocation/1`` instance to solve and compare:

```json
{"format": "maillage-scenario/1",
 "capacity": {"o1": 20},                       // an offer serves more (or fewer) initiatives
 "burden_hours": {"o1": 4},                    // lighter reporting
 "eligible_add": {"o2": ["i7", "i9"]},         // a condition relaxed
 "eligible_remove": {"o2": ["i3"]},            // a condition tightened
 "remove_offers": ["o5"],
 "add_offers": [{"id": "new", "capacity": 10, "burden_hours": 5,
                 "covers": {"financement-souple": 1.0}, "eligible": ["i1"]}],
 "pool": [{"id": "fonds-commun", "offers": ["o3", "o4"]}]}
```

A *pool* puts the offers of several providers into one fund, as COVID-era emergency funds did:
its capacity is the sum of theirs, it covers each element as well as the best of them, it accepts
whoever one of them accepts, and it asks the lightest reporting among them (one application and one
report instead of several). The pooled offers leave the instance.

>>> from .model import Initiative, Instance, Offer
>>> base = Instance(0.02, (Initiative("i1", 3, 40, {"a": 2.0}), Initiative("i2", 3, 40, {"a": 1.0})),
...                 (Offer("o1", 1, 10, {"a": 0.5}, ("i1",)), Offer("o2", 2, 30, {"a": 0.8}, ("i2",))))
>>> pooled = apply_scenario(base, {"format": "maillage-scenario/1",
...                                "pool": [{"id": "p", "offers": ["o1", "o2"]}]})
>>> [(o.id, o.capacity, o.burden_hours, dict(o.covers), o.eligible) for o in pooled.offers]
[('p', 3, 10.0, {'a': 0.8}, ('i1', 'i2'))]
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from ..errors import MaillageError, Problem
from ..i18n import gettext as _
from .model import Instance, Offer, parse_instance

__all__ = ["SCENARIO_FORMAT", "apply_scenario", "invalid"]

SCENARIO_FORMAT = "maillage-scenario/1"
_KEYS = {"format", "capacity", "burden_hours", "eligible_add", "eligible_remove", "remove_offers", "add_offers", "pool"}


def apply_scenario(instance: Instance, changes: Any) -> Instance:
    """The instance with the scenario's changes; every problem is reported at once, with its path."""
    problems: list[Problem] = []

    def problem(code: str, message: str, where: str) -> None:
        problems.append(Problem(code, message, field=where))

    if not isinstance(changes, Mapping):
        raise MaillageError(
            "scenario_invalid",
            _("The scenario is not valid: {count} problem.").format(count=1),
            [Problem("not_an_object", _("A scenario is a JSON object."), field="$")],
        )
    if changes.get("format") != SCENARIO_FORMAT:
        problem("format_unknown", _('The format must be "{expected}".').format(expected=SCENARIO_FORMAT), "format")
    for key in sorted(set(changes) - _KEYS):
        problem("key_unknown", _('"{key}" is not a change a scenario can make.').format(key=key), key)

    offers: dict[str, Offer] = {o.id: o for o in instance.offers}
    initiatives = {i.id for i in instance.initiatives}

    def known_offer(offer_id: Any, where: str) -> bool:
        if not isinstance(offer_id, str) or offer_id not in offers:
            problem("unknown_offer", _('No offer has the id "{id}".').format(id=offer_id), where)
            return False
        return True

    def mapping(key: str) -> Mapping[str, Any]:
        value = changes.get(key, {})
        if not isinstance(value, Mapping):
            problem("object_expected", _("This must be an object keyed by offer ids."), key)
            return {}
        return value

    for offer_id, value in mapping("capacity").items():
        where = f"capacity.{offer_id}"
        if known_offer(offer_id, where):
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 2**31 - 1:
                problem("capacity_invalid", _("A capacity is a whole number, 0 or more."), where)
            else:
                offers[offer_id] = replace(offers[offer_id], capacity=value)
    for offer_id, value in mapping("burden_hours").items():
        where = f"burden_hours.{offer_id}"
        if known_offer(offer_id, where):
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1e6:
                problem("burden_hours_invalid", _("A burden is a number of hours, 0 or more."), where)
            else:
                offers[offer_id] = replace(offers[offer_id], burden_hours=float(value))
    for key, adding in (("eligible_add", True), ("eligible_remove", False)):
        for offer_id, value in mapping(key).items():
            where = f"{key}.{offer_id}"
            if not known_offer(offer_id, where):
                continue
            if not isinstance(value, list):
                problem("list_expected", _("This must be a list."), where)
                continue
            names = []
            for index, initiative in enumerate(value):
                if not isinstance(initiative, str) or initiative not in initiatives:
                    problem(
                        "unknown_initiative",
                        _('No initiative has the id "{id}".').format(id=initiative),
                        f"{where}[{index}]",
                    )
                else:
                    names.append(initiative)
            current = offers[offer_id].eligible
            if adding:
                eligible = tuple(dict.fromkeys((*current, *names)))
            else:
                eligible = tuple(i for i in current if i not in set(names))
            offers[offer_id] = replace(offers[offer_id], eligible=eligible)

    removed = changes.get("remove_offers", [])
    if not isinstance(removed, list):
        problem("list_expected", _("This must be a list."), "remove_offers")
        removed = []
    for index, offer_id in enumerate(removed):
        if known_offer(offer_id, f"remove_offers[{index}]"):
            offers.pop(offer_id)

    pools = changes.get("pool", [])
    if not isinstance(pools, list):
        problem("list_expected", _("This must be a list."), "pool")
        pools = []
    pooled: list[dict[str, Any]] = []
    for index, pool in enumerate(pools):
        where = f"pool[{index}]"
        members = pool.get("offers") if isinstance(pool, Mapping) else None
        pool_id = pool.get("id") if isinstance(pool, Mapping) else None
        if not isinstance(pool_id, str) or not pool_id.strip() or not isinstance(members, list) or len(members) < 2:
            problem("pool_invalid", _("A pool has an id and a list of at least two offers."), where)
            continue
        found = [offers.get(m) for m in members if isinstance(m, str)]
        if len(found) != len(members) or any(o is None for o in found):
            for number, member in enumerate(members):
                known_offer(member, f"{where}.offers[{number}]")
            continue
        parts = [o for o in found if o is not None]
        covers: dict[str, float] = {}
        for part in parts:
            for element, share in part.covers.items():
                covers[element] = max(covers.get(element, 0.0), share)
        pooled.append(
            {
                "id": pool_id,
                "capacity": sum(p.capacity for p in parts),
                "burden_hours": min(p.burden_hours for p in parts),
                "covers": covers,
                "eligible": list(dict.fromkeys(i for p in parts for i in p.eligible)),
                "pooled": [p.id for p in parts],
            }
        )
        for part in parts:
            offers.pop(part.id, None)

    added = changes.get("add_offers", [])
    if not isinstance(added, list):
        problem("list_expected", _("This must be a list."), "add_offers")
        added = []
    if problems:
        raise invalid(problems)
    # The new instance is read like any instance: added and pooled offers are validated there, and
    # an id used twice (an added offer named like an existing one) is reported with its path.
    document = _document(instance, list(offers.values()), [*pooled, *added])
    try:
        return parse_instance(document)
    except MaillageError as error:
        first_added = len(offers) + len(pooled)
        raise MaillageError(
            "scenario_invalid",
            error.message,
            [replace(p, field=_added_path(p.field, first_added)) for p in error.problems],
        ) from None


def invalid(problems: list[Problem]) -> MaillageError:
    """The error of a scenario with these problems (code ``scenario_invalid``)."""
    count = len(problems)
    message = (
        _("The scenario is not valid: {count} problem.")
        if count == 1
        else _("The scenario is not valid: {count} problems.")
    )
    return MaillageError("scenario_invalid", message.format(count=count), problems)


def _added_path(where: str | None, first_added: int) -> str | None:
    """``offers[12].covers.x`` → ``add_offers[2].covers.x`` for an offer the scenario adds."""
    if where is None or not where.startswith("offers["):
        return where
    index, rest = where[len("offers[") :].split("]", 1)
    number = int(index)
    return f"add_offers[{number - first_added}]{rest}" if number >= first_added else where


def _document(instance: Instance, offers: list[Offer], extra_offers: list[Any]) -> dict[str, Any]:
    from .model import dump_instance

    data = dump_instance(replace(instance, offers=tuple(offers)))
    data["offers"].extend(extra_offers)
    return data
