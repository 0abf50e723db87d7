"""Allocation scenarios in the app: who may do what, changes, runs in the background, results, advice."""

from __future__ import annotations

import csv
import html
import io
import json
import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone

from maillage.core.allocation import parse_instance, parse_result
from maillage.core.allocation.check import violations
from maillage.core.allocation.solve import Progress
from maillage.core.errors import MaillageError
from maillage.diagnostics import selectors as diagnostic_selectors
from maillage.diagnostics import services as diagnostic_services
from maillage.diagnostics.models import DiagnosticShare
from maillage.matching.models import EligibilityRule, Notification, OfferCover
from maillage.scenarios import selectors, services
from maillage.scenarios.models import Invitation, Run, Scenario
from tests.factories import InitiativeFactory, OfferFactory, OrganisationFactory, UserFactory, member
from tests.test_permissions_matrix import EXPECTED_STATUS, _route_names

pytestmark = pytest.mark.django_db

QUARTIERS = ("quartier-verdun", "quartier-verdun", "quartier-verdun", "quartier-saint-michel", "quartier-saint-michel")
QUARTIERS += ("quartier-verdun", "quartier-saint-michel", "quartier-verdun")  # 5 in Verdun, 3 in Saint-Michel


def _submitted(user, initiative, needs=("financement-souple.", "gouvernance.")):
    diagnostic, _ = diagnostic_services.diagnostic_start(user=user, initiative=initiative)
    keys = diagnostic_selectors.framework_of(diagnostic.framework).question_keys()
    answers = {k: 1 if k.startswith(needs) else 5 for k in keys}
    diagnostic = diagnostic_services.diagnostic_save(user=user, diagnostic=diagnostic, answers=answers)
    return diagnostic_services.diagnostic_submit(user=user, diagnostic=diagnostic)


@pytest.fixture
def world(territory, term):
    """Seven initiatives in Verdun and Saint-Michel with flexible-funding and governance needs; a
    foundation with two offers; another support actor with one; a shared scenario of the stewards, run."""
    field_org = OrganisationFactory(name_fr="Organisme témoin")
    users = {
        "outsider": UserFactory(),
        "field_member": UserFactory(),
        "provider": UserFactory(),
        "other_provider": UserFactory(),
        "steward": UserFactory(is_steward=True, is_staff=True),
    }
    member(users["field_member"], field_org)
    initiatives = []
    for number, quartier in enumerate(QUARTIERS):
        initiative = InitiativeFactory(carrier=field_org, name_fr=f"Initiative témoin {number}")
        initiative.territories.set([territory(quartier)])
        _submitted(users["field_member"], initiative)
        initiatives.append(initiative)
    foundation = OrganisationFactory(name_fr="Fondation témoin", is_support_actor=True, kind="foundation")
    other = OrganisationFactory(name_fr="Réseau témoin", is_support_actor=True, kind="network")
    member(users["provider"], foundation)
    member(users["other_provider"], other)
    fund = OfferFactory(provider=foundation, name_fr="Fonds souple témoin", reporting_hours=5, capacity=5)
    OfferCover.objects.create(offer=fund, element="financement-souple", strength=1.0)
    coaching = OfferFactory(provider=foundation, name_fr="Coaching témoin", reporting_hours=2, capacity=10)
    OfferCover.objects.create(offer=coaching, element="gouvernance", strength=0.8)
    EligibilityRule.objects.create(offer=coaching, kind="territory", values=["quartier-verdun"])
    network = OfferFactory(provider=other, name_fr="Mentorat témoin", reporting_hours=1, capacity=2)
    OfferCover.objects.create(offer=network, element="financement-souple", strength=0.5)
    shared = services.scenario_create(
        user=users["steward"], organisation=None, title="Partagé", is_shared=True, time_limit=2
    )
    run = services.run_execute(services.run_create(user=None, scenario=shared).pk)
    assert run is not None
    assert run.status == Run.Status.SUCCEEDED, run.error
    private = services.scenario_create(user=users["steward"], organisation=None, title="Privé", time_limit=2)
    own = services.scenario_create(user=users["provider"], organisation=foundation, title="Le nôtre", time_limit=2)
    return {
        "users": users,
        "initiatives": initiatives,
        "initiative": initiatives[0],
        "foundation": foundation,
        "other": other,
        "fund": fund,
        "coaching": coaching,
        "network": network,
        "shared": shared,
        "private": private,
        "own": own,
        "run": run,
    }


# --- who may do what ----------------------------------------------------------------------------------

ROLES = ("anonymous", "outsider", "field_member", "provider", "other_provider", "steward")
OK, LOGIN, DENY, MOVED, MISSING = "ok", "login", "deny", "redirect", "missing"


def row(*values):
    return dict(zip(ROLES, values, strict=True))


