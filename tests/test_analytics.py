"""Ecosystem analytics in the app: who sees them, the privacy threshold, figures against hand
computations, CSV files, and the cache that follows the data."""

from __future__ import annotations

import csv
import html
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from maillage.analytics import selectors, services
from maillage.analytics.models import NetworkRun
from maillage.directory.models import Organisation, Relation
from maillage.matching.models import EligibilityRule, OfferCover
from tests.factories import InitiativeFactory, OfferFactory, OrganisationFactory, RelationFactory, UserFactory, member
from tests.test_permissions_matrix import EXPECTED_STATUS, _route_names
from tests.test_scenarios import _submitted, work

pytestmark = pytest.mark.django_db

# Six initiatives in Verdun, four in Saint-Michel (under the threshold of five), one in Parc-Extension.
PLACES = ["quartier-verdun"] * 6 + ["quartier-saint-michel"] * 4 + ["quartier-parc-extension"]


@pytest.fixture
def world(territory, term):
    field_org = OrganisationFactory(name_fr="Organisme témoin", is_field_actor=True)
    field_org.territories.set([territory("quartier-verdun")])
    users = {
        "outsider": UserFactory(),
        "field_member": UserFactory(),
        "provider": UserFactory(),
        "steward": UserFactory(is_steward=True, is_staff=True),
    }
    member(users["field_member"], field_org)
    initiatives = []
    for number, quartier in enumerate(PLACES):
        # Each initiative has its own organisation (the threshold counts organisations too).
        carrier = field_org if number == 0 else OrganisationFactory(name_fr=f"Porteur témoin {number}")
        if number:
            member(users["field_member"], carrier)
            users["field_member"].__dict__.pop("_maillage_memberships", None)  # memberships are cached
        initiative = InitiativeFactory(carrier=carrier, name_fr=f"Initiative témoin {number}")
        initiative.territories.set([territory(quartier)])
        _submitted(users["field_member"], initiative)
        initiatives.append(initiative)
    foundation = OrganisationFactory(name_fr="Fondation témoin", is_support_actor=True, kind="foundation")
    network = OrganisationFactory(name_fr="Réseau témoin", is_support_actor=True, kind="network")
    member(users["provider"], foundation)
    fund = OfferFactory(provider=foundation, name_fr="Fonds souple témoin", reporting_hours=5, capacity=20)
    OfferCover.objects.create(offer=fund, element="financement-souple", strength=1.0)
    EligibilityRule.objects.create(offer=fund, kind="territory", values=["quartier-verdun"])
    mentoring = OfferFactory(provider=network, name_fr="Mentorat témoin", reporting_hours=1, capacity=30)
    OfferCover.objects.create(offer=mentoring, element="financement-souple", strength=0.5)
    return {"users": users, "initiatives": initiatives, "foundation": foundation, "network": network, "fund": fund}


ROLES = ("anonymous", "outsider", "field_member", "provider", "steward")
PAGES = [
    ("analytics:overview", ""),
    ("analytics:needs", ""),
    ("analytics:needs", "?level=borough"),
    ("analytics:needs", "?format=csv&table=gaps"),
    ("analytics:money", ""),
    ("analytics:money", "?format=csv&table=years"),
    ("analytics:equity", ""),
    ("analytics:equity", "?format=csv&table=quartiers"),
    ("analytics:network", ""),
    ("analytics:network", "?kind=funds&year=2025&territory=verdun"),
    ("analytics:network", "?format=csv&table=organisations"),
    ("analytics:report", "?format=html"),
    ("analytics:report", "?territory=verdun"),
    ("analytics:synergies", ""),
    ("analytics:synergies", "?format=csv&table=pairs"),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "query"), PAGES)
def test_every_signed_in_actor_sees_the_same_analytics(client, world, role, name, query):
    if role != "anonymous":
        client.force_login(world["users"][role])
    response = client.get(reverse(name) + query)
    expected = "login" if role == "anonymous" else "ok"
    assert response.status_code in EXPECTED_STATUS[expected], (role, name, response.status_code)
    if role == "anonymous":
        assert reverse("accounts:login") in response["Location"]


