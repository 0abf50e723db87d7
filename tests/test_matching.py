"""The basket of support of an initiative: from its diagnostic and every offer's conditions, explained."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from maillage.accounts.models import Membership
from maillage.accounts.services import token_create
from maillage.diagnostics import selectors as diagnostic_selectors
from maillage.diagnostics import services as diagnostic_services
from maillage.matching import selectors
from maillage.matching.models import EligibilityRule, OfferCover
from tests.factories import InitiativeFactory, OfferFactory, OrganisationFactory, UserFactory, member
from tests.test_permissions_matrix import EXPECTED_STATUS, _route_names

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(territory, term):
    """A Verdun initiative whose diagnostic says it needs flexible funding and governance help."""
    org = OrganisationFactory(name_fr="Organisme témoin", legal_status="npo", founded_year=2015)
    user = UserFactory()
    member(user, org)
    initiative = InitiativeFactory(carrier=org, name_fr="Popote de Verdun")
    initiative.territories.set([territory("quartier-verdun")])
    initiative.populations.set([term("population", "jeunes")])
    diagnostic, _ = diagnostic_services.diagnostic_start(user=user, initiative=initiative)
    keys = diagnostic_selectors.framework_of(diagnostic.framework).question_keys()
    answers = dict.fromkeys(keys, 5)
    answers.update({k: 1 for k in keys if k.startswith(("financement-souple.", "gouvernance."))})
    diagnostic_services.diagnostic_save(user=user, diagnostic=diagnostic, answers=answers)
    diagnostic = diagnostic_services.diagnostic_save(
        user=user,
        diagnostic=diagnostic,
        aspirations=diagnostic_services.AspirationsInput(wanted_support_types=[], max_reporting_hours=30, horizon="1y"),
    )
    diagnostic_services.diagnostic_submit(user=user, diagnostic=diagnostic)
    funder = OrganisationFactory(name_fr="Fondation témoin", is_support_actor=True, kind="foundation")
    fund = OfferFactory(
        provider=funder,
        name_fr="Fonds souple de l'île",
        support_type=term("support_type", "financement-fonctionnement"),
        reporting_hours=20,
        links={"territories": [territory("montreal")]},
    )
    OfferCover.objects.create(offer=fund, element="financement-souple", strength=0.8)
    north = OfferFactory(
        provider=funder,
        name_fr="Fonds du Nord",
        support_type=term("support_type", "financement-fonctionnement"),
        reporting_hours=4,
        links={"territories": [territory("quartier-montreal-nord")]},
    )
    OfferCover.objects.create(offer=north, element="financement-souple", strength=1.0)
    coaching = OfferFactory(provider=funder, name_fr="Coaching de gouvernance", reporting_hours=5)
    OfferCover.objects.create(offer=coaching, element="gouvernance", strength=1.0)
    EligibilityRule.objects.create(offer=coaching, kind="organisation_age", minimum_years=3)
    seniors = OfferFactory(provider=funder, name_fr="Gouvernance pour aînés", reporting_hours=1)
    OfferCover.objects.create(offer=seniors, element="gouvernance", strength=1.0)
    EligibilityRule.objects.create(offer=seniors, kind="population", values=["aines"])
    heavy = OfferFactory(
        provider=funder,
        name_fr="Grand fonds",
        support_type=term("support_type", "financement-fonctionnement"),
        reporting_hours=60,
    )
    OfferCover.objects.create(offer=heavy, element="financement-souple", strength=1.0)
    return {"user": user, "org": org, "initiative": initiative, "funder": funder, "offers": locals()}


def test_the_basket_covers_the_needs_within_the_limits(world):
    view = selectors.basket_for(world["initiative"])
    rec = view.recommendation
    names = {view.offers[slug].offer.name_fr for slug in rec.basket.offers}
    assert names == {"Fonds souple de l'île", "Coaching de gouvernance"}
    assert rec.basket.burden_hours == 25
    reasons = {view.offers[lo.offer].offer.name_fr: lo.reason for lo in rec.left_out}
    assert reasons["Fonds du Nord"] == "not_eligible"
    assert reasons["Gouvernance pour aînés"] == "not_eligible"
    assert reasons["Grand fonds"] == "over_hours"
    north = next(v for v in view.offers.values() if v.offer.name_fr == "Fonds du Nord")
    assert [o.reason.fr for o in north.eligibility.failed] == [
        "Votre initiative est à Verdun\u00a0; cette offre est pour Montréal-Nord."
    ]


def test_the_page_explains_each_offer_in_both_languages(client, world):
    client.force_login(world["user"])
    url = reverse("matching:basket", args=[world["initiative"].slug])
    page = client.get(url).content.decode()
    assert "Panier de soutien de «\u00a0Popote de Verdun\u00a0»" in page
    assert "80\u00a0% du besoin «\u00a0Financement adapté\u00a0»" in page
    assert "Votre initiative est à Verdun\u00a0; cette offre est pour Montréal-Nord." in page
    assert "dépasserait votre limite de 30\u00a0heures" in page
    english = client.get("/en" + url).content.decode()
    assert "Your initiative is in Verdun; this offer is for Montréal-Nord." in english
    assert "80% of the need “Funding that fits”" in english


def test_without_a_diagnostic_the_page_says_how_to_get_a_basket(client, world):
    other = InitiativeFactory(carrier=world["org"])
    client.force_login(world["user"])
    page = client.get(reverse("matching:basket", args=[other.slug])).content.decode()
    assert "Remplir l'autodiagnostic" in page


ROLES = ("anonymous", "outsider", "member", "admin", "other_admin", "steward", "funder")
EXPECTED = dict(zip(ROLES, ("login", "deny", "ok", "ok", "deny", "deny", "deny"), strict=True))


@pytest.mark.parametrize("role", ROLES)
def test_only_the_initiatives_team_sees_its_basket(client, world, role):
    users = {
        "member": world["user"],
        "outsider": UserFactory(),
        "admin": UserFactory(),
        "other_admin": UserFactory(),
        "steward": UserFactory(is_steward=True),
        "funder": UserFactory(),
    }
    member(users["admin"], world["org"], Membership.Role.ADMIN)
    member(users["other_admin"], OrganisationFactory(), Membership.Role.ADMIN)
    member(users["funder"], world["funder"])
    if role != "anonymous":
        client.force_login(users[role])
    response = client.get(reverse("matching:basket", args=[world["initiative"].slug]))
    assert response.status_code in EXPECTED_STATUS[EXPECTED[role]]
    headers = {}
    if role != "anonymous":
        _token, raw = token_create(user=users[role], name="t")
        headers["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    api = client.get(f"/api/initiatives/{world['initiative'].slug}/basket", **headers)
    assert api.status_code == {"login": 401, "deny": 403, "ok": 200}[EXPECTED[role]]


def test_every_matching_route_is_tested():
    # The request pages are tested by role in tests/test_requests.py.
    assert {name for name in _route_names() if name.startswith("matching:")} == {
        "matching:basket",
        "matching:offer_conditions",
        "matching:requests",
        "matching:request",
        "matching:request_create",
        "matching:request_withdraw",
        "matching:notifications",
    }


CONDITIONS = dict(zip(ROLES, ("login", "deny", "ok", "ok", "deny", "ok", "deny"), strict=True))


@pytest.mark.parametrize("role", ROLES)
def test_the_providers_members_and_stewards_edit_an_offers_conditions(client, world, role):
    users = {
        "member": UserFactory(),
        "admin": UserFactory(),
        "outsider": UserFactory(),
        "other_admin": UserFactory(),
        "steward": UserFactory(is_steward=True),
        "funder": world["user"],  # a field actor's member: not the provider's
    }
    member(users["member"], world["funder"])
    member(users["admin"], world["funder"], Membership.Role.ADMIN)
    member(users["other_admin"], OrganisationFactory(), Membership.Role.ADMIN)
    if role != "anonymous":
        client.force_login(users[role])
    offer = world["offers"]["coaching"]
    response = client.get(reverse("matching:offer_conditions", args=[offer.slug]))
    assert response.status_code in EXPECTED_STATUS[CONDITIONS[role]]


def _conditions_post(covers, rules):
    data = {
        "covers-TOTAL_FORMS": str(len(covers)),
        "covers-INITIAL_FORMS": "0",
        "rules-TOTAL_FORMS": str(len(rules)),
        "rules-INITIAL_FORMS": "0",
    }
    for index, cover in enumerate(covers):
        data.update({f"covers-{index}-{k}": v for k, v in cover.items()})
    for index, rule in enumerate(rules):
        data.update({f"rules-{index}-{k}": v for k, v in rule.items()})
    return data


def test_editing_conditions_in_a_form_then_seeing_them_in_plain_words(client, world, territory):
    editor = UserFactory()
    member(editor, world["funder"])
    client.force_login(editor)
    offer = world["offers"]["coaching"]
    url = reverse("matching:offer_conditions", args=[offer.slug])
    page = client.get(url).content.decode()
    assert "Gouvernance saine" in page
    bad = _conditions_post(
        [{"element": "gouvernance", "strength": "1.0"}, {"element": "gouvernance", "strength": "0.5"}],
        [{"kind": "organisation_age", "minimum_years": "5", "maximum_years": "2"}, {"kind": "population"}],
    )
    response = client.post(url, bad)
    assert response.status_code == 400
    text = response.content.decode()
    assert "Cette condition est listée deux fois." in text
    assert "âge minimum dépasse le maximum." in text
    assert "Choisissez au moins une valeur." in text
    assert EligibilityRule.objects.filter(offer=offer).count() == 1, "nothing changed"
    good = _conditions_post(
        [{"element": "gouvernance", "strength": "0.75"}, {"element": "", "strength": "0.5"}],
        [
            {"kind": "territory", "territories": [str(territory("quartier-verdun").pk)], "source": "Guide, art. 2"},
            {"kind": "population", "populations": ["jeunes", "familles"], "negate": "on"},
            {"kind": ""},
        ],
    )
    response = client.post(url, good)
    assert response.status_code == 302
    rules = list(EligibilityRule.objects.filter(offer=offer).order_by("position"))
    assert [(r.kind, r.values, r.negate) for r in rules] == [
        ("territory", ["quartier-verdun"], False),
        ("population", ["jeunes", "familles"], True),
    ]
    assert list(OfferCover.objects.filter(offer=offer).values_list("element", "strength")) == [("gouvernance", 0.75)]
    detail = client.get(reverse("directory:offer", args=[offer.slug])).content.decode()
    assert "Pour les initiatives de\u00a0: Verdun." in detail
    assert "Sauf les initiatives qui servent\u00a0: Jeunes et Familles et petite enfance." in detail
    assert "75\u00a0% du besoin «\u00a0Gouvernance saine\u00a0»" in detail


def test_the_api_and_the_command_give_the_same_basket(client, world, capsys):
    _token, raw = token_create(user=world["user"], name="t")
    data = client.get(f"/api/initiatives/{world['initiative'].slug}/basket", HTTP_AUTHORIZATION=f"Bearer {raw}").json()
    assert len(data["basket"]["offers"]) == 2
    left = {item["reason"] for item in data["left_out"]}
    assert {"not_eligible", "over_hours"} <= left
    call_command("basket", world["initiative"].slug, "--json")
    assert json.loads(capsys.readouterr().out)["basket"] == data["basket"]
    call_command("basket", world["initiative"].slug, "--language", "en")
    out = capsys.readouterr().out
    assert "Your initiative is in Verdun; this offer is for Montréal-Nord." in out


def test_demo_offers_get_fictional_conditions(world):
    from maillage.core.demo import DemoSpec
    from maillage.directory.loaders import demo_load
    from maillage.matching.loaders import demo_conditions_load

    demo_load(DemoSpec(organisations=80, seed=4))
    assert demo_conditions_load(seed=4) > 0
    assert EligibilityRule.objects.filter(is_demo=True).exists()
    assert not EligibilityRule.objects.filter(is_demo=True, offer__is_demo=False).exists()


# --- after the code review -----------------------------------------------------------------------------


def test_territories_match_upwards_only(world, territory):
    island = InitiativeFactory(carrier=world["org"])
    island.territories.set([territory("montreal")])
    north_only = world["offers"]["north"]
    applicant = selectors.applicant_of(island, None)
    from maillage.core.eligibility import is_eligible

    assert not is_eligible(selectors.rules_of(north_only), applicant)
    verdun = selectors.applicant_of(world["initiative"], None)
    assert "montreal" in verdun.territories  # a Verdun initiative is in the agglomeration


def test_a_future_territory_rule_leaves_the_listed_territories_in_force(world, territory):
    import datetime as dt

    north = world["offers"]["north"]
    EligibilityRule.objects.create(
        offer=north, kind="territory", values=["montreal"], valid_from=dt.date.today() + dt.timedelta(days=30)
    )
    kinds = [(r.kind, r.values) for r in selectors.rules_of(north)]
    assert ("territory", ("quartier-montreal-nord",)) in kinds


def test_conditions_form_keeps_other_shares_and_needs_a_share(client, world):
    editor = UserFactory()
    member(editor, world["funder"])
    client.force_login(editor)
    fund = world["offers"]["fund"]  # covers financement-souple at 0.8
    url = reverse("matching:offer_conditions", args=[fund.slug])
    page = client.get(url).content.decode()
    assert 'value="0.8"' in page
    response = client.post(url, _conditions_post([{"element": "gouvernance", "strength": ""}], []))
    assert response.status_code == 400
    assert "Dites quelle part du besoin l&#x27;offre couvre." in response.content.decode()
    response = client.post(url, _conditions_post([{"element": "gouvernance", "strength": "0.3"}], []))
    assert response.status_code == 302
    assert list(OfferCover.objects.filter(offer=fund).values_list("element", "strength")) == [("gouvernance", 0.3)]


def test_a_closed_offer_is_left_out_and_a_requested_one_says_so(client, world):
    import datetime as dt

    from maillage.directory.models import OpenPeriod
    from maillage.matching import services as matching_services

    fund = world["offers"]["fund"]
    OpenPeriod.objects.create(offer=fund, opens_on=dt.date(2020, 1, 1), closes_on=dt.date(2020, 2, 1))
    view = selectors.basket_for(world["initiative"])
    assert fund.slug not in view.recommendation.basket.offers
    assert {lo.offer: lo.reason for lo in view.recommendation.left_out}[fund.slug] == "closed"
    coaching = world["offers"]["coaching"]
    matching_services.request_send(user=world["user"], initiative=world["initiative"], offer=coaching)
    client.force_login(world["user"])
    page = client.get(reverse("matching:basket", args=[world["initiative"].slug])).content.decode()
    assert "en attente d'une réponse" in page
    assert "Les demandes sont fermées pour l'instant" in page


def test_the_current_ecosystem_as_an_allocation_instance_gives_each_initiative_its_basket(world, tmp_path):
    """With one initiative and capacity to spare, the ecosystem allocation is the initiative's basket."""
    from io import StringIO

    from maillage.core.allocation import parse_instance, parse_result, violations
    from maillage.matching.allocation import ecosystem_instance

    instance = ecosystem_instance()
    assert [i.id for i in instance.initiatives] == [world["initiative"].slug]
    assert instance.initiatives[0].max_burden_hours == 30
    by_name = {o.extra["name"]: o for o in instance.offers}
    assert by_name["Fonds du Nord"].eligible == ()  # for Montréal-Nord only
    assert by_name["Gouvernance pour aînés"].eligible == ()  # for seniors only
    assert by_name["Fonds souple de l'île"].covers == {"financement-souple": 0.8}

    out = tmp_path / "result.json"
    saved = tmp_path / "instance.json"
    stdout = StringIO()
    call_command(
        "allocate",
        "--current",
        "--output",
        str(out),
        "--save-instance",
        str(saved),
        "--time-limit",
        "5",
        stdout=stdout,
        stderr=StringIO(),
    )
    again = parse_instance(json.loads(saved.read_text()))
    result = parse_result(json.loads(out.read_text()), again)
    assert violations(again, result.assignments) == []
    basket = selectors.basket_for(world["initiative"]).recommendation.basket
    assert sorted(a.offer for a in result.assignments) == sorted(basket.offers)
    assert result.objective == pytest.approx(basket.value)
    assert "Popote de Verdun ← Coaching de gouvernance" in stdout.getvalue()


