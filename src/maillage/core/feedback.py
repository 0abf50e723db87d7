"""Anonymous feedback on support actors: the survey, ratings that show only above a threshold, slices
that cannot isolate a respondent by difference, and peer percentiles.

The survey follows what grantee perception surveys ask (the Center for Effective Philanthropy's Grantee
Perception Report, and trust-based philanthropy's practices): impact, understanding of the context,
relationship, fit, flexibility, hours spent applying and reporting, help beyond the money, whether one
would recommend, two open comments. Ratings are on a 1-to-7 scale, as peer surveys use, so that
benchmarks mean something.

Anonymity that holds:

- a rating is shown only when at least ``threshold`` organisations answered it (:func:`summarise`);
- a slice of the respondents (by kind of organisation, territory…) is released only when every cell
  of the respondents' full table counts ``threshold`` respondents or none (:func:`release`), so that
  no sum or difference of released figures can describe fewer than ``threshold`` of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

THRESHOLD = 5
SCALE = range(1, 8)  # 1 to 7


@dataclass(frozen=True)
class Question:
    id: str
    kind: str  # "scale" (1 to 7), "hours" (a number of hours), "choice" (yes / no), "text"
    fr: str
    en: str
    low_fr: str = ""  # what 1 means on a scale
    low_en: str = ""
    high_fr: str = ""  # what 7 means
    high_en: str = ""

    def text(self, language: str) -> str:
        return self.en if language == "en" else self.fr


QUESTIONS: tuple[Question, ...] = (
    Question(
        "impact-organisation",
        "scale",
        "Quel effet ce soutien a-t-il eu sur votre organisation ?",
        "What effect did this support have on your organisation?",
        "Aucun effet",
        "No effect",
        "Un effet transformateur",
        "A transformative effect",
    ),
    Question(
        "impact-initiative",
        "scale",
        "Quel effet a-t-il eu sur votre initiative et les personnes qu'elle sert ?",
        "What effect did it have on your initiative and the people it serves?",
        "Aucun effet",
        "No effect",
        "Un effet transformateur",
        "A transformative effect",
    ),
    Question(
        "understanding",
        "scale",
        "Dans quelle mesure votre contexte (votre quartier, vos publics, vos contraintes) est-il compris ?",
        "How well does it understand your context (your neighbourhood, the people you serve, your constraints)?",
        "Pas du tout",
        "Not at all",
        "Parfaitement",
        "Perfectly",
    ),
    Question(
        "relationship",
        "scale",
        "Comment qualifiez-vous la relation et sa réactivité ?",
        "How would you rate the relationship and its responsiveness?",
        "Très mauvaises",
        "Very poor",
        "Excellentes",
        "Excellent",
    ),
    Question(
        "fit",
        "scale",
        "À quel point le soutien répondait-il à vos besoins réels ?",
        "How well did the support fit your real needs?",
        "Pas du tout",
        "Not at all",
        "Parfaitement",
        "Perfectly",
    ),
    Question(
        "flexibility",
        "scale",
        "Quelle souplesse avez-vous eue dans l'usage du soutien ?",
        "How much flexibility did you have in using the support?",
        "Aucune",
        "None",
        "Totale",
        "Complete",
    ),
    Question(
        "hours-applying",
        "hours",
        "Combien d'heures avez-vous passées à faire la demande ?",
        "How many hours did you spend applying?",
    ),
    Question(
        "hours-reporting",
        "hours",
        "Combien d'heures avez-vous passées (ou passerez-vous) à rendre des comptes ?",
        "How many hours did (or will) you spend reporting?",
    ),
    Question(
        "beyond-money",
        "scale",
        "Quelle aide avez-vous reçue au-delà de l'argent (conseils, contacts, visibilité) ?",
        "How much help did you get beyond the money (advice, contacts, visibility)?",
        "Aucune",
        "None",
        "Beaucoup",
        "A great deal",
    ),
    Question(
        "recommend",
        "scale",
        "Recommanderiez-vous ce soutien à une organisation comme la vôtre ?",
        "Would you recommend this support to an organisation like yours?",
        "Certainement pas",
        "Certainly not",
        "Certainement",
        "Certainly",
    ),
    Question(
        "comment-best",
        "text",
        "Qu'est-ce qui vous a le plus aidé ?",
        "What helped you most?",
    ),
    Question(
        "comment-change",
        "text",
        "Qu'est-ce qui devrait changer ?",
        "What should it change?",
    ),
)


# --- ratings ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rating:
    """The answers of one question: shown only with at least ``threshold`` respondents."""

    count: int
    threshold: int
    mean: float | None = None
    distribution: tuple[int, ...] = ()  # how many answered 1, 2, … 7
    median: float | None = None

    @property
    def shown(self) -> bool:
        return self.count >= self.threshold


def summarise(values: Iterable[int | float], *, threshold: int = THRESHOLD, scale: range | None = SCALE) -> Rating:
    """Mean, median and distribution of the answers, or only their count when there are too few.

    Values outside the scale are a programming error (answers are validated when given). Without a
    scale (hours, ratios), there is no distribution."""
    answers = sorted(values)
    if scale is not None:
        for value in answers:
            if value not in scale:
                raise ValueError(f"{value} is not on the scale {scale.start} to {scale.stop - 1}.")
    if len(answers) < threshold:
        return Rating(len(answers), threshold)
    n = len(answers)
    middle = n // 2
    median = float(answers[middle]) if n % 2 else (answers[middle - 1] + answers[middle]) / 2
    return Rating(
        count=n,
        threshold=threshold,
        mean=sum(answers) / n,
        distribution=tuple(sum(1 for a in answers if a == point) for point in scale) if scale is not None else (),
        median=median,
    )


# --- slices that cannot isolate anyone ---------------------------------------------------------------


Profile = Mapping[str, str]  # a respondent's coarse attributes: {"kind": "community", "borough": "verdun"}


@dataclass(frozen=True)
class Decision:
    allowed: bool
    count: int  # respondents in the slice (0 when refused, so that a refusal says nothing more)
    code: str = ""  # "too_few" or "difference"
    dimension: str = ""  # for "difference": the filter that would isolate respondents


def _matches(profile: Profile, query: Mapping[str, str]) -> bool:
    return all(profile.get(dimension) == value for dimension, value in query.items())


def release(
    profiles: Sequence[Profile] | Mapping[tuple[tuple[str, str], ...], int],
    query: Mapping[str, str],
    *,
    threshold: int = THRESHOLD,
) -> Decision:
    """Whether the slice ``query`` (dimension → value) of the respondents may be shown.

    ``profiles`` lists each respondent's attributes (or counts them by sorted attribute tuples). All
    respondents together may be shown when they are ``threshold`` or more. A slice may be shown only
    when it counts ``threshold`` respondents and every cell of the respondents' full table (every
    combination of values of every dimension) counts ``threshold`` respondents or none. Then every
    released slice is a union of whole cells, and so is whatever one computes by adding and subtracting
    released figures (a slice minus another, two slices minus a third…): each group it describes has
    ``threshold`` respondents or more. A property test checks it on random respondents and any signed
    combination of released slices.

    Checking only the slices nested in one another is not enough: with kinds {a, b} × places {x, y}
    and the cell (b, y) alone, ``kind=b`` − (``place=x`` − ``kind=a & place=x``) is that one respondent.
    """
    counted: list[tuple[Profile, int]]
    if isinstance(profiles, Mapping):
        counted = [(dict(key), n) for key, n in profiles.items()]
    else:
        counted = [(profile, 1) for profile in profiles]
    n = sum(count for profile, count in counted if _matches(profile, query))
    if n < threshold:
        return Decision(False, 0, "too_few")
    if not query:
        return Decision(True, n)
    dimensions = sorted({d for profile, _ in counted for d in profile} | set(query))
    cells: dict[tuple[str, ...], int] = {}
    for profile, count in counted:
        key = tuple(profile.get(d, "") for d in dimensions)
        cells[key] = cells.get(key, 0) + count
    if any(0 < count < threshold for count in cells.values()):
        return Decision(False, 0, "difference", sorted(query)[0])
    return Decision(True, n)


@dataclass(frozen=True)
class Answered:
    """One response as the results read it: the respondent's coarse profile and its answers."""

    profile: Mapping[str, str]
    answers: Mapping[str, float]


