"""The demo's fictional chantiers: labelled demo, in real territories, reloaded identically, and showing
conditions in place, partial and missing."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from maillage.chantiers import selectors
from maillage.chantiers.loaders import CHANTIERS, demo_chantiers_clear, demo_chantiers_load
from maillage.chantiers.models import SECTOR_OF_KIND, Chantier, Invitation, Participant
from maillage.collective.models import Indicator
from maillage.core import chantiers as core
from maillage.core.demo import DemoSpec
from maillage.directory.models import Organisation, Territory

SEED = 2026


pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo as `maillage demo` loads it, once for this file (about four seconds), without the diagnostics,
    scenarios and feedback, which chantiers do not read. Each test rolls back on top of it; it is removed
    after the last one."""
    from maillage.collective.loaders import demo_collective_load
    from maillage.collective.models import Round
    from maillage.directory.loaders import demo_clear, demo_load

    with django_db_blocker.unblock():
        demo_load(DemoSpec(organisations=400, seed=SEED))
        demo_collective_load(seed=SEED)
        assert demo_chantiers_load(seed=SEED) == len(CHANTIERS)
    yield
    with django_db_blocker.unblock():
        demo_chantiers_clear()
        Round.objects.filter(is_demo=True).delete()
        Indicator.objects.filter(is_demo=True).delete()
        demo_clear()


def by_territory() -> dict[str, Chantier]:
    return {c.territory.slug: c for c in Chantier.objects.select_related("territory")}


def snapshot() -> list[tuple]:
    """Everything the loader writes, without database ids or timestamps."""
    rows = []
    for c in Chantier.objects.order_by("slug"):
        rows.append(
            (
                c.slug,
                c.title_fr,
                c.title_en,
                c.whom_fr,
                c.territory.slug,
                c.due_on,
                c.visibility,
                c.is_demo,
                sorted(
                    (
                        p.organisation.slug,
                        p.sector,
                        p.role,
                        p.decides,
                        sorted(
                            (k.kind, k.amount, k.hours, k.description_fr, k.description_en) for k in p.commitments.all()
                        ),
                    )
                    for p in c.participants.all()
                ),
                [
                    (
                        i.indicator.slug if i.indicator else None,
                        i.name_fr,
                        i.unit_en,
                        i.baseline,
                        i.baseline_on,
                        i.target,
                        i.target_on,
                        [(m.measured_on, m.value, m.source) for m in i.measurements.all()],
                    )
                    for i in c.indicators.all()
                ],
                [
                    (a.title_fr, a.title_en, a.owner.organisation.slug if a.owner else None, a.elements, a.status)
                    for a in c.actions.order_by("title_fr")
                ],
                [(a.starts_on, a.due_on, a.budget) for a in c.actions.order_by("title_fr")],
                [(e.kind, e.happened_on, e.title, e.text, e.author.slug) for e in c.journal.all()],
                [(i.organisation.slug, i.role, i.status, i.message) for i in c.invitations.all()],
            )
        )
    return rows


def statuses(chantier: Chantier) -> dict[str, str]:
    return {c.condition: c.status for c in core.check_conditions(selectors.facts(chantier))}


def findings(chantier: Chantier) -> set[str]:
    people = selectors.core_participants(chantier.participants.select_related("organisation"))
    return {f.code for f in core.power(people).findings}


def test_the_demo_chantiers_are_fictional_in_real_territories(demo):
    chantiers = list(Chantier.objects.select_related("territory"))
    assert len(chantiers) == 4
    assert all(c.is_demo for c in chantiers)
    assert all(c.title_fr and c.title_en and c.whom_fr and c.whom_en for c in chantiers)
    assert all("démo" in c.description_fr and "demo" in c.description_en for c in chantiers)
    # Real territories from the reference data (the demo never writes territories).
    assert {c.territory.slug for c in chantiers} == {
        "quartier-parc-extension",
        "montreal-nord",
        "quartier-hochelaga-maisonneuve",
        "montreal",
    }
    assert all(Territory.objects.filter(pk=c.territory_id).exists() for c in chantiers)
    food = by_territory()["quartier-parc-extension"]
    assert food.title_fr.startswith("Réduire de moitié la liste d'attente des banques alimentaires de Parc-Extension")
    # Only the demo's fictional organisations take part or are invited.
    assert not Participant.objects.filter(organisation__is_demo=False).exists()
    assert not Invitation.objects.filter(organisation__is_demo=False).exists()
    assert Participant.objects.count() == sum(len(spec["participants"]) for spec in CHANTIERS)
    for chantier in chantiers:
        assert chantier.invitations.filter(status="pending").count() == 1
        assert 1 <= chantier.indicators.count() <= 2 or chantier.visibility == "private"
        assert 2 <= chantier.actions.count() <= 5
        assert chantier.journal.exists()
        assert all(p.role in core.ROLES for p in chantier.participants.all())
        # Each participant counts in the sector of its kind of organisation.
        for p in chantier.participants.select_related("organisation"):
            assert p.sector == SECTOR_OF_KIND[p.organisation.kind]
    assert [c.visibility for c in chantiers].count("private") == 1


