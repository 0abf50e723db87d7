"""Chantiers: collective, three-sector work around a precise change (pure Python, no Django).

Three things are computed here, so that they can be checked by hand:

- :func:`balance`: who takes part, by sector (public; philanthropic and private; community), and what each
  sector commits (money, staff time, and the number of commitments of each kind);
- :func:`power`: where decision power sits: the seats in the chantier's decisions by sector, the money by
  sector and by organisation (with its concentration, as in the ecosystem's analytics), and plain findings
  such as "one sector commits most of the money and holds most of the seats";
- :func:`check_conditions`: the five conditions of collective impact (Kania and Kramer, 2011, in the
  wording of the Projet impact collectif, 2021), each in place, partial or missing, with its reasons and
  what to do next.

>>> people = [Participant("a", "public", "funder", True, money=60_000.0),
...           Participant("b", "community", "lead", True, hours=400.0),
...           Participant("c", "community", "partner", False)]
>>> b = balance(people)
>>> b.sectors["community"].participants, round(b.sectors["public"].money_share, 2)
(2, 1.0)
>>> power(people).seats["community"]
1
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from maillage.core.analytics import Concentration, concentration

__all__ = [
    "COMMITMENT_KINDS",
    "CONDITIONS",
    "ROLES",
    "SECTORS",
    "Action",
    "Balance",
    "ConditionCheck",
    "Facts",
    "Finding",
    "IndicatorFacts",
    "Overlap",
    "Participant",
    "Power",
    "SectorFigures",
    "balance",
    "check_conditions",
    "overlaps",
    "power",
]

SECTORS = ("public", "philanthropic", "community")  # philanthropic: philanthropic and private
ROLES = ("backbone", "funder", "lead", "partner", "contributor")
COMMITMENT_KINDS = ("money", "staff_time", "space", "data", "decisions")
CONDITIONS = ("common_agenda", "shared_measurement", "reinforcing_activities", "communication", "backbone")

#: A meeting within this many days keeps communication "continuous"; within twice as many, it is partial.
MEETING_DAYS = 90
#: A measurement within this many days keeps shared measurement alive.
MEASURE_DAYS = 365
#: A sector holding more than this share of the decision seats holds the majority alone.
MAJORITY = 0.5


@dataclass(frozen=True)
class Participant:
    """One organisation taking part. ``decides``: it holds a seat where the chantier's decisions are made."""

    key: str
    sector: str
    role: str
    decides: bool
    money: float = 0.0  # dollars committed
    hours: float = 0.0  # staff hours committed
    kinds: frozenset[str] = frozenset()  # kinds of commitment made (money, staff_time, space, data, decisions)


@dataclass(frozen=True)
class SectorFigures:
    participants: int
    participant_share: float | None
    money: float
    money_share: float | None
    hours: float
    hours_share: float | None
    seats: int
    seat_share: float | None
    commitments: Mapping[str, int]  # kind → participants of the sector that made a commitment of that kind


@dataclass(frozen=True)
class Balance:
    sectors: Mapping[str, SectorFigures]  # in SECTORS order
    participants: int
    money: float
    hours: float
    seats: int
    evenness: float | None  # of participants across the three sectors: 1 = a third each, 0 = one sector only

    @property
    def represented(self) -> tuple[str, ...]:
        return tuple(s for s in SECTORS if self.sectors[s].participants)

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(s for s in SECTORS if not self.sectors[s].participants)


def _share(part: float, whole: float) -> float | None:
    return part / whole if whole > 0 else None


def evenness(counts: Sequence[float]) -> float | None:
    """Pielou's evenness of counts over all the categories given (Shannon entropy ÷ its maximum).

    >>> evenness([1, 1, 1]), evenness([3, 0, 0]), round(evenness([2, 1, 1]), 3)
    (1.0, 0.0, 0.946)
    """
    total = sum(counts)
    if total <= 0 or len(counts) < 2:
        return None
    entropy = -sum(c / total * math.log(c / total) for c in counts if c > 0)
    return round(entropy / math.log(len(counts)), 12) + 0.0  # never -0.0


def balance(participants: Iterable[Participant]) -> Balance:
    people = list(participants)
    total_money = sum(p.money for p in people)
    total_hours = sum(p.hours for p in people)
    total_seats = sum(1 for p in people if p.decides)
    sectors: dict[str, SectorFigures] = {}
    for sector in SECTORS:
        mine = [p for p in people if p.sector == sector]
        money = sum(p.money for p in mine)
        hours = sum(p.hours for p in mine)
        seats = sum(1 for p in mine if p.decides)
        sectors[sector] = SectorFigures(
            participants=len(mine),
            participant_share=_share(len(mine), len(people)),
            money=money,
            money_share=_share(money, total_money),
            hours=hours,
            hours_share=_share(hours, total_hours),
            seats=seats,
            seat_share=_share(seats, total_seats),
            commitments={kind: sum(1 for p in mine if kind in p.kinds) for kind in COMMITMENT_KINDS},
        )
    return Balance(
        sectors=sectors,
        participants=len(people),
        money=total_money,
        hours=total_hours,
        seats=total_seats,
        evenness=evenness([sectors[s].participants for s in SECTORS]),
    )


