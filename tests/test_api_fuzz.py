"""Fuzzing the whole API from its OpenAPI schema with Schemathesis (docs/api.md, “Fuzzing”).

Every operation of ``/api/openapi.json`` is called through Django's WSGI application, inside the test
database, with requests generated from the schema (valid ones, and invalid ones that must be refused), by
three callers: anonymous, a member of the world's organisations and a steward (with personal tokens).
Every response must not be a 5xx, must have a documented status code and content type and a body matching
its declared schema; and the other Schemathesis checks hold: invalid requests refused, valid ones not
refused as malformed, authentication enforced where the schema requires it, a missing required header
refused, 405 for a method an address does not have.

The fuzzer is given the identifiers of real records (organisations, initiatives, offers, a diagnostic, a
request, chantiers and an indicator, a survey cycle, indicators, a round, an import) so that it gets past
the 404s: through Schemathesis dictionaries in the fuzzing phase, and by ``map_case`` in the coverage phase
(every boundary and every kind of wrong value of every parameter), which runs for the member (for the
steward on the stewards' operations).

The run is derandomized (the same requests each time) and small, so that CI is reproducible and quick. To
fuzz harder locally::

    MAILLAGE_FUZZ_EXAMPLES=100 MAILLAGE_FUZZ_RANDOM=1 MAILLAGE_FUZZ_FULL=1 \\
        .venv/bin/pytest tests/test_api_fuzz.py -p no:xdist

``MAILLAGE_FUZZ_EXAMPLES`` is the number of requests per operation and caller in the fuzzing phase (8 by
default), ``MAILLAGE_FUZZ_RANDOM=1`` draws new ones at each run, ``MAILLAGE_FUZZ_FULL=1`` runs the coverage
phase for every caller. ``-k "test_member and offers"`` keeps some operations.

Below the fuzz tests, each problem the fuzzer found is kept as a plain test with the request that showed it.
"""

from __future__ import annotations

import copy
import os
import re
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
import schemathesis
from django.core.exceptions import ImproperlyConfigured
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.utils import timezone
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from jsonschema import Draft202012Validator

from maillage.accounts.models import Membership
from maillage.accounts.services import token_create
from maillage.chantiers.models import Chantier, ChantierIndicator, JournalEntry, Participant
from maillage.collective import services as collective_services
from maillage.diagnostics import selectors as diagnostic_selectors
from maillage.diagnostics.models import Diagnostic
from maillage.directory.models import OpenPeriod, Organisation, Relation, SupportOffer, Territory
from maillage.feedback import services as feedback_services
from maillage.feedback.models import Invitation as FeedbackInvitation
from maillage.interop.models import ImportRun
from maillage.matching.models import SupportRequest
from tests.factories import InitiativeFactory, OfferFactory, OrganisationFactory, RelationFactory, UserFactory, member
from tests.test_feedback import GOOD  # a survey's answers (every question of the default questionnaire)

EXAMPLES = int(os.environ.get("MAILLAGE_FUZZ_EXAMPLES", "8"))
RANDOM = os.environ.get("MAILLAGE_FUZZ_RANDOM", "") not in ("", "0")
FULL = os.environ.get("MAILLAGE_FUZZ_FULL", "") not in ("", "0")
# How often a parameter naming a record gets a real one (else whatever the fuzzer generates: mostly a 404).
REAL = 0.7
# Records named by a number get these, so that the schema's configuration can name them before they exist.
DIAGNOSTIC, REQUEST, IMPORT, CHANTIER_INDICATOR = 990_001, 990_002, 990_003, 990_004

WORLD = {
    "organisations": ["fuzz-field", "fuzz-support", "fuzz-other"],
    "initiatives": ["fuzz-initiative", "fuzz-other-initiative"],
    "offers": ["fuzz-offer", "fuzz-other-offer"],
    "diagnostics": [DIAGNOSTIC],
    "requests": [REQUEST],
    "chantiers": ["fuzz-chantier", "fuzz-private"],
    "chantier_indicators": [CHANTIER_INDICATOR],
    "cycles": ["fuzz-2025"],
    "indicators": ["indicateur-fuzz-1", "indicateur-fuzz-2"],
    "rounds": ["fuzz-round"],
    "imports": [IMPORT],
    "territories": ["quartier-verdun", "montreal"],
}


