"""The demo's fictional collective definition of success: indicators proposed by fictional
organisations, a closed deliberation round with rankings and reactions, an open one, and the adopted
indicators with their targets and values.

Everything here is invented and labelled as such, with one exception: the values of the computed
indicators are what Maillage measures from the demo's (fictional) data. The rankings and reactions are
drawn at random around a view per kind of actor and three opinion profiles, so that the results have
differences of vision and opinion groups to show. The demo's four policy makers do not take part: a kind
of actor with between one and four organisations would hide every kind's figures (the threshold of 5)."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from maillage.directory.models import Organisation

from . import selectors, services
from .models import ActorKind, Ballot, Indicator, IndicatorValue, Reaction, Round, Statement, actor_kind_of

M = Indicator.Measure
INDICATORS: list[dict[str, Any]] = [
    {
        "key": "needs",
        "name_fr": "Besoins des initiatives couverts par le soutien accordé",
        "name_en": "Initiatives' needs covered by the support granted",
        "description_fr": "La part des besoins déclarés dans les autodiagnostics que le soutien accordé dans "
        "l'année couvre réellement. Dit si l'écosystème répond à ce que les initiatives demandent.",
        "description_en": "The share of the needs declared in self-diagnostics that the support granted in the "
        "year actually covers. Tells whether the ecosystem answers what initiatives ask for.",
        "method": "computed",
        "measure": M.NEEDS_COVERED,
        "elements": ["besoin-documente", "financement-souple", "soutien-non-financier"],
        "standard_code": "",
        "target": 40.0,
    },
    {
        "key": "flexible",
        "name_fr": "Part du financement non affectée",
        "name_en": "Unrestricted share of funding",
        "description_fr": "Les fonds souples de la COVID ont montré la voie : la part des fonds que les "
        "organisations peuvent utiliser là où c'est le plus urgent.",
        "description_en": "COVID's flexible funds showed the way: the share of money organisations can use "
        "where it is most needed.",
        "method": "computed",
        "measure": M.FLEXIBLE_SHARE,
        "elements": ["financement-souple"],
        "standard_code": "",
        "target": 50.0,
    },
    {
        "key": "equity",
        "name_fr": "Besoins à portée d'une offre dans les quartiers à faible revenu",
        "name_en": "Needs within reach of an offer in low-income quartiers",
        "description_fr": "L'attention aux plus vulnérables : l'offre atteint-elle les quartiers qui en ont "
        "le plus besoin ?",
        "description_en": "Attention to the most vulnerable: does the offer reach the quartiers that need it most?",
        "method": "computed",
        "measure": M.EQUITY_COVERAGE,
        "elements": ["besoin-documente", "politiques-publiques"],
        "standard_code": "",
        "target": 80.0,
    },
    {
        "key": "rating",
        "name_fr": "Souplesse des bailleurs selon les organisations",
        "name_en": "Funders' flexibility as organisations rate it",
        "description_fr": "La moyenne de la question « souplesse » du sondage anonyme des retours.",
        "description_en": "The mean answer to the anonymous feedback survey's flexibility question.",
        "method": "computed",
        "measure": M.FEEDBACK_RATING,
        "question": "flexibility",
        "elements": ["financement-souple"],
        "standard_code": "",
        "target": 5.5,
    },
    {
        "key": "synergies",
        "name_fr": "Synergies de voisinage réalisées",
        "name_en": "Neighbourhood synergies realised",
        "description_fr": "Parmi les paires de voisins qui pourraient partager des ressources, celles qui "
        "travaillent déjà ensemble.",
        "description_en": "Of the pairs of neighbours that could share resources, those already working together.",
        "method": "computed",
        "measure": M.SYNERGIES_REALISED,
        "elements": ["partenariats-locaux", "concertation-quartier"],
        "standard_code": "",
        "target": 25.0,
    },
    {
        "key": "food",
        "name_fr": "Ménages accompagnés en sécurité alimentaire (fictif)",
        "name_en": "Households supported in food security (fictional)",
        "description_fr": "Le nombre de ménages accompagnés par les initiatives en sécurité alimentaire, "
        "compté chaque année par les tables de quartier. Valeurs fictives (démo).",
        "description_en": "Households supported by food-security initiatives, counted each year by the tables "
        "de quartier. Fictional values (demo).",
        "method": "entered",
        "unit_fr": "ménages",
        "unit_en": "households",
        "source_fr": "Bilan annuel des tables de quartier (fictif, démo)",
        "source_en": "Tables de quartier's annual review (fictional, demo)",
        "elements": ["vision-mesure-partagees"],
        "standard_code": "PI9468",
        "target": 12000.0,
        "values": [8400.0, 9100.0, 9650.0],
    },
    {
        "key": "reporting",
        "name_fr": "Heures de reddition de comptes par subvention",
        "name_en": "Reporting hours per grant",
        "description_fr": "Alléger la reddition de comptes libère du temps pour la mission. Valeurs fictives (démo).",
        "description_en": "Lighter reporting frees time for the mission. Fictional values (demo).",
        "method": "entered",
        "unit_fr": "heures",
        "unit_en": "hours",
        "source_fr": "Enquête annuelle des regroupements (fictive, démo)",
        "source_en": "Networks' annual survey (fictional, demo)",
        "elements": ["reddition-proportionnee", "relation-confiance"],
        "standard_code": "",
        "higher_is_better": False,
        "target": 10.0,
        "values": [22.0, 19.5, 16.0],
    },
    {
        "key": "jobs",
        "name_fr": "Emplois stables dans les organisations communautaires (fictif)",
        "name_en": "Stable jobs in community organisations (fictional)",
        "description_fr": "Des équipes stables sont une condition de réussite. Proposition fictive (démo).",
        "description_en": "Stable teams are a condition of success. Fictional proposal (demo).",
        "method": "entered",
        "unit_fr": "emplois",
        "unit_en": "jobs",
        "source_fr": "Recensement annuel (fictif, démo)",
        "source_en": "Annual count (fictional, demo)",
        "elements": ["equipe-competences"],
        "standard_code": "",
        "target": None,
    },
]

# Each kind of actor leans towards some indicators (a higher weight ranks higher, with noise).
LEANINGS = {
    ActorKind.FIELD: {"needs": 2.0, "flexible": 2.2, "reporting": 1.8, "food": 1.2, "equity": 1.0},
    ActorKind.SUPPORT: {"rating": 1.8, "synergies": 1.6, "needs": 1.2, "equity": 1.4, "food": 0.8},
}

STATEMENTS = [
    (
        "Le financement de base compte plus que le financement par projet.",
        "Core funding matters more than project funding.",
    ),
    (
        "Les bailleurs devraient publier ce que les organisations disent d'eux.",
        "Funders should publish what organisations say about them.",
    ),
    (
        "La reddition de comptes devrait tenir sur une page pour les petites subventions.",
        "Reporting should fit on one page for small grants.",
    ),
    ("Les chiffres disent mal le changement social.", "Numbers tell social change poorly."),
    (
        "Les tables de quartier devraient décider d'une partie des fonds.",
        "Tables de quartier should decide part of the funding.",
    ),
    ("La Ville devrait financer sur trois ans par défaut.", "The City should fund over three years by default."),
    (
        "Mesurer l'impact coûte trop cher aux petites organisations.",
        "Measuring impact costs small organisations too much.",
    ),
    (
        "Il faut financer les initiatives qui ont fait leurs preuves plutôt que les nouvelles.",
        "Fund proven initiatives rather than new ones.",
    ),
    (
        "Les besoins des plus vulnérables doivent passer en premier.",
        "The needs of the most vulnerable must come first.",
    ),
    (
        "Les fondations devraient mettre leurs fonds en commun par quartier.",
        "Foundations should pool their funds by quartier.",
    ),
    (
        "Les indicateurs communs doivent être choisis par les organisations de terrain.",
        "Common indicators must be chosen by field organisations.",
    ),
    (
        "La concurrence entre organisations améliore la qualité des services.",
        "Competition between organisations improves services.",
    ),
]
# Three opinion profiles: +1 agrees, −1 disagrees, 0 torn, per statement.
PROFILES = [
    [1, 1, 1, 1, 1, -1, 1, -1, 1, 1, 1, -1],
    [1, -1, 1, -1, -1, 1, -1, 1, 1, -1, -1, 1],
    [1, 1, 1, 0, 1, 1, -1, -1, 1, 1, 0, -1],
]


def _rank(rng: random.Random, keys: list[str], leaning: dict[str, float]) -> list[str]:
    scored = sorted(keys, key=lambda k: -(leaning.get(k, 0.5) + rng.gauss(0, 0.9)))
    return scored[: rng.randint(3, len(scored))]


def _vote(
    rng: random.Random, round: Round, voters: list[Organisation], keys: list[str], indicators: dict[str, Indicator]
) -> int:
    """Each voter ranks the indicators around its kind's leaning. Returns how many ballots were cast."""
    for organisation in voters:
        order = _rank(rng, keys, LEANINGS[actor_kind_of(organisation)])
        services.ballot_submit(
            user=None,
            round=round,
            organisation=organisation,
            ranks={indicators[k].slug: n for n, k in enumerate(order, start=1)},
        )
    return len(voters)