SIGNED_IN = row(LOGIN, OK, OK, OK, OK, OK)
# A scenario one may see but not change answers 403; one one may not see, 404 (its title is not probed).
STEWARD = row(LOGIN, DENY, DENY, DENY, DENY, OK)
STEWARD_POST = row(LOGIN, DENY, DENY, DENY, DENY, MOVED)
STEWARDS_OWN = row(LOGIN, MISSING, MISSING, MISSING, MISSING, OK)
STEWARDS_OWN_POST = row(LOGIN, MISSING, MISSING, MISSING, MISSING, MOVED)
PROVIDERS_OWN = row(LOGIN, MISSING, MISSING, OK, MISSING, MISSING)
PROVIDERS_OWN_POST = row(LOGIN, MISSING, MISSING, MOVED, MISSING, MISSING)

# (route, arguments by name, method, expected); "shared" is run and shared, "private" is the stewards'
# own, "own" is the foundation's.
MATRIX = [
    ("scenarios:list", (), "get", SIGNED_IN),
    ("scenarios:create", (), "get", row(LOGIN, DENY, DENY, OK, OK, OK)),
    ("scenarios:compare", (), "get", SIGNED_IN),
    ("scenarios:detail", ("shared",), "get", SIGNED_IN),
    ("scenarios:detail", ("private",), "get", STEWARDS_OWN),
    ("scenarios:detail", ("own",), "get", PROVIDERS_OWN),
    ("scenarios:edit", ("shared",), "get", STEWARD),
    ("scenarios:edit", ("own",), "get", PROVIDERS_OWN),
    ("scenarios:changes", ("shared",), "get", STEWARD),
    ("scenarios:changes", ("own",), "get", PROVIDERS_OWN),
    ("scenarios:pool", ("shared",), "get", STEWARD),
    ("scenarios:new_offer", ("own",), "get", PROVIDERS_OWN),
    ("scenarios:import", ("private",), "get", STEWARDS_OWN),
    ("scenarios:undo", ("shared",), "post", STEWARD_POST),
    ("scenarios:run", ("private",), "post", STEWARDS_OWN_POST),
    ("scenarios:run", ("own",), "post", PROVIDERS_OWN_POST),
    ("scenarios:delete", ("own",), "post", PROVIDERS_OWN_POST),
    ("scenarios:progress", ("shared", "run"), "get", SIGNED_IN),
    # The run is over: the steward is sent back with a message; nobody else may cancel it.
    ("scenarios:cancel", ("shared", "run"), "post", STEWARD_POST),
    # A run belongs to its scenario: another scenario's run is not found there.
    ("scenarios:progress", ("private", "run"), "get", row(LOGIN, MISSING, MISSING, MISSING, MISSING, MISSING)),
    ("scenarios:results", ("shared",), "get", SIGNED_IN),
    ("scenarios:download", ("shared", "coverage.csv"), "get", SIGNED_IN),
    ("scenarios:download", ("private", "changes.json"), "get", STEWARDS_OWN),
    # The offer's providers see whom it is advised to serve; stewards the aggregates; nobody else.
    ("scenarios:offer_advice", ("shared", "fund"), "get", row(LOGIN, DENY, DENY, OK, DENY, OK)),
    ("scenarios:offer_advice", ("shared", "network"), "get", row(LOGIN, DENY, DENY, DENY, OK, OK)),
    # An initiative's advised basket shows its needs: its own members only.
    ("scenarios:initiative_advice", ("shared", "initiative"), "get", row(LOGIN, DENY, OK, DENY, DENY, DENY)),
]


def _argument(world, name):
    value = world.get(name, name)
    if isinstance(value, Run):
        return value.pk
    return getattr(value, "slug", value)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("name", "args", "method", "expected"), MATRIX, ids=[f"{m[0]}-{m[2]}-{'-'.join(m[1])}" for m in MATRIX]
)
def test_scenario_pages_by_role(client, world, role, name, args, method, expected):
    if role != "anonymous":
        client.force_login(world["users"][role])
    url = reverse(name, args=[_argument(world, a) for a in args])
    if name == "scenarios:compare":
        url += f"?a={world['shared'].slug}&b={world['shared'].slug}"
    response = getattr(client, method)(url)
    assert response.status_code in EXPECTED_STATUS[expected[role]], (role, url, response.status_code)


def test_every_scenarios_route_is_in_the_matrix():
    routes = {name for name in _route_names() if name.startswith("scenarios:")}
    assert routes - {entry[0] for entry in MATRIX} == set()


def test_the_list_shows_what_each_person_may_see(client, world):
    client.force_login(world["users"]["provider"])
    page = client.get(reverse("scenarios:list")).content.decode()
    assert "Partagé" in page
    assert "Le nôtre" in page
    assert "Privé" not in page
    client.force_login(world["users"]["steward"])
    page = client.get(reverse("scenarios:list")).content.decode()
    assert "Partagé" in page
    assert "Privé" in page
    assert "Le nôtre" not in page


# --- changes --------------------------------------------------------------------------------------------