# Operations that only a steward gets past their first check (403 for everyone else).
STEWARDS_ONLY = [
    ("POST", "/api/frameworks"),
    ("GET", "/api/diagnostics/aggregates"),
    ("GET", "/api/feedback/practices"),
    ("POST", "/api/interop/imports"),
    ("GET", "/api/interop/imports/{pk}"),
    ("POST", "/api/interop/imports/{pk}/import"),
]


def _binding(dictionary: str) -> dict[str, Any]:
    return {"dictionary": dictionary, "probability": REAL}


def _config(caller: str) -> schemathesis.Config:
    """Real identifiers for the parameters that name records (per operation, since ``slug`` names an
    organisation here and a chantier there), and the phases run for this caller.

    The coverage phase (every boundary and every kind of wrong value of every parameter, about as many
    requests as an operation has fields times ten) runs where the caller gets furthest: as the member for
    most operations, as the steward for the stewards' own. Elsewhere the fuzzing phase alone runs
    (``MAILLAGE_FUZZ_FULL=1`` runs both everywhere)."""
    operations: list[dict[str, Any]] = [
        {"include-path-regex": regex, "parameters": parameters}
        for regex, parameters in [
            (r"^/api/organisations/", {"path.slug": _binding("organisations")}),
            (r"^/api/feedback/(scorecards|summaries)/", {"path.slug": _binding("organisations")}),
            (r"^/api/initiatives/", {"path.slug": _binding("initiatives")}),
            (r"^/api/offers/", {"path.slug": _binding("offers")}),
            (r"^/api/territories/", {"path.slug": _binding("territories")}),
            (r"^/api/diagnostics/", {"path.pk": _binding("diagnostics")}),
            (r"^/api/requests/", {"path.pk": _binding("requests")}),
            (r"^/api/interop/imports/", {"path.pk": _binding("imports")}),
            (
                r"^/api/chantiers/",
                {"path.slug": _binding("chantiers"), "path.indicator_id": _binding("chantier_indicators")},
            ),
            (r"^/api/collective/indicators/", {"path.slug": _binding("indicators")}),
            (r"^/api/collective/rounds/", {"path.slug": _binding("rounds")}),
        ]
    ]
    parameters = {
        "body.organisation": _binding("organisations"),
        "body.provider": _binding("organisations"),
        "body.source": _binding("organisations"),
        "body.target": _binding("organisations"),
        "body.initiative": _binding("initiatives"),
        "body.offer": _binding("offers"),
        "body.referred_offer": _binding("offers"),
        "query.cycle": _binding("cycles"),
        "query.territory": _binding("territories"),
        "query.initiative": _binding("initiatives"),
    }
    # A request the schema allows may still break a rule of the domain (an unknown identifier, a minimum
    # above a maximum, a diagnostic not yet complete): the API answers 400 with the rule's code, which the
    # schema cannot tell. 422 stays an error for valid data: it says the request does not match the schema.
    accepted = ["2xx", "3xx", "400", "401", "403", "404", "409", "429", "5xx"]
    operations.append(
        {
            "include-path": "/api/feedback/scorecards/{slug}",
            # A group of respondents too small to show is refused with 422 slice_refused (docs/feedback.md):
            # it depends on who answered, which the schema cannot tell.
            "checks": {"positive_data_acceptance": {"expected-statuses": [*accepted, "422"]}},
        }
    )
    operations.append(
        {
            "include-path": "/api/interop/imports",
            "include-method": "POST",
            # An upload's content is read by the import, not described by the schema: a file that is empty,
            # not JSON or CSV, or a zip without its data package is refused with 422 and its code
            # (file_empty, file_type_invalid, zip_invalid…), as is a missing file or a blank source.
            "checks": {"positive_data_acceptance": {"expected-statuses": [*accepted, "413", "422"]}},
        }
    )
    if not FULL:
        stewards_only = [f"{method} {path}" for method, path in STEWARDS_ONLY]
        operations.append({"include-name": stewards_only, "phases": {"coverage": {"enabled": caller == "steward"}}})
        operations.append({"exclude-name": stewards_only, "phases": {"coverage": {"enabled": caller == "member"}}})
    return schemathesis.Config.from_dict(
        {
            "dictionaries": {name: {"values": values} for name, values in WORLD.items()},
            "parameters": parameters,
            "checks": {"positive_data_acceptance": {"expected-statuses": accepted}},
            "operations": operations,
        }
    )


