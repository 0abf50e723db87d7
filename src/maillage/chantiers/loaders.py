"""The demo's fictional chantiers: four changes to achieve together, in real Montréal territories, by the
demo's fictional organisations, all labelled as demo data.

They are written to show the range of what the chantier pages say:

- the food banks of Parc-Extension: three sectors, balanced seats and money, every condition in place;
- youth employment in Montréal-Nord: no public participant (one is invited), two funders of similar weight,
  duplicated actions, no meeting for four months, an indicator without a target: several conditions partial;
- shared workspaces in Hochelaga-Maisonneuve: private, just started: no backbone, no indicator, no decision
  recorded (conditions missing);
- lighter reporting across the island: every condition in place, but one foundation commits most of the money
  and its sector holds every seat (the power findings).

Dates are relative to today, so that the demo stays current. The organisations are drawn at random (a seed)
among the demo's, by the sector their kind belongs to, preferring those that serve the territory. Journal
entries and invitation messages are written in French, as their authors would.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from maillage.collective.models import Indicator
from maillage.diagnostics import selectors as diagnostic_selectors
from maillage.directory.models import Organisation, Territory

from . import selectors, services
from .models import Chantier, Invitation, Participant

NBSP = "\u00a0"

# Each participant: a label used below, its sector, the kinds of organisation preferred (in that sector), its
# role, whether it holds a decision seat, and its commitments: (kind, amount, hours, French, English).
# The first participant starts the chantier (a backbone or a lead, with a seat).
# Actions: (French, English, owner, framework elements, starts in days, due in days, status, budget).
# Journal: (kind, in days, title, text, author); indicators: a collective one (slug) or one defined here.
CHANTIERS: list[dict[str, Any]] = [
    {
        "territory": "quartier-parc-extension",
        "title_fr": "Réduire de moitié la liste d'attente des banques alimentaires de Parc-Extension d'ici {due}",
        "title_en": "Halve the waiting list of Parc-Extension's food banks by {due}",
        "whom_fr": "Les ménages à faible revenu de Parc-Extension qui attendent une aide alimentaire",
        "whom_en": "Low-income households of Parc-Extension waiting for food aid",
        "description_fr": "Plus de six cents personnes attendent chaque mois une place dans les banques alimentaires "
        "du quartier. Les organismes, la Ville et une fondation mettent en commun leur liste d'attente, un "
        "comptoir de plus et des achats groupés pour la réduire de moitié. Chantier fictif (démo).",
        "description_en": "More than six hundred people wait each month for a place at the neighbourhood's food "
        "banks. Community organisations, the City and a foundation pool their waiting list, one more counter "
        "and group buying to halve it. Fictional chantier (demo).",
        "due_years": 2,
        "visibility": "public",
        "participants": [
            (
                "table",
                "community",
                ("network", "community"),
                "backbone",
                True,
                [
                    (
                        "staff_time",
                        None,
                        640,
                        "Une coordonnatrice, deux jours par semaine",
                        "A coordinator, two days a week",
                    ),
                    (
                        "data",
                        None,
                        None,
                        "La liste d'attente commune, anonymisée, chaque mois",
                        "The shared waiting list, anonymised, every month",
                    ),
                ],
            ),
            (
                "banque",
                "community",
                ("community",),
                "lead",
                True,
                [
                    ("space", None, None, "Un entrepôt réfrigéré partagé", "A shared cold storage warehouse"),
                    (
                        "staff_time",
                        None,
                        300,
                        "Les bénévoles du samedi et leur responsable",
                        "Saturday volunteers and their lead",
                    ),
                    ("money", 15_000, None, "Des fonds propres pour les denrées fraîches", "Own funds for fresh food"),
                ],
            ),
            (
                "cuisine",
                "community",
                ("collective", "social_enterprise"),
                "partner",
                False,
                [
                    (
                        "data",
                        None,
                        None,
                        "Les inscriptions aux cuisines collectives",
                        "Sign-ups to the collective kitchens",
                    ),
                    (
                        "staff_time",
                        None,
                        120,
                        "Des ateliers de cuisine pour les ménages en attente",
                        "Cooking workshops for waiting households",
                    ),
                ],
            ),
            (
                "ville",
                "public",
                ("public_body",),
                "funder",
                True,
                [
                    (
                        "money",
                        100_000,
                        None,
                        "Programme de sécurité alimentaire, sur deux ans",
                        "Food security programme, over two years",
                    ),
                    (
                        "decisions",
                        None,
                        None,
                        "Parc-Extension devient prioritaire dans l'appel de projets",
                        "Parc-Extension becomes a priority of the call for projects",
                    ),
                ],
            ),
            (
                "fondation",
                "philanthropic",
                ("foundation", "federated_funder"),
                "funder",
                True,
                [
                    (
                        "money",
                        90_000,
                        None,
                        "Une subvention non affectée sur trois ans",
                        "An unrestricted three-year grant",
                    )
                ],
            ),
        ],
        "indicators": [
            {
                "collective": "menages-accompagnes-en-securite-alimentaire",
                "name_fr": "Ménages accompagnés en sécurité alimentaire",
                "name_en": "Households supported in food security",
                "unit_fr": "ménages",
                "unit_en": "households",
                "higher_is_better": True,
                "baseline": (820.0, -420),
                "target": 1100.0,
                "measurements": [(-420, 820.0), (-240, 860.0), (-60, 905.0)],
                "source": "Bilan des banques alimentaires (fictif, démo)",
            },
            {
                "name_fr": "Personnes inscrites sur la liste d'attente",
                "name_en": "People on the waiting list",
                "unit_fr": "personnes",
                "unit_en": "people",
                "higher_is_better": False,
                "baseline": (640.0, -420),
                "target": 320.0,
                "measurements": [(-420, 640.0), (-300, 615.0), (-180, 560.0), (-45, 505.0)],
                "source": "Liste d'attente commune (fictive, démo)",
            },
        ],
        "actions": [
            (
                "Tenir une liste d'attente commune aux trois banques alimentaires",
                "Keep one waiting list for the three food banks",
                "table",
                ["outils-donnees", "vision-mesure-partagees"],
                -200,
                -30,
                "done",
                None,
            ),
            (
                "Ouvrir un deuxième comptoir le samedi",
                "Open a second counter on Saturdays",
                "banque",
                ["locaux-equipement", "partenariats-locaux"],
                -120,
                60,
                "under_way",
                Decimal("18000"),
            ),
            (
                "Accompagner les ménages en attente vers les programmes d'aide au revenu",
                "Guide waiting households to income support programmes",
                "cuisine",
                ["besoin-documente", "politiques-publiques"],
                -30,
                300,
                "under_way",
                None,
            ),
            (
                "Créer un fonds d'achats groupés de denrées",
                "Set up a group-buying fund for food",
                "fondation",
                ["financement-souple"],
                0,
                365,
                "planned",
                Decimal("40000"),
            ),
            (
                "Former un comité de huit personnes en attente qui conseille le chantier",
                "Form a committee of eight waiting people who advise the chantier",
                "table",
                ["participation-personnes-concernees", "concertation-quartier"],
                -60,
                240,
                "under_way",
                None,
            ),
        ],
        "journal": [
            (
                "meeting",
                -300,
                "Rencontre de lancement",
                "Les cinq organisations s'entendent sur le changement visé.",
                "table",
            ),
            ("decision", -300, "Le changement visé est adopté", "Réduire de moitié la liste d'attente.", "table"),
            (
                "meeting",
                -200,
                "Comité de suivi",
                "Bilan des inscriptions ; la Ville présente son appel de projets.",
                "table",
            ),
            ("meeting", -110, "Comité de suivi", "Présentation de la liste d'attente commune.", "table"),
            (
                "decision",
                -110,
                "Une seule liste d'attente",
                "Les trois banques alimentaires tiennent une liste commune.",
                "banque",
            ),
            ("meeting", -28, "Comité de suivi", "Premier mois du comptoir du samedi : 60 ménages de plus.", "table"),
            (
                "decision",
                -28,
                "Achats groupés",
                "La fondation finance un fonds d'achats groupés dès ce mois-ci.",
                "fondation",
            ),
            ("note", -7, "Nouvelle mesure", "La liste d'attente compte 505 personnes.", "table"),
            ("meeting", 21, "Prochain comité de suivi", "Ordre du jour : le comité des personnes en attente.", "table"),
        ],
        "invitation": (
            "public",
            ("research",),
            "contributor",
            "Pourriez-vous nous aider à mesurer l'insécurité alimentaire dans le quartier ?",
            "table",
        ),
    },
    {
        "territory": "montreal-nord",
        "title_fr": f"Faire passer de 18{NBSP}% à 12{NBSP}% le chômage des 15 à 24 ans à Montréal-Nord d'ici {{due}}",
        "title_en": "Bring unemployment among 15 to 24 year-olds in Montréal-Nord from 18% down to 12% by {due}",
        "whom_fr": "Les jeunes de 15 à 24 ans de Montréal-Nord sans emploi ni études",
        "whom_en": "Young people aged 15 to 24 in Montréal-Nord neither working nor studying",
        "description_fr": "Des stages rémunérés dans l'économie sociale, un parcours de préemployabilité et une "
        "bourse de démarrage. Aucun organisme public ne participe encore : le chantier en a invité un. "
        "Chantier fictif (démo).",
        "description_en": "Paid internships in the social economy, a pre-employment path and a start-up grant. "
        "No public body takes part yet: the chantier has invited one. Fictional chantier (demo).",
        "due_years": 3,
        "visibility": "public",
        "participants": [
            (
                "carrefour",
                "community",
                ("network", "community"),
                "backbone",
                True,
                [
                    ("staff_time", None, 400, "Une agente de liaison à mi-temps", "A half-time liaison officer"),
                    (
                        "data",
                        None,
                        None,
                        "Le suivi anonymisé des jeunes accompagnés",
                        "Anonymised follow-up of the young people supported",
                    ),
                ],
            ),
            (
                "entreprise",
                "community",
                ("social_enterprise",),
                "lead",
                True,
                [
                    (
                        "decisions",
                        None,
                        None,
                        "Dix stages par année réservés aux jeunes du quartier",
                        "Ten internships a year for local youth",
                    ),
                    ("space", None, None, "Deux postes de travail pour les stagiaires", "Two workstations for interns"),
                ],
            ),
            (
                "collectif",
                "community",
                ("collective",),
                "contributor",
                False,
                [("staff_time", None, 60, "Des pairs aidants dans les écoles", "Peer helpers in schools")],
            ),
            (
                "fondation",
                "philanthropic",
                ("foundation",),
                "funder",
                True,
                [("money", 75_000, None, "Les salaires des stagiaires, deux ans", "Interns' wages, two years")],
            ),
            (
                "fonds",
                "philanthropic",
                ("federated_funder", "foundation"),
                "funder",
                False,
                [("money", 70_000, None, "Le parcours de préemployabilité", "The pre-employment path")],
            ),
            (
                "incubateur",
                "philanthropic",
                ("incubator",),
                "partner",
                True,
                [
                    ("money", 10_000, None, "Une bourse de démarrage", "A start-up grant"),
                    (
                        "staff_time",
                        None,
                        200,
                        "L'accompagnement des entreprises d'accueil",
                        "Coaching the host enterprises",
                    ),
                ],
            ),
        ],
        "indicators": [
            {
                "name_fr": "Taux de chômage des 15 à 24 ans",
                "name_en": "Unemployment rate of 15 to 24 year-olds",
                "unit_fr": "%",
                "unit_en": "%",
                "higher_is_better": False,
                "baseline": (18.0, -500),
                "target": 12.0,
                "measurements": [(-500, 18.0), (-200, 17.2)],
                "source": "Enquête régionale sur la population active (fictive, démo)",
            },
            {
                "name_fr": "Jeunes en emploi six mois après leur stage",
                "name_en": "Young people employed six months after their internship",
                "unit_fr": "jeunes",
                "unit_en": "young people",
                "higher_is_better": True,
                "measurements": [(-200, 14.0)],
                "source": "Suivi du carrefour (fictif, démo)",
            },
        ],
        "actions": [
            (
                "Offrir des stages rémunérés dans les entreprises d'économie sociale",
                "Offer paid internships in social economy enterprises",
                "entreprise",
                ["equipe-competences", "acces-marches"],
                -150,
                200,
                "under_way",
                None,
            ),
            (
                "Un parcours de préemployabilité de douze semaines",
                "A twelve-week pre-employment path",
                "carrefour",
                ["equipe-competences", "soutien-non-financier"],
                -90,
                270,
                "under_way",
                Decimal("52000"),
            ),
            (
                "Une bourse de démarrage pour les jeunes entrepreneurs",
                "A start-up grant for young entrepreneurs",
                "incubateur",
                ["financement-souple", "acces-marches"],
                30,
                400,
                "planned",
                Decimal("10000"),
            ),
            (
                "Tournée des écoles secondaires avec des pairs aidants",
                "A tour of the high schools with peer helpers",
                "collectif",
                ["participation-personnes-concernees"],
                -200,
                -100,
                "done",
                None,
            ),
        ],
        "journal": [
            (
                "meeting",
                -400,
                "Rencontre de lancement",
                "Le carrefour réunit les entreprises et les bailleurs.",
                "carrefour",
            ),
            ("meeting", -260, "Comité de pilotage", "Choix des deux indicateurs.", "carrefour"),
            ("decision", -260, "Les stages sont rémunérés", "Aucun stage non rémunéré dans le chantier.", "entreprise"),
            ("meeting", -130, "Comité de pilotage", "Le parcours de préemployabilité commence.", "carrefour"),
            (
                "decision",
                -130,
                "Inviter un organisme public",
                "Le chantier invite un programme public d'emploi.",
                "carrefour",
            ),
            ("note", -40, "Pas de rencontre cet été", "Le comité se réunira à l'automne.", "carrefour"),
        ],
        "invitation": (
            "public",
            ("public_body",),
            "partner",
            "Votre programme d'emploi des jeunes compléterait nos stages : vous joindriez-vous au chantier ?",
            "carrefour",
        ),
    },
    {
        "territory": "quartier-hochelaga-maisonneuve",
        "title_fr": "Ouvrir trois espaces de travail partagés pour les entreprises d'économie sociale "
        "d'Hochelaga-Maisonneuve",
        "title_en": "Open three shared workspaces for Hochelaga-Maisonneuve's social economy enterprises",
        "whom_fr": "Les jeunes entreprises d'économie sociale du quartier",
        "whom_en": "The neighbourhood's young social economy enterprises",
        "description_fr": "Une coopérative prête un local ; reste à trouver qui porte le projet et qui le finance. "
        "Chantier privé et fictif (démo).",
        "description_en": "A cooperative lends premises; who carries the project and who funds it remains to be "
        "found. Private, fictional chantier (demo).",
        "due_years": None,
        "visibility": "private",
        "participants": [
            (
                "coop",
                "community",
                ("social_enterprise",),
                "lead",
                True,
                [("space", None, None, f"Un local de 200{NBSP}m² à partager", "200 m² of premises to share")],
            ),
            (
                "voisin",
                "community",
                ("community",),
                "partner",
                False,
                [("staff_time", None, 40, "L'aménagement du local", "Fitting out the premises")],
            ),
            (
                "incubateur",
                "philanthropic",
                ("incubator",),
                "partner",
                False,
                [
                    (
                        "staff_time",
                        None,
                        80,
                        "Conseils sur la gestion d'un espace partagé",
                        "Advice on running a shared space",
                    )
                ],
            ),
        ],
        "indicators": [],
        "actions": [
            (
                "Recenser les entreprises intéressées",
                "List the interested enterprises",
                "coop",
                ["besoin-documente"],
                -60,
                30,
                "under_way",
                None,
            ),
            (
                "Chiffrer l'aménagement du premier espace",
                "Cost the fitting out of the first space",
                "coop",
                ["locaux-equipement"],
                0,
                90,
                "planned",
                None,
            ),
        ],
        "journal": [
            ("meeting", -250, "Première discussion", "Trois organisations intéressées par un espace partagé.", "coop"),
            ("note", -100, "Visite du local", "Le local convient à six postes de travail.", "coop"),
        ],
        "invitation": (
            "philanthropic",
            ("foundation",),
            "funder",
            "Nous cherchons un bailleur pour l'aménagement : aimeriez-vous en discuter ?",
            "coop",
        ),
    },
    {
        "territory": "montreal",
        "title_fr": "Diviser par deux les heures de reddition de comptes par subvention à Montréal d'ici {due}",
        "title_en": "Halve the reporting hours per grant in Montréal by {due}",
        "whom_fr": "Les organismes communautaires financés par plusieurs bailleurs",
        "whom_en": "Community organisations funded by several funders",
        "description_fr": "Un rapport commun d'une page, accepté par plusieurs bailleurs. Une fondation finance "
        "presque tout et les bailleurs tiennent tous les sièges : le chantier avance vite, mais les organismes "
        "concernés n'y décident pas encore. Chantier fictif (démo).",
        "description_en": "A common one-page report, accepted by several funders. One foundation funds almost "
        "everything and the funders hold every seat: the chantier moves fast, but the organisations concerned do "
        "not decide in it yet. Fictional chantier (demo).",
        "due_years": 2,
        "visibility": "public",
        "participants": [
            (
                "fondation",
                "philanthropic",
                ("foundation",),
                "backbone",
                True,
                [
                    (
                        "money",
                        400_000,
                        None,
                        "Un fonds de transition vers le rapport commun",
                        "A transition fund towards the common report",
                    ),
                    ("staff_time", None, 500, "Deux analystes à temps partiel", "Two part-time analysts"),
                ],
            ),
            (
                "fondation2",
                "philanthropic",
                ("foundation", "federated_funder"),
                "funder",
                True,
                [("money", 50_000, None, "L'essai du rapport commun", "Trying out the common report")],
            ),
            (
                "fonds",
                "philanthropic",
                ("federated_funder", "lender", "foundation"),
                "partner",
                True,
                [("money", 30_000, None, "La formation des organismes", "Training the organisations")],
            ),
            (
                "centre",
                "public",
                ("research",),
                "contributor",
                False,
                [
                    (
                        "data",
                        None,
                        None,
                        "Une enquête annuelle sur le temps de reddition de comptes",
                        "A yearly survey of reporting time",
                    )
                ],
            ),
            (
                "regroupement",
                "community",
                ("network",),
                "partner",
                False,
                [
                    (
                        "data",
                        None,
                        None,
                        "Les heures de reddition de comptes de ses membres",
                        "Its members' reporting hours",
                    ),
                    (
                        "staff_time",
                        None,
                        150,
                        "Des formations au rapport commun",
                        "Training sessions on the common report",
                    ),
                ],
            ),
            (
                "organisme",
                "community",
                ("community",),
                "contributor",
                False,
                [("staff_time", None, 40, "Essayer le rapport commun", "Trying out the common report")],
            ),
        ],
        "indicators": [
            {
                "collective": "heures-de-reddition-de-comptes-par-subvention",
                "name_fr": "Heures de reddition de comptes par subvention",
                "name_en": "Reporting hours per grant",
                "unit_fr": "heures",
                "unit_en": "hours",
                "higher_is_better": False,
                "baseline": (22.0, -400),
                "target": 11.0,
                "measurements": [(-400, 22.0), (-30, 18.5)],
                "source": "Enquête du centre de recherche (fictive, démo)",
            },
        ],
        "actions": [
            (
                "Rédiger un rapport commun d'une page",
                "Write a common one-page report",
                "fondation",
                ["reddition-proportionnee"],
                -240,
                -60,
                "done",
                None,
            ),
            (
                "Faire accepter le rapport commun par cinq bailleurs",
                "Have five funders accept the common report",
                "fondation2",
                ["reddition-proportionnee", "relation-confiance"],
                -60,
                200,
                "under_way",
                None,
            ),
            (
                "Mesurer chaque année le temps de reddition de comptes",
                "Measure reporting time every year",
                "centre",
                ["evaluation-apprentissage", "acces-donnees"],
                -100,
                300,
                "under_way",
                Decimal("25000"),
            ),
            (
                "Former les organismes au rapport commun",
                "Train organisations in the common report",
                "regroupement",
                ["soutien-non-financier", "outils-donnees"],
                30,
                240,
                "planned",
                Decimal("30000"),
            ),
            (
                "Publier les délais de réponse des bailleurs",
                "Publish funders' response times",
                "fondation",
                ["visibilite-reconnaissance"],
                60,
                400,
                "planned",
                None,
            ),
        ],
        "journal": [
            ("meeting", -330, "Rencontre de lancement", "Trois bailleurs et deux organismes.", "fondation"),
            ("decision", -270, "Un rapport d'une page", "Le rapport commun tiendra sur une page.", "fondation"),
            ("meeting", -270, "Comité des bailleurs", "Premier modèle de rapport commun.", "fondation"),
            ("meeting", -200, "Comité des bailleurs", "Retour des organismes sur le modèle.", "fondation"),
            ("meeting", -140, "Comité des bailleurs", "Le rapport commun est prêt.", "fondation"),
            (
                "decision",
                -140,
                "Essai avec deux bailleurs",
                "Deux bailleurs l'acceptent dès cette année.",
                "fondation2",
            ),
            ("meeting", -80, "Comité des bailleurs", "Premiers rapports reçus.", "fondation"),
            ("meeting", -18, "Comité des bailleurs", "Bilan de l'essai et mesure de l'indicateur.", "fondation"),
            ("decision", -18, "Inviter les organismes à la table", "Un siège sera offert aux organismes.", "fondation"),
        ],
        "invitation": (
            "community",
            ("collective", "community"),
            "partner",
            "Les petits organismes doivent être à la table : vous joindriez-vous à nous ?",
            "fondation",
        ),
    },
]


def _near(territory: Territory) -> set[int]:
    """The demo organisations that serve the territory, the territories it lies within or those within it."""
    related = selectors.related_territories(territory)
    return set(
        Organisation.objects.filter(is_demo=True, territories__in=related).values_list("pk", flat=True).distinct()
    )


def _pick(
    rng: random.Random,
    organisations: list[Organisation],
    sector: str,
    kinds: tuple[str, ...],
    near: set[int],
    used: set[int],
) -> Organisation | None:
    """An organisation of the sector not yet in the chantier: of a preferred kind and serving the territory if
    possible, then of a preferred kind, then any of the sector."""
    pool = [o for o in organisations if o.pk not in used and services.sector_of(o) == sector]
    for group in (
        [o for o in pool if o.kind in kinds and o.pk in near],
        [o for o in pool if o.kind in kinds],
        [o for o in pool if o.pk in near],
        pool,
    ):
        if group:
            return rng.choice(group)
    return None


def _load_one(
    rng: random.Random,
    spec: dict[str, Any],
    organisations: list[Organisation],
    adopted: dict[str, Indicator],
    known: set[str],
    today: date,
) -> Chantier | None:
    territory = Territory.objects.filter(slug=spec["territory"]).first()
    if territory is None:
        return None
    near = _near(territory)
    used: set[int] = set()
    chosen: dict[str, Organisation] = {}
    for label, sector, kinds, *_rest in spec["participants"]:
        organisation = _pick(rng, organisations, sector, kinds, near, used)
        if organisation is not None:
            chosen[label] = organisation
            used.add(organisation.pk)
    first = spec["participants"][0]
    if first[0] not in chosen:
        return None
    due = today.year + spec["due_years"] if spec["due_years"] else None
    chantier: Chantier = services.chantier_create(
        user=None,
        organisation=chosen[first[0]],
        role=first[3],
        data={
            "title_fr": spec["title_fr"].format(due=due),
            "title_en": spec["title_en"].format(due=due),
            "whom_fr": spec["whom_fr"],
            "whom_en": spec["whom_en"],
            "description_fr": spec["description_fr"],
            "description_en": spec["description_en"],
            "territory": territory,
            "due_on": date(due, 12, 31) if due else None,
            "visibility": spec["visibility"],
        },
    )
    if not chantier.is_public:  # a private chantier's address is random: the demo's stays the same at each load
        chantier.slug = f"chantier-{rng.randrange(16**10):010x}"
        chantier.save(update_fields=["slug"])
    participants: dict[str, Participant] = {}
    for label, _sector, _kinds, role, decides, commitments in spec["participants"]:
        organisation = chosen.get(label)
        if organisation is None:
            continue
        if label == first[0]:
            participant = chantier.participants.get(organisation=organisation)
        else:
            # No service adds a participant outright: in the app an organisation joins by accepting an
            # invitation, which notifies its people; the demo has nobody to notify.
            participant = Participant.objects.create(
                chantier=chantier,
                organisation=organisation,
                sector=services.sector_of(organisation),
                role=role,
                decides=decides,
            )
        participants[label] = participant
        for kind, amount, hours, text_fr, text_en in commitments:
            services.commitment_add(
                user=None,
                participant=participant,
                kind=kind,
                amount=Decimal(amount) if amount is not None else None,
                hours=hours,
                description_fr=text_fr,
                description_en=text_en,
            )

    for indicator in spec["indicators"]:
        collective = next(
            (
                i
                for slug, i in adopted.items()
                if indicator.get("collective") and slug.startswith(indicator["collective"])
            ),
            None,
        )
        data: dict[str, Any] = {"higher_is_better": indicator["higher_is_better"]}
        if collective is not None:
            data["indicator"] = collective.slug
        else:
            data |= {k: indicator[k] for k in ("name_fr", "name_en", "unit_fr", "unit_en")}
        if "baseline" in indicator:
            value, days = indicator["baseline"]
            data |= {"baseline": value, "baseline_on": today + timedelta(days=days)}
        if "target" in indicator and chantier.due_on:
            data |= {"target": indicator["target"], "target_on": chantier.due_on}
        row = services.indicator_add(user=None, chantier=chantier, data=data)
        for days, value in indicator["measurements"]:
            # The baseline's own measurement is exact; later ones vary a little with the seed.
            noise = 1.0 if days == indicator.get("baseline", (None, None))[1] else rng.uniform(0.97, 1.03)
            services.measurement_record(
                user=None,
                indicator=row,
                measured_on=today + timedelta(days=days),
                value=round(value * noise, 1),
                source=indicator["source"],
            )

    for title_fr, title_en, owner, elements, starts, due_in, status, budget in spec["actions"]:
        services.action_save(
            user=None,
            chantier=chantier,
            data={
                "title_fr": title_fr,
                "title_en": title_en,
                "owner": participants.get(owner),
                "elements": [e for e in elements if e in known],
                "starts_on": today + timedelta(days=starts),
                "due_on": today + timedelta(days=due_in),
                "status": status,
                "budget": budget,
            },
        )

    for kind, days, title, text, author in spec["journal"]:
        services.journal_add(
            user=None,
            chantier=chantier,
            kind=kind,
            happened_on=today + timedelta(days=days),
            title=title,
            text=text,
            author=chosen.get(author),
        )

    sector, kinds, role, message, by = spec["invitation"]
    invited = _pick(rng, organisations, sector, kinds, near, used)
    if invited is not None:
        # Written directly: services.invite notifies the invited organisation's people.
        Invitation.objects.create(
            chantier=chantier,
            organisation=invited,
            role=role,
            message=message,
            invited_by=chosen.get(by),
        )
    return chantier


def demo_chantiers_clear() -> None:
    """Delete the fictional chantiers (and their participants, commitments, indicators, plans and journals)."""
    Chantier.objects.filter(is_demo=True).delete()


def demo_chantiers_load(seed: int = 0, progress: Callable[[str], None] | None = None) -> int:
    """Replace the demo's chantiers. Returns how many were written (none without demo organisations)."""
    rng = random.Random(seed)
    today = timezone.localdate()
    with transaction.atomic():
        demo_chantiers_clear()
        organisations = list(Organisation.objects.filter(is_demo=True).order_by("slug"))
        if not organisations:
            return 0
        adopted = {
            i.slug: i for i in Indicator.objects.filter(status=Indicator.Status.ADOPTED, is_demo=True).order_by("slug")
        }
        known = set(diagnostic_selectors.element_names("fr"))
        chantiers = [_load_one(rng, spec, organisations, adopted, known, today) for spec in CHANTIERS]
        written = [c for c in chantiers if c is not None]
    if progress is not None:
        participants = Participant.objects.filter(chantier__is_demo=True).count()
        progress(f"{len(written)} chantiers with {participants} participants (fictional)")
    return len(written)
