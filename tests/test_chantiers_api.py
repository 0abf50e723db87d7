"""Chantiers in the API and as tables: who sees which chantier (a private one is indistinguishable from a
missing one), the balance and power figures against hand computations, writes to the journal and
measurements with their stable codes, and the three CSV tables."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from maillage.accounts.models import Membership
from maillage.accounts.services import token_create
from maillage.chantiers import exports, selectors
from maillage.chantiers.models import (
    Action,
    Chantier,
    ChantierIndicator,
    Commitment,
    Invitation,
    JournalEntry,
    Measurement,
    Participant,
)
from maillage.common.tables import csv_response
from maillage.core import chantiers as core
from maillage.diagnostics import selectors as diagnostic_selectors
from maillage.directory.models import Organisation, Territory
from tests.factories import OrganisationFactory, UserFactory, member

pytestmark = pytest.mark.django_db


def _bearer(user):
    return {"HTTP_AUTHORIZATION": f"Bearer {token_create(user=user, name='t')[1]}"}


@pytest.fixture
def world():
    """Two chantiers in Verdun.

    - ``private``: the community organisation is its backbone (a seat, 400 staff hours, data), the
      foundation funds it (a seat, $60,000, data), the city is a partner without a seat ($30,000 and 100
      staff hours); another organisation is invited. One indicator measured 30 days ago, two actions of
      two owners on different elements, one meeting 10 days ago and no decision yet.
    - ``public``: led by another organisation alone, nothing else.
    """
    today = timezone.localdate()
    verdun = Territory.objects.get(slug="quartier-verdun")
    city = OrganisationFactory(
        slug="ville", name_fr="Ville de Montréal", name_en="City of Montréal", kind="public_body"
    )
    foundation = OrganisationFactory(slug="fondation", name_fr="Fondation du Sud-Ouest", kind="foundation")
    community = OrganisationFactory(slug="maison", name_fr="Maison de quartier", kind="community")
    other = OrganisationFactory(slug="autre", name_fr="Autre organisme", kind="community")
    invited = OrganisationFactory(slug="invite", name_fr="Organisme invité", kind="community")

    private = Chantier.objects.create(
        slug="securite-alimentaire",
        title_fr="Sécurité alimentaire des familles",
        title_en="Food security for families",
        whom_fr="Les familles à faible revenu",
        description_fr="Pourquoi et comment.",
        territory=verdun,
        due_on=today + timedelta(days=700),
        visibility=Chantier.Visibility.PRIVATE,
    )
    p_community = Participant.objects.create(
        chantier=private, organisation=community, sector="community", role="backbone", decides=True
    )
    p_foundation = Participant.objects.create(
        chantier=private, organisation=foundation, sector="philanthropic", role="funder", decides=True
    )
    p_city = Participant.objects.create(
        chantier=private, organisation=city, sector="public", role="partner", decides=False
    )
    Commitment.objects.create(participant=p_community, kind="staff_time", hours=400)
    Commitment.objects.create(participant=p_community, kind="data", description_fr="Fréquentation des comptoirs")
    Commitment.objects.create(participant=p_foundation, kind="money", amount=Decimal("60000.00"))
    Commitment.objects.create(participant=p_foundation, kind="data", description_en="Grant reports")
    Commitment.objects.create(participant=p_city, kind="money", amount=Decimal("30000.00"))
    Commitment.objects.create(participant=p_city, kind="staff_time", hours=100)
    Invitation.objects.create(chantier=private, organisation=invited, role="partner", invited_by=community)

    indicator = ChantierIndicator.objects.create(
        chantier=private,
        name_fr="Familles en insécurité alimentaire",
        unit_fr="familles",
        higher_is_better=False,
        baseline=120,
        baseline_on=today - timedelta(days=400),
        target=60,
        target_on=today + timedelta(days=700),
    )
    Measurement.objects.create(indicator=indicator, measured_on=today - timedelta(days=30), value=110, source="Enquête")
    elements = list(diagnostic_selectors.element_names("fr"))[:3]
    first = Action.objects.create(
        chantier=private,
        title_fr="Ouvrir un comptoir",
        title_en="Open a food counter",
        owner=p_community,
        elements=elements[:2],
        starts_on=today,
        due_on=today + timedelta(days=90),
        budget=Decimal("5000.00"),
    )
    second = Action.objects.create(
        chantier=private, title_fr="Cartographier les besoins", owner=p_city, elements=elements[2:3]
    )
    JournalEntry.objects.create(
        chantier=private, kind="meeting", happened_on=today - timedelta(days=10), title="Rencontre", author=community
    )

    public = Chantier.objects.create(slug="transport", title_fr="Transport actif", territory=verdun)
    Participant.objects.create(chantier=public, organisation=other, sector="community", role="lead", decides=True)

    users = {}
    for name, organisation in (
        ("city", city),
        ("foundation", foundation),
        ("community", community),
        ("other", other),
        ("invited", invited),
    ):
        users[name] = UserFactory()
        member(users[name], organisation, Membership.Role.ADMIN)
    users["steward"] = UserFactory(is_steward=True)
    return SimpleNamespace(
        today=today,
        verdun=verdun,
        private=private,
        public=public,
        indicator=indicator,
        actions=[first, second],
        elements=elements,
        users=users,
        organisations={"city": city, "foundation": foundation, "community": community, "other": other},
    )


def _slugs(response):
    assert response.status_code == 200, response.content
    return sorted(c["slug"] for c in response.json()["results"])


# --- who sees what -------------------------------------------------------------------------------


def test_the_list_hides_private_chantiers_from_those_not_in_them(client, world):
    assert _slugs(client.get("/api/chantiers")) == ["transport"]
    for name in ("other", "steward"):
        assert _slugs(client.get("/api/chantiers", **_bearer(world.users[name]))) == ["transport"], name
    for name in ("city", "community", "invited"):
        assert _slugs(client.get("/api/chantiers", **_bearer(world.users[name]))) == [
            "securite-alimentaire",
            "transport",
        ], name


def test_the_list_gives_each_chantiers_balance(client, world):
    listed = {c["slug"]: c for c in client.get("/api/chantiers", **_bearer(world.users["city"])).json()["results"]}
    private = listed["securite-alimentaire"]
    assert private["visibility"] == "private"
    assert private["territory"] == "quartier-verdun"
    assert private["balance"]["participants"] == 3
    assert private["balance"]["money"] == 90_000
    assert private["balance"]["sectors"]["philanthropic"]["money_share"] == pytest.approx(2 / 3)
    assert listed["transport"]["balance"]["missing"] == ["public", "philanthropic"]


def test_a_hidden_chantier_answers_exactly_like_a_missing_one(client, world):
    missing = client.get("/api/chantiers/nothing-here")
    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found"
    for headers in ({}, _bearer(world.users["other"]), _bearer(world.users["steward"])):
        hidden = client.get("/api/chantiers/securite-alimentaire", **headers)
        assert hidden.status_code == 404
        assert hidden.json() == missing.json()
    assert client.get("/api/chantiers/transport").status_code == 200


def test_an_invalid_token_is_refused_rather_than_served_as_anonymous(client, world):
    response = client.get("/api/chantiers", HTTP_AUTHORIZATION="Bearer mlg_nope")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_pending_invitations_are_for_participants_only(client, world):
    invited = client.get("/api/chantiers/securite-alimentaire", **_bearer(world.users["invited"]))
    assert invited.status_code == 200
    assert invited.json()["invitations"] is None
    participant = client.get("/api/chantiers/securite-alimentaire", **_bearer(world.users["city"])).json()
    assert [(i["organisation"], i["role"], i["invited_by"]) for i in participant["invitations"]] == [
        ("invite", "partner", "maison")
    ]
    assert client.get("/api/chantiers/transport").json()["invitations"] is None


# --- figures ---------------------------------------------------------------------------------------


def test_the_detail_balance_against_a_hand_computation(client, world):
    data = client.get("/api/chantiers/securite-alimentaire", **_bearer(world.users["city"])).json()
    balance = data["balance"]
    # $60,000 + $30,000 + $0; 400 + 100 staff hours; seats: the foundation and the community organisation.
    assert (balance["participants"], balance["money"], balance["hours"], balance["seats"]) == (3, 90_000, 500, 2)
    assert balance["evenness"] == 1.0  # one participant in each sector
    assert balance["represented"] == ["public", "philanthropic", "community"]
    assert balance["missing"] == []
    public, philanthropic, community = (balance["sectors"][s] for s in ("public", "philanthropic", "community"))
    assert philanthropic["money"] == 60_000
    assert philanthropic["money_share"] == pytest.approx(2 / 3)
    assert public["money_share"] == pytest.approx(1 / 3)
    assert community["money_share"] == 0
    assert community["hours_share"] == pytest.approx(0.8)
    assert public["hours_share"] == pytest.approx(0.2)
    assert philanthropic["hours_share"] == 0
    assert (public["seats"], philanthropic["seats"], community["seats"]) == (0, 1, 1)
    assert (public["seat_share"], philanthropic["seat_share"], community["seat_share"]) == (0, 0.5, 0.5)
    assert public["participant_share"] == pytest.approx(1 / 3)
    assert community["commitments"] == {"money": 0, "staff_time": 1, "space": 0, "data": 1, "decisions": 0}


def test_the_detail_power_against_a_hand_computation(client, world):
    power = client.get("/api/chantiers/securite-alimentaire", **_bearer(world.users["city"])).json()["power"]
    assert power["seats"] == {"public": 0, "philanthropic": 1, "community": 1}
    assert power["money"] == {"public": 30_000, "philanthropic": 60_000, "community": 0}
    funders = power["funders"]
    assert (funders["total"], funders["funders"]) == (90_000, 2)
    assert funders["largest_share"] == pytest.approx(2 / 3)
    assert funders["hhi"] == pytest.approx((200 / 3) ** 2 + (100 / 3) ** 2)  # 5,555.6
    findings = {f["code"]: f for f in power["findings"]}
    # No sector holds more than half the seats; the richest sector ties for the most seats: neither finding.
    assert set(findings) == {"money_without_seat", "single_funder"}
    assert findings["money_without_seat"]["sector"] == "public"
    assert findings["money_without_seat"]["figures"] == {"money": 30_000}
    assert findings["single_funder"]["subject"] == "fondation"
    assert findings["single_funder"]["figures"]["share"] == pytest.approx(2 / 3)


def test_the_detail_gives_the_change_its_records_and_conditions(client, world):
    data = client.get("/api/chantiers/securite-alimentaire", **_bearer(world.users["community"])).json()
    assert data["title_en"] == "Food security for families"
    assert data["description_fr"] == "Pourquoi et comment."
    assert data["due_on"] == (world.today + timedelta(days=700)).isoformat()
    assert data["is_demo"] is False
    # By role (backbone, funder, partner), as on the page.
    assert [(p["organisation"], p["sector"], p["role"], p["decides"]) for p in data["participants"]] == [
        ("maison", "community", "backbone", True),
        ("fondation", "philanthropic", "funder", True),
        ("ville", "public", "partner", False),
    ]
    foundation = data["participants"][1]
    assert sorted((c["kind"], c["amount"]) for c in foundation["commitments"]) == [
        ("data", None),
        ("money", "60000.00"),
    ]
    conditions = {c["id"]: c for c in data["conditions"]}
    assert list(conditions) == list(core.CONDITIONS)
    assert {k: c["status"] for k, c in conditions.items()} == {
        "common_agenda": "in_place",
        "shared_measurement": "in_place",
        "reinforcing_activities": "in_place",
        "communication": "partial",
        "backbone": "in_place",
    }
    assert conditions["communication"]["met"] == ["met_recently", "community_decides"]
    assert conditions["communication"]["lacking"] == ["decisions_recorded"]
    (indicator,) = data["indicators"]
    assert indicator["id"] == world.indicator.pk
    assert (indicator["baseline"], indicator["target"], indicator["unit"]) == (120, 60, "familles")
    assert [(m["value"], m["source"]) for m in indicator["measurements"]] == [(110, "Enquête")]
    actions = {
        a["owner"]: a for a in data["actions"]
    }  # by due date (where a date-less one goes depends on the database)
    assert (actions["maison"]["elements"], actions["maison"]["budget"]) == (world.elements[:2], "5000.00")
    assert (actions["ville"]["elements"], actions["ville"]["budget"]) == (world.elements[2:3], None)
    assert [(e["kind"], e["title"], e["author"]) for e in data["journal"]] == [("meeting", "Rencontre", "maison")]


def test_a_public_chantier_alone_lacks_most_conditions(client, world):
    data = client.get("/api/chantiers/transport").json()
    assert [c["status"] for c in data["conditions"]] == ["partial", "missing", "missing", "missing", "missing"]
    assert data["power"]["findings"] == [
        {"code": "sector_majority", "sector": "community", "subject": None, "figures": {"share": 1.0, "seats": 1.0}}
    ]
    assert data["balance"]["evenness"] == 0.0


def test_the_openapi_schema_lists_the_chantiers(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    assert "/api/chantiers" in paths
    assert "/api/chantiers/{slug}" in paths
    assert "/api/chantiers/{slug}/journal" in paths
    assert "/api/chantiers/{slug}/indicators/{indicator_id}/measurements" in paths


# --- writing ---------------------------------------------------------------------------------------


def _post(client, url, data, user=None):
    headers = _bearer(user) if user is not None else {}
    return client.post(url, data=data, content_type="application/json", **headers)


JOURNAL = "/api/chantiers/securite-alimentaire/journal"


def test_a_participant_writes_in_the_journal(client, world):
    response = _post(
        client,
        JOURNAL,
        {"kind": "decision", "happened_on": world.today.isoformat(), "title": "  Budget adopté ", "text": "Voté."},
        world.users["city"],
    )
    assert response.status_code == 201, response.content
    entry = response.json()
    assert (entry["kind"], entry["title"], entry["text"], entry["author"]) == (
        "decision",
        "Budget adopté",
        "Voté.",
        "ville",
    )
    saved = JournalEntry.objects.get(pk=entry["id"])
    assert saved.created_by == world.users["city"]
    # A meeting may be planned ahead; with the organisation named.
    response = _post(
        client,
        JOURNAL,
        {
            "organisation": "maison",
            "kind": "meeting",
            "happened_on": (world.today + timedelta(days=20)).isoformat(),
            "title": "Prochaine rencontre",
        },
        world.users["community"],
    )
    assert response.status_code == 201, response.content
    assert response.json()["author"] == "maison"
    # The decision now counts for the conditions.
    data = client.get("/api/chantiers/securite-alimentaire", **_bearer(world.users["city"])).json()
    assert data["conditions"][3]["status"] == "in_place"


def test_journal_writes_refused_with_stable_codes(client, world):
    entry = {"kind": "note", "happened_on": world.today.isoformat(), "title": "Nouvelles"}
    # No token: 401; a chantier one cannot see: 404 as if missing; one seen without taking part: 403.
    response = _post(client, JOURNAL, entry)
    assert (response.status_code, response.json()["code"]) == (401, "unauthenticated")
    for name in ("other", "steward"):
        response = _post(client, JOURNAL, entry, world.users[name])
        assert (response.status_code, response.json()["code"]) == (404, "not_found"), name
    response = _post(client, JOURNAL, entry, world.users["invited"])
    assert (response.status_code, response.json()["code"]) == (403, "forbidden")
    response = _post(client, "/api/chantiers/transport/journal", entry, world.users["city"])
    assert (response.status_code, response.json()["code"]) == (403, "forbidden")
    # Writing for another participant's organisation.
    response = _post(client, JOURNAL, {**entry, "organisation": "fondation"}, world.users["city"])
    assert (response.status_code, response.json()["code"]) == (403, "forbidden")
    response = _post(client, JOURNAL, {**entry, "organisation": "nowhere"}, world.users["city"])
    assert (response.status_code, response.json()["code"]) == (400, "organisation_unknown")
    # The domain's rules: every problem at once.
    response = _post(
        client,
        JOURNAL,
        {**entry, "kind": "decision", "title": " ", "happened_on": (world.today + timedelta(days=2)).isoformat()},
        world.users["city"],
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert {(p["code"], p["field"]) for p in response.json()["problems"]} == {
        ("title_missing", "title"),
        ("date_future", "happened_on"),
    }
    # Malformed requests.
    response = _post(client, JOURNAL, {**entry, "kind": "gossip"}, world.users["city"])
    assert (response.status_code, response.json()["code"]) == (422, "invalid_request")
    response = _post(client, JOURNAL, {**entry, "happened_on": "yesterday"}, world.users["city"])
    assert (response.status_code, response.json()["code"]) == (422, "invalid_request")
    assert JournalEntry.objects.filter(chantier=world.private).count() == 1


def _measurements(world):
    return f"/api/chantiers/securite-alimentaire/indicators/{world.indicator.pk}/measurements"


def test_a_participant_records_a_measurement(client, world):
    day = (world.today - timedelta(days=1)).isoformat()
    response = _post(
        client, _measurements(world), {"measured_on": day, "value": 104.5, "source": "Comptoirs"}, world.users["city"]
    )
    assert response.status_code == 201, response.content
    assert response.json() == {
        "indicator": world.indicator.pk,
        "measured_on": day,
        "value": 104.5,
        "source": "Comptoirs",
    }
    # The same date corrects the value.
    response = _post(
        client, _measurements(world), {"measured_on": day, "value": 100, "source": "Comptoirs"}, world.users["city"]
    )
    assert response.status_code == 201
    assert list(world.indicator.measurements.values_list("value", flat=True)) == [110, 100]
    measured = Measurement.objects.get(indicator=world.indicator, measured_on=day)
    assert measured.recorded_by == world.users["city"]


def test_measurement_writes_refused_with_stable_codes(client, world):
    good = {"measured_on": world.today.isoformat(), "value": 1, "source": "Enquête"}
    url = _measurements(world)
    response = _post(client, url, good)
    assert (response.status_code, response.json()["code"]) == (401, "unauthenticated")
    response = _post(client, url, good, world.users["other"])
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    response = _post(client, url, good, world.users["invited"])
    assert (response.status_code, response.json()["code"]) == (403, "forbidden")
    # An indicator of another chantier, or none.
    elsewhere = ChantierIndicator.objects.create(chantier=world.public, name_fr="Trajets", unit_fr="trajets")
    for pk in (elsewhere.pk, 999_999):
        response = _post(
            client, f"/api/chantiers/securite-alimentaire/indicators/{pk}/measurements", good, world.users["city"]
        )
        assert (response.status_code, response.json()["code"]) == (404, "not_found")
    response = _post(
        client,
        url,
        {**good, "measured_on": (world.today + timedelta(days=2)).isoformat(), "source": ""},
        world.users["city"],
    )
    assert (response.status_code, response.json()["code"]) == (400, "invalid")
    assert {(p["code"], p["field"]) for p in response.json()["problems"]} == {
        ("date_future", "measured_on"),
        ("source_missing", "source"),
    }
    for bad in ({**good, "value": "many"}, {"measured_on": good["measured_on"], "source": "x"}):
        response = _post(client, url, bad, world.users["city"])
        assert (response.status_code, response.json()["code"]) == (422, "invalid_request")
    response = client.post(
        url,
        data=json.dumps({**good, "value": float("nan")}),  # Python writes NaN, which JSON has not
        content_type="application/json",
        **_bearer(world.users["city"]),
    )
    assert (response.status_code, response.json()["code"]) == (422, "invalid_request")
    assert world.indicator.measurements.count() == 1


# --- tables ------------------------------------------------------------------------------------------


def test_the_chantiers_table(world):
    header, rows = exports.chantiers_table(Chantier.objects.order_by("slug"), "en")
    assert header == [
        "slug",
        "title",
        "whom",
        "territory",
        "territory_name",
        "due_on",
        "status",
        "visibility",
        "participants",
        "participants_public",
        "participants_philanthropic",
        "participants_community",
        "money",
        "money_public",
        "money_philanthropic",
        "money_community",
        "hours",
        "seats_public",
        "seats_philanthropic",
        "seats_community",
        "evenness",
        "condition_common_agenda",
        "condition_shared_measurement",
        "condition_reinforcing_activities",
        "condition_communication",
        "condition_backbone",
        "is_demo",
    ]
    table = [dict(zip(header, row, strict=True)) for row in rows]
    assert [r["slug"] for r in table] == ["securite-alimentaire", "transport"]
    private = table[0]
    assert private == {
        "slug": "securite-alimentaire",
        "title": "Food security for families",
        "whom": "Les familles à faible revenu",  # no English: the French
        "territory": "quartier-verdun",
        "territory_name": world.verdun.name_en or world.verdun.name_fr,
        "due_on": world.today + timedelta(days=700),
        "status": "active",
        "visibility": "private",
        "participants": 3,
        "participants_public": 1,
        "participants_philanthropic": 1,
        "participants_community": 1,
        "money": Decimal("90000.00"),
        "money_public": Decimal("30000.00"),
        "money_philanthropic": Decimal("60000.00"),
        "money_community": Decimal("0.00"),
        "hours": 500,
        "seats_public": 0,
        "seats_philanthropic": 1,
        "seats_community": 1,
        "evenness": 1.0,
        "condition_common_agenda": "in_place",
        "condition_shared_measurement": "in_place",
        "condition_reinforcing_activities": "in_place",
        "condition_communication": "partial",
        "condition_backbone": "in_place",
        "is_demo": 0,
    }
    assert table[1]["title"] == "Transport actif"
    assert table[1]["evenness"] == 0.0
    assert table[1]["condition_backbone"] == "missing"


def test_the_chantiers_table_reads_participants_in_a_fixed_number_of_queries(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    user = world.users["city"]
    selectors.visible(user)  # the person's memberships, read once and kept on the user
    with CaptureQueriesContext(connection) as before:
        exports.chantiers_table(selectors.visible(user), "fr")
    extra = OrganisationFactory(kind="foundation")
    participant = Participant.objects.create(
        chantier=world.private, organisation=extra, sector="philanthropic", role="funder", decides=True
    )
    Commitment.objects.create(participant=participant, kind="money", amount=Decimal("10"))
    Commitment.objects.create(participant=participant, kind="staff_time", hours=3)
    with CaptureQueriesContext(connection) as after:
        _header, rows = exports.chantiers_table(selectors.visible(user), "fr")
    assert len(after) == len(before)
    assert next(r for r in rows if r[0] == "securite-alimentaire")[12] == Decimal("90010.00")


def test_the_plan_table(world):
    header, rows = exports.plan_table(world.private, "en")
    assert header == [
        "id",
        "title",
        "owner",
        "owner_name",
        "owner_sector",
        "elements",
        "element_names",
        "starts_on",
        "due_on",
        "status",
        "budget",
    ]
    names = diagnostic_selectors.element_names("en")
    table = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    first, second = table[world.actions[0].pk], table[world.actions[1].pk]
    assert first == {
        "id": world.actions[0].pk,
        "title": "Open a food counter",
        "owner": "maison",
        "owner_name": "Maison de quartier",
        "owner_sector": "community",
        "elements": " ".join(world.elements[:2]),
        "element_names": "; ".join(names[e] for e in world.elements[:2]),
        "starts_on": world.today,
        "due_on": world.today + timedelta(days=90),
        "status": "planned",
        "budget": Decimal("5000.00"),
    }
    assert (second["title"], second["owner_name"], second["owner_sector"]) == (
        "Cartographier les besoins",
        "City of Montréal",
        "public",
    )
    assert (second["starts_on"], second["due_on"], second["budget"]) == (None, None, None)


def test_the_commitments_table(world):
    Participant.objects.create(
        chantier=world.private, organisation=world.organisations["other"], sector="community", role="contributor"
    )
    header, rows = exports.commitments_table(Chantier.objects.get(pk=world.private.pk), "en")
    assert header == [
        "organisation",
        "organisation_name",
        "sector",
        "role",
        "decides",
        "kind",
        "amount",
        "hours",
        "description",
    ]
    assert rows == [
        ["maison", "Maison de quartier", "community", "backbone", 1, "data", None, None, "Fréquentation des comptoirs"],
        ["maison", "Maison de quartier", "community", "backbone", 1, "staff_time", None, 400, None],
        ["fondation", "Fondation du Sud-Ouest", "philanthropic", "funder", 1, "data", None, None, "Grant reports"],
        ["fondation", "Fondation du Sud-Ouest", "philanthropic", "funder", 1, "money", Decimal("60000.00"), None, None],
        ["ville", "City of Montréal", "public", "partner", 0, "money", Decimal("30000.00"), None, None],
        ["ville", "City of Montréal", "public", "partner", 0, "staff_time", None, 100, None],
        ["autre", "Autre organisme", "community", "contributor", 0, None, None, None, None],
    ]
    _header, french = exports.commitments_table(world.private, "fr")
    assert french[4][1] == "Ville de Montréal"


def test_a_table_as_a_csv_file(world):
    Organisation.objects.filter(slug="maison").update(name_fr="=HYPERLINK(1)")
    response = csv_response("engagements.csv", *exports.commitments_table(world.private, "fr"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="engagements.csv"'
    text = response.content.decode("utf-8")
    assert text.startswith("\ufefforganisation,organisation_name,")
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows[0]["organisation_name"] == "'=HYPERLINK(1)"
    assert (rows[3]["kind"], rows[3]["amount"], rows[3]["hours"], rows[3]["decides"]) == ("money", "60000.00", "", "1")
    header, table = exports.chantiers_table([world.private], "fr")
    rows = list(csv.DictReader(io.StringIO(csv_response("c.csv", header, table).content.decode().lstrip("\ufeff"))))
    assert (rows[0]["evenness"], rows[0]["money"], rows[0]["due_on"]) == (
        "1",
        "90000.00",
        (world.today + timedelta(days=700)).isoformat(),
    )