def test_a_full_offer_leaves_the_allocation(world):
    from maillage.matching.allocation import ecosystem_instance

    fund = world["offers"]["fund"]
    fund.capacity = 0
    fund.save()
    offers = {o.extra["name"]: o for o in ecosystem_instance().offers}
    assert offers["Fonds souple de l'île"].capacity == 0


# --- the catalogue baskets read: the same answer as weighing every offer ------------------------------


@pytest.fixture
def ecosystem():
    """The fictional ecosystem at a small scale, with offers' conditions and submitted diagnostics; some
    offers full, so that every reason to leave an offer out occurs."""
    from maillage.core.demo import DemoSpec
    from maillage.diagnostics.loaders import demo_diagnostics_load
    from maillage.directory.loaders import demo_load
    from maillage.directory.models import SupportOffer
    from maillage.matching.loaders import demo_conditions_load

    demo_load(DemoSpec(organisations=300, seed=11))
    demo_conditions_load(seed=11)
    demo_diagnostics_load(seed=11, share=0.5)
    from maillage.directory.models import OpenPeriod

    ids = list(SupportOffer.objects.order_by("id").values_list("pk", flat=True))
    SupportOffer.objects.filter(pk__in=ids[::7]).update(capacity=0)
    open_to_all = ids[1::3]  # open to every initiative, all year
    EligibilityRule.objects.filter(offer_id__in=open_to_all).delete()
    OpenPeriod.objects.filter(offer_id__in=open_to_all).delete()
    for offer in SupportOffer.objects.filter(pk__in=open_to_all):
        offer.territories.clear()
    selectors.forget_catalogue()