def test_every_analytics_route_is_in_the_matrix():
    routes = {name for name in _route_names() if name.startswith("analytics:")}
    # Writing to a synergy partner has its own matrix (test_who_may_write_to_whom).
    assert routes - {name for name, _ in PAGES} == {"analytics:synergy_contact"}


def _rows(response):
    text = response.content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_needs_against_offers_by_hand(client, world):
    client.force_login(world["users"]["outsider"])
    rows = _rows(client.get(reverse("analytics:needs") + "?format=csv&table=cells"))
    verdun = next(r for r in rows if r["territory"] == "quartier-verdun" and r["element"] == "financement-souple")
    # Six initiatives in need; the fund (Verdun only, covers all) and the mentoring (covers half) reach
    # them all: reachable need = need; two providers on the same six, 50 places for 6: an overlap.
    assert verdun["initiatives"] == "6"
    assert "need" not in verdun  # shares and counts only, never the weights of need
    assert verdun["initiatives_in_need"] == "6"
    assert verdun["initiatives_out_of_reach"] == "0"
    assert float(verdun["reachable_pct"]) == pytest.approx(100.0)
    assert verdun["places_in_reaching_offers"] == "50"
    assert verdun["initiatives_reached_by_several_providers"] == "6"
    assert verdun["places_to_spare"] == "44"
    assert (verdun["is_gap"], verdun["is_overlap"]) == ("0", "1")
    assert verdun["providers"] == " ".join(sorted([world["foundation"].slug, world["network"].slug]))
    governance = next(r for r in rows if r["territory"] == "quartier-verdun" and r["element"] == "gouvernance")
    assert governance["offers"] == ""
    assert governance["initiatives_out_of_reach"] == "6"
    assert governance["is_gap"] == "1"


def test_territories_under_the_threshold_are_merged_or_withheld(client, world):
    client.force_login(world["users"]["steward"])
    rows = _rows(client.get(reverse("analytics:needs") + "?format=csv&table=cells"))
    territories = {r["territory"] for r in rows}
    # Saint-Michel (4) and Parc-Extension (1) make five in their borough: one row, neither alone.
    rest = "*rest:villeray-saint-michel-parc-extension"
    assert "quartier-saint-michel" not in territories
    assert "quartier-parc-extension" not in territories
    assert rest in territories
    merged = next(r for r in rows if r["territory"] == rest and r["element"] == "financement-souple")
    # Only the mentoring reaches them (the fund is for Verdun), covering half of their need.
    assert merged["initiatives"] == "5"
    assert float(merged["reachable_pct"]) == pytest.approx(50.0)
    page = html.unescape(client.get(reverse("analytics:needs")).content.decode())
    assert "Montrés seulement avec d'autres : Parc-Extension, Saint-Michel." in page.replace("\xa0", " ")
    assert "Villeray–Saint-Michel–Parc-Extension, autres lieux" in page.replace("\xa0", " ")
    # The borough level gathers the same groups: Verdun, and the borough of the five.
    boroughs = _rows(client.get(reverse("analytics:needs") + "?level=borough&format=csv&table=cells"))
    assert {r["territory"] for r in boroughs} == {"verdun", "villeray-saint-michel-parc-extension"}


def test_five_initiatives_of_fewer_organisations_are_not_shown(client, world, territory):
    one = OrganisationFactory(name_fr="Organisme aux cinq initiatives")
    member(world["users"]["field_member"], one)
    world["users"]["field_member"].__dict__.pop("_maillage_memberships", None)
    for number in range(5):
        initiative = InitiativeFactory(carrier=one, name_fr=f"Initiative de Rosemont {number}")
        initiative.territories.set([territory("quartier-rosemont")])
        _submitted(world["users"]["field_member"], initiative)
    client.force_login(world["users"]["steward"])
    rows = _rows(client.get(reverse("analytics:needs") + "?format=csv&table=cells"))
    assert "quartier-rosemont" not in {r["territory"] for r in rows}