def _without_closing_connections():
    """Like Django's test client, keep the database connection open across requests: the test's
    transaction (and on SQLite the in-memory database) lives on it."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)


def _closing_connections_again():
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


APP = WSGIHandler()
_without_closing_connections()
try:
    member_schema = schemathesis.openapi.from_wsgi("/api/openapi.json", APP, config=_config("member"))
finally:
    _closing_connections_again()
# The document as served, for the other callers (with their own phases) and the tests below.
DOCUMENT = copy.deepcopy(member_schema.raw_schema)
anonymous_schema, steward_schema = (
    schemathesis.openapi.from_dict(copy.deepcopy(DOCUMENT), config=_config(caller))
    for caller in ("anonymous", "steward")
)
for _schema in (anonymous_schema, steward_schema):
    _schema.app, _schema.location = APP, member_schema.location
# The operations a caller without a token may use (their token is optional), and the others.
LABELS = {
    f"{method.upper()} {path}": {} in operation.get("security", [])
    for path, operations in DOCUMENT["paths"].items()
    for method, operation in operations.items()
}
OPEN = [label for label, is_open in LABELS.items() if is_open]
TOKEN_ONLY = [label for label, is_open in LABELS.items() if not is_open]


def _world() -> dict[str, Any]:
    """A few records of each kind for the fuzzer to find, and the people who may act on them."""
    today = timezone.localdate()
    verdun = Territory.objects.get(slug="quartier-verdun")
    person = UserFactory(email="fuzz-member@example.org")
    steward = UserFactory(email="fuzz-steward@example.org", is_steward=True, is_staff=True)
    field = OrganisationFactory(slug="fuzz-field", name_fr="Organisme fuzz", links={"territories": [verdun]})
    support = OrganisationFactory(
        slug="fuzz-support", name_fr="Fondation fuzz", is_support_actor=True, is_field_actor=False, kind="foundation"
    )
    other = OrganisationFactory(slug="fuzz-other", name_fr="Autre organisme fuzz")
    member(person, field, Membership.Role.ADMIN)
    member(person, support, Membership.Role.ADMIN)
    RelationFactory(source=support, target=other, kind="funds", year=2025, amount=Decimal(10000))
    initiative = InitiativeFactory(slug="fuzz-initiative", carrier=field)
    InitiativeFactory(slug="fuzz-other-initiative", carrier=other)
    offer = OfferFactory(slug="fuzz-offer", provider=support)
    OfferFactory(slug="fuzz-other-offer")
    Diagnostic.objects.create(
        pk=DIAGNOSTIC, initiative=initiative, framework=diagnostic_selectors.current_framework(), started_by=person
    )
    SupportRequest.objects.create(pk=REQUEST, initiative=initiative, offer=offer, message="Bonjour", created_by=person)

    # A survey cycle, closed, in which the organisation funded by the support actor rated it.
    respondent = UserFactory(email="fuzz-respondent@example.org")
    member(respondent, other)
    cycle = feedback_services.cycle_create(user=steward, slug="fuzz-2025", name_fr="Sondage fuzz", year=2025)
    feedback_services.cycle_open(user=steward, cycle=cycle)
    feedback_services.response_submit(
        user=respondent, invitation=FeedbackInvitation.objects.get(cycle=cycle, organisation=other), answers=GOOD
    )
    feedback_services.cycle_close(user=steward, cycle=cycle)
    feedback_services.summary_update(user=person, organisation=support, is_published=True, response_fr="Merci.")

    indicators = [
        collective_services.indicator_propose(
            user=person,
            organisation=field,
            data={
                "name_fr": f"Indicateur fuzz {n}",
                "method": "entered",
                "unit_fr": "familles",
                "source_fr": "Enquête",
            },
        )
        for n in (1, 2)
    ]
    assert [i.slug for i in indicators] == WORLD["indicators"]
    round_ = collective_services.round_create(user=steward, slug="fuzz-round", name_fr="Délibération fuzz")
    collective_services.round_candidates_set(user=steward, round=round_, indicators=indicators)
    collective_services.statement_add(user=steward, round=round_, text_fr="Une affirmation.")
    collective_services.round_open(user=steward, round=round_)

    chantier = Chantier.objects.create(slug="fuzz-chantier", title_fr="Chantier fuzz", territory=verdun)
    Participant.objects.create(chantier=chantier, organisation=field, sector="community", role="lead", decides=True)
    ChantierIndicator.objects.create(
        pk=CHANTIER_INDICATOR,
        chantier=chantier,
        name_fr="Familles",
        unit_fr="familles",
        baseline=10,
        baseline_on=today - timedelta(days=30),
    )
    private = Chantier.objects.create(
        slug="fuzz-private", title_fr="Chantier privé fuzz", territory=verdun, visibility=Chantier.Visibility.PRIVATE
    )
    Participant.objects.create(chantier=private, organisation=other, sector="community", role="lead", decides=True)

    ImportRun.objects.create(
        pk=IMPORT,
        standard="csv",
        file_name="fuzz.csv",
        source_label="Fuzz",
        created_by=steward,
        status=ImportRun.Status.FAILED,
    )
    return {"member": person, "steward": steward}


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The records, made once for the module and rolled back after it; each test rolls back its own
    changes on top of them (a savepoint), so that every operation starts from the same world."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield _world()
        transaction.set_rollback(True)


# The records the coverage phase's valid paths name (it takes no dictionary: without these, its valid
# requests would all be 404s).
COVERAGE_PATHS = [
    (r"^/api/organisations/", {"slug": "fuzz-field"}),
    (r"^/api/feedback/(scorecards|summaries)/", {"slug": "fuzz-support"}),
    (r"^/api/initiatives/", {"slug": "fuzz-initiative"}),
    (r"^/api/offers/", {"slug": "fuzz-offer"}),
    (r"^/api/territories/", {"slug": "quartier-verdun"}),
    (r"^/api/diagnostics/", {"pk": DIAGNOSTIC}),
    (r"^/api/requests/", {"pk": REQUEST}),
    (r"^/api/interop/imports/", {"pk": IMPORT}),
    (r"^/api/chantiers/", {"slug": "fuzz-chantier", "indicator_id": CHANTIER_INDICATOR}),
    (r"^/api/collective/indicators/", {"slug": "indicateur-fuzz-1"}),
    (r"^/api/collective/rounds/", {"slug": "fuzz-round"}),
]


def map_case(context, case):
    """In the coverage phase, a valid case names a record of the world. (An invalid one keeps its path:
    the body of a request is checked before the record it names is looked up.)"""
    meta = case.meta
    if meta is None or meta.phase.name.value != "coverage" or not meta.generation.mode.is_positive:
        return case
    for pattern, values in COVERAGE_PATHS:
        if re.match(pattern, case.operation.path):
            case.path_parameters = {name: values.get(name, value) for name, value in case.path_parameters.items()}
            break
    return case


member_schema.hook(map_case)
steward_schema.hook(map_case)


# The current caller's token, which the auth below sends.
TOKEN: dict[str, str | None] = {"raw": None}


class BearerToken:
    """The caller's personal token, given through Schemathesis so that it knows the request is
    authenticated (and leaves the header out where a case tries the request without it)."""

    def get(self, case, context):
        return TOKEN["raw"]

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


member_schema.auth(refresh_interval=None)(BearerToken)
steward_schema.auth(refresh_interval=None)(BearerToken)


@pytest.fixture
def fuzzing(caller, world, db, settings, tmp_path):
    """The caller's token; uploads in a temporary folder; the connection kept open across requests."""
    settings.MEDIA_ROOT = tmp_path / "media"
    TOKEN["raw"] = None if caller == "anonymous" else token_create(user=world[caller], name="fuzz")[1]
    _without_closing_connections()
    yield
    _closing_connections_again()
    TOKEN["raw"] = None