def test_a_support_actor_changes_its_own_offers_only(world):
    own, provider = world["own"], world["users"]["provider"]
    with pytest.raises(MaillageError) as caught:
        services.changes_set(
            user=provider,
            scenario=own,
            changes={"format": "maillage-scenario/1", "capacity": {world["network"].slug: 9}},
        )
    assert [p.code for p in caught.value.problems] == ["offer_not_yours"]
    assert caught.value.problems[0].field == f"capacity.{world['network'].slug}"
    with pytest.raises(MaillageError) as caught:
        services.changes_set(
            user=provider,
            scenario=own,
            changes={
                "format": "maillage-scenario/1",
                "pool": [{"id": "p", "offers": [world["fund"].slug, world["network"].slug]}],
            },
        )
    assert [p.field for p in caught.value.problems] == ["pool[0].offers[1]"]
    saved = services.changes_set(
        user=provider,
        scenario=own,
        changes={"format": "maillage-scenario/1", "capacity": {world["fund"].slug: 9}},
    )
    assert saved.changes["capacity"] == {world["fund"].slug: 9}


def test_the_changes_form_saves_and_shows_errors_on_their_row(client, world):
    client.force_login(world["users"]["steward"])
    url = reverse("scenarios:changes", args=[world["shared"].slug])
    page = client.get(url).content.decode()
    assert "Fonds souple témoin" in page
    assert "Mentorat témoin" in page
    fund, coaching = world["fund"].slug, world["coaching"].slug
    response = client.post(url, {f"{fund}__capacity": "-3", f"{fund}__hours": "2"})
    assert response.status_code == 400
    assert "Assurez-vous que cette valeur est supérieure ou égale à 0" in response.content.decode()
    assert 'value="2"' in response.content.decode()  # what was typed stays
    response = client.post(
        url, {f"{fund}__capacity": "6", f"{fund}__hours": "1.5", f"{coaching}__relax": ["territory"]}
    )
    assert response.status_code == 302
    changes = Scenario.objects.get(pk=world["shared"].pk).changes
    assert changes["capacity"] == {fund: 6}
    assert changes["burden_hours"] == {fund: 1.5}
    assert changes["relax"] == {coaching: ["territory"]}
    detail = client.get(reverse("scenarios:detail", args=[world["shared"].slug])).content.decode()
    assert "«\u00a0Fonds souple témoin — Fondation témoin\u00a0» sert 6 initiatives" in detail


def test_pooling_and_a_new_offer_from_their_forms(client, world):
    client.force_login(world["users"]["steward"])
    slug = world["private"].slug
    response = client.post(
        reverse("scenarios:pool", args=[slug]), {"name": "Fonds commun", "offers": [world["fund"].slug]}
    )
    assert response.status_code == 400
    assert "Choisissez au moins deux offres." in response.content.decode()
    response = client.post(
        reverse("scenarios:pool", args=[slug]),
        {"name": "Fonds commun", "offers": [world["fund"].slug, world["network"].slug]},
    )
    assert response.status_code == 302
    response = client.post(
        reverse("scenarios:new_offer", args=[slug]),
        {
            "name": "Nouveau fonds",
            "capacity": "4",
            "hours": "0",
            "eligible_like": "*",
            "element": "gouvernance",
            "strength": "0.5",
        },
    )
    assert response.status_code == 302
    changes = Scenario.objects.get(pk=world["private"].pk).changes
    assert changes["pool"][0]["offers"] == [world["fund"].slug, world["network"].slug]
    assert changes["add_offers"][0]["eligible_like"] == "*"
    run = services.run_execute(services.run_create(user=None, scenario=world["private"]).pk)
    instance = parse_instance(run.instance)
    ids = {o.id for o in instance.offers}
    assert "scenario-fonds-commun" in ids
    assert "scenario-nouveau-fonds" in ids
    assert world["fund"].slug not in ids
    new = next(o for o in instance.offers if o.id == "scenario-nouveau-fonds")
    assert len(new.eligible) == len(world["initiatives"])
    response = client.post(reverse("scenarios:undo", args=[slug]), {"kind": "pool", "id": "scenario-fonds-commun"})
    assert "pool" not in Scenario.objects.get(pk=world["private"].pk).changes


def test_a_file_of_changes_is_all_or_nothing_with_each_path(client, world):
    client.force_login(world["users"]["steward"])
    url = reverse("scenarios:import", args=[world["private"].slug])
    response = client.post(url, {"file": SimpleUploadedFile("c.json", b"{not json", "application/json")})
    assert response.status_code == 400
    assert "Le fichier n'est pas du JSON valide." in html.unescape(response.content.decode())
    bad = {"format": "maillage-scenario/1", "capacity": {"nope": 3, world["fund"].slug: -1}}
    response = client.post(url, {"file": SimpleUploadedFile("c.json", json.dumps(bad).encode())})
    page = response.content.decode()
    assert response.status_code == 400
    assert "capacity.nope" in page
    assert f"capacity.{world['fund'].slug}" in page
    assert Scenario.objects.get(pk=world["private"].pk).changes == {"format": "maillage-scenario/1"}
    good = {"format": "maillage-scenario/1", "remove_offers": [world["network"].slug]}
    assert client.post(url, {"file": SimpleUploadedFile("c.json", json.dumps(good).encode())}).status_code == 302
    assert Scenario.objects.get(pk=world["private"].pk).changes == good


