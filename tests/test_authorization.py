"""The site-wide authorization matrix: every role × every page and API operation × own and others' objects.

The routes are generated: every named page of the site (``get_resolver()``, with namespaces, the
language-prefixed ones once), every API operation (method and path of the OpenAPI schema), ``healthz``, and
every model of the administration site (``admin.site._registry``). ``test_every_route_has_an_entry`` fails,
naming them, when a page or an operation is exercised neither by a per-app matrix (imported from its module,
and counted only for the values its parametrised test really runs) nor by a table of this file.

Roles, in every row:

- ``anonymous``;
- ``outsider``: signed in, no organisation;
- ``member`` and ``admin``: of the field organisation that owns the objects (its initiative, its basket,
  its diagnostic, its requests, its ballot, its chantier…);
- ``other_admin``: administrator of another field organisation (with its own initiative);
- ``support``: administrator of a support actor (a foundation) that publishes offers, is asked for
  support, is rated in the feedback survey and funds the field organisation;
- ``steward``.

Each entry names the route, the method, the object (whose: own, another organisation's, the support
actor's; public or private where it matters) and the expected outcome per role, from the documented
permissions (docs/permissions.md and each app's page), not from what the code returns. Each role's
request runs in a savepoint that is rolled back: the world is built once per entry (a test), lazily (an
entry pays for the parts it uses only). A refused request must write nothing (no INSERT, UPDATE or DELETE
is sent to the database while it is answered); an accepted form that redirects must have written.

The existing per-app matrices lack roles the production-readiness issue names; this file adds them:
``SUPPORT_ROWS`` and ``SUPPORT_CALLS`` (the support actor on the directory and accounts pages and API writes),
``SCENARIO_ROWS`` and ``CHANTIER_ROWS`` (derived from those apps' matrices for the roles they lack).
"""

from __future__ import annotations

import html
import json
import re
from datetime import timedelta
from decimal import Decimal
from functools import cached_property
from importlib import import_module
from types import SimpleNamespace
from typing import Any, NamedTuple

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone, translation

import tests.test_chantiers_web as chantiers_matrix
import tests.test_diagnostics_permissions as diagnostics_matrix
import tests.test_permissions_matrix as directory_matrix
import tests.test_scenarios as scenarios_matrix
from maillage.accounts.models import ApiToken, Membership
from maillage.accounts.services import token_create
from maillage.api import api
from maillage.collective import selectors as collective_selectors
from maillage.collective import services as collective_services
from maillage.collective.models import Statement
from maillage.diagnostics import selectors as diagnostic_selectors
from maillage.diagnostics import services as diagnostic_services
from maillage.directory.models import Resource, Territory
from maillage.feedback import services as feedback_services
from maillage.feedback.models import Comment, Invitation
from maillage.interop.models import ImportRun
from maillage.matching import services as matching_services
from maillage.matching.models import OfferCover
from maillage.scenarios import services as scenario_services
from maillage.scenarios.models import Run
from tests.factories import InitiativeFactory, OfferFactory, OrganisationFactory, RelationFactory, UserFactory, member
from tests.test_collective import ENTERED
from tests.test_feedback import GOOD

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "outsider", "member", "admin", "other_admin", "support", "steward")

OK, LOGIN, DENY, MISSING, MOVED, INVALID, UNPROCESSABLE = "ok", "login", "deny", "missing", "redirect", "400", "422"
STATUS = {OK: 200, LOGIN: 302, DENY: 403, MISSING: 404, MOVED: 302, INVALID: 400, UNPROCESSABLE: 422, "up": 200}
A, L, D, M, R = OK, LOGIN, DENY, MISSING, MOVED


def row(anonymous, outsider, member_, admin_, other_admin, support, steward) -> dict[str, Any]:
    values = (anonymous, outsider, member_, admin_, other_admin, support, steward)
    return dict(zip(ROLES, values, strict=True))


EVERYONE = row(A, A, A, A, A, A, A)
SIGNED_IN = row(L, A, A, A, A, A, A)
STEWARDS = row(L, D, D, D, D, D, A)
# The field organisation's own people (its members and administrators), nobody else.
TEAM = row(L, D, A, A, D, D, D)


# --- the world -----------------------------------------------------------------------------------------------


def _submitted(initiative):
    diagnostic, _created = diagnostic_services.diagnostic_start(user=None, initiative=initiative)
    keys = diagnostic_selectors.framework_of(diagnostic.framework).question_keys()
    diagnostic_services.diagnostic_save(user=None, diagnostic=diagnostic, answers=dict.fromkeys(keys, 2))
    return diagnostic_services.diagnostic_submit(user=None, diagnostic=diagnostic)


