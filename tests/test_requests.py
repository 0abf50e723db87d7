"""Requests for support: an initiative asks from its basket, the support actor answers, both are told."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from maillage.accounts.services import token_create
from maillage.core.errors import MaillageError
from maillage.diagnostics import selectors as diagnostic_selectors
from maillage.diagnostics import services as diagnostic_services
from maillage.diagnostics.models import DiagnosticShare
from maillage.directory.models import Relation
from maillage.matching import services
from maillage.matching.models import Notification, OfferCover, SupportRequest
from tests.factories import InitiativeFactory, OfferFactory, OrganisationFactory, UserFactory, member
from tests.test_permissions_matrix import EXPECTED_STATUS

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(territory):
    org = OrganisationFactory(name_fr="Organisme demandeur")
    asker = UserFactory(preferred_language="fr")
    member(asker, org)
    initiative = InitiativeFactory(carrier=org, name_fr="Popote")
    initiative.territories.set([territory("quartier-verdun")])
    diagnostic, _ = diagnostic_services.diagnostic_start(user=asker, initiative=initiative)
    keys = diagnostic_selectors.framework_of(diagnostic.framework).question_keys()
    diagnostic = diagnostic_services.diagnostic_save(user=asker, diagnostic=diagnostic, answers=dict.fromkeys(keys, 2))
    diagnostic = diagnostic_services.diagnostic_submit(user=asker, diagnostic=diagnostic)
    funder = OrganisationFactory(name_fr="Fondation répondante", is_support_actor=True, kind="foundation")
    answerer = UserFactory(preferred_language="en")
    member(answerer, funder)
    offer = OfferFactory(provider=funder, name_fr="Coaching", capacity=1, reporting_hours=2)
    OfferCover.objects.create(offer=offer, element="gouvernance", strength=1.0)
    other = OfferFactory(provider=funder, name_fr="Autre offre")
    return {
        "org": org,
        "asker": asker,
        "initiative": initiative,
        "diagnostic": diagnostic,
        "funder": funder,
        "answerer": answerer,
        "offer": offer,
        "other": other,
    }


def test_ask_from_the_basket_then_accept_with_an_amount(client, world, django_capture_on_commit_callbacks):
    client.force_login(world["asker"])
    basket = client.get(reverse("matching:basket", args=[world["initiative"].slug])).content.decode()
    assert "Demander ce soutien" in basket
    with django_capture_on_commit_callbacks(execute=True):  # e-mails leave once the request is saved
        response = client.post(
            reverse("matching:request_create"),
            {
                "initiative": world["initiative"].slug,
                "offer": world["offer"].slug,
                "message": "Bonjour !",
                "share_diagnostic": "on",
            },
        )
    request = SupportRequest.objects.get()
    assert response["Location"] == reverse("matching:request", args=[request.pk])
    assert request.diagnostic == world["diagnostic"]
    assert DiagnosticShare.objects.filter(diagnostic=world["diagnostic"], organisation=world["funder"]).exists()
    # The support actor's member is told, in English (their language), by e-mail and in the app.
    assert [m.to for m in mail.outbox] == [[world["answerer"].email]]
    assert mail.outbox[0].body.startswith("New request for support: “Popote” asks for “Coaching”.")
    assert f"/en/requests/{request.pk}/" in mail.outbox[0].body
    assert Notification.objects.filter(user=world["answerer"], read_at__isnull=True).count() == 1

    client.force_login(world["answerer"])
    page = client.get(reverse("matching:request", args=[request.pk])).content.decode()
    assert "Les besoins que l'initiative a partagés" in page
    assert 'Notifications <span class="badge badge-count">1' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("matching:request", args=[request.pk]), {"decision": "accepted", "answer": "Oui", "amount": "5000"}
        )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == "accepted"
    relation = Relation.objects.get(source=world["funder"], target=world["org"])
    assert (relation.kind, relation.amount) == ("funds", 5000)
    assert services.capacity_left(world["offer"]) == 0
    offer_page = client.get(reverse("directory:offer", args=[world["offer"].slug])).content.decode()
    assert "0 place restante cette année" in offer_page
    # The initiative's member is told, in French.
    assert mail.outbox[-1].to == [world["asker"].email]
    assert mail.outbox[-1].body.startswith("Votre demande «\u00a0Coaching\u00a0» est acceptée.")
    # Full: the offer is no longer in the basket, and cannot be asked for again.
    with pytest.raises(MaillageError) as caught:
        services.request_send(user=world["asker"], initiative=world["initiative"], offer=world["offer"])
    assert caught.value.code == "offer_full"


def test_referring_needs_an_offer_and_a_second_answer_is_refused(client, world):
    request = services.request_send(user=world["asker"], initiative=world["initiative"], offer=world["offer"])
    client.force_login(world["answerer"])
    url = reverse("matching:request", args=[request.pk])
    assert "Autre offre — Fondation répondante" in client.get(url).content.decode()
    response = client.post(url, {"decision": "referred", "answer": "Voyez plutôt"})
    assert response.status_code == 400
    assert "Choisissez l&#x27;offre vers laquelle vous orientez." in response.content.decode()
    response = client.post(url, {"decision": "referred", "referred_offer": str(world["other"].pk)})
    assert response.status_code == 302
    request.refresh_from_db()
    assert (request.status, request.referred_offer) == ("referred", world["other"])
    assert not Relation.objects.filter(target=world["org"]).exists()
    again = client.post(url, {"decision": "accepted"})
    assert again.status_code in (302, 400)
    request.refresh_from_db()
    assert request.status == "referred"


def test_one_waiting_request_per_offer_and_withdrawing(client, world):
    request = services.request_send(
        user=world["asker"], initiative=world["initiative"], offer=world["offer"], share_diagnostic=False
    )
    assert request.diagnostic is None
    assert not DiagnosticShare.objects.exists()
    with pytest.raises(MaillageError) as caught:
        services.request_send(user=world["asker"], initiative=world["initiative"], offer=world["offer"])
    assert caught.value.code == "request_exists"
    client.force_login(world["asker"])
    client.post(reverse("matching:request_withdraw", args=[request.pk]))
    request.refresh_from_db()
    assert request.status == "withdrawn"
    told = Notification.objects.filter(user=world["answerer"]).order_by("-id").first()
    assert told.text_fr == "«\u00a0Popote\u00a0» a retiré sa demande pour «\u00a0Coaching\u00a0»."


ROLES = ("anonymous", "outsider", "asker", "answerer", "steward")


def by_role(*expected):
    return dict(zip(ROLES, expected, strict=True))


PAGES = [
    ("matching:requests", (), "get", by_role("login", "ok", "ok", "ok", "ok")),
    ("matching:notifications", (), "get", by_role("login", "ok", "ok", "ok", "ok")),
    ("matching:request", ("request",), "get", by_role("login", "missing", "ok", "ok", "missing")),
    # Posted empty: the answer form comes back with its message; the asker may not answer.
    ("matching:request", ("request",), "post", by_role("login", "missing", "deny", "invalid", "missing")),
    ("matching:request_withdraw", ("request",), "post", by_role("login", "missing", "redirect", "deny", "missing")),
    ("matching:request_create", (), "post", by_role("login", "redirect", "redirect", "redirect", "redirect")),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "args", "method", "expected"), PAGES, ids=[f"{p[0]}-{p[2]}" for p in PAGES])
def test_request_pages_by_role(client, world, role, name, args, method, expected):
    request = services.request_send(user=world["asker"], initiative=world["initiative"], offer=world["offer"])
    users = {
        "outsider": UserFactory(),
        "asker": world["asker"],
        "answerer": world["answerer"],
        "steward": UserFactory(is_steward=True),
    }
    if role != "anonymous":
        client.force_login(users[role])
    url = reverse(name, args=[request.pk for _ in args])
    response = getattr(client, method)(url)
    assert response.status_code in EXPECTED_STATUS[expected[role]], (role, url, response.status_code)


def test_the_api_request_flow(client, world):
    asker = {"HTTP_AUTHORIZATION": f"Bearer {token_create(user=world['asker'], name='a')[1]}"}
    answerer = {"HTTP_AUTHORIZATION": f"Bearer {token_create(user=world['answerer'], name='b')[1]}"}
    outsider = {"HTTP_AUTHORIZATION": f"Bearer {token_create(user=UserFactory(), name='c')[1]}"}
    body = {"initiative": world["initiative"].slug, "offer": world["offer"].slug, "message": "Bonjour"}
    created = client.post("/api/requests", body, content_type="application/json", **asker)
    assert created.status_code == 201
    pk = created.json()["id"]
    assert client.post("/api/requests", body, content_type="application/json", **asker).status_code == 409
    assert client.get(f"/api/requests/{pk}", **outsider).status_code == 404
    assert (
        client.post(
            f"/api/requests/{pk}/answer", {"decision": "declined"}, content_type="application/json", **asker
        ).status_code
        == 403
    )
    answered = client.post(
        f"/api/requests/{pk}/answer",
        {"decision": "declined", "answer": "Non"},
        content_type="application/json",
        **answerer,
    )
    assert answered.json()["status"] == "declined"
    assert [r["id"] for r in client.get("/api/requests", **asker).json()] == [pk]
    assert client.post(f"/api/requests/{pk}/withdraw", **asker).status_code == 409


def test_notifications_are_read_once_seen(client, world):
    services.request_send(user=world["asker"], initiative=world["initiative"], offer=world["offer"])
    client.force_login(world["answerer"])
    page = client.get(reverse("matching:notifications")).content.decode()
    assert "New request for support" not in page  # the page is in French by default
    assert "Nouvelle demande de soutien" in page
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_initiatives_without_a_carrier_in_common_see_nothing(world):
    stranger = UserFactory()
    member(stranger, OrganisationFactory())
    other_initiative = InitiativeFactory(carrier=OrganisationFactory())
    with pytest.raises(PermissionDenied):
        services.request_send(user=stranger, initiative=other_initiative, offer=world["offer"])


# --- after the code review -----------------------------------------------------------------------------


def test_a_superuser_is_a_person_like_any_other_for_private_data(client, world):
    request = services.request_send(user=world["asker"], initiative=world["initiative"], offer=world["offer"])
    boss = UserFactory(is_superuser=True, is_staff=True, is_steward=True)
    client.force_login(boss)
    assert client.get(reverse("matching:request", args=[request.pk])).status_code == 404
    assert client.get(reverse("matching:basket", args=[world["initiative"].slug])).status_code == 403
    assert client.get(reverse("diagnostics:detail", args=[world["diagnostic"].pk])).status_code == 404


def test_a_second_grant_adds_up_and_the_last_place_is_taken_once(client, world):
    world["offer"].capacity = 2
    world["offer"].save()
    second_initiative = InitiativeFactory(carrier=world["org"])
    first = services.request_send(user=world["asker"], initiative=world["initiative"], offer=world["offer"])
    second = services.request_send(user=world["asker"], initiative=second_initiative, offer=world["offer"])
    services.request_answer(user=world["answerer"], request=first, decision="accepted", amount=5000)
    services.request_answer(user=world["answerer"], request=second, decision="accepted", amount=3000)
    relation = Relation.objects.get(source=world["funder"], target=world["org"], kind="funds")
    assert relation.amount == 8000
    third_initiative = InitiativeFactory(carrier=world["org"])
    world["offer"].capacity = 3
    world["offer"].save()
    third = services.request_send(user=world["asker"], initiative=third_initiative, offer=world["offer"])
    world["offer"].capacity = 2
    world["offer"].save()
    with pytest.raises(MaillageError) as caught:
        services.request_answer(user=world["answerer"], request=third, decision="accepted")
    assert caught.value.code == "offer_full"


def test_amounts_beyond_the_column_are_refused_by_the_api(client, world):
    request = services.request_send(user=world["asker"], initiative=world["initiative"], offer=world["offer"])
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token_create(user=world['answerer'], name='b')[1]}"}
    body = {"decision": "accepted", "amount": "1" * 30}
    response = client.post(f"/api/requests/{request.pk}/answer", body, content_type="application/json", **headers)
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_request"


def test_an_offer_without_provider_cannot_be_asked_for(world):
    orphan = OfferFactory(provider=world["funder"])
    orphan.providers.clear()
    with pytest.raises(MaillageError) as caught:
        services.request_send(user=world["asker"], initiative=world["initiative"], offer=orphan)
    assert caught.value.code == "offer_without_provider"