FUZZ_SETTINGS = hypothesis_settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not RANDOM,
    database=None,
    # Requests through Django and the database are slow for Hypothesis's taste, and the schemas'
    # constraints (patterns, ranges) filter out many of its draws: neither is a problem here.
    suppress_health_check=list(HealthCheck),
)


# Each test is parametrized by its caller, which names the items ``test_member[POST /api/offers][member]``.


# (The others are excluded rather than these included: the configuration's operation entries already
# include every operation, and inclusions add up.)
@pytest.mark.parametrize("caller", ["anonymous"])
@anonymous_schema.exclude(name=TOKEN_ONLY).parametrize()
@FUZZ_SETTINGS
def test_anonymous(case, fuzzing):
    case.call_and_validate()


@pytest.mark.parametrize("caller", ["anonymous"])
@anonymous_schema.exclude(name=OPEN).parametrize()
@hypothesis_settings(FUZZ_SETTINGS, max_examples=2)
def test_anonymous_without_a_token(case, fuzzing):
    """Operations that need a token refuse a caller without one (401) before reading the request, so
    that a couple of requests each are enough."""
    case.call_and_validate()


@pytest.mark.parametrize("caller", ["member"])
@member_schema.parametrize()
@FUZZ_SETTINGS
def test_member(case, fuzzing):
    """A member (administrator) of a field actor and of a support actor, which carry an initiative, offer
    an offer, started a diagnostic, sent a request, proposed indicators and take part in a chantier."""
    case.call_and_validate()