class World:
    """Three organisations and a person in each role, built at once; everything else when first asked for
    (before the roles' requests, outside their savepoints)."""

    def __init__(self):
        verdun = Territory.objects.get(slug="quartier-verdun")
        kitchen = Resource.objects.get(code="cuisine")
        self.verdun = verdun
        self.field_org = OrganisationFactory(slug="organisme-temoin", name_fr="Organisme témoin", kind="community")
        self.field_org.territories.set([verdun])
        self.field_org.seeks_resources.set([kitchen])
        self.other_org = OrganisationFactory(slug="autre-organisme", name_fr="Autre organisme", kind="community")
        self.other_org.territories.set([verdun])
        self.other_org.shares_resources.set([kitchen])  # a synergy: the kitchen the field organisation seeks
        self.foundation = OrganisationFactory(
            slug="fondation-temoin",
            name_fr="Fondation témoin",
            is_support_actor=True,
            is_field_actor=False,
            kind="foundation",
        )
        self.users = {role: UserFactory(full_name=f"Personne {role}") for role in ROLES[1:-1]}
        self.users["steward"] = UserFactory(full_name="Personne steward", is_steward=True, is_staff=True)
        member(self.users["member"], self.field_org)
        member(self.users["admin"], self.field_org, Membership.Role.ADMIN)
        member(self.users["other_admin"], self.other_org, Membership.Role.ADMIN)
        member(self.users["support"], self.foundation, Membership.Role.ADMIN)
        self.initiative = InitiativeFactory(
            slug="initiative-temoin", name_fr="Initiative témoin", carrier=self.field_org
        )
        self.initiative.territories.set([verdun])
        self.other_initiative = InitiativeFactory(slug="autre-initiative", carrier=self.other_org)
        self.offer = OfferFactory(slug="offre-temoin", name_fr="Offre témoin", provider=self.foundation)
        OfferCover.objects.create(offer=self.offer, element="gouvernance", strength=1.0)
        self.relation = RelationFactory(
            source=self.foundation, target=self.field_org, kind="funds", year=2025, amount=Decimal(10000)
        )
        # Private fields each of its own, to tell whose are shown (PRIVATE below).
        for record, (notes, email) in {
            self.field_org: ("Notes internes du terrain", "terrain@example.org"),
            self.other_org: ("Notes internes de l'autre", "autre@example.org"),
            self.foundation: ("Notes internes de la fondation", "fondation@example.org"),
        }.items():
            record.internal_notes, record.contact_email = notes, email
            record.save(update_fields=["internal_notes", "contact_email"])
        for initiative, notes in ((self.initiative, "de l'initiative"), (self.other_initiative, "du projet voisin")):
            initiative.internal_notes = f"Notes internes {notes}"
            initiative.save(update_fields=["internal_notes"])

    # identifiers used in addresses
    territory = "quartier-verdun"

    @cached_property
    def sessions(self) -> dict[str, str]:
        """A signed-in session for each role, made once (as ``Client.force_login`` makes one)."""
        keys = {}
        for role, user in self.users.items():
            session = import_module(settings.SESSION_ENGINE).SessionStore()
            session[SESSION_KEY] = user._meta.pk.value_to_string(user)
            session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
            session[HASH_SESSION_KEY] = user.get_session_auth_hash()
            session.save()
            keys[role] = session.session_key
        return keys

    @cached_property
    def tokens(self) -> dict[str, str]:
        return {role: token_create(user=user, name="matrice")[1] for role, user in self.users.items()}

    @cached_property
    def own_token(self) -> ApiToken:
        token_create(user=self.users["support"], name="le mien")
        return ApiToken.objects.filter(user=self.users["support"]).latest("created_at")

    @cached_property
    def admin_token(self) -> ApiToken:
        token_create(user=self.users["admin"], name="tableur")
        return ApiToken.objects.filter(user=self.users["admin"]).latest("created_at")

    @cached_property
    def admin_membership(self) -> Membership:
        return Membership.objects.get(user=self.users["admin"], organisation=self.field_org)

    # --- directory and matching

    @cached_property
    def other_foundation(self):
        return OrganisationFactory(
            slug="autre-fondation", name_fr="Autre fondation", is_support_actor=True, is_field_actor=False
        )

    @cached_property
    def other_offer(self):
        offer = OfferFactory(slug="autre-offre", name_fr="Autre offre", provider=self.other_foundation)
        OfferCover.objects.create(offer=offer, element="gouvernance", strength=0.5)
        return offer

    @cached_property
    def offer2(self):
        return OfferFactory(slug="deuxieme-offre", name_fr="Deuxième offre", provider=self.foundation)

    @cached_property
    def diagnostic(self):
        return _submitted(self.initiative)

    @cached_property
    def request(self):
        """The initiative asks the foundation for its offer; its diagnostic is shared with the foundation."""
        assert self.diagnostic
        return matching_services.request_send(
            user=self.users["member"], initiative=self.initiative, offer=self.offer, message="Merci de lire."
        )

    # --- feedback

    @cached_property
    def feedback(self) -> SimpleNamespace:
        """A closed 2024 cycle in which the field organisation rated the foundation (one answer), an open 2025
        cycle in which it is invited to rate it again, a 2027 cycle in preparation; the foundation's public
        summary."""
        RelationFactory(source=self.foundation, target=self.field_org, kind="funds", year=2024, amount=Decimal(5000))
        closed = feedback_services.cycle_create(user=None, slug="c2024", name_fr="Sondage 2024", year=2024)
        feedback_services.cycle_open(user=None, cycle=closed)
        feedback_services.response_submit(
            user=self.users["member"],
            invitation=Invitation.objects.get(cycle=closed, organisation=self.field_org, subject=self.foundation),
            answers=GOOD,
        )
        feedback_services.cycle_close(user=None, cycle=closed)
        opened = feedback_services.cycle_create(user=None, slug="c2025", name_fr="Sondage 2025", year=2025)
        feedback_services.cycle_open(user=None, cycle=opened)
        feedback_services.summary_update(
            user=self.users["support"], organisation=self.foundation, is_published=True, response_fr="Merci."
        )
        invitation = Invitation.objects.get(cycle=opened, organisation=self.field_org, subject=self.foundation)
        draft = feedback_services.cycle_create(user=None, slug="c2027", name_fr="Sondage en préparation", year=2027)
        return SimpleNamespace(closed=closed, open=opened, draft=draft, invitation=invitation)

    @property
    def invitation(self):
        return self.feedback.invitation

    @property
    def open_cycle(self):
        return self.feedback.open

    # --- collective success

    @cached_property
    def collective(self) -> SimpleNamespace:
        """A proposal of the field organisation; a round in preparation, an open one and a closed one (with five
        ballots and reactions, so that its ranking and its Pol.is export exist)."""
        steward = self.users["steward"]
        indicator, second = (
            collective_services.indicator_propose(
                user=self.users["member"], organisation=self.field_org, data={**ENTERED, "name_fr": name}
            )
            for name in ("Ménages aidés", "Repas servis")
        )
        draft = collective_services.round_create(user=steward, slug="brouillon", name_fr="Ronde en préparation")
        collective_services.statement_add(user=steward, round=draft, text_fr="Énoncé en préparation")
        opened = collective_services.round_create(user=steward, slug="ouverte", name_fr="Ronde ouverte")
        collective_services.round_candidates_set(user=steward, round=opened, indicators=[indicator, second])
        collective_services.statement_add(user=steward, round=opened, text_fr="Énoncé ouvert")
        voters = [OrganisationFactory(name_fr=f"Votant {n}") for n in range(5)]
        closed = collective_services.round_create(user=steward, slug="close", name_fr="Ronde close")
        collective_services.round_candidates_set(user=steward, round=closed, indicators=[indicator, second])
        collective_services.statement_add(user=steward, round=closed, text_fr="Énoncé clos")
        collective_services.round_open(user=steward, round=opened)
        collective_services.round_open(user=steward, round=closed)
        statement = closed.statements.get()
        for org in voters:
            collective_services.ballot_submit(
                user=None, round=closed, organisation=org, ranks={indicator.slug: 1, second.slug: 2}
            )
            collective_services.reactions_submit(user=None, round=closed, organisation=org, votes={statement.pk: 1})
        collective_services.round_close(user=steward, round=closed)
        return SimpleNamespace(
            indicator=indicator,
            second=second,
            draft=draft,
            open=opened,
            closed=closed,
            statement=Statement.objects.get(round=opened),
        )

    @property
    def indicator(self):
        return self.collective.indicator

    @property
    def draft_round(self):
        return self.collective.draft

    @property
    def open_round(self):
        return self.collective.open

    @property
    def closed_round(self):
        return self.collective.closed

    # --- chantiers (built as tests/test_chantiers_web.py builds them: the field organisation leads)

    @cached_property
    def chantiers(self) -> SimpleNamespace:
        w = SimpleNamespace(
            verdun=self.verdun,
            lead_org=self.field_org,
            partner_org=OrganisationFactory(slug="ville-temoin", name_fr="Ville témoin", kind="public_body"),
            invited_org=OrganisationFactory(slug="fondation-invitee", name_fr="Fondation invitée", kind="foundation"),
            users=self.users,
        )
        w.public = chantiers_matrix._make_chantier(
            w,
            slug="cuisine-publique",
            title_fr="Cuisine collective ouverte",
            title_en="Open kitchen",
            visibility="public",
        )
        w.private = chantiers_matrix._make_chantier(
            w,
            slug="chantier-confidentiel",
            title_fr="Projet confidentiel des Berges",
            title_en="Confidential riverside project",
            visibility="private",
        )
        return w

    @property
    def private_chantier(self):
        return self.chantiers.private.chantier

    @property
    def public_chantier(self):
        return self.chantiers.public.chantier

    @property
    def private_chantier_indicator(self):
        return self.chantiers.private.indicator

    @property
    def public_chantier_indicator(self):
        return self.chantiers.public.indicator

    @cached_property
    def framework(self):
        return diagnostic_selectors.current_framework()

    @property
    def framework_slug(self) -> str:
        return self.framework.slug

    @property
    def framework_version(self) -> str:
        return self.framework.version

    # --- open data

    @cached_property
    def import_run(self):
        return ImportRun.objects.create(
            standard="csv",
            file_name="organismes.csv",
            source_label="Fichier témoin",
            status=ImportRun.Status.CHECKED,
            created_by=self.users["steward"],
            report={"counts": {"organisation": {"created": 1}}, "rows": [], "problems": []},
        )

    # --- scenarios (as tests/test_scenarios.py has them: shared and run, the stewards' own, the foundation's)

    @cached_property
    def scenarios(self) -> dict[str, Any]:
        assert self.diagnostic
        assert self.other_offer
        steward = self.users["steward"]
        shared = scenario_services.scenario_create(
            user=steward, organisation=None, title="Partagé", is_shared=True, time_limit=2
        )
        run = scenario_services.run_execute(scenario_services.run_create(user=None, scenario=shared).pk)
        assert run is not None
        assert run.status == Run.Status.SUCCEEDED, run.error
        private = scenario_services.scenario_create(user=steward, organisation=None, title="Privé", time_limit=2)
        own = scenario_services.scenario_create(
            user=self.users["support"], organisation=self.foundation, title="Le nôtre", time_limit=2
        )
        return {
            "shared": shared,
            "private": private,
            "own": own,
            "run": run,
            "fund": self.offer,
            "network": self.other_offer,
            "initiative": self.initiative,
        }


@pytest.fixture
def world():
    return World()


def _value(world: World, name: str) -> Any:
    """What an address holds for a name of the world: a slug, a primary key, or the text itself."""
    value = getattr(world, name, name)
    if hasattr(value, "slug"):
        return value.slug
    if hasattr(value, "pk"):
        return value.pk
    return value


# --- one role's request, in a savepoint ----------------------------------------------------------------------

WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?([\w.]+)"?', re.IGNORECASE)
# Written whoever sends a request: when a token was last used (and the session, below).
LAST_USED = re.compile(r'^UPDATE "?accounts_apitoken"? SET "?last_used_at"? = [^,]+ WHERE', re.IGNORECASE)