@dataclass(frozen=True)
class Finding:
    """A plain statement about power, with the figures it rests on (the page words it)."""

    code: str
    sector: str | None = None
    figures: Mapping[str, float] = field(default_factory=dict)
    subject: str | None = None  # the participant it is about, if one


@dataclass(frozen=True)
class Power:
    seats: Mapping[str, int]  # sector → seats
    money: Mapping[str, float]  # sector → dollars
    funders: Concentration  # the money by organisation: the largest funder's share, Herfindahl index
    findings: tuple[Finding, ...]


def power(participants: Iterable[Participant]) -> Power:
    """Where decisions sit against where the money comes from, and what stands out.

    Findings, each only when it holds:
    - ``no_decision_seat``: nobody holds a seat yet;
    - ``sector_majority``: one sector holds more than half the seats;
    - ``community_without_seat``: community organisations take part but hold no seat;
    - ``money_buys_seats``: the sector that commits the most money holds the most seats (each alone: a tie
      for either says nothing);
    - ``money_without_seat``: a sector commits money but holds no seat;
    - ``single_funder``: one organisation commits more than half the money.
    """
    people = list(participants)
    figures = balance(people)
    seats = {s: figures.sectors[s].seats for s in SECTORS}
    money = {s: figures.sectors[s].money for s in SECTORS}
    by_funder: dict[str, float] = {}
    for p in people:
        if p.money > 0:
            by_funder[p.key] = by_funder.get(p.key, 0.0) + p.money
    funders = concentration(by_funder, top=1)
    findings: list[Finding] = []
    if figures.seats == 0:
        findings.append(Finding("no_decision_seat"))
    else:
        for sector in SECTORS:
            share = figures.sectors[sector].seat_share or 0.0
            if share > MAJORITY:
                findings.append(Finding("sector_majority", sector, {"share": share, "seats": seats[sector]}))
        if figures.sectors["community"].participants and not seats["community"]:
            findings.append(Finding("community_without_seat", "community"))
        if figures.money > 0:
            richest = max(SECTORS, key=lambda s: money[s])
            most_seats = max(seats.values())
            alone = [s for s in SECTORS if money[s] == money[richest]] == [richest]  # no tie for the most money
            if alone and [s for s in SECTORS if seats[s] == most_seats] == [richest]:
                findings.append(
                    Finding(
                        "money_buys_seats",
                        richest,
                        {
                            "money_share": figures.sectors[richest].money_share or 0.0,
                            "seat_share": figures.sectors[richest].seat_share or 0.0,
                        },
                    )
                )
            for sector in SECTORS:
                if money[sector] > 0 and not seats[sector]:
                    findings.append(Finding("money_without_seat", sector, {"money": money[sector]}))
    if funders.top_share is not None and funders.top_share > MAJORITY:
        largest = max(by_funder, key=lambda k: (by_funder[k], k))
        findings.append(Finding("single_funder", None, {"share": funders.top_share}, subject=largest))
    return Power(seats=seats, money=money, funders=funders, findings=tuple(findings))


# --- mutually reinforcing activities ------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    key: str
    owner: str | None  # participant key
    elements: frozenset[str]
    starts_on: date | None
    due_on: date | None
    done: bool = False


@dataclass(frozen=True)
class Overlap:
    """Two open actions of different owners on the same framework element at the same time: a risk of
    duplication, to coordinate."""

    element: str
    first: str  # action keys, in the order given
    second: str


def _span(action: Action) -> tuple[date, date]:
    return (action.starts_on or date.min, action.due_on or date.max)


def overlaps(actions: Sequence[Action]) -> list[Overlap]:
    """Pairs of open actions of two different owners acting on the same element over overlapping dates
    (an action without dates spans all time).

    >>> a = Action("a", "x", frozenset({"e"}), date(2027, 1, 1), date(2027, 6, 30))
    >>> b = Action("b", "y", frozenset({"e"}), date(2027, 6, 1), None)
    >>> c = Action("c", "y", frozenset({"e"}), date(2027, 7, 1), None)
    >>> [(o.first, o.second) for o in overlaps([a, b, c])]
    [('a', 'b')]
    """
    found: list[Overlap] = []
    open_actions = [a for a in actions if not a.done and a.owner]
    for i, first in enumerate(open_actions):
        for second in open_actions[i + 1 :]:
            if first.owner == second.owner:
                continue
            (s1, e1), (s2, e2) = _span(first), _span(second)
            if s1 > e2 or s2 > e1:
                continue
            for element in sorted(first.elements & second.elements):
                found.append(Overlap(element, first.key, second.key))
    return found


# --- the five conditions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorFacts:
    has_baseline: bool
    has_target: bool
    last_measured: date | None