def test_a_merged_group_still_too_small_is_withheld_and_not_in_totals(client, world):
    world["initiatives"][-1].delete()  # Parc-Extension goes: Saint-Michel's four stay alone
    client.force_login(world["users"]["steward"])
    rows = _rows(client.get(reverse("analytics:needs") + "?format=csv&table=cells"))
    assert {r["territory"] for r in rows} == {"quartier-verdun"}
    page = html.unescape(client.get(reverse("analytics:needs")).content.decode())
    assert "Non montrés du tout, avec 4 initiatives en tout : Saint-Michel." in page.replace("\xa0", " ")
    equity = _rows(client.get(reverse("analytics:equity") + "?format=csv&table=quartiers"))
    michel = next(r for r in equity if r["quartier"] == "quartier-saint-michel")
    assert michel["reachable_pct"] == ""
    assert michel["out_of_reach_pct"] == ""


def test_the_cache_follows_the_data(client, world, territory):
    client.force_login(world["users"]["outsider"])
    before = _rows(client.get(reverse("analytics:needs") + "?format=csv&table=gaps"))
    assert any(r["element"] == "gouvernance" for r in before)
    coaching = OfferFactory(provider=world["network"], name_fr="Coaching témoin", capacity=50)
    OfferCover.objects.create(offer=coaching, element="gouvernance", strength=1.0)
    after = _rows(client.get(reverse("analytics:needs") + "?format=csv&table=gaps"))
    assert not any(r["element"] == "gouvernance" and r["territory"] == "quartier-verdun" for r in after)


@pytest.fixture
def funding(world):
    a, b, c = (OrganisationFactory(name_fr=f"Bailleur {x}", is_support_actor=True) for x in "ABC")
    r1, r2 = OrganisationFactory(name_fr="Receveur 1"), OrganisationFactory(name_fr="Receveur 2")
    grants = [(a, r1, 50, True, False), (b, r1, 30, False, True), (c, r2, 20, False, False)]
    for source, target, amount, flexible, multi in grants:
        RelationFactory(
            source=source,
            target=target,
            kind=Relation.Kind.FUNDS,
            year=2025,
            amount=Decimal(amount * 1000),
            is_flexible=flexible,
            is_multi_year=multi,
        )
    RelationFactory(source=a, target=r2, kind=Relation.Kind.FUNDS, year=2024, amount=Decimal(10_000))
    return {"a": a, "r1": r1, "r2": r2}


def test_money_and_power_by_hand(client, world, funding):
    client.force_login(world["users"]["outsider"])
    years = {r["year"]: r for r in _rows(client.get(reverse("analytics:money") + "?format=csv&table=years"))}
    # 2025: 50, 30, 20 thousand: HHI 2500 + 900 + 400 = 3800; the top five give everything.
    assert float(years["2025"]["amount"]) == 100_000
    assert float(years["2025"]["hhi"]) == pytest.approx(3800)
    assert float(years["2025"]["top5_share_pct"]) == pytest.approx(100)
    assert float(years["2025"]["unrestricted_pct"]) == pytest.approx(50)
    assert float(years["2025"]["multi_year_pct"]) == pytest.approx(30)
    assert float(years["2024"]["hhi"]) == pytest.approx(10_000)
    dependence = _rows(client.get(reverse("analytics:money") + "?year=2025&format=csv&table=dependence"))
    assert [(d["recipient"], float(d["main_funder_share_pct"])) for d in dependence] == [
        (funding["r2"].slug, 100.0),
        (funding["r1"].slug, pytest.approx(62.5)),
    ]
    page = html.unescape(client.get(reverse("analytics:money") + "?year=2025").content.decode())
    page = page.replace("\xa0", " ").replace("\u202f", " ")
    assert "100 000 $" in page
    assert "3800" in page
    assert "Bailleur A" in page  # in the chart's table


