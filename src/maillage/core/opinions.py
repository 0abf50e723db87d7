"""Opinion groups from agree / disagree / pass reactions to short statements, as Pol.is finds them.

The method follows Pol.is's math (compdemocracy/polis, ``math/src/polismath``: conversation.clj,
pca.clj, clusters.clj, repness.clj), step by step:

1. the vote matrix: the latest vote of each participant on each statement (agree = +1, disagree = −1,
   pass = 0, unseen = missing); the statements moderated out are kept as columns of zeros for everyone;
2. the participants *in the conversation*: those who voted on at least min(7, statements) statements
   (moderated-out ones included), topped up with the most active voters to 15;
3. missing votes filled with the statement's mean, then a PCA with two components;
4. each participant projected from the statements they voted on only, scaled by
   √(statements / statements voted on), so that sparse voters are not pulled to the centre;
5. about 100 *base clusters* of the participants in the conversation by k-means (started from the first
   distinct points, in the matrix's row order), then the *groups*: weighted k-means of the base-cluster
   centres for k = 2 … min(5, 2 + base clusters / 12), k chosen by the silhouette of the base-cluster
   centres (unweighted; on a tie, the larger k);
6. per group, its representative statements (the share of the group that agrees or disagrees against
   the rest, with Pol.is's pseudocounts and z-tests, at most five, agreements first), and for everyone
   the consensus statements and each statement's group-aware consensus (the product over groups of the
   share that agrees, (A + 1) / (S + 2)).

Where this differs from Pol.is, and why (also in docs/collective.md):

- Pol.is runs on every new vote and starts each PCA and k-means from the previous result; one export
  cannot replay that history. The PCA here is exact (an eigendecomposition, which Pol.is's power
  iteration approaches) with a fixed sign, and the groups' k-means is started from the best of
  ``group_starts`` seeded k-means++ starts instead of the previous groups (a cold start from the first
  points, which Pol.is uses only for a conversation's very first update, lands further from the groups
  Pol.is reports: 88 % against 97 % agreement on the Seattle $15/hour conversation).
- Pol.is keeps the same k until the silhouette has preferred another for four updates; here k is the
  silhouette's choice.
- Group ids are 0, 1, … by decreasing size (Pol.is's ids are those of its k-means clusters).

Pure numpy and scikit-learn; no Django.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import permutations

import numpy as np
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score, silhouette_score

AGREE, DISAGREE, PASS = 1, -1, 0
Z90 = 1.2816  # one-sided 90 %
MIN_VOTES = 7  # votes to be in the conversation (or every statement when there are fewer)
MIN_IN_CONVERSATION = 15
BASE_K = 100
MAX_K = 5
REPRESENTATIVE = 5  # representative statements per group


@dataclass(frozen=True)
class Votes:
    """The vote matrix: one row per participant, one column per statement (NaN: not seen)."""

    participants: list[str]
    statements: list[str]
    matrix: np.ndarray  # float, +1 agree, −1 disagree, 0 pass, NaN unseen
    moderated_out: frozenset[str] = frozenset()

    @classmethod
    def from_votes(cls, votes: Iterable[tuple[str, str, int]], *, moderated_out: Iterable[str] = ()) -> Votes:
        """From (participant, statement, vote) in the order they were cast: the last vote counts.
        Rows and columns come in the order participants and statements first appear."""
        rows: dict[str, int] = {}
        cols: dict[str, int] = {}
        cells: dict[tuple[int, int], int] = {}
        for participant, statement, vote in votes:
            if vote not in (AGREE, DISAGREE, PASS):
                raise ValueError(f"A vote is 1, -1 or 0, not {vote!r}.")
            r = rows.setdefault(participant, len(rows))
            c = cols.setdefault(statement, len(cols))
            cells[(r, c)] = vote
        matrix = np.full((len(rows), len(cols)), np.nan)
        for (r, c), vote in cells.items():
            matrix[r, c] = vote
        return cls(list(rows), list(cols), matrix, frozenset(moderated_out) & frozenset(cols))


@dataclass(frozen=True)
class Statement:
    """A statement's standing in a group (or among everyone): agreement or disagreement, its
    share with Pol.is's pseudocounts, and its z-tests."""

    statement: str
    repful_for: str  # "agree" or "disagree"
    successes: int  # members who agree (or disagree)
    trials: int  # members who saw it (passes included)
    probability: float  # (successes + 1) / (trials + 2)
    test: float  # proportion z-test
    repness: float = 0.0  # against the other groups (representative statements only)
    repness_test: float = 0.0