def test_the_catalogue_holds_what_the_offers_say(ecosystem):
    """Rules, coverage and availability read in bulk are those read offer by offer."""
    from datetime import timedelta

    from django.utils import timezone

    framework_model = diagnostic_selectors.current_framework()
    framework = diagnostic_selectors.framework_of(framework_model)
    today = timezone.localdate()
    horizon = today + timedelta(days=selectors.OPENING_HORIZON_DAYS)
    key = f"{framework_model.pk}@{framework_model.published_at.isoformat()}"
    table = selectors.offer_catalogue().weighed(framework, key, today)
    offers = list(selectors.offers_for_baskets())
    assert [o.slug for o in offers] == [w.facts.slug for w in table.offers]
    for offer, weighed in zip(offers, table.offers, strict=True):
        assert list(weighed.rules) == selectors.rules_of(offer, today)
        assert (dict(weighed.offer.covers), weighed.inferred) == selectors.covers_of(offer, framework)
        assert (weighed.availability, weighed.accepting) == selectors.accepting_requests(offer, today, horizon)
        assert weighed.support_type == offer.support_type.code
        assert weighed.offer.burden_hours == offer.reporting_hours
    assert any(w.inferred for w in table.offers)
    assert not all(w.inferred for w in table.offers)


def test_baskets_are_those_weighing_every_offer(ecosystem, monkeypatch):
    """Keeping only the offers that can change the answer gives the same basket, explanations and
    alternatives as giving ``recommend`` every offer that covers a need."""
    from maillage.diagnostics.models import Diagnostic
    from maillage.matching.serialise import basket_data

    initiatives = [
        d.initiative for d in Diagnostic.objects.filter(status="submitted").select_related("initiative")[:80]
    ]
    assert len(initiatives) >= 30
    chosen = {}
    reasons = set()
    for initiative in initiatives:
        for all_types in (False, True):
            view = selectors.basket_for(initiative, all_types=all_types)
            chosen[initiative.pk, all_types] = basket_data(view)
            reasons |= {lo.reason for lo in view.recommendation.left_out}
            assert set(view.offers) >= set(view.recommendation.basket.offers)
    assert {"not_eligible", "closed", "full", "redundant"} <= reasons

    selected = selectors._rows_that_count

    def every_row(table, view, *args):
        _rows, *verdicts = selected(table, view, *args)
        needed = {e for e, w in view.needs.items() if w > 0}
        return [r for r, o in enumerate(table.offers) if not needed.isdisjoint(o.offer.covers)], *verdicts

    monkeypatch.setattr(selectors, "_rows_that_count", every_row)
    for (pk, all_types), data in chosen.items():
        initiative = next(i for i in initiatives if i.pk == pk)
        assert basket_data(selectors.basket_for(initiative, all_types=all_types)) == data


def test_a_changed_offer_is_weighed_again(world):
    """The catalogue kept by the process is read again when an offer, its covers or rules change."""
    view = selectors.basket_for(world["initiative"])
    north = next(v.offer for v in view.offers.values() if v.offer.name_fr == "Fonds du Nord")
    assert selectors.basket_for(world["initiative"]).offers[north.slug].eligible is False
    EligibilityRule.objects.filter(offer=north).delete()
    north.territories.clear()
    again = selectors.basket_for(world["initiative"])
    assert north.slug in again.recommendation.basket.offers or again.offers[north.slug].eligible