def test_a_year_without_funding_falls_back_and_bad_input_is_harmless(client, world, funding):
    client.force_login(world["users"]["outsider"])
    assert client.get(reverse("analytics:money") + "?year=abc").status_code == 200
    assert client.get(reverse("analytics:money") + "?year=1990").status_code == 200
    assert client.get(reverse("analytics:needs") + "?level=planet").status_code == 200
    assert client.get(reverse("analytics:equity") + "?figure=x&indicator=y").status_code == 200
    for name in ("analytics:needs", "analytics:money", "analytics:equity"):
        assert client.get(reverse(name) + "?format=csv&table=nothing").status_code == 404


def test_equity_quintiles(client, world, funding):
    client.force_login(world["users"]["outsider"])
    rows = _rows(client.get(reverse("analytics:equity") + "?figure=low_income&format=csv&table=quartiers"))
    assert len(rows) == selectors.places().quartiers().__len__()
    quintiles = [int(r["quintile"]) for r in rows if r["quintile"]]
    assert sorted(set(quintiles)) == [1, 2, 3, 4, 5]
    # Quintiles are ordered by the figure.
    by_quintile = {}
    for r in filter(lambda r: r["quintile"], rows):
        by_quintile.setdefault(int(r["quintile"]), []).append(float(r["low_income"]))
    assert max(by_quintile[1]) <= min(by_quintile[5])
    verdun = next(r for r in rows if r["quartier"] == "quartier-verdun")
    assert float(verdun["reachable_pct"]) > 0
    groups = _rows(client.get(reverse("analytics:equity") + "?format=csv&table=groups"))
    assert next(g["indicator"] for g in groups) == "reachable"


def test_pages_in_english(client, world, funding):
    client.force_login(world["users"]["outsider"])
    page = client.get("/en" + reverse("analytics:money") + "?year=2025").content.decode()
    assert "Money and power" in page
    assert "$100,000" in page


# --- networks -------------------------------------------------------------------------------------


@pytest.fixture
def ties(world, territory):
    """A path of partnerships: A - B - C - D, with E alone; B and C are support actors; F's only tie is
    a referral (filtered out in some tests); G in Verdun is tied to a funder."""
    orgs = {}
    for name in "ABCDEFG":
        orgs[name] = OrganisationFactory(
            name_fr=f"Noeud {name}", is_support_actor=name in "BC", is_field_actor=name not in "BC"
        )
    orgs["G"].territories.set([territory("quartier-verdun")])
    for a, b in ("AB", "BC", "CD"):
        RelationFactory(source=orgs[a], target=orgs[b], kind=Relation.Kind.PARTNERS, year=2025)
    RelationFactory(source=orgs["C"], target=orgs["B"], kind=Relation.Kind.PARTNERS, year=2024)  # same tie
    RelationFactory(source=orgs["F"], target=orgs["A"], kind=Relation.Kind.REFERS_TO, year=None)
    RelationFactory(source=orgs["B"], target=orgs["G"], kind=Relation.Kind.FUNDS, year=2025, amount=Decimal(5000))
    return orgs


def _network(client, query=""):
    rows = _rows(
        client.get(reverse("analytics:network") + query + ("&" if query else "?") + "format=csv&table=organisations")
    )
    return {r["organisation"]: r for r in rows}


def test_network_metrics_by_hand(client, world, ties):
    client.force_login(world["users"]["outsider"])
    nodes = _network(client, "?kind=partners")
    slug = {name: org.slug for name, org in ties.items()}
    # The path A - B - C - D: B and C each lie on 2 of the 3 shortest paths between the other pairs…
    # normalised over the whole graph's (n-1)(n-2)/2 pairs.
    n = len(nodes)
    assert nodes[slug["B"]]["ties"] == "2"
    assert nodes[slug["A"]]["ties"] == "1"
    assert nodes[slug["E"]]["ties"] == "0"
    assert float(nodes[slug["B"]]["betweenness"]) == pytest.approx(2 / ((n - 1) * (n - 2) / 2), rel=1e-5)
    assert float(nodes[slug["A"]]["betweenness"]) == 0
    run = NetworkRun.objects.get(filters__kinds=["partners"])
    # One partnership among the support actors (B - C; the fixture's funders have none).
    s = run.result["support_actors"]
    assert s == Organisation.objects.filter(is_support_actor=True).count()
    assert run.result["support_ties"] == 1
    assert run.result["support_density"] == pytest.approx(1 / (s * (s - 1) / 2))
    assert slug["E"] in run.result["isolated"]
    assert slug["A"] not in run.result["isolated"]
    assert run.result["ties"] == 3
    assert run.result["relations"] == 4
    page = html.unescape(client.get(reverse("analytics:network") + "?kind=partners").content.decode())
    assert "Noeud B" in page
    assert "Courtiers" in page


