"""A seeded generator of fictional but plausible social-impact ecosystems.

Every organisation, initiative, offer and relation made here is fictional and must be
shown as demo data. Only the territories (and the tables de quartier that the host
passes in as real organisations) are real. The same seed always gives the same
ecosystem; the same generator makes Montréal's demo (about 400 organisations) and the
large ecosystems of the benchmarks (``organisations=100_000``).

Plausible structure:

- field actors settle where people live, and more where the equity figures show need
  (weight = population × (0.5 + need index), see :func:`need_index`);
- support actors are foundations, federated funders, incubators, networks, lenders and
  public bodies; their offers are island-wide, borough-wide or aimed at a few quartiers
  in need, with conditions typical of their support type (core funding is larger, more
  flexible and often multi-year; project funding asks more reporting; coaching has a
  capacity in initiatives rather than an amount);
- relations: support actors fund field actors (more often near them and in their
  sectors), field actors are members of their table de quartier, partner with neighbours
  and refer people to each other.

>>> from maillage.core.demo import DemoSpec, QuartierWeight, generate
>>> eco = generate(DemoSpec(organisations=40, seed=1),
...                quartiers=[QuartierWeight("quartier-a", 1000, 0.5, ("borough-a",))],
...                region="region", sectors=["s"], populations=["p"], support_types=["financement-projet"],
...                languages=["fr", "en"], tables={"quartier-a": "table-a"})
>>> len(eco.organisations), all(o.is_demo for o in eco.organisations)
(40, True)
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from .framework import Framework
from .text import normalize

__all__ = [
    "DemoEcosystem",
    "DemoInitiative",
    "DemoOffer",
    "DemoOrganisation",
    "DemoRelation",
    "DemoSpec",
    "QuartierWeight",
    "diagnostic_answers",
    "generate",
    "need_index",
]

DEMO_SOURCE = "Maillage demo generator (fictional)"


@dataclass(frozen=True)
class DemoSpec:
    """How big an ecosystem to make. Counts other than ``organisations`` scale with it by default."""

    organisations: int = 400
    seed: int = 2026
    support_share: float = 0.10
    initiatives_per_organisation: float = 1.5
    offers_per_organisation: float = 0.375
    relations_per_organisation: float = 5.0
    current_year: int = 2026


@dataclass(frozen=True)
class QuartierWeight:
    """A quartier where field actors may settle, with its population and need (0–1)."""

    slug: str
    population: int
    need: float
    within: tuple[str, ...]


@dataclass
class DemoOrganisation:
    key: str
    name_fr: str
    name_en: str
    acronym: str
    kind: str
    is_field_actor: bool
    is_support_actor: bool
    is_policy_actor: bool
    description_fr: str
    description_en: str
    legal_status: str
    founded_year: int
    website: str
    email: str
    phone: str
    territories: list[str]
    sectors: list[str]
    populations: list[str]
    annual_budget: str
    staff_count: int
    contact_name: str
    contact_email: str
    internal_notes: str
    is_demo: bool = True
    shares: list[str] = field(default_factory=list)  # resources it can share
    seeks: list[str] = field(default_factory=list)  # resources it is looking for


@dataclass
class DemoInitiative:
    key: str
    name_fr: str
    name_en: str
    description_fr: str
    description_en: str
    carriers: list[tuple[str, bool]]
    stage: str
    sector: str
    territories: list[str]
    populations: list[str]
    started_year: int
    annual_budget: int
    internal_notes: str


@dataclass
class DemoOffer:
    key: str
    name_fr: str
    name_en: str
    description_fr: str
    description_en: str
    providers: list[str]
    support_type: str
    amount_min: int | None
    amount_max: int | None
    capacity: int
    cycle: str
    flexibility: str
    is_multi_year: bool
    reporting_hours: int
    application_hours: int
    is_rolling: bool
    languages: list[str]
    territories: list[str]
    sectors: list[str]
    populations: list[str]
    open_periods: list[tuple[date, date]]


@dataclass
class DemoRelation:
    source: str
    target: str
    kind: str
    year: int | None
    amount: int | None = None
    is_multi_year: bool = False
    is_flexible: bool = False


@dataclass
class DemoEcosystem:
    organisations: list[DemoOrganisation] = field(default_factory=list)
    initiatives: list[DemoInitiative] = field(default_factory=list)
    offers: list[DemoOffer] = field(default_factory=list)
    relations: list[DemoRelation] = field(default_factory=list)


def need_index(
    low_income_pct: float, material_pct: float, social_pct: float, priority_pct: float, *, max_low_income_pct: float
) -> float:
    """A 0–1 summary of a territory's equity figures: the mean of the four shares, low income
    scaled by the highest low-income share among the territories compared.

    >>> round(need_index(20.9, 98.9, 4.4, 69.8, max_low_income_pct=32.2), 3)
    0.595
    """
    low = low_income_pct / max_low_income_pct if max_low_income_pct > 0 else 0.0
    return (low + material_pct / 100 + social_pct / 100 + priority_pct / 100) / 4


# --- vocabulary of fictional names ----------------------------------------------------------

_EMBLEMS = [
    "L'Érablière",
    "La Brindille",
    "Le Tournesol",
    "La Boussole",
    "Le Rucher",
    "La Courtepointe",
    "Le Fil d'Ariane",
    "La Mosaïque",
    "L'Envolée",
    "Le Phare",
    "La Clairière",
    "Le Grenier",
    "Le Colibri",
    "L'Aubier",
    "Le Sentier",
    "La Marelle",
    "L'Ancrage",
    "Le Tremplin",
    "La Sève",
    "Le Pollen",
    "La Lucarne",
    "Le Quai",
    "La Bouée",
    "L'Îlot",
    "Le Pivot",
    "La Girouette",
    "Le Moulin",
    "La Source",
    "Le Semoir",
    "La Passerelle bleue",
    "Le Cerf-volant",
    "La Luciole",
    "L'Outarde",
    "Le Huard",
    "La Tuque",
    "Le Canot",
    "La Rallonge",
    "Le Balcon",
    "La Ruelle",
    "Le Perron",
    "La Corde à linge",
    "Le Potager",
    "La Vigne",
    "Le Pissenlit",
    "La Framboise",
    "Le Bleuet",
    "L'Amélanchier",
    "Le Sureau",
    "La Capucine",
    "Le Trèfle",
]

_FIELD_TYPES: dict[str, list[tuple[str, str]]] = {
    "securite-alimentaire": [
        ("Cuisine collective", "Community kitchen"),
        ("Épicerie solidaire", "Solidarity grocery"),
        ("Frigo partagé", "Community fridge"),
        ("Jardin collectif", "Community garden"),
    ],
    "logement": [
        ("Comité logement", "Housing committee"),
        ("Association de locataires", "Tenants' association"),
        ("Coop d'habitation", "Housing co-op"),
    ],
    "education": [
        ("Aide aux devoirs", "Homework help"),
        ("Ateliers du savoir", "Learning workshops"),
        ("Centre de persévérance", "School perseverance centre"),
    ],
    "emploi": [("Atelier d'insertion", "Work integration workshop"), ("Plateau de travail", "Job training site")],
    "sante": [("Halte-répit", "Respite drop-in"), ("Centre de bien-être", "Well-being centre")],
    "environnement": [
        ("Ressourcerie", "Reuse centre"),
        ("Ruelles vertes", "Green alleys"),
        ("Collectif zéro déchet", "Zero-waste collective"),
    ],
    "culture": [("Théâtre de quartier", "Neighbourhood theatre"), ("Atelier d'art", "Art studio")],
    "sport-loisir": [("Club sportif", "Sports club"), ("Ligue de soccer", "Soccer league")],
    "immigration": [("Café des langues", "Language café"), ("Accueil des nouveaux arrivants", "Newcomer welcome")],
    "economie-sociale": [
        ("Café solidaire", "Solidarity café"),
        ("Friperie", "Thrift shop"),
        ("Coopérative de travail", "Worker co-op"),
    ],
    "mobilite": [("Atelier vélo", "Bike workshop"), ("Navette solidaire", "Community shuttle")],
    "vie-de-quartier": [("Maison de quartier", "Neighbourhood house"), ("Comité de citoyens", "Citizens' committee")],
    "securite-urbaine": [("Médiation urbaine", "Urban mediation"), ("Marches exploratoires", "Safety walks")],
    "numerique": [("Café numérique", "Digital café"), ("Atelier informatique", "Computer workshop")],
}

_INITIATIVE_TYPES = [
    ("Projet", "Project"),
    ("Programme", "Programme"),
    ("Chantier", "Initiative"),
    ("Laboratoire", "Lab"),
    ("Parcours", "Pathway"),
    ("Réseau", "Network"),
    ("Marché", "Market"),
    ("Brigade", "Brigade"),
]

_FOUNDATION_NAMES = [
    "Beaulieu-Ferland",
    "Ouimet-Desrosiers",
    "Lanctôt",
    "Brisebois",
    "Marchand-Ayotte",
    "Thériault-Kamara",
    "Nguyen-Lavallée",
    "Côté-Haddad",
    "Dufresne",
    "Lemieux-Santos",
    "Papineau-Okafor",
    "Rivard",
    "Gauvin-Lin",
    "Boisvert-Mendes",
    "Archambault",
    "Saint-Onge",
    "Beauchemin",
    "Vézina-Tremblay",
    "Cloutier-Diallo",
    "Pelletier-Rossi",
]

_SUPPORT_KINDS = [
    # kind, share, legal status, FR name pattern, EN name pattern, support types it favours
    (
        "foundation",
        0.36,
        "npo",
        "Fondation {name}",
        "{name} Foundation",
        ["financement-fonctionnement", "financement-projet", "evaluation"],
    ),
    (
        "federated_funder",
        0.06,
        "npo",
        "Fonds solidaire {emblem}",
        "{emblem} Solidarity Fund",
        ["financement-fonctionnement", "financement-projet", "concertation", "accompagnement"],
    ),
    (
        "public_body",
        0.08,
        "public",
        "Programme public {emblem}",
        "{emblem} Public Programme",
        ["financement-projet", "locaux", "concertation"],
    ),
    (
        "incubator",
        0.16,
        "npo",
        "Incubateur {emblem}",
        "{emblem} Incubator",
        ["accompagnement", "formation", "expertise", "reseautage"],
    ),
    (
        "network",
        0.20,
        "npo",
        "Réseau {emblem}",
        "{emblem} Network",
        ["formation", "reseautage", "visibilite", "benevolat", "evaluation"],
    ),
    (
        "lender",
        0.08,
        "coop",
        "Fonds d'investissement {emblem}",
        "{emblem} Impact Fund",
        ["pret-investissement", "expertise"],
    ),
    (
        "research",
        0.06,
        "public",
        "Centre de recherche {emblem}",
        "{emblem} Research Centre",
        ["evaluation", "expertise", "formation"],
    ),
]

_FIELD_KINDS = [("community", 0.62, "npo"), ("social_enterprise", 0.18, "coop"), ("collective", 0.20, "unincorporated")]

_OFFER_TERMS = [
    "Envol",
    "Racines",
    "Élan",
    "Horizon",
    "Tisser",
    "Ancrage",
    "Levier",
    "Relais",
    "Bourgeon",
    "Boussole",
    "Déclic",
    "Essor",
    "Impulsion",
    "Passage",
    "Souffle",
    "Tremplin",
    "Trame",
    "Vigie",
    "Cap",
    "Étincelle",
]

_FIRST_NAMES = [
    "Amélie",
    "Karim",
    "Sophie",
    "Jean-François",
    "Mariam",
    "Luc",
    "Fatou",
    "Isabelle",
    "Hugo",
    "Nadia",
    "Olivier",
    "Thi Lan",
    "Émile",
    "Yasmine",
    "Marc-André",
    "Chloé",
    "Samuel",
    "Rosalie",
    "Daniel",
    "Inès",
]
_LAST_NAMES = [
    "Tremblay",
    "Gagnon",
    "Roy",
    "Bouchard",
    "Haddad",
    "Nguyen",
    "Côté",
    "Joseph",
    "Pelletier",
    "Diallo",
    "Lavoie",
    "Morin",
    "Santos",
    "Fortin",
    "Belkacem",
    "Gauthier",
    "Pierre",
    "Caron",
    "Rossi",
    "Chen",
]


@dataclass(frozen=True)
class _OfferProfile:
    """Typical conditions of an offer of one support type."""

    amount: tuple[int, int] | None
    capacity: tuple[int, int]
    flexibility: str
    multi_year_share: float
    reporting_hours: tuple[int, int]
    application_hours: tuple[int, int]


_OFFER_PROFILES = {
    "financement-fonctionnement": _OfferProfile((20_000, 120_000), (4, 25), "unrestricted", 0.6, (4, 16), (6, 20)),
    "financement-projet": _OfferProfile((5_000, 60_000), (5, 40), "project", 0.2, (12, 45), (10, 40)),
    "pret-investissement": _OfferProfile((25_000, 250_000), (3, 15), "restricted", 0.7, (6, 20), (15, 40)),
}
_DEFAULT_PROFILE = _OfferProfile(None, (5, 60), "project", 0.3, (1, 6), (1, 6))

_SUPPORT_LABELS_FR = {
    "financement-fonctionnement": "soutien à la mission",
    "financement-projet": "fonds de projets",
    "pret-investissement": "prêts solidaires",
    "accompagnement": "accompagnement",
    "formation": "formations",
    "expertise": "expertise-conseil",
    "locaux": "locaux partagés",
    "equipement": "prêt d'équipement",
    "reseautage": "réseautage",
    "benevolat": "banque de bénévoles",
    "evaluation": "évaluation et données",
    "visibilite": "visibilité",
    "concertation": "soutien à la concertation",
}
_SUPPORT_LABELS_EN = {
    "financement-fonctionnement": "core support",
    "financement-projet": "project fund",
    "pret-investissement": "solidarity loans",
    "accompagnement": "coaching",
    "formation": "training",
    "expertise": "expert advice",
    "locaux": "shared premises",
    "equipement": "equipment lending",
    "reseautage": "networking",
    "benevolat": "volunteer bank",
    "evaluation": "evaluation and data",
    "visibilite": "visibility",
    "concertation": "concertation support",
}

_BUDGETS = ["lt100k", "100k-500k", "500k-1m", "1m-5m", "gt5m"]


class _Slugs:
    """Unique keys from names, with a numeric suffix on collision."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def make(self, name: str, limit: int = 100) -> str:
        base = "-".join("".join(c if c.isascii() and c.isalnum() else " " for c in normalize(name)).split())
        base = base[:limit].strip("-") or "item"
        key, n = base, 2
        while key in self.used:
            key = f"{base[: limit - 6]}-{n}"
            n += 1
        self.used.add(key)
        return key


