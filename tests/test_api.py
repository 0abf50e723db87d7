"""The REST API: reads, filters, token-authenticated writes, and one error shape with stable codes."""

from __future__ import annotations

import re

import pytest

from maillage.accounts.services import token_create
from maillage.directory.models import Organisation, SupportOffer
from tests.factories import member

pytestmark = pytest.mark.django_db


@pytest.fixture
def token(user):
    return token_create(user=user, name="tests")[1]


def auth(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_openapi_schema_lists_the_directory(client):
    schema = client.get("/api/openapi.json").json()
    assert schema["info"]["title"] == "Maillage API"
    for path in (
        "/api/organisations",
        "/api/organisations/{slug}",
        "/api/initiatives",
        "/api/offers",
        "/api/territories",
        "/api/vocabularies",
        "/api/me",
    ):
        assert path in schema["paths"]


def test_interactive_docs_load_nothing_from_a_cdn(client):
    html = client.get("/api/docs").content.decode()
    external = [u for u in re.findall(r'(?:src|href)="([^"]+)"', html) if u.startswith(("http:", "https:", "//"))]
    assert external == []
    assert "/static/ninja/swagger-ui" in html


def test_territories_and_vocabularies(client):
    territories = client.get("/api/territories").json()
    assert len(territories) == 68
    verdun = next(t for t in territories if t["slug"] == "quartier-verdun")
    assert verdun["equity"]["population_2021"] == 70377
    assert verdun["within"] == ["verdun"]
    detail = client.get("/api/territories/quartier-verdun").json()
    assert detail["geometry"]["type"] in ("Polygon", "MultiPolygon")
    vocabularies = client.get("/api/vocabularies").json()
    assert {"code": "economie-sociale", "name_fr": "Économie sociale", "name_en": "Social economy"} in vocabularies[
        "sectors"
    ]


def test_search_and_filters(client, organisation_factory, territory):
    org = organisation_factory(
        name_fr="Friperie Économique", links={"territories": [territory("quartier-saint-michel")]}
    )
    response = client.get(
        "/api/organisations", {"q": "economique", "territory": "villeray-saint-michel-parc-extension"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert body["results"][0]["slug"] == org.slug
    assert body["results"][0]["territories"] == ["quartier-saint-michel"]
    assert body["results"][0]["private"] is None


@pytest.mark.parametrize(
    ("params", "status", "code", "field"),
    [
        ({"territory": "atlantide"}, 400, "territory_unknown", "territory"),
        ({"sector": "magie"}, 400, "sector_unknown", "sector"),
        ({"role": "wizard"}, 422, "invalid_request", "role"),
        ({"page": 0}, 422, "invalid_request", "page"),
        ({"page_size": 1000}, 422, "invalid_request", "page_size"),
    ],
)
def test_bad_query_parameters(client, params, status, code, field):
    response = client.get("/api/organisations", params)
    assert response.status_code == status
    assert response.json()["code"] == code
    assert response.json()["problems"][0]["field"] == field


def test_not_found_has_a_code(client):
    response = client.get("/api/organisations/nobody")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_writes_need_a_valid_token(client, token):
    assert (
        client.post(
            "/api/organisations", {"name_fr": "X", "is_field_actor": True}, content_type="application/json"
        ).status_code
        == 401
    )
    bad = client.post(
        "/api/organisations", {"name_fr": "X"}, content_type="application/json", **auth("mlg_not-a-token")
    )
    assert bad.status_code == 401
    assert bad.json()["code"] == "unauthenticated"
    # A wrong token is refused on reads too, rather than silently served as anonymous.
    assert client.get("/api/organisations", **auth("mlg_nope")).status_code == 401
    me = client.get("/api/me", **auth(token)).json()
    assert me["email"].endswith("@example.org")
    assert me["memberships"] == []


def test_create_and_update_an_organisation(client, token, user):
    created = client.post(
        "/api/organisations",
        {
            "name_fr": "Atelier Vélo Solidaire",
            "is_field_actor": True,
            "territories": ["quartier-verdun"],
            "sectors": ["mobilite"],
            "neq": "1143 456 789",
            "internal_notes": "à garder pour nous",
        },
        content_type="application/json",
        **auth(token),
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["neq"] == "1143456789"
    assert body["territories"] == ["quartier-verdun"]
    assert body["private"]["internal_notes"] == "à garder pour nous"
    patched = client.patch(
        f"/api/organisations/{body['slug']}",
        {"acronym": "AVS", "sectors": []},
        content_type="application/json",
        **auth(token),
    )
    assert patched.status_code == 200
    assert patched.json()["acronym"] == "AVS"
    assert patched.json()["sectors"] == []
    assert patched.json()["territories"] == ["quartier-verdun"]  # untouched fields stay


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        (
            {"name_fr": "X", "is_field_actor": True, "territories": ["atlantide"]},
            400,
            "territory_unknown",
            "territories",
        ),
        ({"name_fr": "X", "is_field_actor": True, "neq": "12"}, 400, "invalid", "neq"),
        ({"name_fr": "X"}, 400, "invalid", "is_field_actor"),
        ({"is_field_actor": True}, 422, "invalid_request", "name_fr"),
        ({"name_fr": "X", "is_field_actor": True, "staff_count": -1}, 422, "invalid_request", "staff_count"),
    ],
)
def test_invalid_organisation_bodies(client, token, body, status, code, field):
    before = Organisation.objects.count()
    response = client.post("/api/organisations", body, content_type="application/json", **auth(token))
    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    assert field in {p.get("field") for p in response.json()["problems"]}
    assert Organisation.objects.count() == before


def test_duplicate_neq_through_the_api(client, token, organisation_factory):
    organisation_factory(neq="1143456789")
    response = client.post(
        "/api/organisations",
        {"name_fr": "Y", "is_field_actor": True, "neq": "1143456789"},
        content_type="application/json",
        **auth(token),
    )
    assert response.status_code == 400
    assert response.json()["problems"][0] == {
        "code": "neq_taken",
        "field": "neq",
        "message": "Une autre organisation a déjà ce NEQ.",
    }


def test_offer_with_bad_amounts_and_capacity(client, token, user, organisation_factory):
    provider = organisation_factory(is_support_actor=True, kind="foundation")
    member(user, provider)
    base = {"provider": provider.slug, "name_fr": "Fonds", "support_type": "financement-projet"}
    response = client.post(
        "/api/offers",
        {**base, "amount_min": 9000, "amount_max": 100, "capacity": -2},
        content_type="application/json",
        **auth(token),
    )
    assert response.status_code == 400
    assert {p["code"] for p in response.json()["problems"]} == {"amount_range_invalid", "capacity_negative"}
    response = client.post(
        "/api/offers", {**base, "support_type": "teleportation"}, content_type="application/json", **auth(token)
    )
    assert response.json()["code"] == "support_type_unknown"
    assert not SupportOffer.objects.filter(name_fr="Fonds").exists()
    ok = client.post(
        "/api/offers",
        {
            **base,
            "amount_min": 100,
            "amount_max": 9000,
            "languages": ["fr", "ht"],
            "open_periods": [{"opens_on": "2026-12-01", "closes_on": "2027-01-31"}],
        },
        content_type="application/json",
        **auth(token),
    )
    assert ok.status_code == 201, ok.content
    assert ok.json()["languages"] == ["fr", "ht"]
    assert ok.json()["open_periods"][0]["closes_on"] == "2027-01-31"


def test_answers_follow_the_language_of_the_request(client):
    fr = client.get("/api/organisations", {"territory": "atlantide"}, HTTP_ACCEPT_LANGUAGE="fr")
    en = client.get("/api/organisations", {"territory": "atlantide"}, HTTP_ACCEPT_LANGUAGE="en")
    assert fr.json()["code"] == en.json()["code"] == "territory_unknown"
    assert fr.json()["message"] != en.json()["message"]
    assert "inconnu" in fr.json()["message"].lower()


def test_relations_of_an_organisation(client, relation_factory):
    relation = relation_factory(kind="funds", amount=25000, year=2024)
    data = client.get(f"/api/organisations/{relation.target.slug}/relations").json()
    assert data == [
        {
            "source": relation.source.slug,
            "target": relation.target.slug,
            "kind": "funds",
            "year": 2024,
            "amount": "25000.00",
            "is_multi_year": False,
            "is_flexible": False,
            "is_demo": False,
        }
    ]


def test_a_body_that_is_not_json(client, token):
    response = client.post("/api/organisations", "{not json", content_type="application/json", **auth(token))
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_json"