def test_network_filters(client, world, ties):
    client.force_login(world["users"]["outsider"])
    slug = {name: org.slug for name, org in ties.items()}
    every = _network(client)
    assert every[slug["F"]]["ties"] == "1"
    assert every[slug["G"]]["ties"] == "1"
    # 2024 keeps the relations dated 2024 and the undated referral.
    of_2024 = _network(client, "?year=2024")
    assert of_2024[slug["B"]]["ties"] == "1"
    assert of_2024[slug["F"]]["ties"] == "1"
    assert of_2024[slug["G"]]["ties"] == "0"
    # Verdun keeps the ties touching an organisation placed there (a borough includes its quartiers).
    verdun = _network(client, "?territory=verdun")
    assert set(verdun) >= {slug["G"], slug["B"]}
    assert slug["D"] not in verdun
    # Unknown filters are left out.
    assert _network(client, "?kind=nonsense&year=abc&territory=nowhere").keys() == every.keys()


def test_the_same_network_is_computed_once(client, world, ties):
    client.force_login(world["users"]["outsider"])
    client.get(reverse("analytics:network"))
    client.get(reverse("analytics:network"))
    assert NetworkRun.objects.count() == 1
    RelationFactory(source=ties["E"], target=ties["A"], kind=Relation.Kind.PARTNERS, year=2025)
    nodes = _network(client)
    assert nodes[ties["E"].slug]["ties"] == "1"
    assert NetworkRun.objects.count() == 2


def test_a_large_network_is_computed_by_the_worker(client, world, ties, monkeypatch):
    monkeypatch.setattr(services, "INLINE_RELATIONS", 2)
    client.force_login(world["users"]["outsider"])
    page = html.unescape(client.get(reverse("analytics:network")).content.decode())
    run = NetworkRun.objects.get()
    assert run.status == NetworkRun.Status.QUEUED
    assert run.task_id
    assert "En attente" in page or "attente" in page
    polled = client.get(reverse("analytics:network"), headers={"HX-Request": "true"})
    assert b"network-progress" in polled.content
    work()
    run.refresh_from_db()
    assert run.status == NetworkRun.Status.SUCCEEDED
    assert run.result["nodes"] >= 7
    done = client.get(reverse("analytics:network"), headers={"HX-Request": "true"})
    assert done["HX-Refresh"] == "true"


def test_a_failed_computation_says_so_and_can_be_tried_again(client, world, ties, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(services.core_network, "network_metrics", broken)
    client.force_login(world["users"]["outsider"])
    page = html.unescape(client.get(reverse("analytics:network")).content.decode())
    assert NetworkRun.objects.get().status == NetworkRun.Status.FAILED
    assert "Réessayer" in page
    monkeypatch.undo()
    response = client.post(reverse("analytics:network"))
    assert response.status_code == 302
    assert NetworkRun.objects.filter(status=NetworkRun.Status.SUCCEEDED).count() == 1


def test_a_silent_worker_is_noticed(world, ties):
    from datetime import timedelta

    from django.utils import timezone

    run = NetworkRun.objects.create(key="x", status=NetworkRun.Status.RUNNING)
    NetworkRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now() - timedelta(minutes=5))
    services.runs_recover()
    run.refresh_from_db()
    assert run.status == NetworkRun.Status.FAILED
    assert run.error == "worker lost"