def _writes(queries: CaptureQueriesContext) -> list[str]:
    tables = []
    for query in queries.captured_queries:
        found = WRITE.match(query["sql"])
        if found and found.group(1) != "django_session" and not LAST_USED.match(query["sql"]):
            tables.append(found.group(1))
    return tables


def _rows(tables: set[str]) -> dict[str, list[tuple]]:
    with connection.cursor() as cursor:
        found = {}
        for table in sorted(tables):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            found[table] = sorted(cursor.fetchall(), key=repr)
        return found


def _as(world: World, role: str, send, *, compare: set[str] = frozenset()) -> tuple[Any, list[str]]:
    """Send one request as ``role``: its answer and the tables it wrote to (with ``compare``, those of these
    tables whose rows it changed). Everything it did is rolled back."""
    sessions = world.sessions  # made before the savepoint, kept for the other roles
    with transaction.atomic():
        client = Client()
        if role != "anonymous":
            client.cookies[settings.SESSION_COOKIE_NAME] = sessions[role]
        cache.clear()
        translation.activate("fr")
        before = _rows(compare)
        with CaptureQueriesContext(connection) as queries:
            response = send(client)
        after = _rows(compare)
        transaction.set_rollback(True)
    if compare:
        return response, [table for table in compare if before[table] != after[table]]
    return response, _writes(queries)


def _changed(world: World, role: str, send, writes: list[str]) -> list[str]:
    """Of the tables a refused request sent writes to, those whose rows it really changed (an UPDATE may match
    nothing): the request is sent again, the tables compared before and after."""
    return _as(world, role, send, compare=set(writes))[1]


# Parts of the world the pages and operations of an app read, besides their arguments.
PARTS = {
    "matching:": ("request",),
    "analytics:": ("request",),
    "feedback:": ("feedback",),
    "collective:": ("collective",),
    "interop:": ("import_run",),
    "/api/diagnostics": ("request",),
    "/api/requests": ("request",),
    "/api/feedback": ("feedback",),
    "/api/collective": ("collective",),
    "/api/interop": ("import_run",),
    "/api/chantiers": ("chantiers",),
}


def _prepare(world: World, where: str) -> None:
    for prefix, parts in PARTS.items():
        if where.startswith(prefix):
            for part in parts:
                getattr(world, part)


# --- pages ---------------------------------------------------------------------------------------------------


class Page(NamedTuple):
    route: str
    args: tuple[str, ...]
    method: str
    expected: dict[str, str]
    payload: str = ""  # a name in PAYLOADS
    query: str = ""
    writes: bool = True  # an accepted POST redirects after writing


PAYLOADS = {
    "request_offer2": lambda w: {"initiative": w.initiative.slug, "offer": w.offer2.slug, "message": "Bonjour"},
    "decline": lambda w: {"decision": "declined", "answer": "Pas cette année."},
    "synergy": lambda w: {"from": w.field_org.slug, "to": w.other_org.slug, "message": "Partageons la cuisine ?"},
    "survey": lambda w: {k: str(v) for k, v in GOOD.items()},
    "blank_name": lambda w: {"name_fr": "", "text_fr": ""},  # a form sent with its required fields empty
    "summary": lambda w: {"is_published": "on", "response_fr": "Nous avons entendu."},
    "answers": lambda w: {
        "organisation": w.field_org.slug,
        "version": collective_selectors.answers_version(w.open_round, w.field_org),
        f"rank-{w.indicator.slug}": "1",
        f"rank-{w.collective.second.slug}": "2",
        f"s{w.collective.statement.pk}": "1",
    },
}

PAGES = [
    # -- baskets and requests for support (docs/baskets.md): the basket shows the initiative's needs: its team only.
    Page("matching:basket", ("initiative",), "get", TEAM),
    Page("matching:basket", ("other_initiative",), "get", row(L, D, D, D, A, D, D)),
    # An offer's conditions: its providers' members and the stewards.
    Page("matching:offer_conditions", ("offer",), "get", row(L, D, D, D, D, A, A)),
    Page("matching:offer_conditions", ("other_offer",), "get", row(L, D, D, D, D, D, A)),
    Page("matching:offer_conditions", ("offer",), "post", row(L, D, D, D, D, INVALID, INVALID)),  # posted empty
    Page("matching:requests", (), "get", SIGNED_IN),
    # Asking for support for an initiative: its team only (the steward is nobody's team).
    Page("matching:request_create", (), "post", row(L, D, R, R, D, D, D), payload="request_offer2"),
    # A request: the initiative's team and the offer's providers; anyone else, stewards included, "not found".
    Page("matching:request", ("request",), "get", row(L, M, A, A, M, A, M)),
    # The providers answer it; the team may not answer its own request.
    Page("matching:request", ("request",), "post", row(L, M, D, D, M, R, M), payload="decline"),
    Page("matching:request_withdraw", ("request",), "post", row(L, M, R, R, M, D, M)),
    Page("matching:notifications", (), "get", SIGNED_IN),
    # -- analytics (docs/analytics.md): the same for every signed-in person.
    Page("analytics:overview", (), "get", SIGNED_IN),
    Page("analytics:needs", (), "get", SIGNED_IN),
    Page("analytics:money", (), "get", SIGNED_IN),
    Page("analytics:equity", (), "get", SIGNED_IN),
    Page("analytics:network", (), "get", SIGNED_IN),
    Page("analytics:network", (), "post", row(L, R, R, R, R, R, R), writes=False),  # computes again, back to it
    Page("analytics:report", (), "get", SIGNED_IN, query="?format=html"),
    Page("analytics:synergies", (), "get", SIGNED_IN),
    # Only a member of an organisation writes on its behalf to a synergy partner.
    Page("analytics:synergy_contact", (), "get", TEAM, query="?from=organisme-temoin&to=autre-organisme"),
    Page(
        "analytics:synergy_contact",
        (),
        "get",
        row(L, D, D, D, A, D, D),
        query="?from=autre-organisme&to=organisme-temoin",
    ),
    Page("analytics:synergy_contact", (), "post", row(L, D, R, R, D, D, D), payload="synergy"),
    # -- feedback (docs/feedback.md): an invited organisation's members answer; the support actor's members and the
    # stewards read its scorecard; its administrators publish a summary; stewards run cycles.
    Page("feedback:index", (), "get", SIGNED_IN),
    Page("feedback:survey", ("invitation",), "get", TEAM),
    Page("feedback:survey", ("invitation",), "post", row(L, D, R, R, D, D, D), payload="survey"),
    Page("feedback:scorecards", (), "get", SIGNED_IN),
    Page("feedback:scorecard", ("foundation",), "get", row(L, D, D, D, D, A, A)),
    Page("feedback:scorecard", ("foundation",), "get", row(L, D, D, D, D, A, A), query="?format=csv"),
    Page("feedback:scorecard", ("field_org",), "get", row(L, D, D, D, D, D, D)),  # not a support actor
    Page("feedback:summary", ("foundation",), "post", row(L, D, D, D, D, R, D), payload="summary"),
    Page("feedback:cycles", (), "get", STEWARDS),
    Page("feedback:cycles", (), "post", row(L, D, D, D, D, D, UNPROCESSABLE), payload="blank_name"),
    Page("feedback:cycle", ("open_cycle",), "get", STEWARDS),
    Page("feedback:cycle", ("open_cycle",), "post", row(L, D, D, D, D, D, UNPROCESSABLE), payload="blank_name"),
    Page("feedback:cycle_action", ("open_cycle", "remind"), "post", row(L, D, D, D, D, D, R)),
    Page("feedback:comments", (), "get", STEWARDS),
    Page("feedback:practices", (), "get", STEWARDS),
    # -- collective success (docs/collective.md): everyone reads the dashboard and its CIDS export; signed-in
    # people the proposals and rounds (one in preparation: stewards only); members propose and take part for
    # their organisation; stewards run the rounds.
    Page("collective:index", (), "get", EVERYONE),
    Page("collective:cids", (), "get", EVERYONE),
    Page("collective:record", (), "post", row(D, D, D, D, D, D, R), writes=False),  # nothing adopted to compute
    Page("collective:indicators", (), "get", SIGNED_IN),
    Page("collective:indicator_new", (), "get", row(L, D, A, A, A, A, D)),
    Page("collective:indicator_new", (), "post", row(L, D, A, A, A, A, D)),  # posted empty: the form again
    Page("collective:indicator", ("indicator",), "get", SIGNED_IN),
    Page("collective:indicator", ("indicator",), "post", STEWARDS),  # posted empty: the steward's page again
    Page("collective:rounds", (), "get", SIGNED_IN),
    Page("collective:rounds", (), "post", STEWARDS),  # posted empty: the form again
    Page("collective:round", ("draft_round",), "get", row(L, M, M, M, M, M, A)),
    Page("collective:round", ("open_round",), "get", SIGNED_IN),
    Page("collective:round", ("closed_round",), "get", SIGNED_IN),
    Page("collective:polis", ("closed_round",), "get", STEWARDS),
    Page("collective:ranking_csv", ("closed_round",), "get", SIGNED_IN),
    # The organisation's ranking and reactions, sent in its name: its own people only.
    Page("collective:round_action", ("open_round", "answers"), "post", row(L, D, R, R, D, D, D), payload="answers"),
    Page("collective:round_action", ("draft_round", "answers"), "post", row(L, M, M, M, M, M, D), payload="answers"),
    Page("collective:statement_action", ("open_round", "1", "out"), "post", row(L, D, D, D, D, D, R)),
    # -- open data (docs/open-data.md): stewards import; everyone downloads the exports.
    Page("interop:index", (), "get", STEWARDS),
    Page("interop:index", (), "post", row(L, D, D, D, D, D, INVALID)),  # posted empty
    Page("interop:template", (), "get", STEWARDS),
    Page("interop:run", ("import_run",), "get", STEWARDS),
    # The file is no longer stored: the steward is sent back with the reason.
    Page("interop:run_import", ("import_run",), "post", row(L, D, D, D, D, D, R), writes=False),
    Page("interop:run_abandon", ("import_run",), "post", row(L, D, D, D, D, D, R)),
    Page("interop:export_hsds", (), "get", EVERYONE),
    Page("interop:export_giving", (), "get", EVERYONE),
    # -- the audit log (docs/security.md): stewards only.
    Page("audit:log", (), "get", STEWARDS),
    Page("audit:csv", (), "get", STEWARDS),
    # -- the rest of the site
    # The monitoring answer (200, or 503 while no worker runs): never a log-in page nor a refusal.
    Page("healthz", (), "get", row(*["up"] * 7)),
    Page("api:openapi-json", (), "get", EVERYONE),
    Page("api:openapi-view", (), "get", EVERYONE),
    Page("api:api-root", (), "get", row(M, M, M, M, M, M, M)),  # /api/ itself is no page
]