@pytest.mark.parametrize("caller", ["steward"])
@steward_schema.parametrize()
@FUZZ_SETTINGS
def test_steward(case, fuzzing):
    case.call_and_validate()


# --- what the fuzzer found, each with the request that showed it --------------------------------------


@pytest.fixture
def openapi() -> dict[str, Any]:
    return copy.deepcopy(DOCUMENT)


def _valid(openapi: dict[str, Any], schema: dict[str, Any], value: Any) -> bool:
    """Whether the value matches a part of the OpenAPI document (its references resolved in it)."""
    return Draft202012Validator({**schema, "components": openapi["components"]}).is_valid(value)


def _bearer(world: dict[str, Any], caller: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token_create(user=world[caller], name='regression')[1]}"}


def test_null_open_periods_leave_none_instead_of_a_server_error(client, world, db):
    """``PATCH /api/offers/{slug}`` with ``"open_periods": null`` was a 500 (the service iterated None).
    Null leaves no period, as null leaves no territory."""
    offer = SupportOffer.objects.get(slug="fuzz-offer")
    OpenPeriod.objects.create(offer=offer, opens_on=date(2026, 1, 1), closes_on=date(2026, 2, 1))
    response = client.patch(
        "/api/offers/fuzz-offer", {"open_periods": None}, content_type="application/json", **_bearer(world, "member")
    )
    assert response.status_code == 200, response.content
    assert response.json()["open_periods"] == []
    assert not offer.open_periods.exists()


