"""Reads of the collective app: indicators and their values, rounds, and a closed round's results.

Results exist only for a closed round (figures that moved while a round was open would tell, by
difference, what the last organisation said). What is shown never isolates fewer than five
organisations:

- the consensus ranking needs five ballots; the statements' counts need five reactions each;
- the opinion groups need five organisations in the conversation;
- a kind of actor (field, support, policy) is shown apart only when the full table of the organisations
  counted (kinds, or kinds × opinion groups) has every cell at 0 or at least 5 (the rule of the feedback
  slices, :func:`maillage.core.feedback.release`): then every sum or difference of released figures
  describes five organisations or more.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Prefetch, Q
from django.utils.translation import gettext as _

from maillage.core import consensus as consensus_core
from maillage.core import feedback as feedback_core
from maillage.core import opinions as opinions_core
from maillage.core.errors import MaillageError
from maillage.diagnostics import selectors as diagnostic_selectors
from maillage.directory.models import Organisation

from .models import ActorKind, Ballot, Indicator, IndicatorValue, Reaction, Round, Statement

THRESHOLD = feedback_core.THRESHOLD


# --- framework elements -----------------------------------------------------------------------------------


def element_names(language: str) -> dict[str, str]:
    """The current framework's elements, identifier → name in ``language`` (empty without a framework)."""
    framework = diagnostic_selectors.current_framework()
    if framework is None:
        return {}
    return {e.id: e.name.get(language) for e in diagnostic_selectors.framework_of(framework).elements}


# --- indicators -----------------------------------------------------------------------------------------


def indicators(status: str | None = None, *, demo: bool | None = None) -> Any:
    found = Indicator.objects.select_related("proposed_by").prefetch_related(
        Prefetch("values", queryset=IndicatorValue.objects.order_by("year"))
    )
    if status:
        found = found.filter(status=status)
    if demo is not None:
        found = found.filter(is_demo=demo)
    return found.order_by("name_fr", "id")


def adopted() -> list[Indicator]:
    """The adopted indicators: the real ones once any real one is adopted, else the fictional ones."""
    found = indicators(Indicator.Status.ADOPTED)
    if found.filter(is_demo=False).exists():
        found = found.filter(is_demo=False)
    return list(found)


def indicator_detail(slug: str) -> Indicator:
    found = indicators().filter(slug=slug).first()
    if found is None:
        raise MaillageError("not_found", _("No indicator has this identifier."))
    return found


@dataclass(frozen=True)
class Progress:
    """An indicator's values, oldest first, against its baseline (its first value) and target."""

    indicator: Indicator
    values: list[IndicatorValue]

    @property
    def latest(self) -> IndicatorValue | None:
        return self.values[-1] if self.values else None

    @property
    def baseline(self) -> IndicatorValue | None:
        return self.values[0] if self.values else None

    @property
    def change(self) -> float | None:
        if len(self.values) < 2:
            return None
        return self.values[-1].value - self.values[-2].value

    @property
    def improving(self) -> bool | None:
        change = self.change
        if change is None or change == 0:
            return None
        return (change > 0) == self.indicator.higher_is_better

    @property
    def reached(self) -> float | None:
        """How far from the baseline to the target the latest value has come, in whole % (may pass 100)."""
        target, base, latest = self.indicator.target, self.baseline, self.latest
        if target is None or base is None or latest is None or target == base.value:
            return None
        return float(round(100 * (latest.value - base.value) / (target - base.value)))


def progress(indicator: Indicator) -> Progress:
    return Progress(indicator, list(indicator.values.all()))


# --- rounds ----------------------------------------------------------------------------------------------


def rounds(*, steward: bool) -> Any:
    found = Round.objects.annotate(
        ballot_count=Count("ballots", distinct=True),
        statement_count=Count("statements", filter=Q(statements__status=Statement.Status.ACCEPTED), distinct=True),
    )
    return found if steward else found.exclude(status=Round.Status.DRAFT)


def round_detail(slug: str) -> Round:
    found = Round.objects.filter(slug=slug).first()
    if found is None:
        raise MaillageError("not_found", _("No round has this identifier."))
    return found


def candidates(round: Round) -> list[Indicator]:
    return list(round.candidates.order_by("name_fr", "id"))


def statements(round: Round, *, status: str | None = Statement.Status.ACCEPTED) -> list[Statement]:
    found = Statement.objects.filter(round=round)
    if status:
        found = found.filter(status=status)
    return list(found.order_by("number"))