# The support actor's row, missing from tests/test_permissions_matrix.py (whose member and administrator belong
# to both the field organisation and the support actor): the foundation's own records, and the field
# organisation's, which are another organisation's for it.
SUPPORT_ROWS = [
    Page(route, args, method, {"support": expected})
    for route, args, method, expected in [
        ("directory:home", (), "get", A),
        ("directory:search", (), "get", A),
        ("directory:about", (), "get", A),
        ("directory:organisations", (), "get", A),
        ("directory:initiatives", (), "get", A),
        ("directory:offers", (), "get", A),
        ("directory:territories", (), "get", A),
        ("directory:territory", ("territory",), "get", A),
        ("directory:organisation", ("field_org",), "get", A),
        ("directory:initiative", ("initiative",), "get", A),
        ("directory:offer", ("offer",), "get", A),
        ("directory:organisation_create", (), "get", A),
        ("directory:organisation_edit", ("foundation",), "get", A),
        ("directory:organisation_edit", ("field_org",), "get", D),
        ("directory:organisation_edit", ("field_org",), "post", D),
        ("directory:organisation_members", ("foundation",), "get", A),
        ("directory:organisation_members", ("field_org",), "get", D),
        ("directory:relation_create", ("foundation",), "get", A),
        ("directory:relation_create", ("field_org",), "get", D),
        ("directory:relation_create", ("field_org",), "post", D),
        # The foundation funds the field organisation: an administrator of either side removes the relation.
        ("directory:relation_delete", ("relation",), "post", R),
        ("directory:initiative_create", ("field_org",), "get", D),
        ("directory:initiative_edit", ("initiative",), "get", D),
        ("directory:initiative_edit", ("initiative",), "post", D),
        ("directory:offer_create", ("foundation",), "get", A),
        ("directory:offer_create", ("foundation",), "post", A),  # posted empty: the form again
        ("directory:offer_create", ("field_org",), "get", D),
        ("directory:offer_edit", ("offer",), "get", A),
        ("directory:offer_edit", ("offer",), "post", A),
        ("directory:offer_edit", ("other_offer",), "get", D),
        ("accounts:home", (), "get", A),
        ("accounts:signup", (), "get", R),
        ("accounts:login", (), "get", R),
        ("accounts:logout", (), "post", R),
        ("accounts:password_change", (), "get", A),
        ("accounts:profile", (), "post", INVALID),
        ("accounts:password_reset", (), "get", A),
        ("accounts:password_reset_done", (), "get", A),
        ("accounts:password_reset_complete", (), "get", A),
        ("accounts:password_reset_confirm", ("MQ", "set-password"), "get", A),
        ("accounts:token_create", (), "post", INVALID),
        ("accounts:token_revoke", ("admin_token",), "post", M),  # someone else's token: not found
        ("accounts:token_revoke", ("own_token",), "post", R),
        ("accounts:membership_leave", ("admin_membership",), "post", M),
    ]
]

# tests/test_scenarios.py has no administrator of a field organisation and no administrator of an organisation
# with no part in a scenario. Scenario rules ask only whether one is a member (directory.rules.is_member), so
# the field organisation's administrator gets that matrix's "field_member" column, and another organisation's
# administrator its "outsider" column; the world here has the same scenarios, run, offers and initiative.
SCENARIO_ROWS = [
    Page(name, args, method, {"admin": expected["field_member"], "other_admin": expected["outsider"]})
    for name, args, method, expected in scenarios_matrix.MATRIX
]

# tests/test_chantiers_web.py has no support actor and no administrator of an organisation with no part in the
# chantier: both get that matrix's "outsider" column (a member of an unrelated organisation), on the same
# public and private chantiers, led here by the field organisation.
CHANTIER_ROWS = [
    (route, variant, method, state, {"other_admin": expected["outsider"], "support": expected["outsider"]})
    for route, variant, method, public, private in chantiers_matrix.MATRIX
    for state, expected in ([("any", public)] if private is None else [("public", public), ("private", private)])
]


def _page_url(world: World, page: Page) -> str:
    if page.route.startswith("scenarios:"):
        url = reverse(page.route, args=[_scenario_argument(world, a) for a in page.args])
        if page.route == "scenarios:compare":
            url += f"?a={world.scenarios['shared'].slug}&b={world.scenarios['shared'].slug}"
        return url
    return reverse(page.route, args=[_value(world, a) for a in page.args]) + page.query


def _scenario_argument(world: World, name: str) -> Any:
    value = world.scenarios.get(name, name)
    return value.pk if isinstance(value, Run) else getattr(value, "slug", value)


REFUSED = (LOGIN, DENY, MISSING, INVALID, UNPROCESSABLE)
# Private fields (docs/permissions.md: budget, staff, contact, internal notes), each organisation's own: who reads
# them. No page, export or API answer shows them to anyone else.
PRIVATE = {
    "Notes internes du terrain": ("member", "admin", "steward"),
    "terrain@example.org": ("member", "admin", "steward"),
    "Notes internes de l'initiative": ("member", "admin", "steward"),
    "Notes internes de l'autre": ("other_admin", "steward"),
    "Notes internes du projet voisin": ("other_admin", "steward"),
    "autre@example.org": ("other_admin", "steward"),
    "Notes internes de la fondation": ("support", "steward"),
    "fondation@example.org": ("support", "steward"),
    # The factories' other records
    "secret note": ("steward",),
    "initiative secret": ("steward",),
    "contact@example.org": ("steward",),
}


def _leaks(world: World, role: str, response) -> list[str]:
    """The private fields, and for people with no organisation others' e-mail addresses, that an answer shows
    although the role may not read them."""
    if response.status_code != 200:
        return []
    if response.streaming:
        content = b"".join(response.streaming_content)
        response.streaming_content = [content]
    else:
        content = response.content
    text = html.unescape(content.decode("utf-8", errors="replace"))
    hidden = [marker for marker, readers in PRIVATE.items() if role not in readers]
    if role in ("anonymous", "outsider"):
        hidden += [user.email for other, user in world.users.items() if other != role]
    return [marker for marker in hidden if marker in text]