def generate(
    spec: DemoSpec,
    *,
    quartiers: Sequence[QuartierWeight],
    region: str,
    sectors: Sequence[str],
    populations: Sequence[str],
    support_types: Sequence[str],
    languages: Sequence[str],
    tables: dict[str, str],
    resources: Sequence[str] = (),
) -> DemoEcosystem:
    """Make a fictional ecosystem over the given territories and vocabularies.

    ``tables`` maps a quartier's slug to the key of its (real) table de quartier, which
    field actors join as members; those organisations are not generated here.
    """
    if not quartiers:
        raise ValueError("At least one quartier is needed to place organisations.")
    rng = random.Random(spec.seed)
    gen = _Generator(spec, rng, quartiers, region, sectors, populations, support_types, languages, tables)
    eco = gen.run()
    _resources(eco, resources, spec.seed)
    return eco


def _resources(eco: DemoEcosystem, resources: Sequence[str], seed: int) -> None:
    """Some field actors can share a resource, some look for one. Drawn from a generator of their own,
    so that the rest of the demo stays as it was before resources existed."""
    if not resources:
        return
    rng = random.Random(f"{seed}-resources")
    for org in eco.organisations:
        if not org.is_field_actor:
            continue
        if rng.random() < 0.3:
            org.shares = sorted(rng.sample(list(resources), rng.randint(1, 2)))
        if rng.random() < 0.35:
            org.seeks = sorted(set(rng.sample(list(resources), rng.randint(1, 2))) - set(org.shares))


