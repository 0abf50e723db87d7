"""Ecosystem analytics: demand against supply (gaps and overlaps), money and power, equity groups.

Pure functions over plain data (an allocation :class:`~maillage.core.allocation.Instance`, funding flows,
territory figures), so that every figure can be checked by hand and computed in a notebook. The Django
app ``maillage.analytics`` reads the database into these shapes and renders the results.

Privacy: a cell of demand describes the initiatives of one group of territories. The initiatives are
first split into the smallest groups that describe at least ``threshold`` initiatives of at least
``threshold`` organisations (a quartier; else the rest of its borough; else everything left, or
nothing); every row at every level is a union of those groups, so that no difference between two rows,
two levels or two totals describes fewer.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from maillage.core.allocation import Instance
from maillage.core.stats import class_of, quantile_breaks

THRESHOLD = 5  # the fewest initiatives, and organisations, an aggregate may describe
REST = "*rest:"  # prefix of the group of a borough's initiatives outside its quartiers shown alone
OTHER = "*other"  # the initiatives in no group shown: the island as a whole, small places, no territory


# --- demand against supply -------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One framework element in one group of territories."""

    element: str
    group: str
    initiatives: int  # initiatives of the group (with a submitted diagnostic): the cell's base
    in_need: int  # of which have a need on the element
    need: float  # their weighted need
    reachable: float  # the part of it that an offer with capacity left accepts and covers
    unreachable_initiatives: int  # initiatives in need that no such offer accepts
    capacity: int  # places left in the offers that reach them (shared with other cells)
    offers: tuple[str, ...]  # the offers that reach them
    providers: tuple[str, ...]  # their providers
    contested: int = 0  # initiatives in need reached by the offers of at least two providers

    @property
    def unreachable(self) -> float:
        return max(0.0, self.need - self.reachable)

    @property
    def reachable_share(self) -> float | None:
        return self.reachable / self.need if self.need > 0 else None

    @property
    def is_gap(self) -> bool:
        """Some need that no offer can serve, or more initiatives in need than places."""
        return self.unreachable_initiatives > 0 or self.in_need > self.capacity

    @property
    def spare(self) -> int:
        """Places left once every initiative in need that an offer reaches has one."""
        return max(0, self.capacity - (self.in_need - self.unreachable_initiatives))

    @property
    def is_overlap(self) -> bool:
        """Offers of several providers reaching the same initiatives, with places to spare."""
        return self.contested > 0 and self.spare > 0


@dataclass(frozen=True)
class SupplyDemand:
    cells: tuple[Cell, ...]
    groups: tuple[str, ...]  # shown, in order: territories, then boroughs' rests, then OTHER
    merged: tuple[str, ...]  # territories whose initiatives are shown only with others'
    withheld: tuple[str, ...]  # territories whose initiatives are not shown at all
    withheld_initiatives: int
    threshold: int
    sizes: Mapping[str, int] = field(default_factory=dict)  # initiatives of each group shown

    def gaps(self) -> list[Cell]:
        """Gap cells, the most initiatives out of reach first (then the most short of places)."""
        return sorted(
            (c for c in self.cells if c.is_gap),
            key=lambda c: (-c.unreachable_initiatives, -(c.in_need - c.capacity), -c.unreachable, c.element, c.group),
        )

    def overlaps(self) -> list[Cell]:
        """Overlap cells, the most initiatives contested and the most places to spare first."""
        return sorted(
            (c for c in self.cells if c.is_overlap), key=lambda c: (-c.contested, -c.spare, c.element, c.group)
        )

    def by_group(self) -> dict[str, tuple[float, float]]:
        """Per group shown: (need, reachable need) over every element."""
        return self._totals(lambda cell: cell.group)

    def by_element(self) -> dict[str, tuple[float, float]]:
        """Per element: (need, reachable need) over the groups shown."""
        return self._totals(lambda cell: cell.element)

    def _totals(self, key: Callable[[Cell], str]) -> dict[str, tuple[float, float]]:
        totals: dict[str, tuple[float, float]] = {}
        for cell in self.cells:
            need, reachable = totals.get(key(cell), (0.0, 0.0))
            totals[key(cell)] = (need + cell.need, reachable + cell.reachable)
        return totals


@dataclass(frozen=True)
class Place:
    """Where an initiative is, for the groups of territories."""

    quartier: str | None = None  # its quartier, when it is placed in one
    borough: str | None = None  # the one borough (or linked city) it lies in, when there is exactly one


