"""A scenario's changes as stored, and as the solver takes them.

Stored changes are a ``maillage-scenario/1`` document with two additions that keep a scenario
meaningful as the ecosystem moves on (initiatives come and go between runs):

- ``relax``: offer id → kinds of eligibility rule lifted (``{"o2": ["territory"]}``); the instance is
  then built without those rules, which is what ``eligible_add`` would list today;
- a new offer may say ``"eligible_like": "o3"`` (it accepts whom ``o3`` accepts) or ``"*"`` (everyone)
  instead of listing ``eligible``.

:func:`resolve` turns them into a plain ``maillage-scenario/1`` document for a given instance, leaving
out (and listing) what refers to offers or initiatives that are no longer there: an offer that closed
since the scenario was made does not stop it from running. :func:`check` is strict about what a
person adds, and tolerates only what was already there.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.translation import gettext as _

from maillage.core.allocation import Instance
from maillage.core.allocation.scenario import SCENARIO_FORMAT, apply_scenario
from maillage.core.errors import MaillageError, Problem
from maillage.directory.models import SupportOffer
from maillage.matching.models import EligibilityRule

EVERYONE = "*"
# Kinds of rule a scenario may lift (language is not yet known of initiatives: no such rule applies).
RULE_KINDS = frozenset(EligibilityRule.Kind.values) - {EligibilityRule.Kind.LANGUAGE}
BY_OFFER = ("capacity", "burden_hours", "eligible_add", "eligible_remove")
# In a support actor's scenario, whom an offer accepts changes only by lifting its rules: a list of
# initiatives chosen by hand could single one out and read its needs from the advice.
HAND_PICKED = ("eligible_add", "eligible_remove")


def NOT_YOURS() -> str:
    return _('The offer "{id}" is not one of yours: a support actor\'s scenario changes its own offers only.')


def empty() -> dict[str, Any]:
    return {"format": SCENARIO_FORMAT}


def relax_of(changes: Any) -> dict[str, list[str]]:
    """``relax`` as the instance builder takes it (anything malformed is left to :func:`check`)."""
    relax = changes.get("relax") if isinstance(changes, Mapping) else None
    if not isinstance(relax, Mapping):
        return {}
    return {str(k): [x for x in v if isinstance(x, str)] for k, v in relax.items() if isinstance(v, list)}


def _name(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def references(changes: Any) -> set[str]:
    """Every offer id the changes refer to (not the ids of offers they add)."""
    found: set[str] = set()
    if not isinstance(changes, Mapping):
        return found
    for key in (*BY_OFFER, "relax"):
        value = changes.get(key)
        if isinstance(value, Mapping):
            found |= {k for k in value if isinstance(k, str)}
    removed = changes.get("remove_offers")
    if isinstance(removed, list):
        found |= {o for o in removed if isinstance(o, str)}
    for pool in changes.get("pool") or [] if isinstance(changes.get("pool"), list) else []:
        if isinstance(pool, Mapping) and isinstance(pool.get("offers"), list):
            found |= {o for o in pool["offers"] if isinstance(o, str)}
    for offer in changes.get("add_offers") or [] if isinstance(changes.get("add_offers"), list) else []:
        if isinstance(offer, Mapping) and _name(offer.get("eligible_like")) not in (None, EVERYONE):
            found.add(offer["eligible_like"])
    for key in HAND_PICKED:  # initiatives named by hand, which may leave the ecosystem too
        value = changes.get(key)
        if isinstance(value, Mapping):
            found |= {i for item in value.values() if isinstance(item, list) for i in item if isinstance(i, str)}
    return found


def _unsafe(value: Any, where: str, problems: list[Problem], depth: int = 0) -> None:
    """Values JSON allows but the database or a page cannot hold: NaN and infinities, lone surrogates,
    NUL characters, in any key or value (also those the format ignores, such as a pool's name)."""
    if depth > 50:
        problems.append(Problem("too_deep", _("The document is nested too deeply."), field=where))
    elif isinstance(value, float) and not math.isfinite(value):
        problems.append(Problem("number_invalid", _("Numbers must be finite."), field=where))
    elif isinstance(value, str):
        if "\x00" in value or any(0xD800 <= ord(c) <= 0xDFFF for c in value):
            problems.append(Problem("text_invalid", _("This text has characters that cannot be stored."), field=where))
    elif isinstance(value, Mapping):
        for key, item in value.items():
            _unsafe(key, where, problems, depth + 1)
            _unsafe(item, f"{where}.{key}" if where != "$" else str(key), problems, depth + 1)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _unsafe(item, f"{where}[{index}]", problems, depth + 1)


def resolve(changes: Mapping[str, Any], instance: Instance) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """The plain ``maillage-scenario/1`` document of ``changes`` on ``instance`` (built with its ``relax``),
    and what was left out because its offer or initiative is no longer in the instance (path and id)."""
    known = {o.id for o in instance.offers}
    people = {i.id for i in instance.initiatives}
    ignored: list[dict[str, str]] = []
    document: dict[str, Any] = {k: v for k, v in changes.items() if k != "relax"}

    def gone(where: str, what: str) -> None:
        ignored.append({"path": where, "id": what})

    for key in BY_OFFER:
        value = document.get(key)
        if not isinstance(value, Mapping):
            continue
        kept = {}
        for offer_id, item in value.items():
            if offer_id not in known:
                gone(f"{key}.{offer_id}", offer_id)
                continue
            if key in HAND_PICKED and isinstance(item, list):
                for index, initiative in enumerate(item):
                    if isinstance(initiative, str) and initiative not in people:
                        gone(f"{key}.{offer_id}[{index}]", initiative)
                item = [i for i in item if not isinstance(i, str) or i in people]
            kept[offer_id] = item
        document[key] = kept
    if isinstance(document.get("remove_offers"), list):
        for index, offer_id in enumerate(document["remove_offers"]):
            if isinstance(offer_id, str) and offer_id not in known:
                gone(f"remove_offers[{index}]", offer_id)
        document["remove_offers"] = [o for o in document["remove_offers"] if not isinstance(o, str) or o in known]
    if isinstance(document.get("pool"), list):
        pools = []
        for number, pool in enumerate(document["pool"]):
            if isinstance(pool, Mapping) and isinstance(pool.get("offers"), list):
                members = []
                for index, offer_id in enumerate(pool["offers"]):
                    if isinstance(offer_id, str) and offer_id not in known:
                        gone(f"pool[{number}].offers[{index}]", offer_id)
                    else:
                        members.append(offer_id)
                if len(members) < 2 <= len(pool["offers"]):
                    continue  # not a pool any more: its offers stay as they are
                pool = {**pool, "offers": members}
            pools.append(pool)
        document["pool"] = pools
    if isinstance(document.get("add_offers"), list):
        eligible = {o.id: list(o.eligible) for o in instance.offers}
        everyone = [i.id for i in instance.initiatives]
        added = []
        for number, offer in enumerate(document["add_offers"]):
            if isinstance(offer, Mapping) and "eligible_like" in offer:
                like = _name(offer["eligible_like"])
                offer = {k: v for k, v in offer.items() if k != "eligible_like"}
                if like == EVERYONE:
                    offer["eligible"] = everyone
                elif like in eligible:
                    offer["eligible"] = eligible[like]
                else:
                    gone(f"add_offers[{number}].eligible_like", str(like))
                    offer["eligible"] = []
            added.append(offer)
        document["add_offers"] = added
    return document, ignored


def check(
    changes: Any,
    instance: Instance,
    *,
    own_offers: Iterable[str] | None = None,
    tolerated: Iterable[str] = (),
) -> list[Problem]:
    """Every problem of ``changes`` against ``instance`` (built with its ``relax``). References to offers
    or initiatives that are not there are problems, except the ``tolerated`` ids (what the scenario
    already referred to before: an offer that closed since). With ``own_offers``, changes may touch
    those offers only (a support actor's scenario)."""
    if not isinstance(changes, Mapping):
        return [Problem("not_an_object", _("A scenario is a JSON object."), field="$")]
    problems: list[Problem] = []
    _unsafe(changes, "$", problems)
    if problems:
        return problems[:20]
    known = {o.id for o in instance.offers}
    # A new or pooled offer may not take the id of an offer of the directory, even a closed one: the
    # advice for it would then be shown to that offer's providers.
    taken = set(SupportOffer.objects.values_list("slug", flat=True))
    relax = changes.get("relax", {})
    if not isinstance(relax, Mapping):
        problems.append(Problem("object_expected", _("This must be an object keyed by offer ids."), field="relax"))
        relax = {}
    for offer_id, kinds in relax.items():
        if not isinstance(kinds, list) or not all(isinstance(k, str) and k in RULE_KINDS for k in kinds):
            problems.append(
                Problem(
                    "rule_kind_unknown",
                    _("List kinds of rule among: {kinds}.").format(kinds=", ".join(sorted(RULE_KINDS))),
                    field=f"relax.{offer_id}",
                )
            )
    added = changes.get("add_offers", [])
    new_ids: set[str] = set()
    if isinstance(added, list):
        for number, offer in enumerate(added):
            if not isinstance(offer, Mapping):
                continue
            offer_id = offer.get("id")
            if isinstance(offer_id, str) and (offer_id in known or offer_id in taken):
                problems.append(_exists(offer_id, f"add_offers[{number}].id"))
            elif isinstance(offer_id, str):
                new_ids.add(offer_id)
            like = offer.get("eligible_like", EVERYONE)
            if own_offers is not None and like not in (EVERYONE, *own_offers):
                problems.append(
                    Problem("offer_not_yours", NOT_YOURS().format(id=like), field=f"add_offers[{number}].eligible_like")
                )
            elif not isinstance(like, str):
                problems.append(
                    Problem(
                        "eligible_like_invalid",
                        _("Name an offer, or * for every initiative."),
                        field=f"add_offers[{number}].eligible_like",
                    )
                )
            if own_offers is not None and "eligible" in offer:
                problems.append(
                    Problem(
                        "eligible_hand_picked",
                        _("A support actor's new offer accepts everyone or whom one of its offers accepts."),
                        field=f"add_offers[{number}].eligible",
                    )
                )
    if isinstance(changes.get("pool"), list):
        for number, pool in enumerate(changes["pool"]):
            pool_id = pool.get("id") if isinstance(pool, Mapping) else None
            if isinstance(pool_id, str) and (pool_id in taken or pool_id in new_ids):
                problems.append(_exists(pool_id, f"pool[{number}].id"))
            members = pool.get("offers") if isinstance(pool, Mapping) else None
            if isinstance(members, list) and len({repr(m) for m in members}) != len(members):
                problems.append(
                    Problem(
                        "pool_duplicate", _("An offer is listed twice in the pool."), field=f"pool[{number}].offers"
                    )
                )
    if own_offers is not None:
        mine = set(own_offers)
        for key in HAND_PICKED:
            if changes.get(key):
                problems.append(
                    Problem(
                        "eligible_hand_picked",
                        _("A support actor's scenario changes whom an offer accepts by lifting its rules."),
                        field=key,
                    )
                )
        problems += [
            Problem(
                "offer_not_yours",
                NOT_YOURS().format(id=offer_id),
                field=where,
            )
            for where, offer_id in _touched(changes)
            if offer_id not in mine
        ]
    if problems:
        return problems
    document, ignored = resolve(changes, instance)
    tolerated = set(tolerated)
    ignored += [{"path": f"relax.{k}", "id": k} for k in relax if k not in known]
    problems = [
        Problem("unknown_id", _('No offer or initiative has the id "{id}".').format(id=item["id"]), field=item["path"])
        for item in ignored
        if item["id"] not in tolerated
    ]
    try:
        apply_scenario(instance, document)
    except MaillageError as exc:
        problems += list(exc.problems)
    return problems


def _exists(offer_id: str, where: str) -> Problem:
    return Problem(
        "offer_exists",
        _('An offer already has the id "{id}": give the new one another.').format(id=offer_id),
        field=where,
    )


def _touched(changes: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """The offers the changes modify (path, id): those a support actor must own."""
    touched: list[tuple[str, Any]] = []
    for key in (*BY_OFFER, "relax"):
        value = changes.get(key) or {}
        if isinstance(value, Mapping):
            touched += [(f"{key}.{offer_id}", offer_id) for offer_id in value]
    removed = changes.get("remove_offers") or []
    if isinstance(removed, list):
        touched += [(f"remove_offers[{i}]", o) for i, o in enumerate(removed) if isinstance(o, str)]
    pools = changes.get("pool") or []
    for p, pool in enumerate(pools if isinstance(pools, list) else []):
        members = pool.get("offers") if isinstance(pool, Mapping) else None
        if isinstance(members, list):
            touched += [(f"pool[{p}].offers[{i}]", o) for i, o in enumerate(members) if isinstance(o, str)]
    return touched