class _Generator:
    def __init__(
        self,
        spec: DemoSpec,
        rng: random.Random,
        quartiers: Sequence[QuartierWeight],
        region: str,
        sectors: Sequence[str],
        populations: Sequence[str],
        support_types: Sequence[str],
        languages: Sequence[str],
        tables: dict[str, str],
    ) -> None:
        self.spec = spec
        self.rng = rng
        self.quartiers = list(quartiers)
        self.cum_weights = list(itertools.accumulate(q.population * (0.5 + q.need) for q in self.quartiers))
        self.needs = {q.slug: q.need for q in self.quartiers}
        self.region = region
        self.boroughs = sorted({b for q in self.quartiers for b in q.within})
        self.sectors = list(sectors)
        self.populations = list(populations)
        self.support_types = list(support_types)
        self.languages = list(languages)
        self.tables = tables
        self.org_slugs = _Slugs()
        self.initiative_slugs = _Slugs()
        self.offer_slugs = _Slugs()
        self.eco = DemoEcosystem()
        # Where each field actor lives, and field actors by quartier, for relations.
        self.home: dict[str, str] = {}
        self.by_quartier: dict[str, list[str]] = {}
        self.org_sectors: dict[str, list[str]] = {}

    def run(self) -> DemoEcosystem:
        spec = self.spec
        n_support = max(1, round(spec.organisations * spec.support_share))
        n_field = spec.organisations - n_support
        supports = [self._support_actor(i) for i in range(n_support)]
        fields = [self._field_actor() for _ in range(n_field)]
        self.eco.organisations = supports + fields
        self._initiatives(fields, round(spec.organisations * spec.initiatives_per_organisation))
        self._offers(supports, round(spec.organisations * spec.offers_per_organisation))
        self._relations(supports, fields, round(spec.organisations * spec.relations_per_organisation))
        return self.eco

    # -- organisations --

    def _pick_quartier(self) -> QuartierWeight:
        return self.rng.choices(self.quartiers, cum_weights=self.cum_weights)[0]

    def _sample(self, items: Sequence[str], low: int, high: int) -> list[str]:
        k = min(len(items), self.rng.randint(low, high))
        return self.rng.sample(list(items), k)

    def _person(self, key: str) -> tuple[str, str]:
        first, last = self.rng.choice(_FIRST_NAMES), self.rng.choice(_LAST_NAMES)
        handle = "".join(c for c in normalize(first).split()[0] if c.isalnum())
        return f"{first} {last}", f"{handle}@{key[:40].rstrip('-')}.example.org"

    def _contact(self, key: str) -> dict[str, str]:
        """Fictional public and private contact fields: reserved example.org domains and 555-01xx numbers."""
        contact_name, contact_email = self._person(key)
        return {
            "website": f"https://{key[:50].rstrip('-')}.example.org",
            "email": f"info@{key[:40].rstrip('-')}.example.org",
            "phone": f"514-555-01{self.rng.randint(0, 99):02d}",
            "contact_name": contact_name,
            "contact_email": contact_email,
            "internal_notes": "Note interne fictive (démo) : à ne montrer qu'aux membres.",
        }

    def _support_actor(self, index: int) -> DemoOrganisation:
        rng = self.rng
        kind, _share, legal, pattern_fr, pattern_en, _types = rng.choices(
            _SUPPORT_KINDS, weights=[k[1] for k in _SUPPORT_KINDS]
        )[0]
        name_part = _FOUNDATION_NAMES[index % len(_FOUNDATION_NAMES)] if kind == "foundation" else rng.choice(_EMBLEMS)
        name_fr = pattern_fr.format(name=name_part, emblem=name_part)
        name_en = pattern_en.format(name=name_part, emblem=name_part)
        if index >= len(_FOUNDATION_NAMES) and kind == "foundation":
            emblem = rng.choice(_EMBLEMS)
            name_fr = f"Fondation {name_part} {emblem}"
            name_en = f"{name_part} {emblem} Foundation"
        key = self.org_slugs.make(name_fr)
        scope = [self.region] if rng.random() < 0.6 else [rng.choice(self.boroughs)]
        also_field = kind in ("network", "research") and rng.random() < 0.3
        org = DemoOrganisation(
            key=key,
            name_fr=name_fr,
            name_en=name_en,
            acronym="",
            kind=kind,
            is_field_actor=also_field,
            is_support_actor=True,
            is_policy_actor=kind == "public_body",
            description_fr=f"Organisation fictive (démo) : {pattern_fr.split(' {')[0].lower()} qui soutient "
            "les initiatives à impact social de Montréal.",
            description_en="Fictional organisation (demo) supporting social-impact initiatives in Montréal.",
            legal_status=legal,
            founded_year=rng.randint(1960, 2020),
            territories=scope,
            sectors=self._sample(self.sectors, 0, 3),
            populations=self._sample(self.populations, 0, 2),
            annual_budget=rng.choice(_BUDGETS[2:]),
            staff_count=rng.randint(3, 80),
            **self._contact(key),  # type: ignore[arg-type]  # str-valued fields only
        )
        return org

    def _field_actor(self) -> DemoOrganisation:
        rng = self.rng
        kind, _share, legal = rng.choices(_FIELD_KINDS, weights=[k[1] for k in _FIELD_KINDS])[0]
        home = self._pick_quartier()
        sector = rng.choice(self.sectors)
        type_fr, type_en = rng.choice(_FIELD_TYPES.get(sector, [("Organisme", "Organisation")]))
        emblem = rng.choice(_EMBLEMS)
        place = home.slug
        name_fr = f"{type_fr} {emblem}"
        key = self.org_slugs.make(f"{name_fr} {place.removeprefix('quartier-')}")
        territories = [home.slug]
        if rng.random() < 0.15:
            territories.append(self._pick_quartier().slug)
        elif rng.random() < 0.08:
            territories.append(rng.choice(home.within) if home.within else self.region)
        sectors = [sector, *self._sample([s for s in self.sectors if s != sector], 0, 1)]
        budget_index = min(4, int(rng.expovariate(1.2)))
        org = DemoOrganisation(
            key=key,
            name_fr=name_fr,
            name_en=f"{type_en} {emblem}",
            acronym="",
            kind=kind,
            is_field_actor=True,
            is_support_actor=kind == "community" and rng.random() < 0.05,
            is_policy_actor=False,
            description_fr=f"Organisme fictif (démo) : {type_fr.lower()} actif dans le quartier.",
            description_en=f"Fictional organisation (demo): {type_en.lower()} active in the neighbourhood.",
            legal_status=legal,
            founded_year=rng.randint(1975, 2024),
            territories=list(dict.fromkeys(territories)),
            sectors=sectors,
            populations=self._sample(self.populations, 1, 3),
            annual_budget=_BUDGETS[budget_index],
            staff_count=rng.randint(0, 12) * (budget_index + 1),
            **self._contact(key),  # type: ignore[arg-type]  # str-valued fields only
        )
        self.home[key] = home.slug
        self.by_quartier.setdefault(home.slug, []).append(key)
        self.org_sectors[key] = sectors
        return org

    # -- initiatives --

    def _initiatives(self, fields: list[DemoOrganisation], count: int) -> None:
        rng = self.rng
        if not fields:
            return
        for _ in range(count):
            lead = rng.choice(fields)
            carriers = [(lead.key, True)]
            neighbours = self.by_quartier.get(self.home[lead.key], [])
            if rng.random() < 0.12 and len(neighbours) > 1:
                # A uniform draw among the other neighbours, without building a list of them.
                partner = neighbours[rng.randrange(len(neighbours) - 1)]
                if partner == lead.key:
                    partner = neighbours[-1]
                carriers.append((partner, False))
            type_fr, type_en = rng.choice(_INITIATIVE_TYPES)
            term = rng.choice(_OFFER_TERMS)
            sector = rng.choice(lead.sectors)
            name_fr = f"{type_fr} {term} – {lead.name_fr}"
            key = self.initiative_slugs.make(name_fr, limit=120)
            started = rng.randint(2012, self.spec.current_year)
            stage = (
                "idea"
                if started >= self.spec.current_year
                else rng.choices(["pilot", "established", "scaling"], weights=[4, 5, 1])[0]
            )
            self.eco.initiatives.append(
                DemoInitiative(
                    key=key,
                    name_fr=name_fr,
                    name_en=f"{term} {type_en} – {lead.name_en}",
                    description_fr="Initiative fictive (démo) menée dans le quartier.",
                    description_en="Fictional initiative (demo) run in the neighbourhood.",
                    carriers=carriers,
                    stage=stage,
                    sector=sector,
                    territories=list(lead.territories[:2]),
                    populations=self._sample(lead.populations, 1, 2),
                    started_year=started,
                    annual_budget=rng.randrange(5_000, 400_000, 500),
                    internal_notes="Note interne fictive (démo).",
                )
            )

    # -- offers --

    def _offers(self, supports: list[DemoOrganisation], count: int) -> None:
        rng = self.rng
        favoured = {k[0]: k[5] for k in _SUPPORT_KINDS}
        year = self.spec.current_year
        ranked = sorted(self.quartiers, key=lambda q: -q.need)
        for index in range(count):
            provider = supports[index % len(supports)] if index < len(supports) else rng.choice(supports)
            choices = [t for t in favoured.get(provider.kind, []) if t in self.support_types] or self.support_types
            support_type = rng.choice(choices if rng.random() < 0.8 else self.support_types)
            profile = _OFFER_PROFILES.get(support_type, _DEFAULT_PROFILE)
            amount = profile.amount
            amount_min = amount_max = None
            if isinstance(amount, tuple):
                low, high = amount
                amount_max = rng.randrange(low, high + 1, 1000)
                amount_min = rng.randrange(max(1000, low // 2), amount_max + 1, 1000) if rng.random() < 0.7 else None
            cap_low, cap_high = profile.capacity
            rep_low, rep_high = profile.reporting_hours
            app_low, app_high = profile.application_hours
            roll = rng.random()
            if roll < 0.4:
                territories = [self.region]
            elif roll < 0.7:
                territories = [rng.choice(self.boroughs)]
            else:
                territories = [
                    q.slug for q in rng.sample(ranked[: max(3, len(ranked) // 3)], min(len(ranked), rng.randint(1, 3)))
                ]
            term = rng.choice(_OFFER_TERMS)
            name_fr = f"{term} – {_SUPPORT_LABELS_FR.get(support_type, support_type)}"
            name_en = f"{term} – {_SUPPORT_LABELS_EN.get(support_type, support_type)}"
            key = self.offer_slugs.make(f"{name_fr} {provider.key}", limit=120)
            rolling = rng.random() < 0.35
            periods: list[tuple[date, date]] = []
            if not rolling:
                for p in range(rng.randint(1, 2)):
                    month = rng.randint(1, 10) if p == 0 else rng.randint(9, 11)
                    opens = date(year + p, month, 1)
                    periods.append((opens, date(year + p, month + 1, 28)))
            langs = ["fr"] + (["en"] if rng.random() < 0.6 else [])
            if rng.random() < 0.1:
                langs.append(rng.choice([lang for lang in self.languages if lang not in langs] or ["fr"]))
            self.eco.offers.append(
                DemoOffer(
                    key=key,
                    name_fr=name_fr,
                    name_en=name_en,
                    description_fr=f"Offre fictive (démo) de {provider.name_fr}.",
                    description_en=f"Fictional offer (demo) from {provider.name_en or provider.name_fr}.",
                    providers=[provider.key],
                    support_type=support_type,
                    amount_min=amount_min,
                    amount_max=amount_max,
                    capacity=rng.randint(cap_low, cap_high),
                    cycle=f"{year}–{year + 1}",
                    flexibility=profile.flexibility
                    if rng.random() < 0.8
                    else rng.choice(["unrestricted", "restricted", "project"]),
                    is_multi_year=rng.random() < profile.multi_year_share,
                    reporting_hours=rng.randint(rep_low, rep_high),
                    application_hours=rng.randint(app_low, app_high),
                    is_rolling=rolling,
                    languages=list(dict.fromkeys(langs)),
                    territories=territories,
                    sectors=self._sample(provider.sectors or self.sectors, 0, 2),
                    populations=self._sample(self.populations, 0, 2),
                    open_periods=periods,
                )
            )

    # -- relations --

    def _relations(self, supports: list[DemoOrganisation], fields: list[DemoOrganisation], count: int) -> None:
        rng = self.rng
        year = self.spec.current_year
        seen: set[tuple[str, str, str, int | None]] = set()
        relations = self.eco.relations

        def add(relation: DemoRelation) -> None:
            identity = (relation.source, relation.target, relation.kind, relation.year)
            if relation.source != relation.target and identity not in seen:
                seen.add(identity)
                relations.append(relation)

        # Membership of the table de quartier: most field actors join theirs.
        for org in fields:
            table = self.tables.get(self.home[org.key])
            if table and rng.random() < 0.85 and len(relations) < count:
                add(DemoRelation(org.key, table, "member_of", rng.randint(2008, year)))
        if not fields:
            return
        funders = [s for s in supports if s.kind in ("foundation", "federated_funder", "public_body", "lender")]
        funders = funders or supports
        # Cumulative weights: each draw is a binary search, not a pass over every field actor.
        field_need = list(itertools.accumulate(0.3 + self.needs.get(self.home[f.key], 0.0) for f in fields))
        attempts = 0
        while len(relations) < count and attempts < count * 4:
            attempts += 1
            roll = rng.random()
            if roll < 0.55:
                funder = rng.choice(funders)
                grantee = rng.choices(fields, cum_weights=field_need)[0]
                flexible = rng.random() < (0.45 if funder.kind == "federated_funder" else 0.2)
                add(
                    DemoRelation(
                        funder.key,
                        grantee.key,
                        "funds",
                        rng.randint(year - 4, year),
                        amount=rng.randrange(2_000, 150_000, 500),
                        is_multi_year=rng.random() < 0.3,
                        is_flexible=flexible,
                    )
                )
            elif roll < 0.85:
                org = rng.choice(fields)
                neighbours = self.by_quartier.get(self.home[org.key], [])
                if len(neighbours) > 1:
                    other = rng.choice(neighbours)
                    source, target = sorted((org.key, other))
                    add(DemoRelation(source, target, "partners", rng.randint(year - 8, year)))
            else:
                org = rng.choice(fields)
                target = rng.choice(self.by_quartier.get(self.home[org.key], [org.key]))
                if rng.random() < 0.3:
                    target = rng.choice(fields).key
                add(DemoRelation(org.key, target, "refers_to", rng.randint(year - 5, year)))


def diagnostic_answers(
    framework: Framework, *, need: float, rng: random.Random
) -> tuple[dict[str, int | None], dict[str, int]]:
    """Fictional answers to a self-diagnostic, and the importances the team changed.

    Conditions tend to be weaker where the territory's need (0–1) is high; each level and
    element varies around that, and a few questions are "not applicable".

    >>> from maillage.core.framework import EXAMPLE, parse_framework
    >>> answers, importance = diagnostic_answers(parse_framework(EXAMPLE, support_types=None),
    ...                                          need=0.5, rng=random.Random(1))
    >>> sorted(answers), all(v is None or 1 <= v <= 5 for v in answers.values())
    (['gouvernance.q1', 'gouvernance.q2'], True)
    """
    answers: dict[str, int | None] = {}
    importance: dict[str, int] = {}
    for level in framework.levels:
        base = 3.7 - 1.3 * need + rng.gauss(0, 0.5)
        for element in level.elements:
            centre = base + rng.gauss(0, 0.7)
            for question in element.questions:
                if rng.random() < 0.04:
                    answers[question.key] = None
                else:
                    answers[question.key] = min(5, max(1, round(centre + rng.gauss(0, 0.6))))
            if rng.random() < 0.3:
                importance[element.id] = rng.choice((1, 2, 3))
    return answers, importance