def rest_of(borough: str) -> str:
    """The group of a borough's initiatives outside its quartiers shown alone."""
    return f"{REST}{borough}"


def _atoms(
    instance: Instance,
    place_of: Mapping[str, Place],
    carriers: Mapping[str, Collection[str]] | None,
    threshold: int,
) -> tuple[dict[int, str], tuple[str, ...], tuple[str, ...], int]:
    """Split the initiatives into the smallest groups that may be published: each describes at least
    ``threshold`` initiatives of at least ``threshold`` organisations. Every row shown, at any level, is
    a union of these atoms, so that no difference between two rows describes fewer.

    Returns (initiative index → atom, territories merged into a larger atom, territories withheld,
    initiatives withheld). Atoms: a quartier's slug; :func:`rest_of` a borough (its small quartiers and
    the initiatives placed on the borough as a whole); :data:`OTHER` (the rest)."""

    def enough(members: list[int]) -> bool:
        if len(members) < threshold:
            return False
        if carriers is None:
            return True
        organisations: set[str] = set()
        for i in members:
            organisations.update(carriers.get(instance.initiatives[i].id, ()) or (instance.initiatives[i].id,))
        return len(organisations) >= threshold

    places = [place_of.get(i.territory or "", Place()) if i.territory else Place() for i in instance.initiatives]
    by_quartier: dict[str, list[int]] = defaultdict(list)
    for index, place in enumerate(places):
        if place.quartier:
            by_quartier[place.quartier].append(index)
    atom: dict[int, str] = {}
    for quartier, members in by_quartier.items():
        if enough(members):
            atom.update(dict.fromkeys(members, quartier))
    by_borough: dict[str, list[int]] = defaultdict(list)
    for index, place in enumerate(places):
        if index not in atom and place.borough:
            by_borough[place.borough].append(index)
    merged: set[str] = set()
    for borough, members in by_borough.items():
        if enough(members):
            atom.update(dict.fromkeys(members, rest_of(borough)))
            merged.update(_labels(places[i], i, instance) for i in members)
    rest = [index for index in range(len(places)) if index not in atom]
    withheld: set[str] = set()
    if rest and enough(rest):
        atom.update(dict.fromkeys(rest, OTHER))
        merged.update(_labels(places[i], i, instance) for i in rest)
        rest = []
    else:
        withheld.update(_labels(places[i], i, instance) for i in rest)
    merged.discard("")
    withheld.discard("")
    return atom, tuple(sorted(merged)), tuple(sorted(withheld)), len(rest)


def _labels(place: Place, index: int, instance: Instance) -> str:
    """The territory an initiative stands for in the notes (its quartier, else its own territory)."""
    return place.quartier or instance.initiatives[index].territory or ""