def test_a_collective_indicator_is_used_with_its_baseline_and_target(demo):
    food = by_territory()["quartier-parc-extension"]
    chosen = [i for i in food.indicators.all() if i.indicator_id]
    assert len(chosen) == 1
    assert chosen[0].indicator.is_demo
    assert chosen[0].indicator.status == Indicator.Status.ADOPTED
    defined = [i for i in food.indicators.all() if not i.indicator_id]
    assert [(i.unit_fr, i.higher_is_better) for i in defined] == [("personnes", False)]
    assert all(
        i.baseline is not None and i.target is not None and i.measurements.count() >= 2 for i in chosen + defined
    )


def test_the_demo_shows_conditions_in_place_partial_and_missing(demo):
    found = {slug: statuses(c) for slug, c in by_territory().items()}
    everything = {status for checks in found.values() for status in checks.values()}
    assert everything == {"in_place", "partial", "missing"}
    assert set(found["quartier-parc-extension"].values()) == {"in_place"}
    assert found["montreal-nord"] == {
        "common_agenda": "partial",  # no public participant
        "shared_measurement": "partial",  # an indicator without a target; one participant shares data
        "reinforcing_activities": "partial",  # two actions on the same element at the same time
        "communication": "partial",  # last met four months ago
        "backbone": "in_place",
    }
    assert found["quartier-hochelaga-maisonneuve"] == {
        "common_agenda": "partial",  # no date, two sectors
        "shared_measurement": "missing",
        "reinforcing_activities": "partial",  # one owner
        "communication": "missing",
        "backbone": "missing",
    }


def test_the_balance_differs_between_the_demo_chantiers(demo):
    chantiers = by_territory()
    youth = chantiers["montreal-nord"]
    people = selectors.core_participants(youth.participants.select_related("organisation"))
    assert core.balance(people).missing == ("public",)
    assert youth.invitations.get().organisation.kind == "public_body"  # invited, not yet answered
    island = chantiers["montreal"]
    assert {"single_funder", "sector_majority", "money_buys_seats", "community_without_seat"} <= findings(island)
    assert findings(chantiers["quartier-parc-extension"]) == set()
    balances = {slug: core.balance(selectors.core_participants(c.participants.all())) for slug, c in chantiers.items()}
    assert len({b.evenness for b in balances.values()}) == 4


def test_loading_twice_gives_the_same_chantiers(demo):
    first = snapshot()
    assert demo_chantiers_load(seed=SEED) == 4
    assert snapshot() == first
    assert Chantier.objects.count() == 4


def test_real_chantiers_are_left_alone(demo, organisation_factory, territory):
    from maillage.chantiers import services

    real = services.chantier_create(
        user=None,
        organisation=organisation_factory(),
        data={"title_fr": "Un vrai chantier", "territory": territory("verdun")},
    )
    assert not real.is_demo
    demo_chantiers_load(seed=SEED)
    demo_chantiers_clear()
    assert list(Chantier.objects.all()) == [real]


def test_without_demo_organisations_nothing_is_written():
    from maillage.directory.loaders import demo_clear

    demo_chantiers_clear()
    demo_clear()
    assert not Organisation.objects.filter(is_demo=True).exists()
    assert demo_chantiers_load(seed=SEED) == 0
    assert not Chantier.objects.exists()


def test_the_demo_command_loads_reloads_and_clears_the_chantiers():
    out = io.StringIO()
    options = {"organisations": 60, "seed": 11, "no_scenarios": True, "no_diagnostics": True}
    call_command("demo", stdout=out, **options)
    assert Chantier.objects.filter(is_demo=True).count() == 4
    assert " 4 chantiers " in out.getvalue()
    # Reloading deletes the demo's collective indicators, which the chantiers use: they go first.
    call_command("demo", stdout=io.StringIO(), **options)
    assert Chantier.objects.filter(is_demo=True).count() == 4
    call_command("demo", clear=True, stdout=io.StringIO())
    assert not Chantier.objects.exists()