@dataclass
class OpinionGroups:
    votes: Votes
    in_conversation: list[int]  # row indices
    projections: np.ndarray  # every participant, two coordinates
    labels: dict[int, int]  # row index → group, for the participants in the conversation
    k: int
    silhouettes: dict[int, float]
    representative: dict[int, list[Statement]] = field(default_factory=dict)
    consensus_agree: list[Statement] = field(default_factory=list)
    consensus_disagree: list[Statement] = field(default_factory=list)
    group_consensus: dict[str, float] = field(default_factory=dict)  # statement → Π_g (A_g+1)/(S_g+2)

    def groups(self) -> dict[str, int]:
        """Participant → group, for the participants clustered."""
        return {self.votes.participants[i]: g for i, g in sorted(self.labels.items())}

    def sizes(self) -> dict[int, int]:
        found: dict[int, int] = {}
        for g in self.labels.values():
            found[g] = found.get(g, 0) + 1
        return dict(sorted(found.items()))


# --- the steps ----------------------------------------------------------------------------------


def zeroed(votes: Votes) -> np.ndarray:
    """The matrix with the moderated-out statements as zeros for everyone (kept as columns)."""
    matrix = votes.matrix.copy()
    for j, statement in enumerate(votes.statements):
        if statement in votes.moderated_out:
            matrix[:, j] = 0.0
    return matrix


def in_conversation(votes: Votes) -> list[int]:
    """Participants with min(7, statements) votes or more, topped up with the most active to 15."""
    counts = (~np.isnan(votes.matrix)).sum(axis=1)
    needed = min(MIN_VOTES, votes.matrix.shape[1])
    keep = {int(i) for i in np.flatnonzero(counts >= needed)}
    if len(keep) < MIN_IN_CONVERSATION:
        for i in np.argsort(-counts, kind="stable"):
            if len(keep) >= MIN_IN_CONVERSATION:
                break
            if counts[i] > 0:
                keep.add(int(i))
    return sorted(keep)