def _check(response, expected: str, writes: list[str], *, method: str, must_write: bool) -> str | None:
    """What is wrong with one role's answer, or None."""
    if response.status_code != STATUS[expected] and not (expected == "up" and response.status_code == 503):
        return f"{expected} expected, got {response.status_code}"
    login = reverse("accounts:login")
    if expected == LOGIN and login not in response["Location"]:
        return f"sent to {response['Location']}, not to the log-in page"
    if expected == MOVED and response.get("Location", "").startswith(login):
        return "sent to the log-in page"
    if expected in REFUSED and writes:
        return f"refused, yet wrote to {sorted(set(writes))}"
    if expected == MOVED and method == "post" and must_write and not writes:
        return "redirected without writing anything"
    return None


def _run_page(world: World, page: Page) -> list[str]:
    _prepare(world, page.route)
    url = _page_url(world, page)
    data = PAYLOADS[page.payload](world) if page.payload else {}
    failures = []
    for role, expected in page.expected.items():
        send = lambda c: getattr(c, page.method)(url, data)  # noqa: E731
        try:
            response, writes = _as(world, role, send)
            if writes and expected in REFUSED:
                writes = _changed(world, role, send, writes)
        except Exception as error:  # a 500: the test client raises what the view raised
            failures.append(f"{role}: {type(error).__name__}: {error}")
            continue
        problem = _check(response, expected, writes, method=page.method, must_write=page.writes)
        if problem:
            failures.append(f"{role}: {problem}")
        if leaked := _leaks(world, role, response):
            failures.append(f"{role}: reads {leaked}")
    return failures


def _page_id(page: Page) -> str:
    return "-".join([page.route, page.method, *page.args]) + (f"-{page.query}" if page.query else "")


@pytest.mark.parametrize("entry", PAGES, ids=[_page_id(p) for p in PAGES])
def test_pages(world, entry):
    failures = _run_page(world, entry)
    assert not failures, f"{entry.method.upper()} {_page_url(world, entry)}:\n" + "\n".join(failures)


def _grouped(rows: list[Page], by) -> dict[str, list[Page]]:
    groups: dict[str, list[Page]] = {}
    for entry in rows:
        groups.setdefault(by(entry), []).append(entry)
    return groups


SUPPLEMENTS = _grouped(SUPPORT_ROWS, lambda e: e.route.split(":")[0]) | {"scenarios": SCENARIO_ROWS}


@pytest.mark.parametrize("group", sorted(SUPPLEMENTS))
def test_pages_for_roles_the_app_matrices_lack(world, group):
    """The rows of SUPPORT_ROWS and SCENARIO_ROWS, an app at a time (one world for many single-role rows)."""
    failures = [
        f"{entry.method.upper()} {_page_url(world, entry)}: {failure}"
        for entry in SUPPLEMENTS[group]
        for failure in _run_page(world, entry)
    ]
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("state", ["any", "public", "private"])
def test_chantier_pages_for_roles_their_matrix_lacks(world, state):
    """CHANTIER_ROWS, a chantier at a time: the public one, the private one, and the pages of no chantier."""
    w = world.chantiers
    failures = []
    for route, variant, method, row_state, expected in CHANTIER_ROWS:
        if row_state != state:
            continue
        url = chantiers_matrix._url(w, route, variant, state)
        for role, outcome in expected.items():
            data = chantiers_matrix._data(w, route, variant, state, role) if method == "post" else {}
            if method == "get" and variant == "csv":
                data = {"format": "csv"}
            send = lambda c: getattr(c, method)(url, data)  # noqa: B023, E731
            where = f"{method.upper()} {url} ({route} {variant}) {role}"
            try:
                response, writes = _as(world, role, send)
                if writes and outcome in REFUSED:
                    writes = _changed(world, role, send, writes)
            except Exception as error:
                failures.append(f"{where}: {type(error).__name__}: {error}")
                continue
            if outcome == chantiers_matrix.NOT_ALLOWED:
                if response.status_code != 405:
                    failures.append(f"{where}: 405 expected, got {response.status_code}")
                continue
            problem = _check(response, outcome, writes, method=method, must_write=route != "scenario")
            if problem:
                failures.append(f"{where}: {problem}")
    assert not failures, "\n".join(failures)


# --- the API -------------------------------------------------------------------------------------------------

# The stable code of each refusal (docs/api.md); other statuses name theirs in the row.
CODES = {401: "unauthenticated", 403: "forbidden", 404: "not_found", 422: "invalid_request"}
NOT_A_STEWARD = (403, "not_a_steward")


class Call(NamedTuple):
    method: str
    path: str  # as the OpenAPI schema writes it
    args: dict[str, str]  # path parameter → a name of the world
    body: str  # a name in BODIES, "" for none, "multipart" for an empty form
    expected: dict[str, Any]  # role → status, or (status, code)
    private: tuple[str, ...] | None = None  # roles that see the "private" fields of the record read


def _today() -> str:
    return timezone.localdate().isoformat()


BODIES = {
    "relation": lambda w: {"source": w.foundation.slug, "target": w.field_org.slug, "kind": "partners", "year": 2025},
    "request": lambda w: {"initiative": w.initiative.slug, "offer": w.offer2.slug, "message": "Bonjour"},
    "decline": lambda w: {"decision": "declined", "answer": "Pas cette année."},
    "indicator": lambda w: {**ENTERED, "organisation": w.field_org.slug, "name_fr": "Familles logées"},
    "ballot": lambda w: {"organisation": w.field_org.slug, "ranks": {w.indicator.slug: 1, w.collective.second.slug: 2}},
    "reactions": lambda w: {"organisation": w.field_org.slug, "votes": {"1": 1}},
    "journal": lambda w: {"kind": "note", "happened_on": _today(), "title": "Nouvelles"},
    "measurement": lambda w: {
        "measured_on": (timezone.localdate() - timedelta(days=1)).isoformat(),
        "value": 12,
        "source": "Décompte",
    },
    # The supplements of tests/test_permissions_matrix.py's API writes, for the support actor.
    "rename": lambda w: {"name_fr": "Renommé"},
    "capacity": lambda w: {"capacity": 3},
    "new_initiative": lambda w: {"organisation": w.field_org.slug, "name_fr": "Nouvelle"},
    "new_offer": lambda w: {"provider": w.foundation.slug, "name_fr": "Nouvelle offre", "support_type": "formation"},
    "new_organisation": lambda w: {"name_fr": "Nouvel organisme", "is_field_actor": True},
}

ALL_200 = row(*[200] * 7)
TOKEN_200 = row(401, *[200] * 6)
STEWARDS_ONLY = row(401, 403, 403, 403, 403, 403, 200)
IMPORTERS = row(401, *[NOT_A_STEWARD] * 5, 200)

