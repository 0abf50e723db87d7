"""What the second review and the trial in a browser found, each fixed, each with its test: powers given
through invitations, private chantiers named by scenarios or addresses, dates erased by French edit forms,
values out of range, problems shown one round at a time, sectors changed by others, notifications of answers,
withdrawn invitations and values, the community's seat, queries that grew with the number of chantiers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from maillage.chantiers import selectors, services
from maillage.chantiers.models import Action, Chantier, Invitation, Measurement, Participant
from maillage.chantiers.views import indicator_chart
from maillage.core.errors import MaillageError
from maillage.matching.models import Notification
from tests.factories import OrganisationFactory, UserFactory, member
from tests.test_chantiers_web import _fund, _text
from tests.test_chantiers_web import world as world  # the shared fixture

pytestmark = pytest.mark.django_db


def _codes(error: MaillageError) -> set[str]:
    return {p.code for p in error.problems}


# --- powers -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["backbone", "lead", "funder"])
def test_a_partner_cannot_invite_to_a_role_with_a_seat(world, role):
    partner = world.users["partner"]
    with pytest.raises(MaillageError) as caught:
        services.invite(user=partner, chantier=world.private.chantier, organisation=world.candidate_org, role=role)
    assert _codes(caught.value) == {"not_a_coordinator"}
    invitation = services.invite(
        user=world.users["coordinator"], chantier=world.private.chantier, organisation=world.candidate_org, role=role
    )
    assert invitation.role == role


def test_a_partner_is_offered_only_the_roles_without_a_seat(client, world):
    client.force_login(world.users["partner"])
    page = client.get(reverse("chantiers:participants", args=[world.public.chantier.slug]), {"find": "Candidat"})
    assert [v for v, _label in page.context["invite_form"].fields["role"].choices] == ["partner", "contributor"]


def test_an_owner_updates_its_action_but_does_not_give_it_away(world):
    action = world.private.own_action  # the partner's
    data = {"title_fr": "Action de la ville", "owner": world.private.lead, "status": "blocked"}
    with pytest.raises(MaillageError) as caught:
        services.action_save(user=world.users["partner"], chantier=world.private.chantier, data=data, action=action)
    assert _codes(caught.value) == {"owner_fixed"}
    data["owner"] = world.private.partner
    services.action_save(user=world.users["partner"], chantier=world.private.chantier, data=data, action=action)
    assert Action.objects.get(pk=action.pk).status == "blocked"


def test_an_organisation_says_its_own_sector_and_the_lead_does_not(client, world):
    partner = world.private.partner  # the city, public
    with pytest.raises(MaillageError) as caught:
        services.participant_update(
            user=world.users["coordinator"], participant=partner, role="partner", sector="community", decides=False
        )
    assert _codes(caught.value) == {"sector_not_yours"}
    services.participant_update(
        user=world.users["partner"], participant=partner, role="partner", sector="community", decides=False
    )
    assert Participant.objects.get(pk=partner.pk).sector == "community"
    # On the page, a plain member of the partner sees its sector, not its role or seat; sending them is refused.
    client.force_login(world.users["partner"])
    url = reverse("chantiers:participants", args=[world.private.chantier.slug])
    form = next(r["form"] for r in client.get(url).context["rows"] if r["participant"].pk == partner.pk)
    assert (form.fields["role"].disabled, form.fields["decides"].disabled, form.fields["sector"].disabled) == (
        True,
        True,
        False,
    )
    sent = {"form": "participant", "participant": partner.pk, "sector": "public", "role": "lead"}
    assert client.post(url, sent).status_code == 403
    del sent["role"]
    assert client.post(url, sent).status_code == 302
    assert Participant.objects.get(pk=partner.pk).sector == "public"


# --- what a private chantier must not tell ------------------------------------------------------------------------


def test_a_private_chantier_has_a_random_address_and_reserved_words_are_kept(world):
    creator = world.users["coordinator"]
    data = {"title_fr": "Projet confidentiel des Berges", "territory": world.verdun}
    first = services.chantier_create(user=creator, organisation=world.lead_org, data={**data, "visibility": "private"})
    second = services.chantier_create(user=creator, organisation=world.lead_org, data={**data, "visibility": "private"})
    assert first.slug.startswith("chantier-")
    assert "berges" not in first.slug
    assert first.slug != second.slug
    public = services.chantier_create(
        user=creator, organisation=world.lead_org, data={**data, "title_fr": "Projet confidentiel des Berges"}
    )
    assert public.slug == "projet-confidentiel-des-berges"  # no "-2": the private ones do not take title slugs
    for word in ("Conditions", "New", "Invitations"):
        made = services.chantier_create(user=creator, organisation=world.lead_org, data={**data, "title_fr": word})
        assert made.slug == f"{word.lower()}-2"


def test_the_pooled_fund_of_a_private_chantier_names_neither_it_nor_its_title(world):
    _fund(world, world.private)
    steward = world.users["steward"]
    member(steward, world.lead_org)
    built = services.scenario_build(user=steward, chantier=world.private.chantier)
    assert "Berges" not in built.title
    assert built.changes["pool"][0]["id"] == f"fonds-chantier-{world.private.chantier.pk}"
    assert "berges" not in str(built.changes).lower()


def test_making_a_chantier_private_renames_its_scenario(world):
    _fund(world, world.public)
    built = services.scenario_build(user=world.users["steward"], chantier=world.public.chantier)
    assert "Open kitchen" in built.title or "Cuisine collective ouverte" in built.title
    chantier = world.public.chantier
    data = {
        "title_fr": chantier.title_fr,
        "territory": chantier.territory,
        "due_on": chantier.due_on,
        "visibility": "private",
    }
    services.chantier_update(user=world.users["coordinator"], chantier=chantier, data=data)
    built.refresh_from_db()
    assert "Cuisine" not in built.title


def test_a_hidden_chantier_costs_the_same_queries_as_a_missing_one(client, world):
    client.force_login(world.users["outsider"])
    counts = []
    for slug in (world.private.chantier.slug, "nulle-part"):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("chantiers:detail", args=[slug])).status_code == 404
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_a_nul_character_in_the_chosen_organisation_is_no_error(client, world):
    client.force_login(world.users["coordinator"])
    url = reverse("chantiers:participants", args=[world.public.chantier.slug])
    before = Invitation.objects.count()
    response = client.post(url, {"form": "invite", "organisation": "a\x00b", "role": "partner", "find": "Candidat"})
    assert response.status_code == 200  # the form says to choose an organisation; PostgreSQL is never asked
    assert Invitation.objects.count() == before


# --- dates and numbers ------------------------------------------------------------------------------------------


def test_the_french_edit_form_keeps_the_dates(client, world):
    client.force_login(world.users["coordinator"])
    chantier = world.public.chantier
    action = world.public.lead_action
    Action.objects.filter(pk=action.pk).update(starts_on=dt.date(2027, 1, 15), due_on=dt.date(2027, 6, 30))
    with translation.override("fr"):
        page = client.get(reverse("chantiers:edit", args=[chantier.slug]))
        assert 'value="2028-12-31"' in _text(page)
        page = client.get(reverse("chantiers:action_edit", args=[chantier.slug, action.pk]))
        assert 'value="2027-01-15"' in _text(page)
        assert 'value="2027-06-30"' in _text(page)


def test_a_past_deadline_is_refused_when_a_chantier_starts_but_kept_when_it_was_set(world):
    creator = world.users["coordinator"]
    with pytest.raises(MaillageError) as caught:
        services.chantier_create(
            user=creator,
            organisation=world.lead_org,
            data={"title_fr": "Trop tard", "territory": world.verdun, "due_on": dt.date(2020, 1, 1)},
        )
    assert _codes(caught.value) == {"date_past"}
    chantier = world.public.chantier
    Chantier.objects.filter(pk=chantier.pk).update(due_on=dt.date(2020, 1, 1))
    chantier.refresh_from_db()
    data = {"title_fr": "Nouveau titre", "territory": chantier.territory, "due_on": dt.date(2020, 1, 1)}
    services.chantier_update(user=creator, chantier=chantier, data=data)  # its deadline passed: it may keep it


def test_measurements_are_bounded_dated_after_the_baseline_and_removable(world):
    indicator = world.public.indicator
    indicator.baseline, indicator.baseline_on = 100.0, dt.date(2025, 1, 1)
    indicator.save()
    partner = world.users["partner"]
    for value, on, code in (
        (1e308, dt.date(2025, 6, 1), "number_out_of_range"),
        (90.0, dt.date(2020, 1, 1), "date_before_baseline"),
    ):
        with pytest.raises(MaillageError) as caught:
            services.measurement_record(user=partner, indicator=indicator, measured_on=on, value=value, source="x")
        assert _codes(caught.value) == {code}
    measurement = services.measurement_record(
        user=partner, indicator=indicator, measured_on=dt.date(2025, 1, 1), value=80.0, source="Décompte"
    )
    chart = indicator_chart(indicator)
    assert chart is not None
    assert "2025-01-01" in chart.description
    assert [value for _x, _y, _year, value in chart.dots] == [80.0]  # the measurement of the baseline's day wins
    with pytest.raises(Exception):  # noqa: B017, PT011  (PermissionDenied: neither its author nor a coordinator)
        services.measurement_delete(user=world.users["participant_admin"], measurement=measurement)
    services.measurement_delete(user=partner, measurement=measurement)
    assert not Measurement.objects.filter(pk=measurement.pk).exists()


def test_actions_and_journal_dates_stay_between_1900_and_2100(world):
    coordinator = world.users["coordinator"]
    with pytest.raises(MaillageError) as caught:
        services.action_save(
            user=coordinator,
            chantier=world.public.chantier,
            data={"title_fr": "Très vieille", "starts_on": dt.date(1, 1, 1)},
        )
    assert _codes(caught.value) == {"date_out_of_range"}


def test_a_form_shows_every_problem_at_once(client, world):
    client.force_login(world.users["coordinator"])
    with translation.override("fr"):
        response = client.post(reverse("chantiers:create"), {"organisation": world.lead_org.slug, "role": "lead"})
        form = response.context["form"]
        assert {"title_fr", "territory"} <= set(form.errors)
        response = client.post(
            reverse("chantiers:indicators", args=[world.public.chantier.slug]),
            {
                "form": "indicator",
                "name_fr": "Familles",
                "unit_fr": "familles",
                "baseline": "douze",
                "baseline_on": "2026-01-01",
                "target": "10",
                "target_on": "2025-01-01",
            },
        )
        errors = response.context["indicator_form"].errors
        assert {"baseline", "target_on"} <= set(errors)


def test_dollars_and_french_decimals_are_read(world):
    from maillage.common.forms import plain_number

    assert plain_number("$25,000", "en") == "25000"
    assert plain_number("25 000 $", "fr") == "25000"
    assert plain_number("12 500,75", "fr") == "12500.75"


# --- invitations ---------------------------------------------------------------------------------------------------


def test_the_inviter_hears_the_answer_in_its_language(world):
    admin = UserFactory(preferred_language="en")
    member(admin, world.lead_org, "admin")
    invitation = world.private.invitation  # sent by the lead organisation
    services.invitation_answer(user=world.users["invited_admin"], invitation=invitation, accept=True)
    note = Notification.objects.get(user=admin)
    assert "Fondation invitée" in note.text_fr
    assert "accepts" in note.text_en


def test_an_invitation_is_withdrawn_by_its_sender_or_a_coordinator_only(client, world):
    invitation = world.public.invitation
    with pytest.raises(Exception):  # noqa: B017, PT011  (PermissionDenied)
        services.invitation_cancel(user=world.users["partner"], invitation=invitation)
    services.invitation_cancel(user=world.users["coordinator"], invitation=invitation)
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.CANCELLED
    with pytest.raises(MaillageError):
        services.invitation_cancel(user=world.users["coordinator"], invitation=invitation)


# --- the community's seat ------------------------------------------------------------------------------------------


def test_communication_asks_for_a_community_seat(world):
    chantier = world.public.chantier
    services.journal_add(
        user=world.users["coordinator"],
        chantier=chantier,
        kind="meeting",
        happened_on=timezone.localdate(),
        title="Rencontre",
    )
    with translation.override("en"):
        texts = {c.id: c.lacking for c in selectors.conditions(chantier)}
    assert not any("community" in t for t in texts["communication"])  # the lead is a community organisation
    Participant.objects.filter(pk=world.public.lead.pk).update(decides=False)
    with translation.override("en"):
        texts = {c.id: c.lacking for c in selectors.conditions(Chantier.objects.get(pk=chantier.pk))}
    assert any("community organisation" in t for t in texts["communication"])


# --- queries --------------------------------------------------------------------------------------------------------


def test_the_stewards_overview_reads_a_fixed_number_of_queries(client, world):
    client.force_login(world.users["steward"])
    url = reverse("chantiers:overview")
    client.get(url)
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    for n in range(10):
        chantier = Chantier.objects.create(slug=f"plus-{n}", title_fr=f"Plus {n}", territory=world.verdun)
        lead = Participant.objects.create(
            chantier=chantier, organisation=OrganisationFactory(), sector="community", role="lead", decides=True
        )
        Action.objects.create(chantier=chantier, title_fr="Action", owner=lead, elements=["gouvernance"])
        services.commitment_add(user=None, participant=lead, kind="money", amount=Decimal("10"))
    with CaptureQueriesContext(connection) as after:
        response = client.get(url)
    assert response.status_code == 200
    assert len(after) == len(before)