def supply_demand(
    instance: Instance,
    place_of: Mapping[str, Place],
    providers: Mapping[str, Sequence[str]],
    *,
    level: str = "quartier",
    carriers: Mapping[str, Collection[str]] | None = None,
    threshold: int = THRESHOLD,
) -> SupplyDemand:
    """Demand (the needs of the instance's initiatives) against supply (its offers) per element and group.

    ``place_of`` maps an initiative's territory to its :class:`Place`. At ``level="quartier"`` the groups
    are the quartiers with enough initiatives, then each borough's rest (:func:`rest_of`), then
    :data:`OTHER`; at ``level="borough"`` the same atoms are gathered by borough (a quartier that lies
    in several boroughs stays its own group). ``carriers`` maps an initiative to its organisations, for
    the threshold on organisations. ``providers`` maps an offer to the organisations that provide it.
    An offer *reaches* an initiative when it accepts it, has capacity left and covers the element; the
    reachable need of an initiative is its need times the best share covered among the offers that
    reach it.
    """
    atom, merged, withheld, withheld_count = _atoms(instance, place_of, carriers, threshold)
    borough_of_quartier = {
        place.quartier: place.borough for place in place_of.values() if place.quartier and place.borough
    }

    def group_of(key: str) -> str:
        if level != "borough" or key == OTHER:
            return key
        if key.startswith(REST):
            return key.removeprefix(REST)
        return borough_of_quartier.get(key, key)

    members_of: dict[str, list[int]] = defaultdict(list)
    for index in range(len(instance.initiatives)):
        if index in atom:
            members_of[group_of(atom[index])].append(index)
    shown_groups = sorted(members_of, key=lambda g: (g == OTHER, g.startswith(REST), g))

    # Which offers reach each initiative, per element: capacity left, eligible, covering.
    index_of = {initiative.id: i for i, initiative in enumerate(instance.initiatives)}
    reaching: dict[tuple[int, str], list[int]] = defaultdict(list)
    for o, offer in enumerate(instance.offers):
        if offer.capacity <= 0:
            continue
        for initiative_id in offer.eligible:
            i = index_of.get(initiative_id)
            if i is None:
                continue
            for element in offer.covers:
                if instance.initiatives[i].needs.get(element, 0) > 0:
                    reaching[(i, element)].append(o)

    elements = sorted({e for initiative in instance.initiatives for e, w in initiative.needs.items() if w > 0})
    cells: list[Cell] = []
    for group in shown_groups:
        members = members_of[group]
        for element in elements:
            in_need = 0
            need = reachable = 0.0
            unreachable = contested = 0
            offers: set[int] = set()
            for i in members:
                weight = instance.initiatives[i].needs.get(element, 0.0)
                if weight <= 0:
                    continue
                in_need += 1
                need += weight
                reach = reaching.get((i, element), [])
                if not reach:
                    unreachable += 1
                    continue
                offers.update(reach)
                if len({p for o in reach for p in providers.get(instance.offers[o].id, ())}) >= 2:
                    contested += 1
                reachable += weight * max(instance.offers[o].covers[element] for o in reach)
            if in_need == 0:
                continue
            ordered = sorted(offers, key=lambda o: instance.offers[o].id)
            cells.append(
                Cell(
                    element=element,
                    group=group,
                    initiatives=len(members),
                    in_need=in_need,
                    need=need,
                    reachable=reachable,
                    unreachable_initiatives=unreachable,
                    capacity=sum(instance.offers[o].capacity for o in ordered),
                    offers=tuple(instance.offers[o].id for o in ordered),
                    providers=tuple(sorted({p for o in ordered for p in providers.get(instance.offers[o].id, ())})),
                    contested=contested,
                )
            )
    return SupplyDemand(
        cells=tuple(cells),
        groups=tuple(shown_groups),
        merged=merged,
        withheld=withheld,
        withheld_initiatives=withheld_count,
        threshold=threshold,
        sizes={group: len(members) for group, members in members_of.items()},
    )


# --- money and power ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Flow:
    """Money declared from a funder to a recipient in a year."""

    funder: str
    recipient: str
    amount: float
    year: int
    flexible: bool = False
    multi_year: bool = False
    territories: tuple[str, ...] = ()  # the recipient's territories: the amount is split evenly among them
    sectors: tuple[str, ...] = ()  # the recipient's sectors: likewise
    field_actor: bool = True  # whether the recipient is a field actor


@dataclass(frozen=True)
class Concentration:
    total: float
    funders: int
    top_share: float | None  # share of the money given by the top ``top`` funders
    hhi: float | None  # Herfindahl–Hirschman index, 0 to 10,000 (shares in percent, squared, summed)
    top: int = 5

    @property
    def equivalent_funders(self) -> float | None:
        """How many equal funders would give the same index (10,000 / HHI)."""
        return 10_000 / self.hhi if self.hhi else None


def concentration(amounts: Mapping[str, float], *, top: int = 5) -> Concentration:
    """The concentration of money among funders: the share of the ``top`` largest and the HHI."""
    values = sorted((v for v in amounts.values() if v > 0), reverse=True)
    total = float(sum(values))
    if total <= 0:
        return Concentration(0.0, 0, None, None, top)
    shares = [v / total for v in values]
    return Concentration(
        total=total,
        funders=len(values),
        top_share=sum(shares[:top]),
        hhi=sum((100 * s) ** 2 for s in shares),
        top=top,
    )


def _split(flow: Flow, keys: tuple[str, ...], none: str) -> list[tuple[str, float]]:
    if not keys:
        return [(none, flow.amount)]
    return [(key, flow.amount / len(keys)) for key in keys]


def amounts_by(flows: Iterable[Flow], dimension: str, none: str = "") -> dict[str, dict[str, float]]:
    """Per territory (``dimension="territories"``) or sector (``"sectors"``): funder → amount, each flow
    split evenly among the recipient's territories or sectors (``none`` when it has none)."""
    table: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for flow in flows:
        for key, amount in _split(flow, getattr(flow, dimension), none):
            table[key][flow.funder] += amount
    return {key: dict(by_funder) for key, by_funder in table.items()}


