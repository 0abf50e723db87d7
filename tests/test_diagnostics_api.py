"""Frameworks and diagnostics through the REST API: a whole diagnostic filled by a program, and the errors."""

from __future__ import annotations

import pytest
import yaml

from maillage.accounts.services import token_create
from maillage.diagnostics import loaders, selectors
from tests.factories import InitiativeFactory, OrganisationFactory, UserFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def auth():
    def make(user):
        _token, raw = token_create(user=user, name="api")
        return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    return make


def test_a_program_fills_in_and_submits_a_diagnostic(client, auth, territory):
    org = OrganisationFactory()
    user = UserFactory()
    member(user, org)
    initiative = InitiativeFactory(carrier=org)
    headers = auth(user)
    started = client.post(f"/api/initiatives/{initiative.slug}/diagnostics", **headers)
    assert started.status_code == 201
    pk = started.json()["id"]
    assert client.post(f"/api/initiatives/{initiative.slug}/diagnostics", **headers).json()["id"] == pk

    keys = selectors.framework_of(selectors.current_framework()).question_keys()
    body = {
        "answers": dict.fromkeys(keys, 2) | {"acces-marches.q1": None},
        "importance": {"gouvernance": 1},
        "context": {"stage": "pilot", "territories": ["quartier-parc-extension"]},
        "aspirations": {"support_types": ["financement-fonctionnement"], "max_reporting_hours": 15, "horizon": "1y"},
    }
    patched = client.patch(f"/api/diagnostics/{pk}", body, content_type="application/json", **headers)
    assert patched.status_code == 200, patched.content
    data = patched.json()
    assert data["context"]["territories"] == ["quartier-parc-extension"]
    assert data["aspirations"]["max_reporting_hours"] == 15
    assert data["answers"]["acces-marches.q1"] is None

    # Only the given parts change.
    client.patch(
        f"/api/diagnostics/{pk}", {"aspirations": {"horizon": "4y+"}}, content_type="application/json", **headers
    )
    again = client.get(f"/api/diagnostics/{pk}", **headers).json()
    assert again["aspirations"] == {
        "support_types": ["financement-fonctionnement"],
        "max_reporting_hours": 15,
        "horizon": "4y+",
    }

    submitted = client.post(f"/api/diagnostics/{pk}/submit", **headers)
    assert submitted.status_code == 200
    assert submitted.json()["status"] == "submitted"
    needs = client.get(f"/api/diagnostics/{pk}/needs", **headers).json()
    assert needs["id"] == initiative.slug
    assert needs["max_burden_hours"] == 15
    weights = list(needs["needs"].values())
    assert weights == sorted(weights, reverse=True)
    assert "gouvernance" in needs["needs"]
    # Parc-Extension's shares are above the references for material deprivation and priority zones.
    assert submitted.json()["result"]["equity_multiplier"] > 1.3
    csv_text = client.get(f"/api/diagnostics/{pk}/csv", **headers).content.decode()
    assert csv_text.count("\n") == len(keys) + 1


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ({"answers": {"gouvernance.q1": 7}}, 400, "answers_invalid", "gouvernance.q1"),
        ({"answers": {"nope.q1": 3}}, 400, "answers_invalid", "nope.q1"),
        ({"importance": {"gouvernance": 4}}, 400, "answers_invalid", "gouvernance"),
        ({"context": {"territories": ["atlantis"]}}, 400, "territory_unknown", "territories"),
        ({"context": {"stage": "legendary"}}, 422, "invalid_request", "context.stage"),
        ({"aspirations": {"max_reporting_hours": -1}}, 422, "invalid_request", "aspirations.max_reporting_hours"),
    ],
)
def test_bad_updates_get_a_stable_code_and_change_nothing(client, auth, body, status, code, field):
    org = OrganisationFactory()
    user = UserFactory()
    member(user, org)
    initiative = InitiativeFactory(carrier=org)
    headers = auth(user)
    pk = client.post(f"/api/initiatives/{initiative.slug}/diagnostics", **headers).json()["id"]
    response = client.patch(f"/api/diagnostics/{pk}", body, content_type="application/json", **headers)
    assert response.status_code == status, response.content
    error = response.json()
    assert error["code"] == code
    assert error["problems"][0]["field"] == field
    assert client.get(f"/api/diagnostics/{pk}", **headers).json()["answers"] == {}


def test_submitting_an_incomplete_diagnostic_says_what_is_missing(client, auth):
    org = OrganisationFactory()
    user = UserFactory()
    member(user, org)
    headers = auth(user)
    pk = client.post(f"/api/initiatives/{InitiativeFactory(carrier=org).slug}/diagnostics", **headers).json()["id"]
    response = client.post(f"/api/diagnostics/{pk}/submit", **headers, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json()["code"] == "diagnostic_incomplete"
    assert response.json()["problems"][0]["message"].startswith("64 questions have no answer yet")
    needs = client.get(f"/api/diagnostics/{pk}/needs", **headers)
    assert needs.json()["code"] == "diagnostic_not_submitted"


def test_stewards_publish_a_version_through_the_api(client, auth):
    headers = auth(UserFactory(is_steward=True))
    document = yaml.safe_load(loaders.DEFAULT_FRAMEWORK.read_text(encoding="utf-8"))
    same = client.post(
        "/api/frameworks",
        {"content": loaders.DEFAULT_FRAMEWORK.read_text(encoding="utf-8")},
        content_type="application/json",
        **headers,
    )
    assert same.status_code == 409
    assert same.json()["code"] == "framework_version_exists"
    document["version"] = "2027.1"
    document["levels"][0]["elements"][1]["support_types"] = ["teleportation"]
    bad = client.post(
        "/api/frameworks", {"content": yaml.safe_dump(document)}, content_type="application/json", **headers
    )
    assert bad.status_code == 400
    problem = bad.json()["problems"][0]
    assert problem["field"] == "levels[0].elements[1].support_types"
    assert "changement-vise" in problem["message"]
    document["levels"][0]["elements"][1]["support_types"] = ["accompagnement"]
    good = client.post(
        "/api/frameworks",
        {"content": yaml.safe_dump(document), "note": "Test"},
        content_type="application/json",
        **headers,
    )
    assert good.status_code == 201
    assert good.json()["is_current"] is True
    listed = client.get("/api/frameworks").json()
    assert [(f["version"], f["is_current"]) for f in listed] == [("2027.1", True), ("2026.1", False)]
    assert client.get("/api/frameworks/conditions-de-reussite/2026.1").json()["version"] == "2026.1"
    assert client.get("/api/frameworks/conditions-de-reussite/1999").json()["code"] == "not_found"


def test_answers_must_be_whole_numbers_not_booleans(client, auth):
    org = OrganisationFactory()
    user = UserFactory()
    member(user, org)
    headers = auth(user)
    pk = client.post(f"/api/initiatives/{InitiativeFactory(carrier=org).slug}/diagnostics", **headers).json()["id"]
    for bad in ({"answers": {"gouvernance.q1": True}}, {"importance": {"nope": None}}):
        response = client.patch(f"/api/diagnostics/{pk}", bad, content_type="application/json", **headers)
        assert response.status_code in (400, 422), response.content
    assert client.get(f"/api/diagnostics/{pk}", **headers).json()["importance"] == {}