@dataclass(frozen=True)
class SliceResult:
    decision: Decision  # whether the slice itself may be shown (counting every respondent)
    ratings: dict[str, Rating]  # by question; a question whose slice is refused is absent
    refused: dict[str, Decision]  # questions refused in this slice (too few answered, or by difference)


def slice_ratings(
    responses: Sequence[Answered],
    questions: Iterable[str],
    query: Mapping[str, str],
    *,
    threshold: int = THRESHOLD,
    scales: Mapping[str, range | None] | None = None,
) -> SliceResult:
    """The ratings of each question in the slice ``query`` of the responses.

    The slice is released over every respondent, then again over the respondents of each question:
    someone who skipped a question would otherwise be the difference between two of its figures."""
    decision = release([r.profile for r in responses], query, threshold=threshold)
    ratings: dict[str, Rating] = {}
    refused: dict[str, Decision] = {}
    if not decision.allowed:
        return SliceResult(decision, ratings, refused)
    for question in questions:
        answering = [r for r in responses if r.answers.get(question) is not None]
        allowed = release([r.profile for r in answering], query, threshold=threshold)
        if not allowed.allowed:
            refused[question] = allowed
            continue
        values = [r.answers[question] for r in answering if _matches(r.profile, query)]
        scale = (scales or {}).get(question, SCALE)
        ratings[question] = summarise(values, threshold=threshold, scale=scale)
    return SliceResult(decision, ratings, refused)