def principal_components(matrix: np.ndarray, n: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Column means and the top ``n`` principal axes of the mean-imputed matrix, each axis signed so
    that its largest loading is positive (Pol.is's signs depend on its random start)."""
    means = np.array([np.nanmean(c) if np.any(~np.isnan(c)) else 0.0 for c in matrix.T])
    filled = np.where(np.isnan(matrix), means[None, :], matrix)
    centre = filled.mean(axis=0)
    centred = filled - centre
    values, vectors = np.linalg.eigh(centred.T @ centred)
    order = np.argsort(-values)[:n]
    axes = vectors[:, order].T
    for axis in axes:
        if axis[np.argmax(np.abs(axis))] < 0:
            axis *= -1
    if axes.shape[0] < n:
        axes = np.vstack([axes, np.zeros((n - axes.shape[0], matrix.shape[1]))])
    return centre, axes


def project(matrix: np.ndarray, centre: np.ndarray, axes: np.ndarray) -> np.ndarray:
    """Each row projected from the statements it voted on, scaled by √(statements / votes)."""
    n = matrix.shape[1]
    out = np.zeros((matrix.shape[0], axes.shape[0]))
    for i, row in enumerate(matrix):
        seen = ~np.isnan(row)
        if seen.any():
            out[i] = ((row[seen] - centre[seen]) @ axes[:, seen].T) * math.sqrt(n / seen.sum())
    return out


def _first_distinct(points: np.ndarray, k: int) -> np.ndarray:
    found: list[np.ndarray] = []
    seen: set[tuple[float, ...]] = set()
    for point in points:
        key = tuple(np.round(point, 12))
        if key not in seen:
            seen.add(key)
            found.append(point)
            if len(found) == k:
                break
    return np.array(found)


def base_clusters(points: np.ndarray, k: int = BASE_K) -> tuple[np.ndarray, np.ndarray]:
    """(labels, centres): k-means started from the first ``k`` distinct points, as Pol.is does."""
    start = _first_distinct(points, k)
    if len(start) == 1:
        return np.zeros(len(points), dtype=int), start
    model = KMeans(n_clusters=len(start), init=start, n_init=1, max_iter=100).fit(points)
    used = np.unique(model.labels_)  # clusters left empty are dropped
    renumber = {old: new for new, old in enumerate(used)}
    return np.array([renumber[label] for label in model.labels_]), model.cluster_centers_[used]


def group_clustering(
    centres: np.ndarray,
    weights: np.ndarray,
    *,
    max_k: int = MAX_K,
    starts: int = 10,
    seed: int = 0,
    k: int | None = None,
) -> tuple[int, np.ndarray, dict[int, float]]:
    """(k, labels of the base clusters, silhouette by k): weighted k-means of the base-cluster
    centres for k = 2 … min(max_k, 2 + n / 12), k chosen by silhouette (on a tie, the larger), or
    the ``k`` given."""
    n = len(centres)
    distinct = len({tuple(np.round(c, 12)) for c in centres})
    if distinct < 2:
        return 1, np.zeros(n, dtype=int), {}
    top = min(max_k, 2 + n // 12, distinct)
    tried = range(2, top + 1) if k is None else [min(k, distinct)]
    best: tuple[float, int, np.ndarray] | None = None
    silhouettes: dict[int, float] = {}
    for size in tried:
        model = KMeans(n_clusters=size, n_init=starts, max_iter=20, random_state=seed)
        labels = model.fit(centres, sample_weight=weights).labels_
        if len(set(labels)) < 2 or len(set(labels)) >= n:
            continue
        score = float(silhouette_score(centres, labels))
        silhouettes[size] = score
        if best is None or score >= best[0]:
            best = (score, size, labels)
    if best is None:
        return 1, np.zeros(n, dtype=int), silhouettes
    return best[1], best[2], silhouettes


# --- representative and consensus statements -------------------------------------------------------


def prop_test(successes: int, trials: int) -> float:
    """Pol.is's one-proportion test against one half, with a pseudocount."""
    return 2 * math.sqrt(trials + 1) * ((successes + 1) / (trials + 1) - 0.5)


def two_prop_test(s1: int, s2: int, n1: int, n2: int) -> float:
    """Pol.is's two-proportion test, each count plus one."""
    s1, s2, n1, n2 = s1 + 1, s2 + 1, n1 + 1, n2 + 1
    p1, p2 = s1 / n1, s2 / n2
    pooled = (s1 + s2) / (n1 + n2)
    if pooled == 1:
        return 0.0
    return (p1 - p2) / math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))


def _counts(column: np.ndarray) -> tuple[int, int, int]:
    seen = column[~np.isnan(column)]
    return int((seen == AGREE).sum()), int((seen == DISAGREE).sum()), len(seen)


def representative(
    matrix: np.ndarray,
    statements: Sequence[str],
    members: Mapping[int, list[int]],
    moderated_out: frozenset[str],
    *,
    top: int = REPRESENTATIVE,
) -> dict[int, list[Statement]]:
    """Per group, the statements that set it apart (Pol.is's ``select-rep-comments``)."""
    groups = sorted(members)
    stats: dict[int, list[tuple[str, dict[str, float]]]] = {g: [] for g in groups}
    for j, statement in enumerate(statements):
        if statement in moderated_out:
            continue
        per = {g: _counts(matrix[members[g], j]) for g in groups}
        for g in groups:
            na, nd, ns = per[g]
            na_r = sum(per[h][0] for h in groups if h != g)
            nd_r = sum(per[h][1] for h in groups if h != g)
            ns_r = sum(per[h][2] for h in groups if h != g)
            pa, pd = (na + 1) / (ns + 2), (nd + 1) / (ns + 2)
            stats[g].append(
                (
                    statement,
                    {
                        "na": na,
                        "nd": nd,
                        "ns": ns,
                        "pa": pa,
                        "pd": pd,
                        "pat": prop_test(na, ns),
                        "pdt": prop_test(nd, ns),
                        "ra": pa / ((1 + na_r) / (2 + ns_r)),
                        "rd": pd / ((1 + nd_r) / (2 + ns_r)),
                        "rat": two_prop_test(na, na_r, ns, ns_r),
                        "rdt": two_prop_test(nd, nd_r, ns, ns_r),
                    },
                )
            )

    def finalize(statement: str, s: dict[str, float]) -> Statement:
        if s["rat"] > s["rdt"]:
            return Statement(statement, "agree", int(s["na"]), int(s["ns"]), s["pa"], s["pat"], s["ra"], s["rat"])
        return Statement(statement, "disagree", int(s["nd"]), int(s["ns"]), s["pd"], s["pdt"], s["rd"], s["rdt"])

    def metric(st: Statement) -> float:
        return st.repness * st.repness_test * st.probability * st.test

    result: dict[int, list[Statement]] = {}
    for g in groups:
        sufficient: list[Statement] = []
        best: Statement | None = None
        best_agree: tuple[str, dict[str, float]] | None = None
        for statement, s in stats[g]:
            passes = (s["rat"] > Z90 and s["pat"] > Z90) or (s["rdt"] > Z90 and s["pdt"] > Z90)
            if passes:
                sufficient.append(finalize(statement, s))
            if not sufficient and (best is None or max(s["rat"], s["rdt"]) > best.repness_test):
                best = finalize(statement, s)
            if s["na"] == 0 and s["nd"] == 0:
                continue
            if best_agree is not None:
                c = best_agree[1]
                if c["ra"] > 1.0:
                    better = s["ra"] * s["rat"] * s["pa"] * s["pat"] > c["ra"] * c["rat"] * c["pa"] * c["pat"]
                else:
                    better = s["pa"] * s["pat"] > c["pa"] * c["pat"]
            else:
                better = s["pat"] > Z90 or (s["ra"] > 1.0 and s["pa"] > 0.5)
            if better:
                best_agree = (statement, s)
        chosen_agree = finalize(*best_agree) if best_agree else None
        if not sufficient:
            chosen = [chosen_agree] if chosen_agree else ([best] if best else [])
        else:
            rest = sorted(
                (st for st in sufficient if chosen_agree is None or st.statement != chosen_agree.statement),
                key=metric,
                reverse=True,
            )
            chosen = ([chosen_agree] if chosen_agree else []) + rest
            chosen = chosen[:top]
        result[g] = [st for st in chosen if st.repful_for == "agree"] + [
            st for st in chosen if st.repful_for == "disagree"
        ]
    return result


def consensus(
    matrix: np.ndarray, statements: Sequence[str], moderated_out: frozenset[str], *, top: int = REPRESENTATIVE
) -> tuple[list[Statement], list[Statement]]:
    """The statements most of everyone agrees with, and those most disagree with."""
    agree: list[Statement] = []
    disagree: list[Statement] = []
    for j, statement in enumerate(statements):
        if statement in moderated_out:
            continue
        na, nd, ns = _counts(matrix[:, j])
        pa, pd = (na + 1) / (ns + 2), (nd + 1) / (ns + 2)
        pat, pdt = prop_test(na, ns), prop_test(nd, ns)
        if pa > 0.5 and pat > Z90:
            agree.append(Statement(statement, "agree", na, ns, pa, pat))
        if pd > 0.5 and pdt > Z90:
            disagree.append(Statement(statement, "disagree", nd, ns, pd, pdt))
    agree.sort(key=lambda s: s.probability * s.test, reverse=True)
    disagree.sort(key=lambda s: s.probability * s.test, reverse=True)
    return agree[:top], disagree[:top]


def group_aware_consensus(
    raw: np.ndarray, statements: Sequence[str], members: Mapping[int, list[int]]
) -> dict[str, float]:
    """Per statement, the product over groups of the share that agrees, (A + 1) / (S + 2): high only
    when every group agrees."""
    result = {}
    for j, statement in enumerate(statements):
        product = 1.0
        for rows in members.values():
            a, _d, s = _counts(raw[rows, j])
            product *= (a + 1) / (s + 2)
        result[statement] = product
    return result


# --- the whole -----------------------------------------------------------------------------------------


def opinion_groups(
    votes: Votes, *, base_k: int = BASE_K, max_k: int = MAX_K, seed: int = 0, k: int | None = None
) -> OpinionGroups:
    """Pol.is's opinion groups of a conversation (see the module's docstring); ``k`` fixes the number
    of groups instead of the silhouette's choice."""
    matrix = zeroed(votes)
    inside = in_conversation(votes)
    if not inside or matrix.shape[1] == 0:
        return OpinionGroups(votes, inside, np.zeros((len(votes.participants), 2)), {}, 0, {})
    centre, axes = principal_components(matrix)
    projections = project(matrix, centre, axes)
    points = projections[inside]
    base_labels, base_centres = base_clusters(points, base_k)
    weights = np.bincount(base_labels, minlength=len(base_centres)).astype(float)
    _k, group_of_base, silhouettes = group_clustering(base_centres, weights, max_k=max_k, seed=seed, k=k)
    raw_labels = [int(group_of_base[b]) for b in base_labels]
    # Groups numbered by decreasing size (then by first member), for stable output.
    sizes: dict[int, int] = {}
    for label in raw_labels:
        sizes[label] = sizes.get(label, 0) + 1
    order = sorted(sizes, key=lambda g: (-sizes[g], raw_labels.index(g)))
    renumber = {old: new for new, old in enumerate(order)}
    labels = {row: renumber[label] for row, label in zip(inside, raw_labels, strict=True)}
    members: dict[int, list[int]] = {}
    for row, g in labels.items():
        members.setdefault(g, []).append(row)
    agree, disagree = consensus(matrix, votes.statements, votes.moderated_out)
    return OpinionGroups(
        votes,
        inside,
        projections,
        labels,
        len(members),
        silhouettes,
        representative(matrix, votes.statements, members, votes.moderated_out),
        agree,
        disagree,
        group_aware_consensus(votes.matrix, votes.statements, members),
    )


def agreement(ours: Mapping[str, int], theirs: Mapping[str, str | int]) -> tuple[float, float, int]:
    """(adjusted Rand index, share of participants in matching groups under the best one-to-one
    matching of group labels, participants compared) between two groupings of the same people."""
    common = sorted(set(ours) & {p for p, g in theirs.items() if g not in ("", None)})
    if not common:
        return 0.0, 0.0, 0
    a = [str(ours[p]) for p in common]
    b = [str(theirs[p]) for p in common]
    ari = float(adjusted_rand_score(a, b))

    small, large = (a, b) if len(set(a)) <= len(set(b)) else (b, a)
    labels = sorted(set(small))
    best = 0
    for chosen in permutations(sorted(set(large)), len(labels)):
        mapping = dict(zip(labels, chosen, strict=True))
        best = max(best, sum(mapping[x] == y for x, y in zip(small, large, strict=True)))
    return ari, best / len(common), len(common)