# --- the printable report -------------------------------------------------------------------------


def test_the_report_of_a_territory(client, world, funding, territory):
    funding["r1"].territories.set([territory("quartier-verdun")])
    client.force_login(world["users"]["outsider"])
    pdf = client.get(reverse("analytics:report") + "?territory=verdun")
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    page = html.unescape(client.get(reverse("analytics:report") + "?territory=verdun&format=html").content.decode())
    page = page.replace("\xa0", " ").replace("\u202f", " ")
    assert "L'écosystème de Verdun" in page
    # Receveur 1 works in Verdun: its 80,000 $ of 2025 (A 50,000, B 30,000) are Verdun's.
    assert "80 000 $" in page
    assert "Bailleur A" in page
    # Saint-Michel's four initiatives are not shown alone.
    michel = html.unescape(
        client.get(reverse("analytics:report") + "?territory=quartier-saint-michel&format=html").content.decode()
    )
    assert "leurs besoins ne sont pas montrés seuls" in michel.replace("\xa0", " ")
    assert client.get(reverse("analytics:report") + "?territory=nowhere").status_code == 404


# --- synergies ------------------------------------------------------------------------------------


@pytest.fixture
def kitchens(world, territory):
    """In Verdun, a kitchen that can be shared and a collective looking for one; in Saint-Michel, a
    kitchen too far away to count."""
    from maillage.directory.models import Resource

    verdun = territory("quartier-verdun")
    cook = OrganisationFactory(name_fr="Cuisine partagée témoin", is_field_actor=True)
    cook.territories.set([verdun])
    cook.shares_resources.set([Resource.objects.get(code="cuisine")])
    hungry = OrganisationFactory(name_fr="Collectif sans cuisine", is_field_actor=True)
    hungry.territories.set([verdun])
    hungry.seeks_resources.set([Resource.objects.get(code="cuisine")])
    far = OrganisationFactory(name_fr="Cuisine lointaine", is_field_actor=True)
    far.territories.set([territory("quartier-saint-michel")])
    far.shares_resources.set([Resource.objects.get(code="cuisine")])
    cook_member, cook_admin = UserFactory(), UserFactory(preferred_language="en")
    member(cook_member, cook)
    member(cook_admin, cook, role="admin")
    hungry_member = UserFactory()
    member(hungry_member, hungry)
    return {
        "cook": cook,
        "hungry": hungry,
        "far": far,
        "cook_member": cook_member,
        "cook_admin": cook_admin,
        "hungry_member": hungry_member,
    }


def _contact_url(sender, recipient):
    return reverse("analytics:synergy_contact") + f"?from={sender.slug}&to={recipient.slug}"


def test_a_field_actor_sees_its_synergies_with_the_reasons(client, kitchens):
    client.force_login(kitchens["hungry_member"])
    page = html.unescape(client.get(reverse("analytics:synergies")).content.decode()).replace("\xa0", " ")
    assert "Vos synergies" in page
    reason = (
        "Cuisine partagée témoin peut partager : cuisine commerciale ; Collectif sans cuisine cherche cette ressource."
    )
    assert reason in page
    assert _contact_url(kitchens["hungry"], kitchens["cook"]).replace("&", "&amp;") in html.escape(page, quote=False)
    assert "Cuisine lointaine" not in page  # another quartier
    rows = _rows(client.get(reverse("analytics:synergies") + "?format=csv&table=pairs"))
    assert [(r["organisation_a"], r["organisation_b"]) for r in rows] == [
        tuple(sorted([kitchens["cook"].slug, kitchens["hungry"].slug]))
    ]


@pytest.mark.parametrize(
    ("who", "sender", "recipient", "expected"),
    [
        ("anonymous", "hungry", "cook", 302),
        ("hungry_member", "hungry", "cook", 200),
        ("cook_admin", "hungry", "cook", 403),  # not a member of the sender
        ("hungry_member", "hungry", "far", 404),  # no synergy between them
        ("cook_admin", "cook", "hungry", 200),
    ],
)
def test_who_may_write_to_whom(client, kitchens, who, sender, recipient, expected):
    if who != "anonymous":
        client.force_login(kitchens[who])
    response = client.get(_contact_url(kitchens[sender], kitchens[recipient]))
    assert response.status_code == expected


