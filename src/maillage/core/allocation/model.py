"""The allocation problem's exchange formats, ``maillage-allocation/1`` and its result, validated.

An instance is read from JSON-like data (``parse_instance``) and every problem is reported at once
with its path in the document (``offers[3].covers.reseautage``), as a :class:`MaillageError` with
code ``allocation_invalid``. Keys that the format does not define (names, territories, amounts)
are kept in ``extra`` and ignored by the solver, except ``territory`` on initiatives, which the
equity option reads.

>>> instance = parse_instance({
...     "format": "maillage-allocation/1", "burden_penalty": 0.02,
...     "initiatives": [{"id": "i1", "max_offers": 3, "max_burden_hours": 40, "needs": {"gouvernance": 1.5}}],
...     "offers": [{"id": "o1", "capacity": 12, "burden_hours": 10, "covers": {"gouvernance": 0.8},
...                 "eligible": ["i1"]}]})
>>> instance.offers[0].eligible
('i1',)
>>> try:
...     parse_instance({"format": "maillage-allocation/1", "initiatives": [], "offers": [
...         {"id": "o1", "capacity": -1, "burden_hours": 0, "covers": {"x": 1.5}, "eligible": ["nobody"]}]})
... except MaillageError as error:
...     print(error.code, [p.field for p in error.problems])
allocation_invalid ['offers[0].capacity', 'offers[0].covers.x', 'offers[0].eligible[0]']
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeGuard

from ..errors import MaillageError, Problem
from ..i18n import gettext as _

__all__ = [
    "INSTANCE_FORMAT",
    "RESULT_FORMAT",
    "Assignment",
    "Initiative",
    "Instance",
    "Offer",
    "Result",
    "dump_instance",
    "dump_result",
    "parse_instance",
    "parse_result",
]

INSTANCE_FORMAT = "maillage-allocation/1"
RESULT_FORMAT = "maillage-allocation-result/1"
MAX_ID_LENGTH = 200
MAX_COUNT = 2**31 - 1
MAX_NUMBER = 1e12  # hours, needs and penalties beyond this are input errors


@dataclass(frozen=True)
class Initiative:
    id: str
    max_offers: int
    max_burden_hours: float
    needs: Mapping[str, float]  # element id → weight of need, ≥ 0
    territory: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Offer:
    id: str
    capacity: int
    burden_hours: float
    covers: Mapping[str, float]  # element id → share of the need covered, in (0, 1]
    eligible: tuple[str, ...]
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Instance:
    burden_penalty: float
    initiatives: tuple[Initiative, ...]
    offers: tuple[Offer, ...]
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def pairs(self) -> int:
        """The number of eligible (initiative, offer) pairs: the size of the problem."""
        return sum(len(offer.eligible) for offer in self.offers)


@dataclass(frozen=True)
class Assignment:
    initiative: str
    offer: str


@dataclass(frozen=True)
class Result:
    assignments: tuple[Assignment, ...]
    objective: float
    upper_bound: float
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def gap(self) -> float:
        """The relative distance to the proven bound (0 when optimal)."""
        return relative_gap(self.objective, self.upper_bound)


def relative_gap(value: float, bound: float) -> float:
    if bound <= 0:
        return 0.0 if value >= bound - 1e-9 else math.inf
    return max(0.0, (bound - value) / bound)


def parse_instance(data: Any) -> Instance:
    """Validate a ``maillage-allocation/1`` document; raise with every problem and its path."""
    parser = _Parser()
    instance = parser.instance(data)
    parser.raise_if_any(
        _("The allocation instance is not valid: {count} problem."),
        _("The allocation instance is not valid: {count} problems."),
    )
    assert instance is not None
    return instance


def parse_result(data: Any, instance: Instance) -> Result:
    """Validate a result document against its instance (ids, format); feasibility is the checker's job."""
    parser = _Parser()
    result = parser.result(data, instance)
    parser.raise_if_any(
        _("The allocation result is not valid: {count} problem."),
        _("The allocation result is not valid: {count} problems."),
    )
    assert result is not None
    return result


def dump_instance(instance: Instance) -> dict[str, Any]:
    return {
        "format": INSTANCE_FORMAT,
        **dict(instance.extra),
        "burden_penalty": instance.burden_penalty,
        "initiatives": [
            {
                "id": i.id,
                **dict(i.extra),
                **({"territory": i.territory} if i.territory is not None else {}),
                "max_offers": i.max_offers,
                "max_burden_hours": i.max_burden_hours,
                "needs": dict(i.needs),
            }
            for i in instance.initiatives
        ],
        "offers": [
            {
                "id": o.id,
                **dict(o.extra),
                "capacity": o.capacity,
                "burden_hours": o.burden_hours,
                "covers": dict(o.covers),
                "eligible": list(o.eligible),
            }
            for o in instance.offers
        ],
    }