@pytest.mark.parametrize(
    ("method", "path", "template", "status", "code"),
    [
        # 401s the schema did not list: a token is required here, and only 200 was documented.
        ("get", "/api/me", "/api/me", 401, "unauthenticated"),
        ("get", "/api/diagnostics", "/api/diagnostics", 401, "unauthenticated"),
        ("get", "/api/requests", "/api/requests", 401, "unauthenticated"),
        # 409s it did not list.
        (
            "get",
            "/api/collective/rounds/fuzz-round/results",
            "/api/collective/rounds/{slug}/results",
            409,
            "round_open",
        ),
        ("post", f"/api/requests/{REQUEST}/withdraw", "/api/requests/{pk}/withdraw", 409, "request_answered"),
    ],
)
def test_each_status_an_operation_answers_is_documented(
    client, world, db, openapi, method, path, template, status, code
):
    headers = {} if status == 401 else _bearer(world, "member")
    if code == "request_answered":
        assert client.post(path, **headers).status_code == 200  # withdrawn; withdrawing again is refused
    response = getattr(client, method)(path, **headers)
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert str(status) in openapi["paths"][template][method]["responses"]


def test_a_second_request_for_the_same_offer_is_a_documented_conflict(client, world, db, openapi):
    body = {"initiative": "fuzz-initiative", "offer": "fuzz-offer"}
    response = client.post("/api/requests", body, content_type="application/json", **_bearer(world, "member"))
    assert (response.status_code, response.json()["code"]) == (409, "request_exists")
    assert "409" in openapi["paths"]["/api/requests"]["post"]["responses"]


def test_every_operation_documents_the_error_envelope(openapi):
    """A token that is not valid is refused everywhere (401), and a query with a NUL too (422)."""
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            for status in ("400", "401", "403", "404", "422"):
                described = operation["responses"].get(status, {}).get("content", {}).get("application/json", {})
                assert described.get("schema") == {"$ref": "#/components/schemas/ErrorOut"}, (method, path, status)


def test_reads_say_that_the_token_is_optional(client, openapi, db):
    """Reads served without a token said they required one (Schemathesis: “API accepts requests without
    authentication”): an empty requirement now says that the token is optional."""
    assert client.get("/api/vocabularies").status_code == 200
    assert openapi["paths"]["/api/vocabularies"]["get"]["security"] == [{"TokenAuth": []}, {}]
    assert openapi["paths"]["/api/organisations"]["get"]["security"] == [{"TokenAuth": []}, {}]
    assert openapi["paths"]["/api/organisations"]["post"]["security"] == [{"TokenAuth": []}]
    assert openapi["paths"]["/api/me"]["get"]["security"] == [{"TokenAuth": []}]


@pytest.mark.parametrize(
    ("component", "enum"),
    [
        ("OrganisationIn", Organisation.Kind),
        ("OrganisationPatch", Organisation.Kind),
        ("RelationIn", Relation.Kind),
        ("JournalEntryIn", JournalEntry.Kind),
    ],
)
def test_each_kind_is_described_as_itself(openapi, component, enum):
    """Three enumerations are called ``Kind``; the schema kept the last, so that an organisation's kind was
    described as a journal entry's: ``POST /api/organisations {"name_fr": "0", "kind": "meeting"}`` was
    valid for the schema and refused by the API."""
    kind = openapi["components"]["schemas"][component]["properties"]["kind"]
    choices = next((branch["enum"] for branch in kind.get("anyOf", [kind]) if "enum" in branch), None)
    assert choices == list(enum.values)


def test_two_schemas_of_one_name_are_refused():
    from maillage.api import api

    document = api.get_openapi_schema(path_prefix="/api/")
    with pytest.raises(ImproperlyConfigured):
        document.add_schema_definitions({"OrganisationIn": {"title": "OrganisationIn", "type": "string"}})


@pytest.mark.parametrize(
    ("value", "status"),
    [("", 422), ("1e3", 422), ("1_000", 422), (" 12", 422), ("12.345", 422), ("12.5", 200), (1250.5, 200)],
)
def test_amounts_as_text_are_what_the_schema_says(client, world, db, openapi, value, status):
    """The schema let any text be an amount (``PATCH /api/offers/{slug} {"amount_max": ""}`` was valid for
    it, and refused); Python reads more forms than a pattern says (``1e3``, ``1_000``): both now agree."""
    response = client.patch(
        "/api/offers/fuzz-offer", {"amount_max": value}, content_type="application/json", **_bearer(world, "member")
    )
    assert response.status_code == status, response.content
    schema = openapi["components"]["schemas"]["OfferPatch"]["properties"]["amount_max"]
    assert _valid(openapi, schema, value) is (status == 200)