def test_writing_to_a_synergy_partner(client, kitchens, django_capture_on_commit_callbacks):
    from django.core import mail

    from maillage.analytics.models import SynergyContact
    from maillage.matching.models import Notification

    client.force_login(kitchens["hungry_member"])
    url = reverse("analytics:synergy_contact")
    data = {"from": kitchens["hungry"].slug, "to": kitchens["cook"].slug, "message": "   "}
    page = html.unescape(client.post(url, data).content.decode())
    assert "Ce champ est obligatoire." in page or "Écrivez un message." in page
    assert SynergyContact.objects.count() == 0
    data["message"] = "Pourrions-nous utiliser votre cuisine le mardi ?"
    with django_capture_on_commit_callbacks(execute=True):  # e-mails leave once the message is saved
        response = client.post(url, data)
    assert response.status_code == 302
    contact = SynergyContact.objects.get()
    assert contact.sender == kitchens["hungry"]
    assert contact.author == kitchens["hungry_member"]
    notified = Notification.objects.filter(user=kitchens["cook_admin"]).get()
    assert "Pourrions-nous utiliser votre cuisine" in notified.text_en
    assert kitchens["hungry_member"].email in notified.text_en
    assert notified.text_en.startswith("Collectif sans cuisine")
    # Each of the kitchen's two members, in their language; the English one with the English link.
    assert sorted(m.to[0] for m in mail.outbox) == sorted([kitchens["cook_member"].email, kitchens["cook_admin"].email])
    english = next(m for m in mail.outbox if m.to == [kitchens["cook_admin"].email])
    assert english.body.startswith("Collectif sans cuisine (via Maillage")
    assert f"/en/organisations/{kitchens['hungry'].slug}/" in english.body
    # A second message the same day is refused, and what was typed stays.
    data["message"] = "Et le jeudi ?"
    page = html.unescape(client.post(url, data).content.decode())
    assert "déjà écrit" in page
    assert "Et le jeudi ?" in page
    assert SynergyContact.objects.count() == 1


def test_ties_between_communities_are_counted_once(client, world, ties):
    from collections import Counter

    from maillage.analytics.services import summarise
    from maillage.core.network import network_metrics, simple_edges

    graph = selectors.network_graph(selectors.NetworkFilters(kinds=("partners",)))
    metrics = network_metrics(graph.slugs, graph.sources, graph.targets, support=graph.support, field=graph.field)
    result = summarise(graph, metrics)
    sizes = Counter(metrics.community.tolist())
    expected = Counter()
    for u, v in zip(*simple_edges(len(graph.slugs), graph.sources, graph.targets), strict=True):
        a, b = sorted((int(metrics.community[u]), int(metrics.community[v])))
        if a != b and sizes[a] >= 2 and sizes[b] >= 2:
            expected[(a + 1, b + 1)] += 1
    assert {(a, b): n for a, b, n in result["between"]} == dict(expected)
    # The path A - B - C - D is cut in two communities at most: one tie between them, or none.
    assert sum(expected.values()) <= 1


def test_money_flows_to_sectors(client, world, funding, term):
    funding["r1"].sectors.set([term("sector", "securite-alimentaire")])
    client.force_login(world["users"]["outsider"])
    page = html.unescape(client.get(reverse("analytics:money") + "?year=2025&to=sectors").content.decode())
    assert "Des bailleurs aux secteurs" in page
    assert "Sécurité alimentaire" in page


# --- what a second review found --------------------------------------------------------------------


