"""A scenario's changes as stored, and as the solver takes them.

Stored changes are a ``maillage-scenario/1`` document with two additions that keep a scenario
meaningful as the ecosystem moves on (initiatives come and go between runs):

- ``relax``: offer id → kinds of eligibility rule lifted (``{"o2": ["territory"]}``); the instance is
  then built without those rules, which is what ``eligible_add`` would list today;
- a new offer may say ``"eligible_like": "o3"`` (it accepts whom ``o3`` accepts) or ``"*"`` (everyone)
  instead of listing ``eligible``.

:func:`resolve` turns them into a plain ``maillage-scenario/1`` document for a given instance.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.translation import gettext as _

from maillage.core.allocation import Instance
from maillage.core.allocation.scenario import SCENARIO_FORMAT, apply_scenario
from maillage.core.errors import MaillageError, Problem
from maillage.matching.models import EligibilityRule

EVERYONE = "*"
RULE_KINDS = frozenset(EligibilityRule.Kind.values)


def empty() -> dict[str, Any]:
    return {"format": SCENARIO_FORMAT}


def relax_of(changes: Mapping[str, Any]) -> dict[str, list[str]]:
    relax = changes.get("relax") or {}
    return {str(k): list(v) for k, v in relax.items()} if isinstance(relax, Mapping) else {}


def resolve(changes: Mapping[str, Any], instance: Instance) -> dict[str, Any]:
    """The plain ``maillage-scenario/1`` document of ``changes`` on ``instance`` (built with its ``relax``)."""
    document = {key: value for key, value in changes.items() if key != "relax"}
    eligible = {o.id: list(o.eligible) for o in instance.offers}
    everyone = [i.id for i in instance.initiatives]
    added = []
    for offer in document.get("add_offers") or []:
        if isinstance(offer, Mapping) and "eligible_like" in offer:
            like = offer["eligible_like"]
            offer = {k: v for k, v in offer.items() if k != "eligible_like"}
            offer["eligible"] = everyone if like == EVERYONE else eligible.get(like, [])
        added.append(offer)
    if added:
        document["add_offers"] = added
    return document


def check(changes: Any, instance: Instance, *, own_offers: Iterable[str] | None = None) -> list[Problem]:
    """Every problem of ``changes`` against ``instance`` (built with its ``relax``); with ``own_offers``,
    changes may touch those offers only (a support actor's scenario)."""
    problems: list[Problem] = []
    if not isinstance(changes, Mapping):
        return [Problem("not_an_object", _("A scenario is a JSON object."), field="$")]
    known = {o.id for o in instance.offers}
    relax = changes.get("relax", {})
    if not isinstance(relax, Mapping):
        problems.append(Problem("object_expected", _("This must be an object keyed by offer ids."), field="relax"))
        relax = {}
    for offer_id, kinds in relax.items():
        where = f"relax.{offer_id}"
        if offer_id not in known:
            problems.append(Problem("unknown_offer", _('No offer has the id "{id}".').format(id=offer_id), field=where))
        if not isinstance(kinds, list) or not all(k in RULE_KINDS for k in kinds):
            problems.append(
                Problem(
                    "rule_kind_unknown",
                    _("List kinds of rule among: {kinds}.").format(kinds=", ".join(sorted(RULE_KINDS))),
                    field=where,
                )
            )
    new_ids = set()
    for index, offer in enumerate(changes.get("add_offers") or []):
        if isinstance(offer, Mapping):
            new_ids.add(offer.get("id"))
            like = offer.get("eligible_like")
            if like is not None and like != EVERYONE and like not in known:
                problems.append(
                    Problem(
                        "unknown_offer",
                        _('No offer has the id "{id}".').format(id=like),
                        field=f"add_offers[{index}].eligible_like",
                    )
                )
    if own_offers is not None:
        problems += _outside(changes, set(own_offers) | new_ids)
    if problems:
        return problems
    try:
        apply_scenario(instance, resolve(changes, instance))
    except MaillageError as exc:
        return list(exc.problems)
    return []


def _outside(changes: Mapping[str, Any], mine: set[Any]) -> list[Problem]:
    """Changes to offers that are not the support actor's own."""
    touched: list[tuple[str, Any]] = []
    for key in ("capacity", "burden_hours", "eligible_add", "eligible_remove", "relax"):
        value = changes.get(key) or {}
        if isinstance(value, Mapping):
            touched += [(f"{key}.{offer_id}", offer_id) for offer_id in value]
    touched += [(f"remove_offers[{i}]", o) for i, o in enumerate(changes.get("remove_offers") or [])]
    for p, pool in enumerate(changes.get("pool") or []):
        if isinstance(pool, Mapping):
            touched += [(f"pool[{p}].offers[{i}]", o) for i, o in enumerate(pool.get("offers") or [])]
    return [
        Problem(
            "offer_not_yours",
            _('The offer "{id}" is not one of yours: a support actor\'s scenario changes its own offers only.').format(
                id=offer_id
            ),
            field=where,
        )
        for where, offer_id in touched
        if offer_id not in mine
    ]