@dataclass(frozen=True)
class Facts:
    """What the condition check reads about one chantier."""

    today: date
    has_change: bool  # what is to change is written
    has_whom: bool  # for whom
    has_territory: bool
    due_on: date | None
    participants: Sequence[Participant]
    indicators: Sequence[IndicatorFacts]
    actions: Sequence[Action]
    meetings: Sequence[date]  # dates of meetings in the journal (those after ``today`` are planned: not counted)
    decisions: Sequence[date]  # dates of decisions in the journal


@dataclass(frozen=True)
class ConditionCheck:
    condition: str
    status: str  # "in_place", "partial" or "missing"
    met: tuple[str, ...]  # codes of what is there
    lacking: tuple[str, ...]  # codes of what is missing: each has a suggestion


def _status(met: list[str], lacking: list[str], essential: Iterable[str], minor: Iterable[str] = ()) -> str:
    """In place when nothing lacks; missing when an essential check fails and nothing else is there (``minor``
    checks alone do not make a condition partial); partial otherwise."""
    if not lacking:
        return "in_place"
    if any(code in lacking for code in essential) and not [code for code in met if code not in minor]:
        return "missing"
    return "partial"


def check_conditions(facts: Facts) -> list[ConditionCheck]:
    """Each of the five conditions, in order, from the chantier's own records."""
    checks: list[ConditionCheck] = []
    met: list[str]
    lacking: list[str]

    # 1. Common agenda: a precise change (what, for whom, where, by when) that every sector shares.
    met, lacking = [], []
    for code, ok in (
        ("change_written", facts.has_change),
        ("whom_named", facts.has_whom),
        ("territory_named", facts.has_territory),
        ("date_set", facts.due_on is not None),
    ):
        (met if ok else lacking).append(code)
    sectors = {p.sector for p in facts.participants}
    (met if len(sectors) == len(SECTORS) else lacking).append("three_sectors")
    checks.append(
        ConditionCheck("common_agenda", _status(met, lacking, ["change_written"]), tuple(met), tuple(lacking))
    )

    # 2. Shared measurement: indicators with a baseline and a target, measured recently, data shared.
    met, lacking = [], []
    (met if facts.indicators else lacking).append("indicator_chosen")
    if facts.indicators:
        complete = all(i.has_baseline and i.has_target for i in facts.indicators)
        (met if complete else lacking).append("baseline_and_target")
        recent = facts.today - timedelta(days=MEASURE_DAYS)
        measured = any(i.last_measured is not None and i.last_measured >= recent for i in facts.indicators)
        (met if measured else lacking).append("measured_recently")
    data = sum(1 for p in facts.participants if "data" in p.kinds)
    (met if data >= 2 else lacking).append("data_shared")
    checks.append(
        ConditionCheck("shared_measurement", _status(met, lacking, ["indicator_chosen"]), tuple(met), tuple(lacking))
    )

    # 3. Mutually reinforcing activities: a plan where several participants each own actions, no duplicates.
    met, lacking = [], []
    open_actions = [a for a in facts.actions if not a.done]
    (met if facts.actions else lacking).append("plan_written")
    if facts.actions:
        (met if all(a.owner for a in open_actions) else lacking).append("actions_owned")
        owners = {a.owner for a in facts.actions if a.owner}
        (met if len(owners) >= 2 else lacking).append("several_owners")
        (met if not overlaps(facts.actions) else lacking).append("no_duplication")
    checks.append(
        ConditionCheck("reinforcing_activities", _status(met, lacking, ["plan_written"]), tuple(met), tuple(lacking))
    )

    # 4. Continuous communication: participants meet regularly, record what they decide, and community
    #    organisations have a say in it.
    met, lacking = [], []
    last = max((d for d in facts.meetings if d <= facts.today), default=None)  # a planned meeting has not happened
    if last is not None and last >= facts.today - timedelta(days=MEETING_DAYS):
        met.append("met_recently")
    elif last is not None and last >= facts.today - timedelta(days=2 * MEETING_DAYS):
        met.append("met_this_year")
        lacking.append("met_recently")
    else:
        lacking.append("met_recently")
    (met if facts.decisions else lacking).append("decisions_recorded")
    # Inclusive engagement (the Projet impact collectif's wording): the community organisations, closest to the
    # people concerned, take part in the decisions, not only in the meetings.
    community_seat = any(p.sector == "community" and p.decides for p in facts.participants)
    (met if community_seat else lacking).append("community_decides")
    status = _status(met, lacking, ["met_recently"], minor=["community_decides"])
    checks.append(ConditionCheck("communication", status, tuple(met), tuple(lacking)))

    # 5. Backbone support: an organisation whose role is to hold it together, with staff time for it.
    met, lacking = [], []
    backbones = [p for p in facts.participants if p.role == "backbone"]
    (met if backbones else lacking).append("backbone_named")
    if backbones:
        staffed = any(p.hours > 0 or "staff_time" in p.kinds for p in backbones)
        (met if staffed else lacking).append("backbone_staffed")
        funded = any(p.money > 0 for p in facts.participants)
        (met if funded else lacking).append("resources_committed")
    checks.append(ConditionCheck("backbone", _status(met, lacking, ["backbone_named"]), tuple(met), tuple(lacking)))
    return checks