# --- benchmarks ---------------------------------------------------------------------------------


def percentile_rank(value: float, peers: Iterable[float]) -> float | None:
    """The share of peers below ``value``, ties counting half, in percent (0 to 100): the mean of the
    strict and weak percentile ranks. None without peers."""
    others = list(peers)
    if not others:
        return None
    below = sum(1 for p in others if p < value)
    equal = sum(1 for p in others if p == value)
    return 100 * (below + equal / 2) / len(others)


def hours_per_thousand(hours: float, amount: float) -> float | None:
    """Hours spent applying and reporting per $1,000 received (None without money)."""
    if amount <= 0:
        return None
    return hours / (amount / 1000)


@dataclass
class Comparison:
    """Ratings of the support actors that have a practice (flexible money, light reporting) against
    those that do not: a comparison, not a causal claim."""

    practice: str
    with_practice: list[float] = field(default_factory=list)
    without: list[float] = field(default_factory=list)

    @property
    def mean_with(self) -> float | None:
        return sum(self.with_practice) / len(self.with_practice) if self.with_practice else None

    @property
    def mean_without(self) -> float | None:
        return sum(self.without) / len(self.without) if self.without else None

    @property
    def difference(self) -> float | None:
        if self.mean_with is None or self.mean_without is None:
            return None
        return self.mean_with - self.mean_without

    @property
    def shown_difference(self) -> float | None:
        """The difference of the means as shown, to one decimal: it matches the figures beside it."""
        if self.mean_with is None or self.mean_without is None:
            return None
        return round(round(self.mean_with, 1) - round(self.mean_without, 1), 1)


# --- needs covered --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Supported:
    """An initiative a support actor supported: who carries it, what its latest diagnostic says it
    needs (element → weight) and how much of each element the support addresses (element → share,
    0 to 1, as baskets count an offer's coverage)."""

    organisations: frozenset[str]
    needs: Mapping[str, float]
    covered: Mapping[str, float]


@dataclass(frozen=True)
class ElementCoverage:
    element: str
    in_need: int  # supported initiatives with a need on the element
    covered: int  # of which the support addresses the element


@dataclass(frozen=True)
class Coverage:
    initiatives: int  # supported initiatives with a diagnostic
    shown: bool  # at least ``threshold`` initiatives of as many organisations
    share: float | None = None  # share of their weighted need that the support addresses
    elements: tuple[ElementCoverage, ...] = ()  # elements needed by at least ``threshold`` of them


def needs_coverage(supported: Iterable[Supported], *, threshold: int = THRESHOLD) -> Coverage:
    """How much of the needs of the initiatives a support actor supported its support addresses.

    Diagnostics are private: nothing is shown unless ``threshold`` initiatives of ``threshold``
    organisations are counted, and an element appears only when ``threshold`` of them need it.

    >>> a = Supported(frozenset({"a"}), {"finance": 1.0, "team": 1.0}, {"finance": 1.0, "team": 0.5})
    >>> needs_coverage([a], threshold=1).share
    0.75
    """
    rows = [s for s in supported if any(w > 0 for w in s.needs.values())]
    organisations = set().union(*(s.organisations for s in rows)) if rows else set()
    if len(rows) < threshold or len(organisations) < threshold:
        return Coverage(len(rows), False)
    total = sum(w for s in rows for w in s.needs.values() if w > 0)
    covered = sum(w * min(1.0, s.covered.get(e, 0.0)) for s in rows for e, w in s.needs.items() if w > 0)
    counts: dict[str, list[int]] = {}
    for s in rows:
        for element, weight in s.needs.items():
            if weight > 0:
                pair = counts.setdefault(element, [0, 0])
                pair[0] += 1
                pair[1] += s.covered.get(element, 0.0) > 0
    elements = tuple(
        ElementCoverage(e, n, c)
        for e, (n, c) in sorted(counts.items(), key=lambda item: (-item[1][0], item[0]))
        if n >= threshold
    )
    return Coverage(len(rows), True, covered / total if total else None, elements)


# --- practices -----------------------------------------------------------------------------------


def compare_practice(
    practice: str, has: Mapping[str, bool], ratings: Mapping[str, float], *, minimum: int = 3
) -> Comparison | None:
    """Support actors' ratings split by whether they have a practice; None when either side counts
    fewer than ``minimum`` support actors (a comparison of two is an anecdote).

    >>> c = compare_practice("flexible", {"a": True, "b": True, "c": False, "d": False}, {"a": 6, "b": 5, "c": 4,
    ...     "d": 3}, minimum=2)
    >>> c.difference
    2.0
    """
    comparison = Comparison(practice)
    for actor, value in sorted(ratings.items()):
        if actor not in has:
            continue
        (comparison.with_practice if has[actor] else comparison.without).append(value)
    if len(comparison.with_practice) < minimum or len(comparison.without) < minimum:
        return None
    return comparison
