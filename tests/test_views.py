"""Pages in French and English, and the forms people use: errors shown, nothing typed lost."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from maillage.accounts.models import Membership, User
from maillage.directory.models import Initiative, Organisation, Relation, SupportOffer
from tests.factories import member

pytestmark = pytest.mark.django_db


def text(response):
    return response.content.decode()


@pytest.mark.parametrize(
    ("path", "french", "english"),
    [
        ("/", "Rechercher dans l'annuaire", "Search the directory"),
        ("/organisations/", "Tous les territoires", "All territories"),
        ("/territories/", "Territoires de Montréal", "Montréal's territories"),
        ("/territories/quartier-parc-extension/", "Indicateurs d'équité", "Equity figures"),
        ("/about/", "Sources et licences", "Sources and licences"),
    ],
)
def test_pages_in_french_by_default_and_in_english_under_en(client, path, french, english):
    fr = client.get(path)
    en = client.get("/en" + path)
    assert fr.status_code == en.status_code == 200
    assert '<html lang="fr">' in text(fr)
    assert '<html lang="en">' in text(en)
    assert french in text(fr).replace("\u00a0", " ").replace("&#x27;", "'")
    assert english in text(en).replace("&#x27;", "'")


def test_language_switch_keeps_the_page_and_its_query(client):
    page = text(client.get("/organisations/?q=verdun&role=field"))
    assert 'href="/en/organisations/?q=verdun&amp;role=field"' in page
    back = text(client.get("/en/organisations/?q=verdun"))
    assert 'href="/organisations/?q=verdun"' in back


def test_french_typography_and_numbers(client):
    page = text(client.get("/territories/quartier-parc-extension/"))
    assert "29\u202f066" in page  # thousands separated by a narrow no-break space
    assert "98,9\u00a0%" in page  # decimal comma, no-break space before %
    english = text(client.get("/en/territories/quartier-parc-extension/"))
    assert "29,066" in english
    assert "98.9%" in english


def test_territory_page_shows_the_table_map_and_actors(client, organisation_factory, territory):
    organisation_factory(
        name_fr="Comptoir Lumière", is_demo=True, links={"territories": [territory("quartier-saint-michel")]}
    )
    page = text(client.get(reverse("directory:territory", args=["quartier-saint-michel"])))
    assert "Vivre Saint-Michel en santé" in page
    assert "<svg" in page
    assert 'class="is-highlighted"' in page
    assert "Comptoir Lumière" in page
    assert "badge-demo" in page
    borough = text(client.get(reverse("directory:territory", args=["villeray-saint-michel-parc-extension"])))
    assert "Comptoir Lumière" in borough  # the borough includes its quartiers
    assert "Parc-Extension" in borough


def test_organisation_page_shows_roles_and_relations(client, relation_factory):
    relation = relation_factory(kind="funds", amount=15000, year=2025, is_flexible=True)
    page = text(client.get(reverse("directory:organisation", args=[relation.target.slug])))
    assert "Financée par" in page
    assert relation.source.name_fr in page
    assert "15\u202f000\u00a0$" in page
    funder = text(client.get(reverse("directory:organisation", args=[relation.source.slug])))
    assert "Acteur de soutien" in funder
    assert "Acteur de terrain" in funder


def test_unknown_pages_are_translated_404s(client):
    assert "introuvable" in text(client.get("/organisations/personne/")).lower()
    response = client.get("/en/organisations/nobody/")
    assert response.status_code == 404
    assert "not found" in text(response).lower()


def test_sign_up_log_out_log_in(client):
    response = client.post(
        reverse("accounts:signup"),
        {
            "email": "Nouvelle@Example.org",
            "full_name": "Nouvelle Personne",
            "password1": "un mot de passe solide",
            "password2": "un mot de passe solide",
            "preferred_language": "fr",
        },
    )
    assert response.status_code == 302
    assert User.objects.get(email="nouvelle@example.org").full_name == "Nouvelle Personne"
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert client.get(reverse("accounts:home")).status_code == 302
    response = client.post(
        reverse("accounts:login"), {"username": "nouvelle@example.org", "password": "un mot de passe solide"}
    )
    assert response.status_code == 302
    assert client.get(reverse("accounts:home")).status_code == 200


def test_sign_up_errors_keep_what_was_typed(client, user):
    response = client.post(
        reverse("accounts:signup"),
        {
            "email": user.email,
            "full_name": "Doublon",
            "password1": "123",
            "password2": "456",
            "preferred_language": "en",
        },
    )
    assert response.status_code == 200
    page = text(response)
    assert 'value="Doublon"' in page
    assert "Les deux mots de passe sont différents" in page.replace("\u00a0", " ")
    response = client.post(
        reverse("accounts:signup"),
        {
            "email": user.email,
            "full_name": "Doublon",
            "password1": "a long enough passphrase",
            "password2": "a long enough passphrase",
            "preferred_language": "fr",
        },
    )
    assert "courriel" in text(response)


def test_password_reset_by_email(client, user):
    client.post(reverse("accounts:password_reset"), {"email": user.email})
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/\S+)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "une toute nouvelle phrase", "new_password2": "une toute nouvelle phrase"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("une toute nouvelle phrase")


def test_create_an_organisation_through_the_form(client, user, territory):
    client.force_login(user)
    data = {
        "name_fr": "Ruelle Verte du Coin",
        "kind": "collective",
        "is_field_actor": "on",
        "territories": [territory("quartier-verdun").pk],
        "neq": "1143456789",
    }
    response = client.post(reverse("directory:organisation_create"), data)
    org = Organisation.objects.get(name_fr="Ruelle Verte du Coin")
    assert response["Location"] == reverse("directory:organisation", args=[org.slug])
    assert Membership.objects.get(organisation=org, user=user).role == "admin"


def test_a_refused_form_shows_the_message_and_keeps_the_input(client, user, organisation_factory):
    organisation_factory(neq="1143456789")
    client.force_login(user)
    response = client.post(
        reverse("directory:organisation_create"),
        {
            "name_fr": "Mon Beau Collectif",
            "kind": "collective",
            "description_fr": "Nous cuisinons ensemble.",
            "neq": "1143456789",
        },
    )
    assert response.status_code == 200
    page = text(response).replace("\u00a0", " ")
    assert "Choisissez au moins un rôle" in page
    assert "Une autre organisation a déjà ce NEQ." in page
    assert 'value="Mon Beau Collectif"' in page
    assert "Nous cuisinons ensemble." in page
    assert not Organisation.objects.filter(name_fr="Mon Beau Collectif").exists()


def test_offer_form_refuses_min_above_max_and_negative_capacity(client, user, organisation_factory, term):
    provider = organisation_factory(is_support_actor=True, kind="foundation")
    member(user, provider)
    client.force_login(user)
    with translation.override("en"):
        url = reverse("directory:offer_create", args=[provider.slug])
    response = client.post(
        url,
        {
            "name_fr": "Fonds Élan",
            "support_type": term("support_type", "formation").pk,
            "amount_min": "5000",
            "amount_max": "100",
            "capacity": "-1",
            "flexibility": "project",
            "reporting_hours": "2",
            "application_hours": "1",
            "period_1_opens": "2026-03-01",
            "period_1_closes": "2026-02-01",
        },
    )
    assert response.status_code == 200
    page = text(response)
    assert "The minimum amount cannot be larger than the maximum amount." in page
    assert "The capacity cannot be negative" in page
    assert 'value="Fonds Élan"' in page
    assert 'value="2026-03-01"' in page
    assert not SupportOffer.objects.filter(name_fr="Fonds Élan").exists()


def test_members_add_initiatives_admins_manage_members(client, user_factory, organisation, territory):
    admin, colleague = user_factory(), user_factory(email="colleague@example.org")
    member(admin, organisation, "admin")
    client.force_login(admin)
    response = client.post(
        reverse("directory:organisation_members", args=[organisation.slug]),
        {"action": "add", "email": "colleague@example.org", "role": "member"},
    )
    assert response.status_code == 302
    client.force_login(colleague)
    response = client.post(
        reverse("directory:initiative_create", args=[organisation.slug]),
        {"name_fr": "Frigo du parc", "stage": "pilot", "territories": [territory("quartier-verdun").pk]},
    )
    initiative = Initiative.objects.get(name_fr="Frigo du parc")
    assert response["Location"] == reverse("directory:initiative", args=[initiative.slug])
    assert list(initiative.organisations.all()) == [organisation]
    # Adding someone without an account is refused in the form.
    client.force_login(admin)
    response = client.post(
        reverse("directory:organisation_members", args=[organisation.slug]),
        {"action": "add", "email": "ghost@example.org", "role": "member"},
    )
    assert response.status_code == 400
    assert 'value="ghost@example.org"' in text(response)


def test_api_token_is_shown_once(client, user):
    client.force_login(user)
    client.post(reverse("accounts:token_create"), {"name": "tableur"})
    first = text(client.get(reverse("accounts:home")))
    token = re.search(r"mlg_[\w-]+", first).group(0)
    assert token not in text(client.get(reverse("accounts:home")))
    assert client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200


def test_declare_a_relation_by_finding_the_other_organisation(client, user, organisation_factory):
    grantee = organisation_factory(name_fr="Maison des Lucioles")
    funder = organisation_factory(name_fr="Fondation Aubépine", is_support_actor=True, kind="foundation")
    member(user, grantee, "admin")
    client.force_login(user)
    url = reverse("directory:relation_create", args=[grantee.slug])
    found = client.get(url, {"find": "aubepine"})
    assert found.status_code == 200
    assert [o.slug for o in found.context["candidates"]] == [funder.slug]
    # Funding without an amount is refused; the choices stay.
    refused = client.post(url, {"find": "aubepine", "target": funder.slug, "relation": "funded_by", "year": 2025})
    assert refused.status_code == 200
    assert "Une relation de financement doit avoir une année et un montant" in text(refused)
    assert refused.context["form"]["target"].value() == funder.slug
    done = client.post(
        url,
        {
            "find": "aubepine",
            "target": funder.slug,
            "relation": "funded_by",
            "year": 2025,
            "amount": "12000",
            "is_flexible": "on",
        },
    )
    assert done["Location"] == reverse("directory:organisation", args=[grantee.slug])
    relation = Relation.objects.get()
    assert (relation.source, relation.target, relation.kind, relation.is_flexible) == (funder, grantee, "funds", True)
    page = text(client.get(reverse("directory:organisation", args=[funder.slug])))
    assert "Maison des Lucioles" in page
    client.post(reverse("directory:relation_delete", args=[relation.pk]), {"organisation": grantee.slug})
    assert not Relation.objects.exists()


def test_a_refused_form_shows_every_problem_at_once(client, user):
    client.force_login(user)
    response = client.post(
        reverse("directory:organisation_create"),
        {
            "name_fr": "Tout d'un coup",
            "kind": "collective",
            "is_field_actor": "on",
            "neq": "123",
            "cra_charity_number": "123456783RR0001",
            "staff_count": "-3",
        },
    )
    errors = response.context["form"].errors
    assert {"neq", "cra_charity_number", "staff_count"} <= set(errors)
    assert not Organisation.objects.filter(name_fr="Tout d'un coup").exists()