def dump_result(result: Result) -> dict[str, Any]:
    return {
        "format": RESULT_FORMAT,
        **dict(result.extra),
        "assignments": [{"initiative": a.initiative, "offer": a.offer} for a in result.assignments],
        "objective": result.objective,
        "upper_bound": result.upper_bound,
    }


_INSTANCE_KEYS = {"format", "burden_penalty", "initiatives", "offers"}
_INITIATIVE_KEYS = {"id", "max_offers", "max_burden_hours", "needs", "territory"}
_OFFER_KEYS = {"id", "capacity", "burden_hours", "covers", "eligible"}


class _Parser:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def problem(self, code: str, message: str, where: str) -> None:
        self.problems.append(Problem(code, message, field=where))

    def raise_if_any(self, one: str, many: str) -> None:
        if self.problems:
            count = len(self.problems)
            raise MaillageError("allocation_invalid", (one if count == 1 else many).format(count=count), self.problems)

    # --- instance ---------------------------------------------------------------------------------

    def instance(self, data: Any) -> Instance | None:
        if not isinstance(data, Mapping):
            self.problem("not_an_object", _("An allocation instance is a JSON object."), "$")
            return None
        if data.get("format") != INSTANCE_FORMAT:
            self.problem(
                "format_unknown",
                _('The format must be "{expected}".').format(expected=INSTANCE_FORMAT),
                "format",
            )
        penalty = data.get("burden_penalty", 0.0)
        if not _number(penalty) or penalty < 0:
            self.problem("burden_penalty_invalid", _("The burden penalty is a number, 0 or more."), "burden_penalty")
            penalty = 0.0
        initiatives = self.items(data, "initiatives", self.initiative)
        ids = self.unique(initiatives, "initiatives")
        offers = self.items(data, "offers", lambda item, where: self.offer(item, where, ids))
        self.unique(offers, "offers")
        return Instance(
            burden_penalty=float(penalty),
            initiatives=tuple(initiatives),
            offers=tuple(offers),
            extra={k: v for k, v in data.items() if k not in _INSTANCE_KEYS},
        )

    def items(self, data: Mapping[str, Any], key: str, parse: Any) -> list[Any]:
        items = data.get(key)
        if not isinstance(items, list):
            self.problem("list_expected", _("This must be a list."), key)
            return []
        parsed = []
        for index, item in enumerate(items):
            value = parse(item, f"{key}[{index}]")
            if value is not None:
                parsed.append(value)
        return parsed

    def unique(self, items: Sequence[Initiative | Offer], key: str) -> set[str]:
        seen: set[str] = set()
        for index, item in enumerate(items):
            if item.id in seen:
                self.problem("duplicate_id", _('The id "{id}" is used twice.').format(id=item.id), f"{key}[{index}].id")
            seen.add(item.id)
        return seen

    def identifier(self, item: Mapping[str, Any], where: str) -> str | None:
        value = item.get("id")
        if not isinstance(value, str) or not value.strip() or len(value) > MAX_ID_LENGTH or "\x00" in value:
            self.problem("id_invalid", _("An id is a non-empty text of at most 200 characters."), f"{where}.id")
            return None
        return value

    def count(self, item: Mapping[str, Any], key: str, where: str, message: str) -> int:
        value = item.get(key)
        if not _number(value) or value < 0 or value > MAX_COUNT or value != int(value):
            self.problem(f"{key}_invalid", message, f"{where}.{key}")
            return 0
        return int(value)

    def hours(self, item: Mapping[str, Any], key: str, where: str, message: str) -> float:
        value = item.get(key)
        if not _number(value) or value < 0:
            self.problem(f"{key}_invalid", message, f"{where}.{key}")
            return 0.0
        return float(value)

    def weights(self, item: Mapping[str, Any], key: str, where: str, share: bool) -> dict[str, float]:
        value = item.get(key)
        if not isinstance(value, Mapping):
            self.problem(f"{key}_invalid", _("This must be an object of element ids and numbers."), f"{where}.{key}")
            return {}
        weights: dict[str, float] = {}
        for element, weight in value.items():
            path = f"{where}.{key}.{element}"
            if share and (not _number(weight) or not 0 < weight <= 1):
                self.problem("share_invalid", _("A share covered is a number above 0 and at most 1."), path)
            elif not share and (not _number(weight) or weight < 0):
                self.problem("need_invalid", _("A need is a number, 0 or more."), path)
            else:
                weights[str(element)] = float(weight)
        return weights

    def initiative(self, item: Any, where: str) -> Initiative | None:
        if not isinstance(item, Mapping):
            self.problem("not_an_object", _("An initiative is a JSON object."), where)
            return None
        identifier = self.identifier(item, where)
        max_offers = self.count(
            item, "max_offers", where, _("The maximum number of offers is a whole number, 0 or more.")
        )
        max_burden = self.hours(
            item, "max_burden_hours", where, _("The maximum burden is a number of hours, 0 or more.")
        )
        needs = self.weights(item, "needs", where, share=False)
        territory = item.get("territory")
        if territory is not None and not isinstance(territory, str):
            self.problem("territory_invalid", _("A territory is a text."), f"{where}.territory")
            territory = None
        if identifier is None:
            return None
        return Initiative(
            id=identifier,
            max_offers=max_offers,
            max_burden_hours=max_burden,
            needs=needs,
            territory=territory,
            extra={k: v for k, v in item.items() if k not in _INITIATIVE_KEYS},
        )

    def offer(self, item: Any, where: str, initiatives: set[str]) -> Offer | None:
        if not isinstance(item, Mapping):
            self.problem("not_an_object", _("An offer is a JSON object."), where)
            return None
        identifier = self.identifier(item, where)
        capacity = self.count(item, "capacity", where, _("A capacity is a whole number, 0 or more."))
        burden = self.hours(item, "burden_hours", where, _("A burden is a number of hours, 0 or more."))
        covers = self.weights(item, "covers", where, share=True)
        eligible_data = item.get("eligible")
        eligible: list[str] = []
        if not isinstance(eligible_data, list):
            self.problem("list_expected", _("This must be a list."), f"{where}.eligible")
        else:
            seen: set[str] = set()
            for index, initiative in enumerate(eligible_data):
                path = f"{where}.eligible[{index}]"
                if not isinstance(initiative, str) or initiative not in initiatives:
                    self.problem(
                        "unknown_initiative", _('No initiative has the id "{id}".').format(id=initiative), path
                    )
                elif initiative in seen:
                    self.problem(
                        "duplicate_eligible", _('The initiative "{id}" is listed twice.').format(id=initiative), path
                    )
                else:
                    seen.add(initiative)
                    eligible.append(initiative)
        if identifier is None:
            return None
        return Offer(
            id=identifier,
            capacity=capacity,
            burden_hours=burden,
            covers=covers,
            eligible=tuple(eligible),
            extra={k: v for k, v in item.items() if k not in _OFFER_KEYS},
        )

    # --- result -----------------------------------------------------------------------------------

    def result(self, data: Any, instance: Instance) -> Result | None:
        if not isinstance(data, Mapping):
            self.problem("not_an_object", _("An allocation result is a JSON object."), "$")
            return None
        if data.get("format") != RESULT_FORMAT:
            self.problem(
                "format_unknown", _('The format must be "{expected}".').format(expected=RESULT_FORMAT), "format"
            )
        initiatives = {i.id for i in instance.initiatives}
        offers = {o.id for o in instance.offers}
        assignments: list[Assignment] = []
        items = data.get("assignments")
        if not isinstance(items, list):
            self.problem("list_expected", _("This must be a list."), "assignments")
            items = []
        for index, item in enumerate(items):
            where = f"assignments[{index}]"
            if not isinstance(item, Mapping):
                self.problem("not_an_object", _("An assignment is a JSON object."), where)
                continue
            initiative, offer = item.get("initiative"), item.get("offer")
            if not isinstance(initiative, str) or initiative not in initiatives:
                self.problem(
                    "unknown_initiative",
                    _('No initiative has the id "{id}".').format(id=initiative),
                    f"{where}.initiative",
                )
            elif not isinstance(offer, str) or offer not in offers:
                self.problem("unknown_offer", _('No offer has the id "{id}".').format(id=offer), f"{where}.offer")
            else:
                assignments.append(Assignment(str(initiative), str(offer)))
        values = {}
        for key in ("objective", "upper_bound"):
            value = data.get(key)
            if not _number(value):
                self.problem(f"{key}_invalid", _("This must be a number."), key)
                value = 0.0
            values[key] = float(value)
        return Result(
            assignments=tuple(assignments),
            objective=values["objective"],
            upper_bound=values["upper_bound"],
            extra={k: v for k, v in data.items() if k not in {"format", "assignments", "objective", "upper_bound"}},
        )


def _number(value: Any) -> TypeGuard[float]:
    """A finite JSON number of a sensible size (JSON allows NaN, Infinity and 400-digit integers)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    try:
        return math.isfinite(value) and abs(value) <= MAX_NUMBER
    except OverflowError:
        return False
