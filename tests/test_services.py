"""Writes: every bad input is refused with a clear, coded message and changes nothing."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command

from maillage.accounts import services as account_services
from maillage.accounts.models import Membership
from maillage.core.errors import MaillageError
from maillage.directory import services
from maillage.directory.models import Organisation, Relation, SupportOffer
from tests.factories import member

pytestmark = pytest.mark.django_db


def problem_codes(info):
    return {(p.field, p.code) for p in info.value.problems}


def test_creating_an_organisation_makes_its_creator_admin(user, territory):
    org = services.organisation_create(
        actor=user,
        data={
            "name_fr": "Épicerie solidaire du Coin",
            "is_field_actor": True,
            "neq": "1143 456 789",
            "cra_charity_number": "123456782 RR 0001",
            "territories": [territory("quartier-verdun")],
        },
    )
    assert org.slug == "epicerie-solidaire-du-coin"
    assert org.neq == "1143456789"
    assert org.cra_charity_number == "123456782RR0001"
    assert Membership.objects.get(user=user, organisation=org).role == "admin"
    assert "verdun" in org.search_entry.search_text
    assert "epicerie" in org.search_entry.search_text


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"name_fr": "Sans rôle"}, {("is_field_actor", "role_missing")}),
        ({"name_fr": "NEQ court", "is_field_actor": True, "neq": "123"}, {("neq", "neq_invalid")}),
        (
            {"name_fr": "Mauvais BN", "is_field_actor": True, "cra_charity_number": "123456783RR0001"},
            {("cra_charity_number", "cra_charity_number_checksum")},
        ),
        ({"name_fr": "", "is_field_actor": True}, {("name_fr", "blank")}),
        (
            {"name_fr": "Budget", "is_field_actor": True, "annual_budget": "beaucoup"},
            {("annual_budget", "invalid_choice")},
        ),
        (
            {"name_fr": "Inconnu", "is_field_actor": True, "favourite_colour": "vert"},
            {("favourite_colour", "field_unknown")},
        ),
    ],
)
def test_invalid_organisations_are_refused(user, data, expected):
    before = Organisation.objects.count()
    with pytest.raises(MaillageError) as info:
        services.organisation_create(actor=user, data=data)
    assert expected <= problem_codes(info)
    assert Organisation.objects.count() == before
    assert not Membership.objects.filter(user=user).exists()


def test_duplicate_neq_is_refused(user, organisation_factory):
    organisation_factory(neq="1143456789")
    with pytest.raises(MaillageError) as info:
        services.organisation_create(
            actor=user, data={"name_fr": "Double", "is_field_actor": True, "neq": "1143-456-789"}
        )
    assert ("neq", "neq_taken") in problem_codes(info)
    assert "NEQ" in info.value.problems[0].message


def test_only_admins_edit_the_profile(user_factory, organisation):
    outsider, plain_member, admin = user_factory(), user_factory(), user_factory()
    member(plain_member, organisation)
    member(admin, organisation, "admin")
    for actor in (outsider, plain_member):
        with pytest.raises(PermissionDenied):
            services.organisation_update(actor=actor, organisation=organisation, data={"name_fr": "Pirate"})
    services.organisation_update(actor=admin, organisation=organisation, data={"name_fr": "Nouveau nom"})
    organisation.refresh_from_db()
    assert organisation.name_fr == "Nouveau nom"
    assert organisation.sort_key == "nouveau nom"


@pytest.fixture
def provider(organisation_factory, user):
    org = organisation_factory(is_support_actor=True, kind="foundation")
    member(user, org)
    return org


def offer_data(term, **changes):
    data = {
        "name_fr": "Fonds Tremplin",
        "support_type": term("support_type", "financement-projet"),
        "amount_min": 5000,
        "amount_max": 20000,
        "capacity": 10,
        "reporting_hours": 10,
    }
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"amount_min": 30000, "amount_max": 20000}, {("amount_max", "amount_range_invalid")}),
        ({"amount_min": -5}, {("amount_min", "amount_negative")}),
        ({"capacity": -1}, {("capacity", "capacity_negative")}),
        ({"reporting_hours": -3}, {("reporting_hours", "hours_negative")}),
        ({"open_periods": [("2026-05-01", "2026-04-01")]}, {("open_periods", "period_order_invalid")}),
        ({"open_periods": [("2026-05-01", None)]}, {("open_periods", "period_incomplete")}),
    ],
)
def test_invalid_offers_are_refused(user, provider, term, changes, expected):
    with pytest.raises(MaillageError) as info:
        services.offer_create(actor=user, provider=provider, data=offer_data(term, **changes))
    assert expected <= problem_codes(info)
    assert not SupportOffer.objects.filter(name_fr="Fonds Tremplin").exists()


def test_offer_created_by_a_member_of_a_support_actor(user, provider, term, territory):
    offer = services.offer_create(
        actor=user,
        provider=provider,
        data=offer_data(
            term, territories=[territory("quartier-saint-michel")], open_periods=[("2026-01-10", "2026-02-10")]
        ),
    )
    assert list(offer.providers.all()) == [provider]
    assert offer.open_periods.count() == 1
    assert " saint michel " in offer.search_entry.search_text
    assert " financement projet " in offer.search_entry.search_text


def test_a_field_actor_is_told_to_become_a_support_actor_first(user, organisation, term):
    member(user, organisation)
    with pytest.raises(MaillageError) as info:
        services.offer_create(actor=user, provider=organisation, data=offer_data(term))
    assert info.value.code == "provider_not_support_actor"


def test_relations_obey_their_constraints(user, organisation_factory):
    source, target = organisation_factory(is_support_actor=True), organisation_factory()
    member(user, source, "admin")

    def declare(**data):
        return services.relation_create(actor=user, data={"source": source, **data})

    with pytest.raises(MaillageError) as info:
        declare(target=source, kind="partners")
    assert ("target", "relation_self") in problem_codes(info)
    with pytest.raises(MaillageError) as info:
        declare(target=target, kind="funds", year=2025)
    assert ("amount", "funding_incomplete") in problem_codes(info)
    with pytest.raises(MaillageError) as info:
        declare(target=target, kind="partners", amount=10)
    assert ("amount", "amount_not_funding") in problem_codes(info)
    with pytest.raises(MaillageError) as info:
        declare(kind="partners")
    assert ("target", "target_missing") in problem_codes(info)
    relation = declare(target=target, kind="funds", year=2025, amount=5000)
    assert Relation.objects.get(pk=relation.pk).amount == 5000


def test_either_side_declares_a_relation_but_nobody_else(user_factory, organisation_factory):
    funder, grantee, stranger_org = (
        organisation_factory(is_support_actor=True),
        organisation_factory(),
        organisation_factory(),
    )
    grantee_admin, stranger = user_factory(), user_factory()
    member(grantee_admin, grantee, "admin")
    member(stranger, stranger_org, "admin")
    data = {"source": funder, "target": grantee, "kind": "funds", "year": 2024, "amount": 1000}
    with pytest.raises(PermissionDenied):
        services.relation_create(actor=stranger, data=data)
    relation = services.relation_create(actor=grantee_admin, data=data)
    with pytest.raises(PermissionDenied):
        services.relation_delete(actor=stranger, relation=relation)
    services.relation_delete(actor=grantee_admin, relation=relation)
    assert not Relation.objects.exists()


def test_memberships_keep_one_admin(user_factory, organisation):
    admin, other = user_factory(), user_factory(email="other@example.org")
    membership = member(admin, organisation, "admin")
    added = account_services.membership_add(actor=admin, organisation=organisation, email="OTHER@example.org")
    assert added.role == "member"
    with pytest.raises(MaillageError) as info:
        account_services.membership_add(actor=admin, organisation=organisation, email="other@example.org")
    assert info.value.code == "membership_exists"
    with pytest.raises(MaillageError) as info:
        account_services.membership_add(actor=admin, organisation=organisation, email="nobody@example.org")
    assert info.value.code == "user_unknown"
    with pytest.raises(MaillageError) as info:
        account_services.membership_remove(actor=admin, membership=membership)
    assert info.value.code == "last_admin"
    with pytest.raises(PermissionDenied):
        account_services.membership_change_role(actor=other, membership=added, role="admin")


def test_sign_up_refuses_weak_passwords_and_taken_addresses(user):
    with pytest.raises(MaillageError) as info:
        account_services.user_sign_up(email="new@example.org", password="12345")
    assert info.value.code == "password_weak"
    with pytest.raises(MaillageError) as info:
        account_services.user_sign_up(email=user.email.upper(), password="a long enough passphrase")
    assert info.value.code == "email_taken"


def test_api_tokens_are_stored_hashed_and_can_be_revoked(user):
    token, raw = account_services.token_create(user=user, name="tableur")
    assert raw.startswith("mlg_")
    assert raw not in token.digest
    assert account_services.token_authenticate(raw) == user
    assert account_services.token_authenticate(raw + "x") is None
    account_services.token_revoke(user=user, token_id=token.pk)
    assert account_services.token_authenticate(raw) is None
    with pytest.raises(MaillageError):
        account_services.token_revoke(user=user, token_id=token.pk)


def test_only_superusers_appoint_stewards(user_factory):
    steward, target = user_factory(is_steward=True), user_factory()
    with pytest.raises(PermissionDenied):
        account_services.user_set_steward(actor=steward, user=target, is_steward=True)
    boss = user_factory(is_superuser=True)
    account_services.user_set_steward(actor=boss, user=target, is_steward=True)
    assert target.is_staff
    assert target.is_steward


def test_steward_command(user):
    call_command("steward", user.email.upper(), stdout=io.StringIO())
    user.refresh_from_db()
    assert user.is_steward
    assert user.is_staff
    call_command("steward", user.email, remove=True, stdout=io.StringIO())
    user.refresh_from_db()
    assert not user.is_steward
    with pytest.raises(CommandError):
        call_command("steward", "nobody@example.org")