CALLS = [
    # -- the directory: public reads (private fields to members and stewards, below), and a relation, declared by
    # an administrator of either organisation or a steward.
    Call("get", "/api/vocabularies", {}, "", ALL_200),
    Call("get", "/api/territories", {}, "", ALL_200),
    Call("get", "/api/territories/{slug}", {"slug": "territory"}, "", ALL_200),
    Call("get", "/api/organisations", {}, "", ALL_200),
    Call("get", "/api/organisations/{slug}", {"slug": "field_org"}, "", ALL_200, ("member", "admin", "steward")),
    Call("get", "/api/organisations/{slug}", {"slug": "foundation"}, "", ALL_200, ("support", "steward")),
    Call("get", "/api/organisations/{slug}/relations", {"slug": "field_org"}, "", ALL_200),
    Call("get", "/api/initiatives", {}, "", ALL_200),
    Call("get", "/api/initiatives/{slug}", {"slug": "initiative"}, "", ALL_200, ("member", "admin", "steward")),
    Call("get", "/api/initiatives/{slug}", {"slug": "other_initiative"}, "", ALL_200, ("other_admin", "steward")),
    Call("get", "/api/offers", {}, "", ALL_200),
    Call("get", "/api/offers/{slug}", {"slug": "offer"}, "", ALL_200),
    Call("post", "/api/relations", {}, "relation", row(401, 403, 403, 201, 403, 201, 201)),
    Call("get", "/api/me", {}, "", TOKEN_200),
    # -- frameworks and diagnostics (the rest is in tests/test_diagnostics_permissions.py): the list holds what one may
    # read, for a token's owner.
    Call(
        "get",
        "/api/frameworks/{slug}/{version}",
        {"slug": "framework_slug", "version": "framework_version"},
        "",
        ALL_200,
    ),
    Call("get", "/api/diagnostics", {}, "", TOKEN_200),
    # -- baskets and requests for support: the team sees its basket and asks; the providers answer; a request is
    # nobody else's business, stewards included ("not found").
    Call("get", "/api/initiatives/{slug}/basket", {"slug": "initiative"}, "", row(401, 403, 200, 200, 403, 403, 403)),
    Call(
        "get",
        "/api/initiatives/{slug}/basket",
        {"slug": "other_initiative"},
        "",
        row(401, 403, 403, 403, 200, 403, 403),
    ),
    Call("get", "/api/requests", {}, "", TOKEN_200),
    Call("post", "/api/requests", {}, "request", row(401, 403, 201, 201, 403, 403, 403)),
    Call("get", "/api/requests/{pk}", {"pk": "request"}, "", row(401, 404, 200, 200, 404, 200, 404)),
    Call("post", "/api/requests/{pk}/answer", {"pk": "request"}, "decline", row(401, 404, 403, 403, 404, 200, 404)),
    Call("post", "/api/requests/{pk}/withdraw", {"pk": "request"}, "", row(401, 404, 200, 200, 404, 403, 404)),
    # -- feedback: cycles are counted for everyone (never who answered); a scorecard for its support actor's members
    # and the stewards; a published summary for everyone; practice comparisons for stewards.
    Call("get", "/api/feedback/cycles", {}, "", ALL_200),
    Call("get", "/api/feedback/scorecards/{slug}", {"slug": "foundation"}, "", row(401, 403, 403, 403, 403, 200, 200)),
    Call("get", "/api/feedback/scorecards/{slug}", {"slug": "field_org"}, "", row(401, *[403] * 6)),
    Call("get", "/api/feedback/summaries/{slug}", {"slug": "foundation"}, "", ALL_200),
    Call("get", "/api/feedback/practices", {}, "", STEWARDS_ONLY),
    # -- collective success: public reads; a member proposes and takes part for its organisation only.
    Call("get", "/api/collective/indicators", {}, "", ALL_200),
    Call("post", "/api/collective/indicators", {}, "indicator", row(401, 403, 201, 201, 403, 403, 403)),
    Call("get", "/api/collective/indicators/{slug}", {"slug": "indicator"}, "", ALL_200),
    Call("get", "/api/collective/cids", {}, "", ALL_200),
    Call("get", "/api/collective/rounds", {}, "", ALL_200),
    Call("get", "/api/collective/rounds/{slug}/results", {"slug": "closed_round"}, "", ALL_200),
    Call("get", "/api/collective/rounds/{slug}/results", {"slug": "open_round"}, "", row(*[(409, "round_open")] * 7)),
    # A round in preparation is the stewards' only.
    Call(
        "get",
        "/api/collective/rounds/{slug}/results",
        {"slug": "draft_round"},
        "",
        row(*[404] * 6, (409, "round_open")),
    ),
    Call(
        "put",
        "/api/collective/rounds/{slug}/ballot",
        {"slug": "open_round"},
        "ballot",
        row(401, 403, 200, 200, 403, 403, 403),
    ),
    Call(
        "put",
        "/api/collective/rounds/{slug}/reactions",
        {"slug": "open_round"},
        "reactions",
        row(401, 403, 200, 200, 403, 403, 403),
    ),
    # -- open data: stewards' tokens only (an empty form: the steward is told what is missing).
    Call("post", "/api/interop/imports", {}, "multipart", row(401, *[NOT_A_STEWARD] * 5, 422)),
    Call("get", "/api/interop/imports/{pk}", {"pk": "import_run"}, "", IMPORTERS),
    # Its file is no longer stored: the steward may, but it cannot be imported.
    Call(
        "post",
        "/api/interop/imports/{pk}/import",
        {"pk": "import_run"},
        "",
        row(401, *[NOT_A_STEWARD] * 5, (409, "import_expired")),
    ),
    # -- chantiers: a private one is "not found" for whoever does not take part or is not invited, stewards too.
    Call("get", "/api/chantiers", {}, "", ALL_200),
    Call("get", "/api/chantiers/{slug}", {"slug": "public_chantier"}, "", ALL_200),
    Call("get", "/api/chantiers/{slug}", {"slug": "private_chantier"}, "", row(404, 404, 200, 200, 404, 404, 404)),
    Call(
        "post",
        "/api/chantiers/{slug}/journal",
        {"slug": "public_chantier"},
        "journal",
        row(401, 403, 201, 201, 403, 403, 403),
    ),
    Call(
        "post",
        "/api/chantiers/{slug}/journal",
        {"slug": "private_chantier"},
        "journal",
        row(401, 404, 201, 201, 404, 404, 404),
    ),
    Call(
        "post",
        "/api/chantiers/{slug}/indicators/{indicator_id}/measurements",
        {"slug": "public_chantier", "indicator_id": "public_chantier_indicator"},
        "measurement",
        row(401, 403, 201, 201, 403, 403, 403),
    ),
    Call(
        "post",
        "/api/chantiers/{slug}/indicators/{indicator_id}/measurements",
        {"slug": "private_chantier", "indicator_id": "private_chantier_indicator"},
        "measurement",
        row(401, 404, 201, 201, 404, 404, 404),
    ),
]

# The support actor's row of tests/test_permissions_matrix.py's API writes: its own foundation and offer, and the
# field organisation's records, which are another organisation's for it.
SUPPORT_CALLS = [
    Call("patch", "/api/organisations/{slug}", {"slug": "field_org"}, "rename", {"support": 403}),
    Call("patch", "/api/organisations/{slug}", {"slug": "foundation"}, "rename", {"support": 200}),
    Call("patch", "/api/initiatives/{slug}", {"slug": "initiative"}, "rename", {"support": 403}),
    Call("patch", "/api/offers/{slug}", {"slug": "offer"}, "capacity", {"support": 200}),
    Call("patch", "/api/offers/{slug}", {"slug": "other_offer"}, "capacity", {"support": 403}),
    Call("post", "/api/initiatives", {}, "new_initiative", {"support": 403}),
    Call("post", "/api/offers", {}, "new_offer", {"support": 201}),
    Call("post", "/api/organisations", {}, "new_organisation", {"support": 201}),
]


def _call_path(world: World, call: Call) -> str:
    return call.path.format(**{name: _value(world, attr) for name, attr in call.args.items()})