@dataclass(frozen=True)
class Dependence:
    recipient: str
    total: float
    main_funder: str
    main_share: float
    funders: int


def dependence(flows: Iterable[Flow]) -> list[Dependence]:
    """Each recipient's reliance on its largest funder, the most dependent first."""
    received: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for flow in flows:
        received[flow.recipient][flow.funder] += flow.amount
    rows = []
    for recipient, by_funder in received.items():
        total = sum(by_funder.values())
        if total <= 0:
            continue
        main, amount = min(by_funder.items(), key=lambda item: (-item[1], item[0]))
        positive = sum(1 for v in by_funder.values() if v > 0)
        rows.append(Dependence(recipient, total, main, amount / total, positive))
    return sorted(rows, key=lambda d: (-d.main_share, -d.total, d.recipient))


@dataclass(frozen=True)
class MoneyShares:
    total: float
    flexible: float
    multi_year: float
    flows: int

    @property
    def flexible_share(self) -> float | None:
        return self.flexible / self.total if self.total > 0 else None

    @property
    def multi_year_share(self) -> float | None:
        return self.multi_year / self.total if self.total > 0 else None


def money_shares(flows: Iterable[Flow]) -> MoneyShares:
    """How much of the money is unrestricted, and how much multi-year."""
    total = flexible = multi_year = 0.0
    count = 0
    for flow in flows:
        count += 1
        total += flow.amount
        flexible += flow.amount if flow.flexible else 0.0
        multi_year += flow.amount if flow.multi_year else 0.0
    return MoneyShares(total, flexible, multi_year, count)


@dataclass(frozen=True)
class YearFigures:
    year: int
    shares: MoneyShares
    concentration: Concentration


def by_year(flows: Iterable[Flow], *, top: int = 5) -> list[YearFigures]:
    """The money, its flexible and multi-year shares and its concentration, year by year."""
    years: dict[int, list[Flow]] = defaultdict(list)
    for flow in flows:
        years[flow.year].append(flow)
    rows = []
    for year in sorted(years):
        amounts: dict[str, float] = defaultdict(float)
        for flow in years[year]:
            amounts[flow.funder] += flow.amount
        rows.append(YearFigures(year, money_shares(years[year]), concentration(amounts, top=top)))
    return rows


# --- equity groups -----------------------------------------------------------------------------


@dataclass(frozen=True)
class EquityGroups:
    """Territories in ``classes`` groups of equal count by a figure (quintiles by default)."""

    breaks: tuple[float, ...]
    group_of: Mapping[str, int]
    bounds: tuple[tuple[float, float], ...]  # (lowest, highest) figure in each group

    @property
    def classes(self) -> int:
        return len(self.bounds)


def equity_groups(figures: Mapping[str, float], classes: int = 5) -> EquityGroups:
    """Quintiles (or ``classes``) of the territories by ``figures`` (low-income share, for example)."""
    if len(figures) < classes:
        return EquityGroups((), {}, ())
    breaks = quantile_breaks(sorted(figures.values()), classes)
    group_of = {slug: class_of(value, breaks) for slug, value in figures.items()}
    bounds = []
    for g in range(classes):
        members = [figures[s] for s, c in group_of.items() if c == g]
        bounds.append((min(members), max(members)) if members else (float("nan"), float("nan")))
    return EquityGroups(tuple(breaks), group_of, tuple(bounds))


@dataclass
class GroupSum:
    """Sums over the territories of one equity group, for indicators that are ratios of sums."""

    territories: int = 0
    values: dict[str, float] = field(default_factory=dict)

    def add(self, name: str, value: float) -> None:
        self.values[name] = self.values.get(name, 0.0) + value

    def ratio(self, numerator: str, denominator: str, scale: float = 1.0) -> float | None:
        d = self.values.get(denominator, 0.0)
        return scale * self.values.get(numerator, 0.0) / d if d > 0 else None


def sum_by_group(groups: EquityGroups, rows: Mapping[str, Mapping[str, float]]) -> list[GroupSum]:
    """Sum each territory's figures (``rows``: territory → name → value) within its equity group."""
    sums = [GroupSum() for _ in range(groups.classes)]
    for slug, g in groups.group_of.items():
        sums[g].territories += 1
        for name, value in rows.get(slug, {}).items():
            sums[g].add(name, value)
    return sums
