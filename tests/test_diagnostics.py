"""The self-diagnostic: starting, saving as you go, submitting, results, versions, sharing, exports, commands."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
import yaml
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from maillage.core.errors import MaillageError
from maillage.diagnostics import loaders, selectors, services
from maillage.diagnostics.models import Diagnostic, DiagnosticShare, Framework, ScoringSettings
from maillage.directory.models import Initiative, SupportType
from tests.factories import InitiativeFactory, OrganisationFactory, UserFactory, member

pytestmark = pytest.mark.django_db

BUNDLED = loaders.DEFAULT_FRAMEWORK


def text(response):
    return response.content.decode()


@pytest.fixture
def team(territory):
    """A person, their organisation and its initiative in Saint-Michel."""
    org = OrganisationFactory(name_fr="Cuisine collective témoin")
    user = UserFactory()
    member(user, org)
    initiative = InitiativeFactory(carrier=org, name_fr="Popote roulante", annual_budget=250_000, stage="established")
    initiative.territories.set([territory("quartier-saint-michel")])
    return {"user": user, "org": org, "initiative": initiative}


def answer_all(diagnostic, value=2, **overrides):
    keys = selectors.framework_of(diagnostic.framework).question_keys()
    answers = {key: overrides.get(key, value) for key in keys}
    return services.diagnostic_save(user=None, diagnostic=diagnostic, answers=answers)


def submitted(team, value=2):
    diagnostic, _ = services.diagnostic_start(user=team["user"], initiative=team["initiative"])
    answer_all(diagnostic, value)
    return services.diagnostic_submit(user=team["user"], diagnostic=diagnostic)


def publish_variant(version, change=None):
    document = yaml.safe_load(BUNDLED.read_text(encoding="utf-8"))
    document["version"] = version
    if change:
        change(document)
    return services.framework_publish(user=None, content=yaml.safe_dump(document, allow_unicode=True), name="v.yaml")


# --- services --------------------------------------------------------------------------------------


def test_start_fills_the_context_from_the_directory_and_resumes_the_draft(team):
    diagnostic, created = services.diagnostic_start(user=team["user"], initiative=team["initiative"])
    assert created
    assert diagnostic.framework == selectors.current_framework()
    assert diagnostic.stage == "established"
    assert diagnostic.budget_range == "100k-500k"
    assert [t.slug for t in diagnostic.territories.all()] == ["quartier-saint-michel"]
    again, created = services.diagnostic_start(user=team["user"], initiative=team["initiative"])
    assert (again.pk, created) == (diagnostic.pk, False)


def test_only_members_start_a_diagnostic(team):
    with pytest.raises(PermissionDenied):
        services.diagnostic_start(user=UserFactory(), initiative=team["initiative"])
    assert not Diagnostic.objects.exists()


def test_answers_merge_and_importance_goes_back_to_default(team):
    diagnostic, _ = services.diagnostic_start(user=team["user"], initiative=team["initiative"])
    services.diagnostic_save(user=team["user"], diagnostic=diagnostic, answers={"gouvernance.q1": 2})
    services.diagnostic_save(
        user=team["user"], diagnostic=diagnostic, answers={"gouvernance.q2": None}, importance={"gouvernance": 1}
    )
    diagnostic.refresh_from_db()
    assert diagnostic.answers == {"gouvernance.q1": 2, "gouvernance.q2": None}
    assert diagnostic.importance == {"gouvernance": 1}
    services.diagnostic_save(user=team["user"], diagnostic=diagnostic, importance={"gouvernance": None})
    diagnostic.refresh_from_db()
    assert diagnostic.importance == {}


def test_bad_answers_change_nothing(team):
    diagnostic, _ = services.diagnostic_start(user=team["user"], initiative=team["initiative"])
    with pytest.raises(MaillageError) as caught:
        services.diagnostic_save(
            user=team["user"], diagnostic=diagnostic, answers={"gouvernance.q1": 3, "gouvernance.q2": 9}
        )
    assert caught.value.problems[0].field == "gouvernance.q2"
    diagnostic.refresh_from_db()
    assert diagnostic.answers == {}


def test_submission_needs_every_question_and_freezes_the_result(team):
    diagnostic, _ = services.diagnostic_start(user=team["user"], initiative=team["initiative"])
    services.diagnostic_save(user=team["user"], diagnostic=diagnostic, answers={"gouvernance.q1": 2})
    with pytest.raises(MaillageError) as caught:
        services.diagnostic_submit(user=team["user"], diagnostic=diagnostic)
    assert caught.value.code == "diagnostic_incomplete"
    assert caught.value.problems[0].message.startswith("63 questions n'ont pas encore de réponse") or (
        caught.value.problems[0].message.startswith("63 questions n'ont pas encore de réponse")
    )
    answer_all(diagnostic, 2)
    services.diagnostic_submit(user=team["user"], diagnostic=diagnostic)
    diagnostic.refresh_from_db()
    assert diagnostic.status == "submitted"
    assert diagnostic.submitted_at
    result = selectors.result_of(diagnostic)
    rows = {row.element: row for row in diagnostic.element_scores.all()}
    assert len(rows) == 25
    assert rows["gouvernance"].need == result.element("gouvernance").need
    # Saint-Michel's figures give an equity multiplier above 1; every element has the same gap.
    assert result.equity_multiplier == pytest.approx(1.3727, abs=1e-4)
    assert len(result.needs) == 25
    assert result.needs[0].weight == pytest.approx(2 / 3 * 3 * 1.3727, abs=1e-3)
    with pytest.raises(MaillageError) as caught:
        services.diagnostic_save(user=team["user"], diagnostic=diagnostic, answers={"gouvernance.q1": 5})
    assert caught.value.code == "diagnostic_submitted"


def test_a_new_framework_version_leaves_drafts_on_theirs_and_compares_shared_elements(team):
    first = submitted(team, value=2)
    draft, _ = services.diagnostic_start(user=team["user"], initiative=team["initiative"])
    old_version = draft.framework

    def drop_markets(document):
        for level in document["levels"]:
            level["elements"] = [e for e in level["elements"] if e["id"] != "acces-marches"]

    publish_variant("2027.1", drop_markets)
    draft.refresh_from_db()
    assert draft.framework == old_version, "a diagnostic stays tied to the version it started with"
    services.diagnostic_submit(user=team["user"], diagnostic=answer_all(draft, 3))
    newer, _ = services.diagnostic_start(user=team["user"], initiative=team["initiative"])
    assert newer.framework.version == "2027.1"
    newer = services.diagnostic_submit(user=team["user"], diagnostic=answer_all(newer, 4))

    from maillage.diagnostics import report

    built = report.build(newer, {})
    assert built.previous.pk == draft.pk != first.pk
    assert not built.comparison.same_version
    assert built.removed == ["acces-marches"]
    assert {c.change.delta for c in built.changes} == {1.0}
    assert "acces-marches" not in {c.change.element for c in built.changes}


def test_parameters_apply_to_later_submissions_only(team):
    before = submitted(team)
    services.parameters_set(user=None, values={"equity_boost": 0.0, "target": 5.0})
    assert ScoringSettings.objects.count() == 1
    after = submitted(team)
    assert selectors.result_of(before).equity_multiplier > 1
    assert selectors.result_of(after).equity_multiplier == 1.0
    assert selectors.result_of(after).parameters.target == 5.0
    with pytest.raises(MaillageError) as caught:
        services.parameters_set(user=None, values={"target": 0.5})
    assert caught.value.problems[0].field == "target"


def test_sharing_only_with_support_actors(team):
    diagnostic = submitted(team)
    with pytest.raises(MaillageError) as caught:
        services.diagnostic_share(user=team["user"], diagnostic=diagnostic, organisation=OrganisationFactory())
    assert caught.value.code == "share_not_support_actor"
    funder = OrganisationFactory(is_support_actor=True, kind="foundation")
    services.diagnostic_share(user=team["user"], diagnostic=diagnostic, organisation=funder)
    with pytest.raises(MaillageError) as caught:
        services.diagnostic_share(user=team["user"], diagnostic=diagnostic, organisation=funder)
    assert caught.value.code == "already_shared"
    services.diagnostic_unshare(user=team["user"], diagnostic=diagnostic, organisation_id=funder.pk)
    assert not DiagnosticShare.objects.exists()


def test_aggregates_are_withheld_under_five_initiatives(team):
    submitted(team)
    data = selectors.aggregates()
    assert data.diagnostics == 1
    assert all(a.mean_score is None for a in data.elements)
    for _ in range(4):
        initiative = InitiativeFactory(carrier=team["org"])
        diagnostic, _ = services.diagnostic_start(user=team["user"], initiative=initiative)
        services.diagnostic_submit(user=None, diagnostic=answer_all(diagnostic, 3))
    data = selectors.aggregates()
    assert data.diagnostics == 5
    governance = next(a for a in data.elements if a.element == "gouvernance")
    assert governance.mean_score == pytest.approx((2 + 3 * 4) / 5)
    assert governance.share_in_need == 1.0


def test_publishing_refuses_an_existing_version_and_invalid_files(team):
    with pytest.raises(MaillageError) as caught:
        services.framework_publish(user=None, content=BUNDLED.read_text(encoding="utf-8"), name="f.yaml")
    assert caught.value.code == "framework_version_exists"

    def unknown_type(document):
        document["levels"][0]["elements"][0]["support_types"] = ["teleportation"]

    with pytest.raises(MaillageError) as caught:
        publish_variant("2099.1", unknown_type)
    assert "besoin-documente" in caught.value.problems[0].message
    assert Framework.objects.count() == 1


# --- pages -----------------------------------------------------------------------------------------


def test_fill_in_step_by_step_then_submit_and_read_the_results(client, team):
    client.force_login(team["user"])
    response = client.post(reverse("diagnostics:start", args=[team["initiative"].slug]))
    diagnostic = Diagnostic.objects.get()
    assert response["Location"] == reverse("diagnostics:step", args=[diagnostic.pk, "context"])
    page = text(client.get(response["Location"]))
    assert "Étape 1 sur 8" in page
    assert "Questions répondues\u00a0: 0 sur 64" in page

    response = client.post(
        reverse("diagnostics:step", args=[diagnostic.pk, "context"]),
        {"stage": "pilot", "team_size": "1-4", "budget_range": "lt100k", "go": "next"},
    )
    assert response["Location"] == reverse("diagnostics:step", args=[diagnostic.pk, "initiative"])
    framework = selectors.framework_of(diagnostic.framework)
    for level in framework.levels:
        data = {f"q-{q.key}": "2" for e in level.elements for q in e.questions}
        data["i-besoin-documente"] = "1"
        client.post(reverse("diagnostics:step", args=[diagnostic.pk, level.id]), data)
    client.post(
        reverse("diagnostics:step", args=[diagnostic.pk, "aspirations"]),
        # A support type that exists (its identifier depends on the tests that ran before on this database).
        {"max_reporting_hours": "25", "horizon": "2-3y", "wanted_support_types": [str(SupportType.objects.first().pk)]},
    )
    diagnostic.refresh_from_db()
    assert diagnostic.stage == "pilot"
    assert diagnostic.max_reporting_hours == 25
    assert diagnostic.importance == {"besoin-documente": 1}
    assert list(diagnostic.territories.all()) == [], "the context form set no territory"

    response = client.post(reverse("diagnostics:submit", args=[diagnostic.pk]), follow=True)
    page = text(response)
    assert "Votre diagnostic est soumis" in page
    assert "Vos besoins prioritaires" in page
    assert "Vous la jugez utile." not in page.split("Scores par niveau")[0], "an element rated useful ranks low"
    assert "Aucun indicateur d'équité ne s'applique" in page
    assert "C'est le premier diagnostic de l'initiative" in page


def test_autosave_answers_with_a_status_and_keeps_the_answers(client, team):
    client.force_login(team["user"])
    diagnostic, _ = services.diagnostic_start(user=team["user"], initiative=team["initiative"])
    url = reverse("diagnostics:step", args=[diagnostic.pk, "soutien"])
    answers = {"q-financement-souple.q1": "1", "q-financement-souple.q2": "na"}
    response = client.post(url, answers, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "Enregistré à" in text(response)
    diagnostic.refresh_from_db()
    assert diagnostic.answers == {"financement-souple.q1": 1, "financement-souple.q2": None}
    page = text(client.get(url))
    assert 'value="1"' in page
    assert "checked" in page


def test_a_bad_value_is_shown_in_the_form_and_nothing_is_lost(client, team):
    client.force_login(team["user"])
    diagnostic, _ = services.diagnostic_start(user=team["user"], initiative=team["initiative"])
    url = reverse("diagnostics:step", args=[diagnostic.pk, "aspirations"])
    response = client.post(url, {"max_reporting_hours": "-3", "horizon": "1y"})
    assert response.status_code == 400
    page = text(response)
    assert "supérieure ou égale à 0" in page
    assert 'value="1y" required' not in page
    assert 'value="1y"' in page
    autosave = client.post(url, {"max_reporting_hours": "abc"}, HTTP_HX_REQUEST="true")
    assert "Non enregistré" in text(autosave)


def test_submitting_an_incomplete_diagnostic_says_what_is_missing(client, team):
    client.force_login(team["user"])
    diagnostic, _ = services.diagnostic_start(user=team["user"], initiative=team["initiative"])
    response = client.post(reverse("diagnostics:submit", args=[diagnostic.pk]), follow=True)
    page = text(response)
    assert "64 questions n'ont pas encore de réponse" in page
    assert Diagnostic.objects.get().status == "draft"


def test_results_compare_with_the_previous_diagnostic(client, team):
    submitted(team, value=2)
    latest = submitted(team, value=3)
    client.force_login(team["user"])
    page = text(client.get(reverse("diagnostics:detail", args=[latest.pk])))
    assert "Par rapport au <a href" in page
    assert "64\u00a0éléments ont gardé leur score" not in page
    assert "+1,0" in page
    english = text(client.get("/en" + reverse("diagnostics:detail", args=[latest.pk])))
    assert "Compared with <a href" in english
    assert "Your priority needs" in english


def test_pdf_is_made_without_network(client, team, monkeypatch):
    diagnostic = submitted(team)
    client.force_login(team["user"])
    import urllib.request

    def no_network(*args, **kwargs):
        raise AssertionError("the PDF must not fetch anything over the network")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    response = client.get(reverse("diagnostics:pdf", args=[diagnostic.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_exports_of_one_diagnostic(client, team):
    diagnostic = submitted(team)
    client.force_login(team["user"])
    exported = text(client.get(reverse("diagnostics:export", args=[diagnostic.pk, "csv"])))
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert len(rows) == 64
    assert rows[0]["answer"] == "2"
    assert rows[0]["element_score"] == "2.0"
    data = json.loads(client.get(reverse("diagnostics:export", args=[diagnostic.pk, "json"])).content)
    needs = data["diagnostics"][0]["needs"]
    assert list(needs)
    assert all(isinstance(v, float) and v > 0 for v in needs.values())
    assert client.get(reverse("diagnostics:export", args=[diagnostic.pk, "xml"])).status_code == 404


def test_framework_page_shows_every_element_and_its_sources(client):
    page = text(client.get(reverse("diagnostics:framework")))
    assert "Financement adapté" in page
    assert "Kania" in page
    english = text(client.get("/en" + reverse("diagnostics:framework")))
    assert "The initiative" in english
    download = client.get(reverse("diagnostics:framework_download", args=["conditions-de-reussite", "2026.1"]))
    assert yaml.safe_load(download.content)["version"] == "2026.1"


def test_a_steward_publishes_through_the_web_and_sees_each_problem(client):
    steward = UserFactory(is_steward=True)
    client.force_login(steward)
    document = yaml.safe_load(BUNDLED.read_text(encoding="utf-8"))
    document["version"] = "2027.1"
    document["levels"][1]["elements"][0]["name"].pop("en")
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("cadre.yaml", yaml.safe_dump(document, allow_unicode=True).encode())
    response = client.post(reverse("diagnostics:framework_publish"), {"file": upload, "note": "Essai"})
    assert response.status_code == 400
    assert "Élément «\u00a0gouvernance\u00a0»\u00a0: le nom en anglais manque." in text(response)
    document["levels"][1]["elements"][0]["name"]["en"] = "Sound governance"
    upload = SimpleUploadedFile("cadre.yaml", yaml.safe_dump(document, allow_unicode=True).encode())
    response = client.post(reverse("diagnostics:framework_publish"), {"file": upload, "note": "Essai"})
    assert response["Location"] == reverse("diagnostics:framework_version", args=["conditions-de-reussite", "2027.1"])
    assert selectors.current_framework().version == "2027.1"
    binary = SimpleUploadedFile("cadre.yaml", b"\xff\xfe\x00")
    assert "UTF-8" in text(client.post(reverse("diagnostics:framework_publish"), {"file": binary}))


def test_a_steward_sets_the_parameters(client):
    client.force_login(UserFactory(is_steward=True))
    url = reverse("diagnostics:parameters")
    values = {name: getattr(ScoringSettings(), name) for name in ScoringSettings.PARAMETERS}
    response = client.post(url, {**values, "target": "7"})
    assert response.status_code == 400
    assert "La cible doit être" in text(response)
    assert client.post(url, {**values, "equity_boost": "0.25"}).status_code == 302
    assert selectors.scoring_parameters().equity_boost == 0.25


def test_the_initiative_page_offers_the_diagnostic_to_its_team_only(client, team):
    url = reverse("directory:initiative", args=[team["initiative"].slug])
    assert "Remplir l'autodiagnostic" not in text(client.get(url))
    client.force_login(team["user"])
    assert "Remplir l'autodiagnostic" in text(client.get(url))


# --- demo and commands ------------------------------------------------------------------------------


def test_demo_fills_diagnostics_for_most_demo_initiatives(team):
    from maillage.core.demo import DemoSpec
    from maillage.directory.loaders import demo_load

    demo_load(DemoSpec(organisations=60, seed=3))
    count = loaders.demo_diagnostics_load(seed=3)
    initiatives = Initiative.objects.filter(is_demo=True).count()
    with_one = Diagnostic.objects.filter(is_demo=True, status="submitted").values("initiative").distinct().count()
    assert count >= with_one >= 0.6 * initiatives
    assert not Diagnostic.objects.filter(initiative=team["initiative"]).exists()
    assert all(d.result["needs"] is not None for d in Diagnostic.objects.filter(status="submitted"))
    from maillage.diagnostics.models import ElementScore

    assert ElementScore.objects.count() == 25 * Diagnostic.objects.filter(status="submitted").count()


def test_framework_command(tmp_path, capsys):
    call_command("framework", "validate", str(BUNDLED))
    assert "25 elements, 64 questions" in capsys.readouterr().out
    broken = tmp_path / "broken.yaml"
    broken.write_text(BUNDLED.read_text(encoding="utf-8").replace("support_types: [evaluation", "support_types: [x"))
    with pytest.raises(CommandError, match="le type de soutien «\u00a0x\u00a0» n'existe pas"):
        call_command("framework", "validate", str(broken))
    out = tmp_path / "current.json"
    call_command("framework", "export", "--format", "json", "-o", str(out))
    assert json.loads(out.read_text())["version"] == "2026.1"
    call_command("framework", "list")
    assert "* conditions-de-reussite 2026.1" in capsys.readouterr().out


def test_diagnostics_command_exports_needs_in_the_allocation_format(team, tmp_path):
    submitted(team)
    out = tmp_path / "needs.json"
    call_command("diagnostics", "export", "--format", "allocation", "-o", str(out))
    data = json.loads(out.read_text())
    (entry,) = data["initiatives"]
    assert entry["id"] == team["initiative"].slug
    assert set(entry) == {"id", "max_burden_hours", "needs"}
    assert list(entry["needs"].values()) == sorted(entry["needs"].values(), reverse=True)
    csv_out = tmp_path / "all.csv"
    call_command("diagnostics", "export", "--language", "en", "-o", str(csv_out))
    assert "We have recent data" in csv_out.read_text()
    with pytest.raises(CommandError):
        call_command("diagnostics", "export", "--initiative", "nope")


def test_reference_command_publishes_the_bundled_framework_once():
    call_command("reference", verbosity=0)
    assert Framework.objects.count() == 1


def test_bundled_file_path_is_inside_the_package():
    assert Path(loaders.DEFAULT_FRAMEWORK).is_file()
    assert "maillage" in Path(loaders.DEFAULT_FRAMEWORK).parts


def test_resuming_opens_the_first_step_not_done(client, team):
    client.force_login(team["user"])
    diagnostic, _ = services.diagnostic_start(user=team["user"], initiative=team["initiative"])
    framework = selectors.framework_of(diagnostic.framework)
    first_level = framework.levels[0]
    answers = {q.key: 3 for e in first_level.elements for q in e.questions}
    services.diagnostic_save(user=team["user"], diagnostic=diagnostic, answers=answers)
    response = client.post(reverse("diagnostics:start", args=[team["initiative"].slug]))
    assert response["Location"] == reverse("diagnostics:step", args=[diagnostic.pk, framework.levels[1].id])


def test_importance_is_the_default_until_the_team_chooses_and_can_go_back(client, team):
    client.force_login(team["user"])
    diagnostic, _ = services.diagnostic_start(user=team["user"], initiative=team["initiative"])
    url = reverse("diagnostics:step", args=[diagnostic.pk, "organisation"])
    page = text(client.get(url))
    assert "Par défaut du cadre (essentiel)" in page
    assert 'name="i-gouvernance" value="" id="id_i-gouvernance_0" checked' in page
    client.post(url, {"i-gouvernance": "1"}, HTTP_HX_REQUEST="true")
    assert 'name="i-gouvernance" value="1" id="id_i-gouvernance_1" checked' in text(client.get(url))
    diagnostic.refresh_from_db()
    assert diagnostic.importance == {"gouvernance": 1}
    client.post(url, {"i-gouvernance": ""}, HTTP_HX_REQUEST="true")
    diagnostic.refresh_from_db()
    assert diagnostic.importance == {}


# --- after the code review: privacy, concurrency, robustness --------------------------------------------


def test_a_shared_support_actor_does_not_see_the_earlier_unshared_diagnostic(client, team):
    submitted(team, value=1)
    latest = submitted(team, value=3)
    funder = OrganisationFactory(is_support_actor=True, kind="foundation")
    reader = UserFactory()
    member(reader, funder)
    services.diagnostic_share(user=team["user"], diagnostic=latest, organisation=funder)
    client.force_login(reader)
    page = text(client.get(reverse("diagnostics:detail", args=[latest.pk])))
    assert "Vos besoins prioritaires" in page
    assert "Par rapport au" not in page
    assert "C'est le premier diagnostic" in page or "Ce qui a changé" in page
    client.force_login(team["user"])
    assert "Par rapport au" in text(client.get(reverse("diagnostics:detail", args=[latest.pk])))


def test_two_starts_at_once_give_one_draft(team, monkeypatch):
    first, _ = services.diagnostic_start(user=team["user"], initiative=team["initiative"])
    real = selectors.draft_of
    calls = []

    def blind_then_real(initiative):  # the second request checked before the first one wrote
        calls.append(1)
        return None if len(calls) == 1 else real(initiative)

    monkeypatch.setattr(selectors, "draft_of", blind_then_real)
    again, created = services.diagnostic_start(user=team["user"], initiative=team["initiative"])
    assert (again.pk, created) == (first.pk, False)
    assert Diagnostic.objects.count() == 1


def test_a_stale_copy_can_neither_reopen_nor_overwrite(team):
    diagnostic, _ = services.diagnostic_start(user=team["user"], initiative=team["initiative"])
    stale = Diagnostic.objects.get(pk=diagnostic.pk)
    services.diagnostic_save(user=team["user"], diagnostic=diagnostic, answers={"gouvernance.q1": 2})
    services.diagnostic_save(user=team["user"], diagnostic=stale, answers={"reseautage.q1": 4})
    assert Diagnostic.objects.get().answers == {"gouvernance.q1": 2, "reseautage.q1": 4}
    answer_all(diagnostic, 3)
    services.diagnostic_submit(user=team["user"], diagnostic=diagnostic)
    with pytest.raises(MaillageError) as caught:
        services.diagnostic_save(user=team["user"], diagnostic=stale, answers={"gouvernance.q1": 5})
    assert caught.value.code == "diagnostic_submitted"
    fresh = Diagnostic.objects.get()
    assert fresh.status == "submitted"
    assert fresh.result is not None


def test_an_autosave_after_submission_sends_to_the_results(client, team):
    diagnostic = submitted(team)
    client.force_login(team["user"])
    url = reverse("diagnostics:step", args=[diagnostic.pk, "soutien"])
    response = client.post(url, {"q-financement-souple.q1": "5"}, HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == reverse("diagnostics:detail", args=[diagnostic.pk])
    again = client.post(reverse("diagnostics:submit", args=[diagnostic.pk]))
    assert again["Location"] == reverse("diagnostics:detail", args=[diagnostic.pk])


def test_the_pdf_works_with_production_static_files(client, team, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    diagnostic = submitted(team)
    client.force_login(team["user"])
    response = client.get(reverse("diagnostics:pdf", args=[diagnostic.pk]))
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (lambda d: d.update(version="2027/1"), "version_invalid"),
        (lambda d: d.update(version="x" * 41), "version_invalid"),
        (lambda d: d["title"].update(fr="Cadre\x00"), "null_character"),
        (lambda d: d["levels"][0]["name"].update(fr="N" * 201), "text_too_long"),
        (lambda d: d.update(levels=d["levels"] * 3), "framework_too_large"),
    ],
)
def test_framework_files_that_would_break_pages_or_the_database_are_refused(change, code):
    document = yaml.safe_load(BUNDLED.read_text(encoding="utf-8"))
    document["version"] = "2099.1"
    change(document)
    with pytest.raises(MaillageError) as caught:
        services.framework_publish(user=None, content=json.dumps(document, default=str), name="f.json")
    assert code in {p.code for p in caught.value.problems}
    assert Framework.objects.count() == 1


def test_yaml_aliases_are_refused():
    content = BUNDLED.read_text(encoding="utf-8").replace('version: "2026.1"', 'version: &v "2099.1"\nnote: *v')
    with pytest.raises(MaillageError) as caught:
        services.framework_publish(user=None, content=content, name="f.yaml")
    assert caught.value.code == "framework_unreadable"


def test_aggregates_never_mix_demo_and_real_diagnostics(team):
    for _ in range(5):
        initiative = InitiativeFactory(carrier=team["org"], is_demo=True)
        diagnostic, _ = services.diagnostic_start(user=None, initiative=initiative)
        diagnostic = services.diagnostic_submit(user=None, diagnostic=answer_all(diagnostic, 4))
        Diagnostic.objects.filter(pk=diagnostic.pk).update(is_demo=True)
    submitted(team, value=1)
    real = selectors.aggregates()
    assert real.diagnostics == 1
    assert all(a.mean_score is None for a in real.elements)
    demo = selectors.aggregates(demo=True)
    assert demo.diagnostics == 5
    assert {a.mean_score for a in demo.elements} == {4.0}