def _send(client: Client, call: Call, path: str, body: Any, token: str | None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    if call.body == "multipart":
        return client.post(path, {}, **headers)
    if call.body:
        return getattr(client, call.method)(path, json.dumps(body), content_type="application/json", **headers)
    return getattr(client, call.method)(path, **headers)


def _run_call(world: World, call: Call) -> list[str]:
    _prepare(world, call.path)
    path = _call_path(world, call)
    body = BODIES[call.body](world) if call.body not in ("", "multipart") else None
    tokens = world.tokens
    failures = []
    for role, expected in call.expected.items():
        status, code = expected if isinstance(expected, tuple) else (expected, CODES.get(expected))
        token = tokens.get(role)
        send = lambda c: _send(c, call, path, body, token)  # noqa: B023, E731
        try:
            # The API never uses the session: the caller is who the token says.
            response, writes = _as(world, "anonymous", send)
            if writes and response.status_code >= 400:
                writes = _changed(world, "anonymous", send, writes)
        except Exception as error:
            failures.append(f"{role}: {type(error).__name__}: {error}")
            continue
        if response.status_code != status:
            failures.append(f"{role}: {status} expected, got {response.status_code} {response.content[:200]!r}")
            continue
        if status >= 400:
            if code and response.json().get("code") != code:
                failures.append(f"{role}: code {code} expected, got {response.json().get('code')}")
            if writes:
                failures.append(f"{role}: refused, yet wrote to {sorted(set(writes))}")
        elif call.method != "get" and not writes:
            failures.append(f"{role}: accepted, yet wrote nothing")
        if leaked := _leaks(world, role, response):
            failures.append(f"{role}: reads {leaked}")
        if call.private is not None and status == 200:
            seen = response.json().get("private") is not None
            if seen is not (role in call.private):
                failures.append(f"{role}: private fields {'shown' if seen else 'hidden'}")
    return failures


def _call_id(call: Call) -> str:
    return f"{call.method.upper()} {call.path} {'-'.join(call.args.values())}".strip()


@pytest.mark.parametrize("call", CALLS, ids=[_call_id(c) for c in CALLS])
def test_api(world, call):
    failures = _run_call(world, call)
    assert not failures, f"{call.method.upper()} {_call_path(world, call)}:\n" + "\n".join(failures)


def test_api_writes_for_the_support_actor(world):
    """SUPPORT_CALLS, in one world: the support actor's row of tests/test_permissions_matrix.py's API writes."""
    failures = [
        f"{call.method.upper()} {_call_path(world, call)}: {failure}"
        for call in SUPPORT_CALLS
        for failure in _run_call(world, call)
    ]
    assert not failures, "\n".join(failures)


# --- what each role finds listed, and private fields -------------------------------------------------------


def _get(world: World, role: str, path: str, **extra) -> Any:
    if path.startswith("/api/"):
        token = world.tokens.get(role)
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
        return _as(world, "anonymous", lambda c: c.get(path, extra, **headers))[0]
    return _as(world, role, lambda c: c.get(path, extra))[0]


def _text(response) -> str:
    return response.content.decode("utf-8-sig")


@pytest.mark.parametrize("role", ROLES)
def test_what_each_role_finds_listed(world, role):
    """Lists, searches and exports give each role what it may read, nothing more; private fields (budget, staff,
    contact, internal notes) only to the organisation's people and the stewards, on pages and in the API, and
    never through search or the open data exports."""
    for part in ("request", "chantiers", "feedback", "collective"):
        getattr(world, part)
    request_url = reverse("matching:request", args=[world.request.pk])
    found = []  # (what, found, expected)

    # Requests for support: the initiative's team and the offer's providers.
    parties = role in ("member", "admin", "support")
    if role != "anonymous":
        found.append(("requests page", request_url in _text(_get(world, role, reverse("matching:requests"))), parties))
        listed = {r["id"] for r in _get(world, role, "/api/requests").json()}
        found.append(("requests in the API", world.request.pk in listed, parties))
        notifications = _text(_get(world, role, reverse("matching:notifications")))
        found.append(("the provider's notification", "Nouvelle demande de soutien" in notifications, role == "support"))
        # The diagnostic: its team, and the support actor it was shared with by the request.
        listed = {d["id"] for d in _get(world, role, "/api/diagnostics").json()}
        found.append(("the diagnostic in the API", world.diagnostic.pk in listed, parties))
        # The feedback survey: the invited organisation's people.
        survey = reverse("feedback:survey", args=[world.invitation.pk])
        found.append(
            ("the survey", survey in _text(_get(world, role, reverse("feedback:index"))), role in ("member", "admin"))
        )
        # A round in preparation: the stewards'.
        found.append(
            (
                "the round in preparation",
                "brouillon" in _text(_get(world, role, reverse("collective:rounds"))),
                role == "steward",
            )
        )
    # A private chantier: its participants' people.
    private = world.private_chantier.slug
    listed = {c["slug"] for c in _get(world, role, "/api/chantiers").json()["results"]}
    found.append(("the private chantier in the API", private in listed, role in ("member", "admin")))
    found.append(
        (
            "the private chantier",
            private in _text(_get(world, role, reverse("chantiers:index"))),
            role in ("member", "admin"),
        )
    )
    # Rounds in the API: the one in preparation for stewards only.
    rounds = {r["slug"] for r in _get(world, role, "/api/collective/rounds").json()}
    found.append(("the round in preparation in the API", "brouillon" in rounds, role == "steward"))
    # An open survey cycle's live counts: stewards only.
    cycles = {c["slug"]: c for c in _get(world, role, "/api/feedback/cycles").json()}
    found.append(("an open cycle's live counts", cycles["c2025"]["answered"] is not None, role == "steward"))
    found.append(("a cycle in preparation in the API", "c2027" in cycles, role == "steward"))

    # Private fields: on the pages and in the API, for the field organisation and for the support actor.
    team = role in ("member", "admin", "steward")
    own = role in ("support", "steward")
    page = html.unescape(_text(_get(world, role, reverse("directory:organisation", args=[world.field_org.slug]))))
    found.append(("the organisation's notes", "Notes internes du terrain" in page, team))
    page = html.unescape(_text(_get(world, role, reverse("directory:organisation", args=[world.foundation.slug]))))
    found.append(("the foundation's notes", "Notes internes de la fondation" in page, own))
    page = html.unescape(_text(_get(world, role, reverse("directory:initiative", args=[world.initiative.slug]))))
    found.append(("the initiative's notes", "Notes internes de l'initiative" in page, team))
    results = _get(world, role, "/api/organisations", q="temoin", page_size=50).json()["results"]
    private_of = {r["slug"]: r["private"] for r in results}
    found.append(("the organisation's private fields listed", private_of[world.field_org.slug] is not None, team))
    found.append(("the foundation's private fields listed", private_of[world.foundation.slug] is not None, own))
    results = _get(world, role, "/api/initiatives", q="temoin", page_size=50).json()["results"]
    private_of = {r["slug"]: r["private"] for r in results}
    found.append(("the initiative's private fields listed", private_of[world.initiative.slug] is not None, team))
    # Nobody finds a record by what it keeps private, and the open data hold none of it.
    search = html.unescape(_text(_get(world, role, reverse("directory:search"), q="notes internes du terrain")))
    found.append(("an organisation found by its notes", world.field_org.name_fr in search, False))
    hits = _get(world, role, "/api/organisations", q="notes internes").json()["count"]
    found.append(("an organisation found by its notes in the API", hits > 0, False))
    for name in ("interop:export_hsds", "interop:export_giving", "collective:cids"):
        response = _get(world, role, reverse(name))
        text = b"".join(response.streaming_content if response.streaming else [response.content]).decode()
        found.append((f"private fields in {name}", any(marker in text for marker in PRIVATE), False))

    # What the directory, the chantiers and the API show of the records: no private field one may not read.
    for path in (
        reverse("directory:home"),
        reverse("directory:organisations"),
        reverse("directory:initiatives"),
        reverse("directory:offers"),
        reverse("directory:search") + "?q=temoin",
        reverse("directory:territory", args=["quartier-verdun"]),
        reverse("directory:organisation", args=[world.field_org.slug]),
        reverse("directory:organisation", args=[world.foundation.slug]),
        reverse("directory:organisation", args=[world.other_org.slug]),
        reverse("directory:initiative", args=[world.initiative.slug]),
        reverse("directory:initiative", args=[world.other_initiative.slug]),
        reverse("directory:offer", args=[world.offer.slug]),
        reverse("chantiers:detail", args=[world.public_chantier.slug]),
        reverse("chantiers:index") + "?format=csv",
        f"/api/organisations/{world.field_org.slug}/relations",
        f"/api/chantiers/{world.public_chantier.slug}",
        "/api/offers?page_size=50",
    ):
        if leaked := _leaks(world, role, _get(world, role, path)):
            found.append((f"{path} shows {leaked}", True, False))

    wrong = [f"{what}: {'found' if seen else 'not found'}" for what, seen, expected in found if seen is not expected]
    assert not wrong, f"{role}:\n" + "\n".join(wrong)


# --- feedback stays anonymous ----------------------------------------------------------------------------------


def test_a_support_actor_never_sees_who_gave_feedback(world):
    """Six organisations the foundation funded answer its survey, with comments; once the cycle is closed and a
    comment published, nothing the support actor (nor a steward) can read names who answered, or what one said:
    the scorecard page and its CSV, the API, the lists, the notifications."""
    steward, support = world.users["steward"], world.users["support"]
    respondents = [(world.field_org, world.users["member"])]
    for number in range(5):
        org = OrganisationFactory(slug=f"repondant-{number}", name_fr=f"Répondant numéro {number}", kind="community")
        person = UserFactory(full_name=f"Répondante {number}", email=f"repondante{number}@example.org")
        member(person, org)
        respondents.append((org, person))
    for org, _person in respondents:
        RelationFactory(source=world.foundation, target=org, kind="funds", year=2026, amount=Decimal(8000))
    cycle = feedback_services.cycle_create(user=steward, slug="c2026", name_fr="Sondage 2026", year=2026)
    feedback_services.cycle_open(user=steward, cycle=cycle)
    logged = _audit_entries()
    for number, (org, person) in enumerate(respondents):
        invitation = Invitation.objects.get(cycle=cycle, organisation=org, subject=world.foundation)
        answers = {**GOOD, "recommend": 1 + number, "comment-change": f"Le rapport est long ({number})."}
        feedback_services.response_submit(user=person, invitation=invitation, answers=answers)
    assert _audit_entries() == logged, "answering left a trace in the audit log"
    feedback_services.cycle_close(user=steward, cycle=cycle)
    comment = Comment.objects.filter(cycle=cycle).first()
    feedback_services.comment_review(user=steward, comment=comment, decision="publish", text="Le rapport est long.")
    feedback_services.summary_update(
        user=support, organisation=world.foundation, is_published=True, response_fr="Merci."
    )

    traces = [world.users["member"].full_name, world.users["member"].email, world.initiative.name_fr]
    for org, person in respondents:
        traces += [org.name_fr, org.slug, person.full_name, person.email]
    scorecard = reverse("feedback:scorecard", args=[world.foundation.slug])
    readings = {
        "support": [
            (scorecard, {}),
            (scorecard, {"format": "csv"}),
            (scorecard, {"group": "community"}),
            (reverse("feedback:index"), {}),
            (reverse("feedback:scorecards"), {}),
            (reverse("matching:notifications"), {}),
            (f"/api/feedback/scorecards/{world.foundation.slug}", {}),
            (f"/api/feedback/summaries/{world.foundation.slug}", {}),
            ("/api/feedback/cycles", {}),
        ],
        "steward": [
            (scorecard, {}),
            (reverse("feedback:scorecards"), {}),
            (reverse("feedback:comments"), {}),
            (reverse("feedback:cycle", args=["c2026"]), {}),
            (reverse("feedback:practices"), {}),
            (f"/api/feedback/scorecards/{world.foundation.slug}", {}),
            ("/api/feedback/practices", {}),
        ],
    }
    shown = []
    for role, pages in readings.items():
        for path, query in pages:
            response = _get(world, role, path, **query)
            assert response.status_code == 200, (role, path, query, response.status_code)
            text = _text(response)
            shown += [(role, path, query, trace) for trace in traces if trace in text]
    assert not shown, "who answered can be read:\n" + "\n".join(map(str, shown))
    # The published comment is read as the steward edited it, and the ratings from five answers.
    page = _text(_get(world, "support", scorecard))
    assert "Le rapport est long." in page
    assert _get(world, "support", f"/api/feedback/scorecards/{world.foundation.slug}").json()["answered"] == 6


def _audit_entries() -> int:
    try:
        from auditlog.models import LogEntry
    except ImportError:  # the audit log is not installed
        return 0
    return LogEntry.objects.count()


# --- the administration site ------------------------------------------------------------------------------------


def _admin_urls() -> list[tuple[str, str]]:
    """Every registered model's list and "add" pages, from the administration site's registry."""
    urls = []
    for model in admin.site._registry:
        label = f"{model._meta.app_label}.{model._meta.model_name}"
        for page in ("changelist", "add"):
            urls.append((label, reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{page}")))
    return sorted(urls)


def test_the_administration_site_is_for_stewards_only(world):
    """Every model of the administration site, list and "add" page: the log-in page for anyone who is not staff
    (every role but the steward), refused to a staff member who is not a steward; the steward reads the directory
    and the memberships (tests/test_permissions_matrix.py checks one list's content)."""
    staff = UserFactory(full_name="Personne staff", is_staff=True)
    world.users["staff_only"] = staff
    world.sessions  # noqa: B018 (made with the staff member)
    login = reverse("admin:login")
    wrong = []
    for label, url in _admin_urls():
        for role in ROLES[:-1]:
            response = _as(world, role, lambda c: c.get(url))[0]  # noqa: B023
            if response.status_code != 302 or not response["Location"].startswith(login):
                wrong.append(f"{role} {url}: {response.status_code}")
        response = _as(world, "staff_only", lambda c: c.get(url))[0]  # noqa: B023
        if response.status_code != 403:
            wrong.append(f"staff without stewardship {url}: {response.status_code}")
        if url.endswith("/add/"):
            continue
        response = _as(world, "steward", lambda c: c.get(url))[0]  # noqa: B023
        expected = 200 if label.startswith(("directory.", "accounts.")) else (200, 403)
        if response.status_code not in ((expected,) if isinstance(expected, int) else expected):
            wrong.append(f"steward {url}: {response.status_code}")
    assert not wrong, "\n".join(wrong)


# --- every route has an entry ----------------------------------------------------------------------------------

PATH_PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")


def _api_operations() -> set[tuple[str, str]]:
    """Every operation of the API, as (method, path) from its OpenAPI schema."""
    paths = api.get_openapi_schema()["paths"]
    return {(method.upper(), path) for path, operations in paths.items() for method in operations}


def _page_routes(resolver: Any = None, namespace: str = "", prefix: str = "/", operations: Any = None) -> set[str]:
    """Every named page of the site, by its namespaced name; the language-prefixed ones once (one resolver holds
    them); the API's operations are counted as operations."""
    if operations is None:
        operations = {path for _method, path in _api_operations()}
    names = set()
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue  # every model's pages: test_the_administration_site_is_for_stewards_only
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= _page_routes(pattern, inner, prefix + str(pattern.pattern), operations)
        elif isinstance(pattern, URLPattern) and pattern.name:
            path = PATH_PARAMETER.sub(r"{\1}", prefix + str(pattern.pattern))
            if namespace == "api:" and path in operations:
                continue
            names.add(f"{namespace}{pattern.name}")
    return names


def _exercised(test: Any, argname: str) -> list[Any]:
    """The values of ``argname`` that a parametrised test really runs (its marks, not its module's tables)."""
    values = []
    for mark in getattr(test, "pytestmark", []):
        if mark.name != "parametrize":
            continue
        argnames = mark.args[0]
        names = [n.strip() for n in argnames.split(",")] if isinstance(argnames, str) else list(argnames)
        if argname not in names:
            continue
        for value in mark.args[1]:
            if hasattr(value, "marks") and hasattr(value, "id"):  # pytest.param(...)
                value = value.values
            values.append(value[names.index(argname)] if len(names) > 1 else value)
    return values


def _template(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path)


def _covered() -> tuple[set[str], set[tuple[str, str]]]:
    pages = set(_exercised(directory_matrix.test_page_access, "name"))
    pages |= set(_exercised(diagnostics_matrix.test_page_access, "name"))
    pages |= set(_exercised(scenarios_matrix.test_scenario_pages_by_role, "name"))
    pages |= {f"chantiers:{route}" for route in _exercised(chantiers_matrix.test_the_permission_matrix, "route")}
    pages |= {entry.route for entry in _exercised(test_pages, "entry")}
    calls = set(
        zip(
            _exercised(directory_matrix.test_api_write_access, "method"),
            _exercised(directory_matrix.test_api_write_access, "path"),
            strict=True,
        )
    )
    calls |= set(
        zip(
            _exercised(diagnostics_matrix.test_api_access, "method"),
            _exercised(diagnostics_matrix.test_api_access, "path"),
            strict=True,
        )
    )
    calls |= {(call.method, call.path) for call in _exercised(test_api, "call")}
    calls |= {(call.method, call.path) for call in SUPPORT_CALLS}
    return pages, {(method.upper(), _template(path)) for method, path in calls}


def test_every_route_has_an_entry():
    """A page or an API operation that no matrix exercises fails here, by name: add its row to ``PAGES`` or
    ``CALLS`` above (or to its app's matrix), with the expected outcome for every role."""
    pages, calls = _covered()
    missing = [f"page {name}" for name in sorted(_page_routes() - pages)]
    missing += sorted(f"API {m} {p}" for m, p in _api_operations() if (m, _template(p)) not in calls)
    assert not missing, "without an entry in a matrix:\n" + "\n".join(missing)
    # The roles the app matrices lack are added here for each of their routes.
    assert {e[0] for e in directory_matrix.MATRIX} <= {e.route for e in SUPPORT_ROWS}
    assert {(m.upper(), _template(p)) for m, p, *_rest in directory_matrix.API_WRITES} <= {
        (c.method.upper(), _template(c.path)) for c in SUPPORT_CALLS
    }
    assert len(SCENARIO_ROWS) == len(scenarios_matrix.MATRIX)
    assert {r for r, *_rest in CHANTIER_ROWS} == {r for r, *_rest in chantiers_matrix.MATRIX}