def test_odd_query_strings_are_harmless(client, world, ties):
    client.force_login(world["users"]["outsider"])
    for url in (
        reverse("analytics:network") + "?year=%C2%B2",  # a superscript two is a digit to str.isdigit
        reverse("analytics:network") + "?territory=%00",
        reverse("analytics:network") + "?kind=funds&kind=%00",
        reverse("analytics:synergies") + "?quartier=%00",
    ):
        assert client.get(url).status_code == 200, url
    assert client.get(reverse("analytics:synergy_contact") + "?from=%00&to=%00").status_code == 404


def test_labels_follow_the_language(client, world):
    client.force_login(world["users"]["outsider"])
    page = html.unescape(client.get(reverse("analytics:equity")).content.decode())
    assert "Par quintile de personnes à faible revenu" in page
    page = html.unescape(client.get("/en" + reverse("analytics:equity")).content.decode())
    assert "By quintile of people with low income" in page


def test_the_agglomerations_report_is_the_whole_picture(client, world):
    client.force_login(world["users"]["outsider"])
    page = html.unescape(
        client.get(reverse("analytics:report") + "?territory=montreal&format=html").content.decode()
    ).replace("\xa0", " ")
    assert "L'écosystème de Agglomération de Montréal" in page or "Agglomération de Montréal" in page
    assert "leurs besoins ne sont pas montrés seuls" not in page


def test_dependence_counts_field_actors_only(client, world, funding):
    Organisation.objects.filter(pk=funding["r2"].pk).update(is_field_actor=False, is_support_actor=True)
    client.force_login(world["users"]["outsider"])
    rows = _rows(client.get(reverse("analytics:money") + "?year=2025&format=csv&table=dependence"))
    assert [r["recipient"] for r in rows] == [funding["r1"].slug]
    assert rows[0]["recipient_name"] == "Receveur 1"


def test_csv_cells_never_run_as_formulas(client, world, funding):
    Organisation.objects.filter(pk=funding["r1"].pk).update(name_fr="=HYPERLINK(1)")
    client.force_login(world["users"]["outsider"])
    rows = _rows(client.get(reverse("analytics:money") + "?year=2025&format=csv&table=flows"))
    assert "'=HYPERLINK(1)" in {r["recipient_name"] for r in rows}


def test_an_organisation_everywhere_is_no_neighbour(client, kitchens, territory):
    from maillage.directory.models import Resource

    everywhere = OrganisationFactory(name_fr="Partout témoin", is_field_actor=True)
    everywhere.territories.set(
        [territory(s) for s in ("quartier-verdun", "quartier-saint-michel", "quartier-rosemont", "quartier-lachine")]
    )
    everywhere.shares_resources.set(Resource.objects.all())
    client.force_login(kitchens["hungry_member"])
    rows = _rows(client.get(reverse("analytics:synergies") + "?format=csv&table=pairs"))
    assert everywhere.slug not in {r["organisation_a"] for r in rows} | {r["organisation_b"] for r in rows}


def test_an_organisation_writes_to_ten_organisations_a_day_at_most(client, kitchens, monkeypatch):
    from maillage.analytics import services as analytics_services

    monkeypatch.setattr(analytics_services, "DAILY_RECIPIENTS", 0)
    client.force_login(kitchens["hungry_member"])
    data = {"from": kitchens["hungry"].slug, "to": kitchens["cook"].slug, "message": "Bonjour"}
    page = html.unescape(client.post(reverse("analytics:synergy_contact"), data).content.decode())
    assert "Votre organisation a écrit à 0 organisations aujourd'hui" in page.replace("\xa0", " ")


def test_a_long_message_is_shortened_in_the_app_only(client, kitchens, django_capture_on_commit_callbacks):
    from django.core import mail

    from maillage.matching.models import Notification

    client.force_login(kitchens["hungry_member"])
    message = "Bonjour. " + "x" * 600
    data = {"from": kitchens["hungry"].slug, "to": kitchens["cook"].slug, "message": message}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("analytics:synergy_contact"), data)
    notified = Notification.objects.get(user=kitchens["cook_member"])
    assert notified.text_fr.endswith("…")
    assert len(notified.text_fr) < 400
    assert message in mail.outbox[0].body