def test_statement_numbers_are_digits_for_the_schema_too(client, world, db, openapi):
    """``PUT /api/collective/rounds/{slug}/reactions {"votes": {"x-schemathesis-additional": null}}``: any
    key was valid for the schema, and only numbers for the API."""
    body = {"organisation": "fuzz-field", "votes": {"x-schemathesis-additional": None}}
    response = client.put(
        "/api/collective/rounds/fuzz-round/reactions", body, content_type="application/json", **_bearer(world, "member")
    )
    assert response.status_code == 422
    assert not _valid(openapi, {"$ref": "#/components/schemas/ReactionsIn"}, body)
    assert _valid(openapi, {"$ref": "#/components/schemas/ReactionsIn"}, {"organisation": "x", "votes": {"1": 1}})


def test_a_statement_not_in_the_round_is_refused_as_one_not_open_to_reactions(client, world, db):
    """A number not in the round was 422 invalid_request, a statement of the round not open to reactions
    400 statement_unknown: the same answer now, found by the fuzzer as a valid request refused as malformed."""
    body = {"organisation": "fuzz-field", "votes": {"99": 1}}
    response = client.put(
        "/api/collective/rounds/fuzz-round/reactions", body, content_type="application/json", **_bearer(world, "member")
    )
    assert response.status_code == 400
    assert [(p["code"], p["field"]) for p in response.json()["problems"]] == [("statement_unknown", "votes.99")]


@pytest.mark.parametrize(
    "body",
    [
        {"content": "x", "note": "\x00"},  # a declared field: refused, as before
        {"content": "x", "comment": "\x00"},  # a field the API does not read: it was valid for the schema
        {"content": "x", "extra": {"\x00": 1}},  # a NUL in a key was not even looked for
    ],
)
def test_a_nul_anywhere_in_a_body_is_refused_and_the_schema_says_so(client, world, db, openapi, body):
    response = client.post("/api/frameworks", body, content_type="application/json", **_bearer(world, "steward"))
    assert response.status_code == 422
    assert [p["code"] for p in response.json()["problems"]] == ["null_character"]
    schema = openapi["paths"]["/api/frameworks"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert not _valid(openapi, schema, body)
    assert _valid(openapi, schema, {**body, "note": "", "comment": "", "extra": {"x": 1}})


def test_the_formats_of_an_import_are_in_the_schema(client, world, db, openapi):
    form = openapi["paths"]["/api/interop/imports"]["post"]["requestBody"]["content"]["multipart/form-data"]
    assert form["schema"]["properties"]["standard"]["enum"] == ["hsds", "hsds-tabular", "360giving", "csv"]
    response = client.post("/api/interop/imports", {"standard": "xml"}, **_bearer(world, "steward"))
    assert (response.status_code, response.json()["code"]) == (422, "standard_unknown")  # its code, as before


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/initiatives/fuzz-initiative", "[]"),  # the fuzzer's request: 200, nothing changed
        ("/api/initiatives/fuzz-initiative", '"x"'),
        ("/api/offers/fuzz-offer", '{"open_periods": [3]}'),
        (f"/api/diagnostics/{DIAGNOSTIC}", '{"context": []}'),
    ],
)
def test_an_object_is_an_object(client, world, db, path, body):
    """django-ninja's schemas read the attributes of whatever they are given, so that a list, a number or a
    text passed for an object whose fields are all optional: refused now, as the schema says."""
    response = client.patch(path, body, content_type="application/json", **_bearer(world, "member"))
    assert response.status_code == 422, response.content
    assert [p["code"] for p in response.json()["problems"]] == ["model_type"]