def my_ballot(round: Round, organisation: Organisation) -> dict[str, int]:
    """Candidate slug → rank (1 is best) of the organisation's ballot."""
    ballot = Ballot.objects.filter(round=round, organisation=organisation).first()
    if ballot is None:
        return {}
    slugs = dict(round.candidates.values_list("pk", "slug"))
    return {slugs[pk]: rank for rank, tier in enumerate(ballot.ranking, start=1) for pk in tier if pk in slugs}


def my_reactions(round: Round, organisation: Organisation) -> dict[int, int]:
    return dict(
        Reaction.objects.filter(statement__round=round, organisation=organisation).values_list("statement_id", "vote")
    )


def answers_version(round: Round, organisation: Organisation) -> str:
    """A fingerprint of the organisation's ranking and reactions, sent with the form that shows them."""
    ballot = Ballot.objects.filter(round=round, organisation=organisation).values_list("ranking", flat=True).first()
    reactions = sorted(my_reactions(round, organisation).items())
    text = json.dumps([ballot, reactions], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def participation(round: Round) -> tuple[int, int]:
    """(ballots, organisations that reacted), for stewards while the round is open."""
    return (
        Ballot.objects.filter(round=round).count(),
        Reaction.objects.filter(statement__round=round).values("organisation_id").distinct().count(),
    )


# --- results --------------------------------------------------------------------------------------------


@dataclass
class KindRanking:
    kind: str
    decision: feedback_core.Decision
    ranking: consensus_core.Ranking | None = None

    @property
    def label(self) -> str:
        """In the language of the page (results are cached across languages)."""
        return str(ActorKind(self.kind).label)


@dataclass(frozen=True)
class Split:
    """Reactions to a statement: how many agree, disagree and pass."""

    agree: int
    disagree: int
    passed: int

    @property
    def seen(self) -> int:
        return self.agree + self.disagree + self.passed

    def _pct(self, n: int) -> float | None:
        return 100 * n / self.seen if self.seen else None

    @property
    def agree_pct(self) -> float | None:
        return self._pct(self.agree)

    @property
    def disagree_pct(self) -> float | None:
        return self._pct(self.disagree)

    @property
    def pass_pct(self) -> float | None:
        return self._pct(self.passed)


@dataclass
class StatementRow:
    statement: Statement
    split: Split
    by_kind: dict[str, Split | None] = field(default_factory=dict)  # None: withheld
    by_group: dict[int, Split | None] = field(default_factory=dict)  # None: withheld (fewer than five)
    group_consensus: float | None = None

    @property
    def shown(self) -> bool:
        return self.split.seen >= THRESHOLD


@dataclass
class GroupView:
    number: int
    size: int
    representative: list[tuple[Statement, opinions_core.Statement]]
    by_kind: dict[str, int] | None = None  # organisations of each kind in the group, when released

    @property
    def letter(self) -> str:
        return chr(ord("A") + self.number)


@dataclass
class Results:
    round: Round
    candidates: dict[str, Indicator]
    ballots: int
    schulze: consensus_core.Ranking | None
    ranked_pairs: consensus_core.Ranking | None
    kinds: list[KindRanking]
    participants: int  # organisations that reacted
    statements: list[StatementRow]
    in_conversation: int = 0
    groups: list[GroupView] = field(default_factory=list)
    consensus_agree: list[tuple[Statement, opinions_core.Statement]] = field(default_factory=list)
    consensus_disagree: list[tuple[Statement, opinions_core.Statement]] = field(default_factory=list)
    kind_groups: dict[str, feedback_core.Decision] = field(default_factory=dict)
    supported_by_all: list[StatementRow] = field(default_factory=list)  # a majority of every group agrees
    rejected_by_all: list[StatementRow] = field(default_factory=list)  # a majority of every group disagrees
    members: dict[str, int] = field(default_factory=dict)  # participant number (text) → opinion group
    groups_withheld: str = ""  # "alike": everyone reacted alike; "small": even two groups leave one under five

    def pairwise_rows(self) -> list[tuple[Indicator, list[tuple[Indicator, int, int]]]]:
        """Each candidate against each other: (other, ballots preferring it, ballots preferring the other)."""
        if self.schulze is None:
            return []
        order = [slug for tier in self.schulze.order for slug in tier]
        d = self.schulze.pairwise
        return [
            (
                self.candidates[a],
                [(self.candidates[b], d[(a, b)], d[(b, a)]) for b in order if b != a],
            )
            for a in order
        ]


KIND_LABELS = dict(ActorKind.choices)


def ballot_rankings(round: Round) -> tuple[dict[str, Indicator], list[tuple[str, list[list[str]]]]]:
    """(candidates by slug, [(actor kind, tiers of slugs)])."""
    found = {i.pk: i for i in round.candidates.all()}
    rows = []
    for kind, ranking in Ballot.objects.filter(round=round).order_by("pk").values_list("actor_kind", "ranking"):
        tiers = [[found[pk].slug for pk in tier if pk in found] for tier in ranking]
        rows.append((kind, [t for t in tiers if t]))
    return {i.slug: i for i in found.values()}, rows


def published_numbers(round: Round) -> list[int]:
    """The statements whose reactions are published: accepted, with at least five reactions. Only these
    enter the results, the opinion groups and the Pol.is export (a statement with fewer would show a few
    organisations' reactions, even under random numbers)."""
    return list(
        Statement.objects.filter(round=round, status=Statement.Status.ACCEPTED)
        .annotate(n=Count("reactions", filter=Q(reactions__participant__isnull=False)))
        .filter(n__gte=THRESHOLD)
        .order_by("number")
        .values_list("number", flat=True)
    )


def vote_rows(round: Round) -> list[tuple[int, int, int, str]]:
    """(statement number, participant, vote, actor kind) of a closed round's published statements, in the
    order Pol.is writes its votes.csv (statement, then participant)."""
    return list(
        Reaction.objects.filter(
            statement__round=round, statement__number__in=published_numbers(round), participant__isnull=False
        )
        .order_by("statement__number", "participant")
        .values_list("statement__number", "participant", "vote", "actor_kind")
    )


def votes_of(rows: Sequence[tuple[int, int, int, str]]) -> opinions_core.Votes:
    return opinions_core.Votes.from_votes(
        (str(participant), str(number), vote) for number, participant, vote, _k in rows
    )


def opinion_groups_of(votes: opinions_core.Votes) -> tuple[opinions_core.OpinionGroups | None, str]:
    """Pol.is's opinion groups, with as many groups as the silhouette chooses among the numbers of groups
    whose every group counts at least five organisations (fewer, when a group would be smaller; none when
    even two groups cannot be): a group's representative statements describe its members."""
    groups = opinions_core.opinion_groups(votes)
    if groups.k < 2:
        return None, "alike"  # everyone reacted alike: no groups to tell apart
    if min(groups.sizes().values()) >= THRESHOLD:
        return groups, ""
    # The other numbers of groups the silhouette tried, from its best score down.
    for k in sorted(groups.silhouettes, key=lambda k: (-groups.silhouettes[k], -k)):
        if k == groups.k:
            continue
        other = opinions_core.opinion_groups(votes, k=k)
        if other.k >= 2 and min(other.sizes().values()) >= THRESHOLD:
            return other, ""
    return None, "small"


def results(round: Round) -> Results | None:
    """The results of a closed round (None while it is open), computed once: a closed round's ballots and
    reactions never change, so they are kept in the cache under the round and its closing time."""
    if round.status != Round.Status.CLOSED:
        return None
    stamp = f"{round.pk}:{round.closed_at.timestamp() if round.closed_at else 0}"
    key = "collective-results:" + hashlib.sha256(stamp.encode()).hexdigest()
    found = cache.get(key)
    if found is None:
        found = _results(round)
        cache.set(key, found, 24 * 3600)
    found.round = round
    return found  # type: ignore[no-any-return]


def _results(round: Round) -> Results:
    by_slug, ballots = ballot_rankings(round)
    order = sorted(by_slug, key=lambda slug: (by_slug[slug].name_fr, slug))
    schulze = ranked = None
    if len(ballots) >= THRESHOLD and len(order) >= 2:
        schulze = consensus_core.schulze([b for _k, b in ballots], order)
        ranked = consensus_core.ranked_pairs([b for _k, b in ballots], order)
    profiles = [{"kind": kind} for kind, _b in ballots]
    kinds = []
    for kind in ActorKind.values:
        decision = feedback_core.release(profiles, {"kind": kind}, threshold=THRESHOLD)
        view = KindRanking(kind, decision)
        if decision.allowed and len(order) >= 2:
            view.ranking = consensus_core.schulze([b for k, b in ballots if k == kind], order)
        kinds.append(view)

    # Reactions counted by statement, kind of actor and vote in the database.
    counted: dict[int, dict[str, Counter[int]]] = defaultdict(lambda: defaultdict(Counter))
    for number, kind, vote, n in (
        Reaction.objects.filter(statement__round=round, participant__isnull=False)
        .values_list("statement__number", "actor_kind", "vote")
        .annotate(n=Count("id"))
        .order_by()
    ):
        counted[number][kind][vote] += n
    participants = (
        Reaction.objects.filter(statement__round=round, participant__isnull=False)
        .values("participant")
        .distinct()
        .count()
    )
    statement_rows: list[StatementRow] = []
    by_number = {}
    for s in statements(round):
        by_kind = counted.get(s.number, {})
        total = sum((c for c in by_kind.values()), Counter())
        row = StatementRow(s, Split(total[1], total[-1], total[0]))
        by_number[s.number] = s
        if row.shown:
            people = {(("kind", kind),): sum(c.values()) for kind, c in by_kind.items()}
            for kind, _label in ActorKind.choices:
                mine = by_kind.get(kind, Counter())
                allowed = feedback_core.release(people, {"kind": kind}, threshold=THRESHOLD).allowed
                row.by_kind[kind] = Split(mine[1], mine[-1], mine[0]) if allowed else None
        statement_rows.append(row)
    result = Results(round, by_slug, len(ballots), schulze, ranked, kinds, participants, statement_rows)

    rows = vote_rows(round)
    votes = votes_of(rows)
    if len(votes.participants) < THRESHOLD:
        return result
    groups, result.groups_withheld = opinion_groups_of(votes)
    if groups is None:
        return result
    members = groups.groups()  # participant (as text) → group
    result.members = members
    kind_of = {str(participant): kind for _n, participant, _v, kind in rows}
    result.in_conversation = len(members)
    sizes = Counter(members.values())
    kind_profiles = [{"kind": kind_of[p], "group": str(g)} for p, g in members.items()]
    for kind, _label in ActorKind.choices:
        result.kind_groups[kind] = feedback_core.release(kind_profiles, {"kind": kind}, threshold=THRESHOLD)
    for g in sorted(sizes):
        reps = [(by_number[int(st.statement)], st) for st in groups.representative.get(g, [])]
        by_kind = None
        if any(d.allowed for d in result.kind_groups.values()):
            by_kind = {
                kind: sum(1 for p, gg in members.items() if gg == g and kind_of[p] == kind)
                for kind, d in result.kind_groups.items()
                if d.allowed
            }
        result.groups.append(GroupView(g, sizes[g], reps, by_kind))
    result.consensus_agree = [(by_number[int(st.statement)], st) for st in groups.consensus_agree]
    result.consensus_disagree = [(by_number[int(st.statement)], st) for st in groups.consensus_disagree]
    group_votes: dict[int, dict[int, Counter[int]]] = defaultdict(lambda: defaultdict(Counter))
    for number, participant, vote, _kind in rows:
        g = members.get(str(participant))
        if g is not None:
            group_votes[number][g][vote] += 1
    released: set[tuple[int, int]] = set()  # (statement, group) whose reactions may be shown
    for row in result.statements:
        if not row.shown:
            continue
        found = group_votes.get(row.statement.number, {})
        # Each group's reactions to the statement under the full-table rule: every group counts 0 or 5+.
        people = {(("group", str(g)),): sum(c.values()) for g, c in found.items()}
        for g in sorted(found):
            if feedback_core.release(people, {"group": str(g)}, threshold=THRESHOLD).allowed:
                row.by_group[g] = Split(found[g][1], found[g][-1], found[g][0])
                released.add((row.statement.number, g))
            else:
                row.by_group[g] = None
        if all(split is not None for split in row.by_group.values()):
            row.group_consensus = groups.group_consensus.get(str(row.statement.number))
    for view in result.groups:  # representative statements only where the group's reactions are shown
        view.representative = [(s, st) for s, st in view.representative if (s.number, view.number) in released]

    # Pol.is's group-aware consensus: every group's share, with its pseudocounts, above one half.
    def every(row: StatementRow, count: Callable[[Split], int]) -> bool:
        splits = list(row.by_group.values())
        return (
            row.shown
            and len(splits) == len(sizes)
            and all(split is not None and (count(split) + 1) / (split.seen + 2) > 0.5 for split in splits)
        )

    result.supported_by_all = sorted(
        (row for row in result.statements if every(row, lambda split: split.agree)),
        key=lambda row: -(row.group_consensus or 0.0),
    )[: opinions_core.REPRESENTATIVE]
    result.rejected_by_all = [row for row in result.statements if every(row, lambda split: split.disagree)][
        : opinions_core.REPRESENTATIVE
    ]
    return result