def demo_collective_load(*, seed: int = 2026, progress: Callable[[str], None] = lambda _m: None) -> int:
    """Replace the demo's indicators and rounds. Returns the number of fictional rankings written."""
    rng = random.Random(seed)
    year = timezone.localdate().year
    with transaction.atomic():
        Round.objects.filter(is_demo=True).delete()
        Indicator.objects.filter(is_demo=True).delete()
        organisations = list(Organisation.objects.filter(is_demo=True, is_policy_actor=False).order_by("slug"))
        field = [o for o in organisations if actor_kind_of(o) == ActorKind.FIELD]
        support = [o for o in organisations if actor_kind_of(o) == ActorKind.SUPPORT]
        if not organisations:
            return 0
        known = set(selectors.element_names("fr"))
        indicators: dict[str, Indicator] = {}
        for number, spec in enumerate(INDICATORS):
            data = {k: v for k, v in spec.items() if k not in ("key", "target", "values")}
            data["elements"] = [e for e in data.get("elements", []) if e in known]
            pool = (support if number % 3 == 0 else field) or organisations
            proposer = pool[number * 7 % len(pool)]
            indicators[spec["key"]] = services.indicator_propose(user=None, organisation=proposer, data=data)

        # A closed round, a year ago: rankings and reactions of fictional organisations.
        closed = services.round_create(
            user=None,
            slug=f"demo-{year - 1}",
            name_fr=f"Ronde {year - 1} : ce qui dit la réussite (démo)",
            name_en=f"{year - 1} round: what tells success (demo)",
            is_demo=True,
        )
        keys = [k for k in indicators if k != "jobs"]
        services.round_candidates_set(user=None, round=closed, indicators=[indicators[k] for k in keys])
        for fr, en in STATEMENTS:
            services.statement_add(user=None, round=closed, text_fr=fr, text_en=en)
        services.round_open(user=None, round=closed)
        voters = rng.sample(field, min(70, len(field))) + rng.sample(support, min(30, len(support)))
        ballots = _vote(rng, closed, voters[:60] + voters[70:95], keys, indicators)
        statements = list(Statement.objects.filter(round=closed).order_by("number"))
        for organisation in voters:
            kind = actor_kind_of(organisation)
            profile = PROFILES[rng.choices([0, 1, 2], weights=[5, 2, 3] if kind == ActorKind.FIELD else [2, 4, 4])[0]]
            votes: dict[int, int] = {}
            for statement, stance in zip(statements, profile, strict=True):
                if rng.random() < 0.15:
                    continue  # not seen
                if stance == 0:
                    votes[statement.pk] = rng.choice([1, -1, 0])
                else:
                    votes[statement.pk] = stance if rng.random() < 0.85 else rng.choice([-stance, 0])
            services.reactions_submit(user=None, round=closed, organisation=organisation, votes=votes)
        services.round_close(user=None, round=closed)
        Round.objects.filter(pk=closed.pk).update(
            opened_at=timezone.now() - timedelta(days=365), closed_at=timezone.now() - timedelta(days=330)
        )
        closed.refresh_from_db()

        # Adopt the first five of the consensus ranking, with the targets proposed.
        results = selectors.results(closed)
        if results is not None and results.schulze is not None:
            order = [slug for tier in results.schulze.order for slug in tier][:5]
        else:  # a demo too small for a ranking (fewer than five ballots)
            order = [indicators[k].slug for k in keys][:5]
        targets = {indicators[s["key"]].slug: s for s in INDICATORS}
        for slug in order:
            spec = targets[slug]
            indicator = indicators[spec["key"]]
            services.indicator_decide(
                user=None,
                indicator=indicator,
                status=Indicator.Status.ADOPTED,
                target=spec["target"],
                target_year=year + 2 if spec["target"] is not None else None,
            )
        for spec in INDICATORS:
            if spec.get("values") and indicators[spec["key"]].status == Indicator.Status.ADOPTED:
                for offset, value in enumerate(spec["values"]):
                    services.value_enter(
                        user=None,
                        indicator=indicators[spec["key"]],
                        year=year - 2 + offset,
                        value=value,
                        source=spec["source_fr"],
                        source_en=spec["source_en"],
                    )
        for past in (year - 2, year - 1, year):
            services.values_record(user=None, year=past)
        services.indicator_decide(user=None, indicator=indicators["jobs"], status=Indicator.Status.SET_ASIDE)

        # An open round, with the same indicators and a few rankings so far.
        current = services.round_create(
            user=None,
            slug=f"demo-{year}",
            name_fr=f"Ronde {year} : ce qui dit la réussite (démo)",
            name_en=f"{year} round: what tells success (demo)",
            is_demo=True,
        )
        services.round_candidates_set(user=None, round=current, indicators=[indicators[k] for k in keys])
        for fr, en in STATEMENTS[:6]:
            services.statement_add(user=None, round=current, text_fr=fr, text_en=en)
        services.round_open(user=None, round=current)
        some = rng.sample(field, min(12, len(field))) + rng.sample(support, min(6, len(support)))
        ballots += _vote(rng, current, some, keys, indicators)
    progress(
        f"{len(indicators)} indicators, {IndicatorValue.objects.filter(indicator__is_demo=True).count()} values, "
        f"{Ballot.objects.filter(round__is_demo=True).count()} rankings, "
        f"{Reaction.objects.filter(statement__round__is_demo=True).count()} reactions (fictional)"
    )
    return ballots