def test_settings_refuse_bad_values_and_keep_what_was_typed(client, world):
    client.force_login(world["users"]["provider"])
    response = client.post(
        reverse("scenarios:create"),
        {"title": "Essai", "owner": world["foundation"].slug, "equity_pct": "150", "time_limit": "1"},
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert 'value="Essai"' in page
    assert "inférieure ou égale à 100" in page
    assert "supérieure ou égale à 2" in page
    # Someone else's support actor cannot be chosen.
    response = client.post(
        reverse("scenarios:create"), {"title": "Essai", "owner": world["other"].slug, "time_limit": "5"}
    )
    assert response.status_code == 400
    response = client.post(
        reverse("scenarios:create"),
        {"title": "Essai", "owner": world["foundation"].slug, "equity_pct": "50", "time_limit": "5"},
    )
    created = Scenario.objects.get(title="Essai")
    assert response.status_code == 302
    assert created.organisation == world["foundation"]
    assert created.equity_share == 0.5


# --- runs -------------------------------------------------------------------------------------------------


def test_a_run_goes_through_the_worker_and_its_result_is_feasible(client, world, django_capture_on_commit_callbacks):
    client.force_login(world["users"]["steward"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("scenarios:run", args=[world["private"].slug]))
    run = Run.objects.filter(scenario=world["private"]).get()
    assert response.status_code == 302
    assert response["Location"].endswith(f"/runs/{run.pk}/")
    assert run.status == Run.Status.QUEUED
    assert run.task_id
    progress = client.get(response["Location"]).content.decode()
    assert "<progress" in progress
    assert "En attente du service de calcul" in progress
    # A second run is not queued while one waits.
    client.post(reverse("scenarios:run", args=[world["private"].slug]))
    assert Run.objects.filter(scenario=world["private"]).count() == 1

    work()  # the worker's step (a real worker process runs in tests/test_worker_kill.py)
    run.refresh_from_db()
    assert run.status == Run.Status.SUCCEEDED, run.error
    instance, result = parse_instance(run.instance), None
    result = parse_result(run.result, instance)
    assert violations(instance, result.assignments) == []
    assert run.summary["objective"] <= run.summary["upper_bound"] + 1e-6
    assert run.summary["objective"] >= run.summary["greedy"] - 1e-6
    from django_tasks_db.models import DBTaskResult

    assert DBTaskResult.objects.get(id=run.task_id).status == "SUCCESSFUL"
    fragment = client.get(reverse("scenarios:progress", args=[world["private"].slug, run.pk]), HTTP_HX_REQUEST="true")
    assert fragment.status_code == 204
    assert fragment["HX-Redirect"].endswith(f"/results/?run={run.pk}")


def work():
    """What `maillage db_worker` does with one waiting task, in this test's transaction (the command
    itself closes the database connection between tasks)."""
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult

    task = DBTaskResult.objects.ready().get()
    task.claim("test")
    Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=1,
        worker_id="test",
        excluded_queue_names=[],
    ).run_task(task)


def test_a_worker_killed_mid_run_leaves_nothing_half_written(client, world):
    run = services.run_create(user=None, scenario=world["private"])

    def killed():
        raise KeyboardInterrupt  # like SIGKILL: no handler of ours runs after this point

    with pytest.raises(KeyboardInterrupt):
        services.run_execute(run.pk, after_instance=killed)
    run.refresh_from_db()
    assert run.status == Run.Status.RUNNING
    assert run.result is None
    assert services.runs_recover() == 0  # its heartbeat is fresh: it may still be alive
    later = timezone.now() + timedelta(seconds=services.STALE_SECONDS + 1)
    assert services.runs_recover(later) == 1
    run.refresh_from_db()
    assert run.status == Run.Status.FAILED
    assert run.result is None
    assert run.instance is None
    assert run.error["code"] == "worker_lost"
    client.force_login(world["users"]["steward"])
    page = html.unescape(client.get(reverse("scenarios:detail", args=[world["private"].slug])).content.decode())
    assert "Le service de calcul s'est arrêté pendant le calcul" in page
    again = services.run_execute(services.run_enqueue(user=world["users"]["steward"], scenario=world["private"]).pk)
    assert again.status == Run.Status.SUCCEEDED


def test_changes_to_offers_gone_since_are_left_out_and_said(world, client):
    scenario = world["private"]
    services.changes_set(
        user=None,
        scenario=scenario,
        changes={"format": "maillage-scenario/1", "capacity": {world["network"].slug: 4, world["fund"].slug: 9}},
    )
    world["network"].delete()  # the offer closes after the scenario was made
    run = services.run_execute(services.run_create(user=None, scenario=scenario).pk)
    assert run.status == Run.Status.SUCCEEDED
    assert run.summary["ignored"] == [{"path": f"capacity.{world['network'].slug}", "id": world["network"].slug}]
    # The scenario can still be edited: what was there is tolerated, what is new is checked.
    services.changes_set(
        user=None,
        scenario=scenario,
        changes={**scenario.changes, "burden_hours": {world["fund"].slug: 1}},
    )
    with pytest.raises(MaillageError) as caught:
        services.changes_set(
            user=None, scenario=scenario, changes={**scenario.changes, "remove_offers": ["typo-offer"]}
        )
    assert [(p.code, p.field) for p in caught.value.problems] == [("unknown_id", "remove_offers[0]")]


def test_a_run_that_breaks_a_rule_fails_with_its_problems_in_both_languages(world, client):
    scenario = world["private"]
    scenario.changes = {"format": "maillage-scenario/1", "capacity": {world["fund"].slug: -2}}
    scenario.save()  # written around the checks, as an old or hand-edited record could be
    run = services.run_execute(services.run_create(user=None, scenario=scenario).pk)
    assert run.status == Run.Status.FAILED
    assert run.error["code"] == "scenario_invalid"
    assert run.error["problems_fr"][0]["field"] == f"capacity.{world['fund'].slug}"
    assert run.error["en"] == "The scenario no longer fits the ecosystem as it is now."
    assert run.error["problems_en"][0]["message"] == "A capacity is a whole number, 0 or more."
    client.force_login(world["users"]["steward"])
    page = html.unescape(client.get(reverse("scenarios:progress", args=[scenario.slug, run.pk])).content.decode())
    assert "Une capacité est un nombre entier" in page


def test_an_impossible_equity_guarantee_is_reported_with_the_best_alternative(client, world):
    scenario = world["private"]
    scenario.equity_share = 1.0
    scenario.save()
    run = services.run_execute(services.run_create(user=None, scenario=scenario).pk)
    equity = run.summary["equity"]
    assert equity["feasible"] is False
    assert equity["price"] >= -1e-6
    client.force_login(world["users"]["steward"])
    page = client.get(reverse("scenarios:results", args=[scenario.slug])).content.decode()
    assert "ne peut pas être tenue dans tous les territoires" in page
    assert "Prix de la garantie" in page
    # The territories left under the target are named (Saint-Michel, with three initiatives, without figures).
    assert "et 1 territoire de moins de 5 initiatives" in page


def test_the_command_line_runs_a_scenario_and_stores_it(world, capsys, tmp_path):
    target = tmp_path / "result.json"
    call_command("allocate", "--scenario", world["own"].slug, "--output", str(target))
    out = capsys.readouterr()
    run = Run.objects.get(scenario=world["own"])
    assert run.status == Run.Status.SUCCEEDED
    assert f"stored as run {run.pk}" in out.out
    assert "best" in out.err
    assert "gap" in out.err
    assert json.loads(target.read_text()) == run.result
    with pytest.raises(CommandError, match='There is no scenario "nope"'):
        call_command("allocate", "--scenario", "nope")


# --- results and advice ---------------------------------------------------------------------------------


def test_results_show_coverage_by_element_territory_and_group(client, world):
    client.force_login(world["users"]["outsider"])
    page = client.get(reverse("scenarios:results", args=[world["shared"].slug])).content.decode()
    assert "Des conseils, jamais des décisions" in page
    assert "Couverture par condition de réussite" in page
    assert "Couverture par groupe d'équité" in page
    assert "Financement adapté" in page
    assert "Verdun" in page
    assert 'class="map-svg"' in page
    # Saint-Michel has three initiatives: below the threshold, its figures are withheld.
    outcome = selectors.Outcome.of(world["run"])
    assert outcome.by_territory["quartier-verdun"].shown
    assert not outcome.by_territory["quartier-saint-michel"].shown
    assert outcome.by_territory["quartier-saint-michel"].pct is None
    english = client.get("/en" + reverse("scenarios:results", args=[world["shared"].slug])).content.decode()
    assert "Advice, never decisions" in english
    assert "Coverage by equity group" in english


def test_downloads_name_no_initiative_and_withhold_small_groups(client, world):
    slug = world["shared"].slug
    client.force_login(world["users"]["outsider"])
    # Even without names, the JSON files list each initiative's needs: stewards only (on real data).
    assert client.get(reverse("scenarios:download", args=[slug, "instance.json"])).status_code == 403
    assert client.get(reverse("scenarios:download", args=[slug, "result.json"])).status_code == 403
    assert "instance.json" not in client.get(reverse("scenarios:results", args=[slug])).content.decode()
    rows = list(
        csv.DictReader(
            io.StringIO(client.get(reverse("scenarios:download", args=[slug, "coverage.csv"])).content.decode())
        )
    )
    assert list(rows[0]) == ["level", "key", "name", "initiatives", "covered_pct"]  # shares, no weights
    michel = next(r for r in rows if r["key"] == "quartier-saint-michel")
    verdun = next(r for r in rows if r["key"] == "quartier-verdun")
    assert michel["covered_pct"] == ""
    assert michel["initiatives"] == ""
    assert float(verdun["covered_pct"]) > 0
    assert client.get(reverse("scenarios:download", args=[slug, "other.txt"])).status_code == 404

    # Not even for stewards, on real data: whom each offer accepts can single an initiative out.
    client.force_login(world["users"]["steward"])
    assert client.get(reverse("scenarios:download", args=[slug, "instance.json"])).status_code == 403
    # On the fictional demo, everyone who sees the scenario may download them.
    Run.objects.filter(pk=world["run"].pk).update(summary={**world["run"].summary, "demo": True})
    client.force_login(world["users"]["outsider"])
    result = client.get(reverse("scenarios:download", args=[slug, "result.json"])).json()
    instance = client.get(reverse("scenarios:download", args=[slug, "instance.json"])).json()
    text = json.dumps([result, instance])
    assert all(i.slug not in text for i in world["initiatives"])
    assert "Initiative témoin" not in text
    parsed = parse_instance(instance)
    assert violations(parsed, parse_result(result, parsed).assignments) == []
    assert {i.territory for i in parsed.initiatives} == {"quartier-verdun", None}
    # Neither the aliases nor their order follow the initiatives' identifiers.
    aliases = [i.id for i in parsed.initiatives]
    assert aliases == sorted(aliases)
    stored = [i["id"] for i in world["run"].instance["initiatives"]]
    by_alias = {views_alias(world["run"], i): i for i in stored}
    assert [by_alias[a] for a in aliases] != sorted(stored)
    assert all(re.fullmatch(r"i-[0-9a-f]{12}", a) for a in aliases)


def views_alias(run, initiative):
    from maillage.scenarios.views import _anonymous

    one = {**run.instance, "initiatives": [i for i in run.instance["initiatives"] if i["id"] == initiative]}
    copy = Run(pk=run.pk, instance=one, result={"assignments": []})
    return _anonymous(copy)[0]["initiatives"][0]["id"]


def test_the_advice_for_an_offer_explains_and_invites(client, world):
    run, fund = world["run"], world["fund"]
    outcome = selectors.Outcome.of(run)
    advised = outcome.advised_for_offer(fund.slug)
    assert advised
    assert len(advised) <= fund.capacity
    assert all(r.element == "financement-souple" and r.best for a in advised for r in a.reasons)
    # Shared with the foundation: that initiative's reasons show by name; the others' do not.
    first = next(i for i in world["initiatives"] if i.slug == advised[0].initiative)
    diagnostic = first.diagnostics.get()
    DiagnosticShare.objects.create(diagnostic=diagnostic, organisation=world["foundation"])
    client.force_login(world["users"]["provider"])
    url = reverse("scenarios:offer_advice", args=[world["shared"].slug, fund.slug])
    page = client.get(url).content.decode()
    assert first.name_fr in page
    assert "aucune autre offre qui lui est ouverte" in page
    assert page.count("Son diagnostic ne vous est pas partagé.") == len(advised) - 1
    assert "checked" not in page  # nobody is invited by default
    response = client.post(url, {"initiatives": [a.initiative for a in advised]})
    assert response.status_code == 302
    assert Invitation.objects.count() == len(advised)
    notes = Notification.objects.filter(user=world["users"]["field_member"])
    assert notes.count() == len(advised)
    assert "vous invite à déposer une demande" in notes.first().text_fr
    client.post(url, {"initiatives": [a.initiative for a in advised]})
    assert Notification.objects.filter(user=world["users"]["field_member"]).count() == len(advised)  # once
    # Stewards see the aggregates, not the names.
    client.force_login(world["users"]["steward"])
    page = client.get(url).content.decode()
    assert first.name_fr not in page
    assert "Financement adapté" in page
    assert client.post(url, {"initiatives": [first.slug]}).status_code == 403


def test_an_initiative_sees_its_advised_basket(client, world):
    client.force_login(world["users"]["field_member"])
    initiative = world["initiative"]
    page = client.get(reverse("scenarios:initiative_advice", args=[world["shared"].slug, initiative.slug])).content
    page = page.decode()
    basket = selectors.Outcome.of(world["run"]).basket.get(initiative.slug, [])
    assert basket
    assert "Part de vos besoins couverte" in page
    assert all(o in page for o in basket)
    results = client.get(reverse("scenarios:results", args=[world["shared"].slug])).content.decode()
    assert reverse("scenarios:initiative_advice", args=[world["shared"].slug, initiative.slug]) in results


def test_before_and_after_side_by_side(client, world):
    scenario = world["private"]
    services.changes_set(
        user=None,
        scenario=scenario,
        changes={"format": "maillage-scenario/1", "capacity": {world["fund"].slug: 7}},
    )
    services.run_execute(services.run_create(user=None, scenario=scenario).pk)
    client.force_login(world["users"]["steward"])
    page = client.get(reverse("scenarios:compare") + f"?a={world['shared'].slug}&b={scenario.slug}").content.decode()
    assert "Avant et après" in page
    assert "Partagé" in page
    assert "Privé" in page
    after = selectors.Outcome.of(selectors.latest_result(scenario))
    before = selectors.Outcome.of(world["run"])
    assert after.total.covered > before.total.covered
    assert client.get(reverse("scenarios:compare") + f"?a={world['shared'].slug}&b=nope").status_code == 404


# --- what the review found: scope, hand-picked lists, duplicates, inputs that must not break ----------


def test_a_support_actor_cannot_reach_other_offers_by_a_new_offer_or_a_hand_picked_list(world):
    own, provider, network = world["own"], world["users"]["provider"], world["network"].slug
    attempts = [
        # A "new" offer named like a competitor's, removed first: the competitor's offer is not new.
        (
            {
                "remove_offers": [network],
                "add_offers": [{"id": network, "capacity": 0, "burden_hours": 0, "covers": {"gouvernance": 1}}],
            },
            {"offer_not_yours", "offer_exists"},
        ),
        # Whom an offer accepts, listed by hand, could single out one initiative and read its needs.
        ({"eligible_add": {world["fund"].slug: [world["initiative"].slug]}}, {"eligible_hand_picked"}),
        (
            {
                "add_offers": [
                    {
                        "id": "x",
                        "capacity": 1,
                        "burden_hours": 0,
                        "covers": {"gouvernance": 1},
                        "eligible": [world["initiative"].slug],
                    }
                ]
            },
            {"eligible_hand_picked"},
        ),
    ]
    for changes, codes in attempts:
        with pytest.raises(MaillageError) as caught:
            services.changes_set(user=provider, scenario=own, changes={"format": "maillage-scenario/1", **changes})
        assert {p.code for p in caught.value.problems} >= codes, changes
    assert Scenario.objects.get(pk=own.pk).changes == {"format": "maillage-scenario/1"}


def test_an_offer_twice_in_a_pool_is_refused(client, world):
    fund, network = world["fund"].slug, world["network"].slug
    with pytest.raises(MaillageError) as caught:
        services.changes_set(
            user=None,
            scenario=world["private"],
            changes={"format": "maillage-scenario/1", "pool": [{"id": "p", "offers": [fund, fund, network]}]},
        )
    assert [p.code for p in caught.value.problems] == ["pool_duplicate"]
    client.force_login(world["users"]["steward"])
    response = client.post(
        reverse("scenarios:pool", args=[world["private"].slug]), {"name": "Double", "offers": [fund, fund]}
    )
    assert response.status_code == 400
    assert "Une offre figure deux fois dans le fonds commun." in response.content.decode()


@pytest.mark.parametrize(
    "content",
    [
        b'{"format": "maillage-scenario/1", "relax": {"x": 5}}',
        b'{"format": "maillage-scenario/1", "add_offers": 5}',
        b'{"format": "maillage-scenario/1", "add_offers": [{"id": [1], "eligible_like": [2]}]}',
        b'{"format": "maillage-scenario/1", "remove_offers": [[1]], "pool": [{"id": "p", "offers": 3}]}',
        b'{"format": "maillage-scenario/1", "capacity": {"x": 1e400}}',
        b"[" * 100_000,
        b'{"format": "maillage-scenario/1", "pool": [{"id": "p", "name": NaN, "offers": ["a", "b"]}]}',
        b'{"format": "maillage-scenario/1", "pool": [{"id": "p\\ud800", "offers": ["a", "b"]}]}',
        b'{"format": "maillage-scenario/1", "pool": [{"id": "p", "name": "a\\u0000b", "offers": ["a", "b"]}]}',
        b"\xff\xfe",
        b"[]",
    ],
)
def test_a_file_of_changes_never_breaks_the_page(client, world, content):
    client.force_login(world["users"]["provider"])
    url = reverse("scenarios:import", args=[world["own"].slug])
    response = client.post(url, {"file": SimpleUploadedFile("c.json", content)})
    assert response.status_code == 400
    assert 'class="form-errors"' in response.content.decode()
    assert Scenario.objects.get(pk=world["own"].pk).changes == {"format": "maillage-scenario/1"}


def test_a_strange_run_number_falls_back_to_the_latest_results(client, world):
    client.force_login(world["users"]["outsider"])
    url = reverse("scenarios:results", args=[world["shared"].slug])
    for number in ("²", "9" * 40, "-1", "abc"):
        assert client.get(url, {"run": number}).status_code == 200
    # Another scenario's run is not found through this one.
    client.force_login(world["users"]["steward"])
    other = reverse("scenarios:results", args=[world["private"].slug])
    assert client.get(other, {"run": world["run"].pk}).status_code == 404


def test_a_waiting_run_can_be_cancelled_and_a_lost_task_does_not_block_the_scenario(client, world):
    steward = world["users"]["steward"]
    run = services.run_enqueue(user=steward, scenario=world["private"])
    from django_tasks_db.models import DBTaskResult

    assert DBTaskResult.objects.filter(id=run.task_id, status="READY").exists()  # written with the run
    client.force_login(steward)
    page = client.get(reverse("scenarios:progress", args=[world["private"].slug, run.pk])).content.decode()
    assert "Annuler le calcul" in page
    response = client.post(reverse("scenarios:cancel", args=[world["private"].slug, run.pk]))
    assert response.status_code == 302
    run.refresh_from_db()
    assert run.status == Run.Status.FAILED
    assert run.error["code"] == "cancelled"
    assert DBTaskResult.objects.get(id=run.task_id).status == "FAILED"
    # A run whose task failed before it started (a worker that could not even begin) is not left waiting.
    again = services.run_enqueue(user=steward, scenario=world["private"])
    DBTaskResult.objects.filter(id=again.task_id).update(status="FAILED")
    assert services.runs_recover(timezone.now() + timedelta(seconds=10)) == 1
    again.refresh_from_db()
    assert again.status == Run.Status.FAILED
    assert services.run_enqueue(user=steward, scenario=world["private"]).status == Run.Status.QUEUED


def test_aggregated_reasons_are_withheld_below_the_threshold(client, world):
    summary = selectors.Outcome.of(world["run"]).offer_summary(world["network"].slug)
    assert 0 < summary["count"] < 5
    client.force_login(world["users"]["steward"])
    page = client.get(reverse("scenarios:offer_advice", args=[world["shared"].slug, world["network"].slug]))
    assert "Financement adapté" not in page.content.decode()
    fund = client.get(reverse("scenarios:offer_advice", args=[world["shared"].slug, world["fund"].slug]))
    assert "Financement adapté" in fund.content.decode()


def test_a_support_actor_sees_only_its_own_offers_in_the_results(client, world):
    scenario = world["own"]
    services.run_execute(services.run_create(user=None, scenario=scenario).pk)
    client.force_login(world["users"]["provider"])
    page = client.get(reverse("scenarios:results", args=[scenario.slug])).content.decode()
    assert "Fonds souple témoin" in page
    assert "Mentorat témoin" not in page
    url = reverse("scenarios:offer_advice", args=[scenario.slug, world["network"].slug])
    assert client.get(url).status_code == 403


def test_the_heartbeat_writes_the_latest_progress_and_survives_a_failed_write(world, monkeypatch):
    run = services.run_create(user=None, scenario=world["private"])
    Run.objects.filter(pk=run.pk).update(status=Run.Status.RUNNING, heartbeat_at=timezone.now() - timedelta(minutes=1))
    heartbeat = services._Heartbeat(run.pk)
    heartbeat.report(Progress("exact", 1.5, 10.0, 12.0))  # from a solver thread: kept in memory only
    heartbeat.report(Progress("exact", 2.5, 11.0, 11.5))
    run.refresh_from_db()
    assert run.progress == {}
    heartbeat.beat()  # the heartbeat thread's step
    run.refresh_from_db()
    assert run.progress == {"phase": "exact", "elapsed": 2.5, "value": 11.0, "bound": 11.5}
    assert timezone.now() - run.heartbeat_at < timedelta(seconds=5)

    def locked(*args, **kwargs):
        raise OperationalError("database is locked")

    heartbeat.report(Progress("exact", 3.5, 11.2, 11.4))
    monkeypatch.setattr(Run.objects, "filter", locked)
    heartbeat.beat()  # logged, not raised: the next beat writes it
    monkeypatch.undo()
    heartbeat.beat()
    run.refresh_from_db()
    assert run.progress["elapsed"] == 3.5


def test_a_new_or_pooled_offer_cannot_take_the_id_of_an_offer_of_the_directory(world):
    closed = OfferFactory(provider=world["foundation"], name_fr="Fonds fermé", capacity=0)
    own, provider = world["own"], world["users"]["provider"]
    everyone = {"capacity": 9, "burden_hours": 0, "covers": {"gouvernance": 1.0}, "eligible_like": "*"}
    for changes in (
        {"add_offers": [{"id": closed.slug, **everyone}]},
        {"pool": [{"id": closed.slug, "offers": [world["fund"].slug, world["coaching"].slug]}]},
    ):
        with pytest.raises(MaillageError) as caught:
            services.changes_set(user=provider, scenario=own, changes={"format": "maillage-scenario/1", **changes})
        assert "offer_exists" in {p.code for p in caught.value.problems}
    # Accepting like another provider's offer is not the actor's to say either.
    with pytest.raises(MaillageError) as caught:
        services.changes_set(
            user=provider,
            scenario=own,
            changes={
                "format": "maillage-scenario/1",
                "add_offers": [{"id": "n", **everyone, "eligible_like": world["network"].slug}],
            },
        )
    assert [p.code for p in caught.value.problems] == ["offer_not_yours"]
