"""Open data through the web page and the API, for stewards: upload, dry run by the worker, report, import,
the CSV template, the exports; every route × six roles; the API's error codes; unsafe zip archives."""

from __future__ import annotations

import csv
import html
import io
import json
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from maillage.accounts.models import Membership
from maillage.accounts.services import token_create
from maillage.directory.models import Organisation
from maillage.interop import exports, imports, readers, services
from maillage.interop.models import ImportRun, SourceRecord
from tests.factories import OrganisationFactory, UserFactory, member
from tests.test_permissions_matrix import EXPECTED_STATUS, _route_names
from tests.test_scenarios import work

pytestmark = pytest.mark.django_db

COLUMNS = [name for name, _required in readers.TEMPLATE_COLUMNS]
SOURCE = "Répertoire témoin, export du 2026-03-01"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Uploads go to a folder of this test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path / "media"


def _csv(rows: list[dict[str, str]], delimiter: str = ";") -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, delimiter=delimiter)
    writer.writeheader()
    for row in rows:
        writer.writerow({"kind": "community", "roles": "field", **row})
    return out.getvalue().encode("utf-8")


GOOD = [
    {"source_id": "a-1", "name_fr": "Cuisine témoin des Érables", "territories": "verdun", "sectors": "logement"},
    {"source_id": "a-2", "name_fr": "Jardin témoin du Canal", "territories": "Le Sud-Ouest", "roles": "field|support"},
]
BAD = [GOOD[0], {**GOOD[1], "territories": "Atlantide"}]


def _file(content: bytes, name: str = "organismes.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="text/csv")


def _upload(client, content: bytes, *, standard: str = "csv", name: str = "organismes.csv", prefix: str = "", **extra):
    data = {"standard": standard, "file": _file(content, name), "source": SOURCE, **extra}
    return client.post(prefix + reverse("interop:index"), data)


def _text(response) -> str:
    return html.unescape(response.content.decode())


def _run_from(response) -> ImportRun:
    assert response.status_code == 302, response.content.decode()[:2000]
    pk = int(response["Location"].rstrip("/").split("/")[-1])
    return ImportRun.objects.get(pk=pk)


def _uploads(media: Path) -> list[Path]:
    root = media / "imports"
    return sorted(root.iterdir()) if root.exists() else []


@pytest.fixture
def steward(db):
    return UserFactory(is_steward=True, full_name="Intendante témoin")


# --- who may do what ---------------------------------------------------------------------------------------

ROLES = ("anonymous", "outsider", "member", "admin", "support_member", "steward")
STEWARDS = dict.fromkeys(ROLES, "deny") | {"anonymous": "login", "steward": "ok"}
ROUTES = [
    ("interop:index", "get", STEWARDS),
    ("interop:index", "post", STEWARDS | {"steward": "invalid"}),  # posted empty: the form comes back
    ("interop:template", "get", STEWARDS),
    ("interop:run", "get", STEWARDS),
    ("interop:run_import", "post", STEWARDS | {"steward": "redirect"}),
    ("interop:run_abandon", "post", STEWARDS | {"steward": "redirect"}),
    ("interop:export_hsds", "get", dict.fromkeys(ROLES, "ok")),  # open data: anyone downloads the exports
    ("interop:export_giving", "get", dict.fromkeys(ROLES, "ok")),
]


@pytest.fixture
def people(steward):
    org = OrganisationFactory(name_fr="Organisme témoin")
    support = OrganisationFactory(name_fr="Fondation témoin", is_support_actor=True, kind="foundation")
    users = {
        "outsider": UserFactory(),
        "member": UserFactory(),
        "admin": UserFactory(),
        "support_member": UserFactory(),
    }
    member(users["member"], org)
    member(users["admin"], org, Membership.Role.ADMIN)
    member(users["support_member"], support)
    return {**users, "steward": steward}


@pytest.fixture
def checked_run(steward, media):
    run = services.import_start(
        user=steward, format="csv", upload=_file(_csv(GOOD)), source_label=SOURCE, language="fr"
    )
    work()
    run.refresh_from_db()
    assert run.status == ImportRun.Status.CHECKED, run.report
    return run


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("route", "method", "expected"), ROUTES, ids=[f"{r}-{m}" for r, m, _e in ROUTES])
def test_the_permission_matrix(client, people, checked_run, role, route, method, expected):
    if role != "anonymous":
        client.force_login(people[role])
    args = [checked_run.pk] if route.startswith("interop:run") else []
    url = reverse(route, args=args)
    response = client.post(url) if method == "post" else client.get(url)
    assert response.status_code in EXPECTED_STATUS[expected[role]], (role, route, response.status_code)
    if expected[role] == "login":
        assert reverse("accounts:login") in response["Location"]
    checked_run.refresh_from_db()
    if role != "steward":  # nobody else moved the run on
        assert (checked_run.status, checked_run.dry_run) == ("checked", True)
        assert services.stored_file(checked_run) is not None


def test_every_interop_route_is_in_the_matrix():
    assert {n for n in _route_names() if n.startswith("interop:")} == {r for r, _m, _e in ROUTES}


API_ROUTES = [
    ("post", "/api/interop/imports", 201),
    ("get", "/api/interop/imports/{pk}", 200),
    ("post", "/api/interop/imports/{pk}/import", 202),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "path", "ok"), API_ROUTES)
def test_the_api_permission_matrix(client, people, checked_run, role, method, path, ok):
    headers = {}
    if role != "anonymous":
        _token, raw = token_create(user=people[role], name="matrice")
        headers["HTTP_AUTHORIZATION"] = f"Bearer {raw}"
    data = {"standard": "csv", "source": SOURCE, "file": _file(_csv(GOOD))} if path.endswith("imports") else {}
    url = path.format(pk=checked_run.pk)
    response = client.post(url, data, **headers) if method == "post" else client.get(url, **headers)
    expected = {"anonymous": 401, "steward": ok}.get(role, 403)
    assert response.status_code == expected, (role, path, response.content)
    if role == "anonymous":
        assert response.json()["code"] == "unauthenticated"
    elif role != "steward":
        assert response.json()["code"] == "not_a_steward"
    runs = ImportRun.objects.count()
    assert runs == (2 if role == "steward" and path.endswith("imports") else 1)


def test_only_stewards_see_the_link_in_the_menu(client, people):
    link = f'href="{reverse("interop:index")}"'
    client.force_login(people["admin"])
    assert link not in client.get(reverse("directory:home")).content.decode()
    client.force_login(people["steward"])
    assert link in client.get(reverse("directory:home")).content.decode()


# --- upload, dry run, report, import --------------------------------------------------------------------------


def test_upload_dry_run_report_then_import(client, steward, media):
    client.force_login(steward)
    page = client.get(reverse("interop:index"))
    assert page.status_code == 200
    run = _run_from(_upload(client, _csv(GOOD)))
    assert (run.status, run.dry_run, run.source_label, run.language) == ("queued", True, SOURCE, "fr")
    assert run.created_by == steward
    assert run.task_id
    stored = services.stored_file(run)
    assert stored is not None
    assert stored.is_relative_to(media / "imports")
    assert stored.read_bytes() == _csv(GOOD)

    waiting = client.get(reverse("interop:run", args=[run.pk]))
    assert 'hx-trigger="every 2s"' in waiting.content.decode()
    assert b"<progress" in waiting.content
    fragment = client.get(reverse("interop:run", args=[run.pk]), headers={"HX-Request": "true"})
    assert b'id="import-progress"' in fragment.content
    assert b"<html" not in fragment.content

    work()
    run.refresh_from_db()
    assert run.status == "checked", run.report
    assert run.rows_read == 2
    assert run.report["counts"]["organisation"]["created"] == 2
    assert not Organisation.objects.filter(name_fr__in=[r["name_fr"] for r in GOOD]).exists()
    done = client.get(reverse("interop:run", args=[run.pk]), headers={"HX-Request": "true"})
    assert done["HX-Refresh"] == "true"
    report = _text(client.get(reverse("interop:run", args=[run.pk])))
    for row in GOOD:
        assert row["name_fr"] in report
    assert reverse("interop:run_import", args=[run.pk]) in report
    assert "<caption>" in report
    assert 'scope="col"' in report
    listed = _text(client.get(reverse("interop:index")))
    assert reverse("interop:run", args=[run.pk]) in listed
    assert "organismes.csv" in listed

    response = client.post(reverse("interop:run_import", args=[run.pk]))
    assert response.status_code == 302
    run.refresh_from_db()
    assert (run.status, run.dry_run) == ("queued", False)
    work()
    run.refresh_from_db()
    assert run.status == "imported", run.report
    assert run.report["written"] is True
    assert run.finished_at is not None
    found = Organisation.objects.get(name_fr="Cuisine témoin des Érables")
    assert found.data_source == SOURCE
    assert not found.is_demo
    assert list(found.territories.values_list("slug", flat=True)) == ["verdun"]
    assert list(found.sectors.values_list("code", flat=True)) == ["logement"]
    garden = Organisation.objects.get(name_fr="Jardin témoin du Canal")
    assert garden.is_field_actor
    assert garden.is_support_actor
    assert SourceRecord.objects.filter(run=run, kind="organisation").count() == 2
    assert _uploads(media) == []  # the file is deleted once imported
    assert run.stored_path == ""
    after = _text(client.get(reverse("interop:run", args=[run.pk])))
    assert reverse("interop:run_import", args=[run.pk]) not in after
    # Imported once, it cannot be imported again.
    client.post(reverse("interop:run_import", args=[run.pk]))
    assert not ImportRun.objects.filter(status="queued").exists()


def test_a_bad_file_shows_its_problems_and_no_import_button(client, steward, media):
    client.force_login(steward)
    run = _run_from(_upload(client, _csv(BAD)))
    work()
    run.refresh_from_db()
    assert run.status == "rejected"
    problem = run.report["problems"][0]
    assert (problem["row"], problem["field"], problem["code"]) == (3, "territories", "territory_unknown")
    page = _text(client.get(reverse("interop:run", args=[run.pk])))
    assert "Atlantide" in page
    assert problem["message"] in page
    assert reverse("interop:run_import", args=[run.pk]) not in page
    assert 'enctype="multipart/form-data"' in page  # the form to try another file, with the same source
    assert f'value="{SOURCE}"' in page
    assert _uploads(media) == []
    assert not Organisation.objects.filter(name_fr=GOOD[0]["name_fr"]).exists()
    # Asked anyway, the import is refused.
    client.post(reverse("interop:run_import", args=[run.pk]))
    run.refresh_from_db()
    assert run.status == "rejected"


def test_the_same_file_again_changes_nothing(client, steward):
    client.force_login(steward)
    first = _run_from(_upload(client, _csv(GOOD)))
    work()
    client.post(reverse("interop:run_import", args=[first.pk]))
    work()
    again = _run_from(_upload(client, _csv(GOOD, delimiter=",")))
    work()
    again.refresh_from_db()
    assert again.status == "checked"
    assert again.report["counts"] == {"organisation": {"created": 0, "updated": 0, "unchanged": 2, "rejected": 0}}
    assert {row["action"] for row in again.report["rows"]} == {"unchanged"}
    page = client.get(reverse("interop:run", args=[again.pk])).content.decode()
    assert reverse("interop:run_import", args=[again.pk]) not in page  # nothing to import: no button
    with translation.override("fr"):
        nothing = gettext("Nothing to import: the directory already holds every row of this file as it is.")
    assert nothing in page
    client.post(reverse("interop:run_import", args=[again.pk]))
    again.refresh_from_db()
    assert (again.status, again.dry_run) == ("checked", True)  # refused: import_empty


def test_the_upload_checks_its_csrf_token(steward, media):
    """The page reads the size of an upload before its body: the CSRF check still comes before any upload."""
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(steward)
    refused = strict.post(reverse("interop:index"), {"standard": "csv", "file": _file(_csv(GOOD)), "source": SOURCE})
    assert refused.status_code == 403
    assert not ImportRun.objects.exists()
    assert _uploads(media) == []
    token = strict.get(reverse("interop:index")).context["csrf_token"]
    data = {"standard": "csv", "file": _file(_csv(GOOD)), "source": SOURCE, "csrfmiddlewaretoken": str(token)}
    assert strict.post(reverse("interop:index"), data).status_code == 302


def test_a_file_name_keeps_only_printable_characters(steward):
    run = services.import_start(
        user=steward, format="csv", upload=_file(_csv(GOOD), "orga\x00nismes\n.csv"), source_label=SOURCE
    )
    assert run.file_name == "organismes.csv"


@pytest.mark.parametrize(
    ("route", "standard", "name", "kind"),
    [
        ("interop:export_hsds", "hsds", "organisations.json", "organisation"),
        ("interop:export_giving", "360giving", "subventions.csv", "grant"),
    ],
)
def test_the_exports_come_back_unchanged(client, steward, route, standard, name, kind):
    funder = OrganisationFactory(name_fr="Fondation aller-retour", is_support_actor=True, kind="foundation")
    from tests.factories import RelationFactory

    RelationFactory(source=funder, target=OrganisationFactory(), kind="funds", year=2024, amount=2500)
    client.force_login(steward)
    exported = b"".join(client.get(reverse(route)).streaming_content)
    run = _run_from(_upload(client, exported, standard=standard, name=name))
    work()
    run.refresh_from_db()
    assert run.status == "checked", run.report["problems"]
    counts = run.report["counts"][kind]
    assert counts["unchanged"] >= 1
    assert counts["created"] == counts["updated"] == counts["rejected"] == 0


def test_messages_come_in_the_language_of_the_upload(client, steward, monkeypatch):
    seen = []
    real = imports.import_file

    def spy(*args, **kwargs):
        seen.append(translation.get_language())
        return real(*args, **kwargs)

    monkeypatch.setattr(imports, "import_file", spy)
    client.force_login(steward)
    run = _run_from(_upload(client, _csv(BAD), prefix="/en"))
    assert run.language == "en"
    translation.activate("fr")  # the worker starts in whatever language: the run's is used
    work()
    run.refresh_from_db()
    assert seen == ["en"]
    assert run.report["problems"][0]["message"].startswith("Unknown territory 'Atlantide'")


def test_the_form_says_what_is_missing(client, steward, media):
    client.force_login(steward)
    response = client.post(reverse("interop:index"), {"standard": "csv", "source": ""})
    assert response.status_code == 400
    assert response.context["form"].errors.keys() == {"file", "source"}
    empty = _upload(client, b"")
    assert empty.status_code == 400
    assert not ImportRun.objects.exists()
    assert _uploads(media) == []


def test_a_file_too_large_is_refused(client, steward, settings, media):
    client.force_login(steward)
    settings.MAILLAGE_IMPORT_MAX_BYTES = 100
    response = _upload(client, _csv(GOOD))
    assert response.status_code == 400
    message = services.too_large_error().message
    assert message in _text(response)
    assert "100" in message
    # A body far larger than the limit is refused before it is read.
    huge = _upload(client, b"x" * 70_000)
    assert huge.status_code == 413
    assert message in _text(huge)
    assert not ImportRun.objects.exists()
    assert _uploads(media) == []


def test_a_checked_file_is_deleted_when_abandoned_or_after_a_day(client, steward, media):
    client.force_login(steward)
    first = _run_from(_upload(client, _csv(GOOD)))
    work()
    client.post(reverse("interop:run_abandon", args=[first.pk]))
    first.refresh_from_db()
    assert (first.status, first.stored_path, first.error) == ("checked", "", services.ABANDONED)
    page = _text(client.get(reverse("interop:run", args=[first.pk])))
    assert reverse("interop:run_import", args=[first.pk]) not in page
    assert 'enctype="multipart/form-data"' in page

    second = _run_from(_upload(client, _csv(GOOD)))
    work()
    assert services.runs_clean() == 0  # not yet a day
    assert services.runs_clean(timezone.now() + services.KEEP_CHECKED + timedelta(minutes=1)) == 1
    second.refresh_from_db()
    assert (second.stored_path, second.error) == ("", services.EXPIRED)
    assert _uploads(media) == []
    client.post(reverse("interop:run_import", args=[second.pk]))
    second.refresh_from_db()
    assert second.status == "checked"
    assert not Organisation.objects.filter(name_fr=GOOD[0]["name_fr"]).exists()


def test_a_lost_worker_is_noticed(steward, media):
    run = services.import_start(user=steward, format="csv", upload=_file(_csv(GOOD)), source_label=SOURCE)
    ImportRun.objects.filter(pk=run.pk).update(status="running", heartbeat_at=timezone.now())
    assert services.runs_recover() == 0
    later = timezone.now() + timedelta(seconds=services.STALE_SECONDS + 1)
    assert services.runs_recover(later) == 1
    run.refresh_from_db()
    assert (run.status, run.error, run.stored_path) == ("failed", services.WORKER_LOST, "")
    assert _uploads(media) == []


def test_progress_is_read_from_the_worker(steward, monkeypatch):
    """While the worker holds its transaction, the page reads the rows it has read from the file it writes."""
    monkeypatch.setattr(imports, "BATCH", 1)
    run = services.import_start(user=steward, format="csv", upload=_file(_csv(GOOD)), source_label=SOURCE)
    counted = []
    real = imports.import_file

    def spy(*args, progress=None, **kwargs):
        def watched(rows):
            progress(rows)
            counted.append(services.rows_read(ImportRun.objects.get(pk=run.pk)))

        return real(*args, progress=watched, **kwargs)

    monkeypatch.setattr(imports, "import_file", spy)
    work()
    assert counted == [1, 2]


# --- zip archives (HSDS's tabular data package) -------------------------------------------------------------


def _zip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return out.getvalue()


def test_a_tabular_data_package_in_a_zip(client, steward, tmp_path, media):
    for name in ("Maison témoin", "Centre témoin"):
        OrganisationFactory(name_fr=name, cra_charity_number=None)
    folder = tmp_path / "hsds"
    folder.mkdir()
    exports.hsds_tables(folder)
    archive = _zip({f"hsds/{p.name}": p.read_bytes() for p in folder.iterdir()})
    client.force_login(steward)
    run = _run_from(_upload(client, archive, standard="hsds-tabular", name="hsds.zip"))
    assert run.standard == "hsds"
    work()
    run.refresh_from_db()
    assert run.status == "checked", run.report
    assert run.report["counts"] == {
        "organisation": {"created": 0, "updated": 0, "unchanged": Organisation.objects.count(), "rejected": 0}
    }
    assert sorted(p.name for p in services.stored_file(run).parent.iterdir()) == ["upload.zip"]  # unpacked, removed


@pytest.mark.parametrize(
    "name", ["../evil.csv", "hsds/../../evil.csv", "/etc/evil.csv", "C:/evil.csv", "hsds\\..\\evil.csv"]
)
def test_a_zip_that_leads_out_of_its_folder_is_refused(client, steward, media, name):
    archive = _zip({"hsds/datapackage.json": b"{}", name: b"id\n"})
    client.force_login(steward)
    response = _upload(client, archive, standard="hsds-tabular", name="hsds.zip")
    assert response.status_code == 400
    assert name in _text(response)
    assert not ImportRun.objects.exists()
    assert _uploads(media) == []
    assert not (media.parent / "evil.csv").exists()
    _token, raw = token_create(user=steward, name="zip")
    api = client.post(
        "/api/interop/imports",
        {"standard": "hsds-tabular", "source": SOURCE, "file": _file(archive, "hsds.zip")},
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert (api.status_code, api.json()["code"]) == (422, "zip_unsafe")


def test_other_unsafe_zips_are_refused(steward, settings, media):
    from maillage.core.errors import MaillageError

    def start(archive):
        with pytest.raises(MaillageError) as caught:
            services.import_start(
                user=steward, format="hsds-tabular", upload=_file(archive, "a.zip"), source_label=SOURCE
            )
        return caught.value.code

    link = io.BytesIO()
    with zipfile.ZipFile(link, "w") as archive:
        archive.writestr("datapackage.json", b"{}")
        info = zipfile.ZipInfo("organizations.csv")
        info.external_attr = 0o120777 << 16  # a symbolic link
        archive.writestr(info, b"/etc/passwd")
    assert start(link.getvalue()) == "zip_unsafe"
    assert start(_zip({"organizations.csv": b"id\n"})) == "datapackage_missing"
    assert start(b"not a zip at all") == "zip_invalid"
    settings.MAILLAGE_IMPORT_MAX_UNZIPPED_BYTES = 1000
    assert start(_zip({"datapackage.json": b"{}", "organizations.csv": b"0" * 5000})) == "zip_too_large"
    assert start(_zip({f"f{n}.csv": b"" for n in range(services.ZIP_MAX_MEMBERS + 1)})) == "zip_unsafe"
    with pytest.raises(MaillageError) as caught:  # a zip archive given as another format
        services.import_start(user=steward, format="csv", upload=_file(_zip({"a.csv": b"x"})), source_label=SOURCE)
    assert caught.value.code == "file_type_invalid"
    assert not ImportRun.objects.exists()
    assert _uploads(media) == []


# --- the API ---------------------------------------------------------------------------------------------------


@pytest.fixture
def api(client, steward):
    _token, raw = token_create(user=steward, name="import")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    def call(method, path, data=None, **extra):
        return getattr(client, method)(path, data or {}, **headers, **extra)

    return call


def test_the_api_flow(api):
    created = api("post", "/api/interop/imports", {"standard": "csv", "source": SOURCE, "file": _file(_csv(GOOD))})
    assert created.status_code == 201, created.content
    run = created.json()
    assert (run["status"], run["dry_run"], run["demo"], run["can_import"]) == ("queued", True, False, False)
    assert run["urls"]["self"].endswith(f"/api/interop/imports/{run['id']}")
    assert run["urls"]["page"].endswith(reverse("interop:run", args=[run["id"]]))
    early = api("post", f"/api/interop/imports/{run['id']}/import")
    assert (early.status_code, early.json()["code"]) == (409, "import_not_checked")
    work()
    checked = api("get", f"/api/interop/imports/{run['id']}").json()
    assert (checked["status"], checked["rows_read"], checked["can_import"]) == ("checked", 2, True)
    assert checked["report"]["counts"]["organisation"]["created"] == 2
    assert checked["report"]["problems"] == []
    started = api("post", f"/api/interop/imports/{run['id']}/import")
    assert started.status_code == 202
    assert (started.json()["status"], started.json()["dry_run"]) == ("queued", False)
    work()
    done = api("get", f"/api/interop/imports/{run['id']}").json()
    assert done["status"] == "imported"
    assert done["report"]["written"] is True
    assert Organisation.objects.filter(name_fr__in=[r["name_fr"] for r in GOOD], data_source=SOURCE).count() == 2
    again = api("post", f"/api/interop/imports/{run['id']}/import")
    assert (again.status_code, again.json()["code"]) == (409, "import_not_checked")


def test_the_api_imports_at_once_and_keeps_demo_records_apart(api):
    created = api(
        "post",
        "/api/interop/imports",
        {"standard": "csv", "source": SOURCE, "file": _file(_csv(GOOD)), "dry_run": "false", "demo": "true"},
    ).json()
    assert (created["dry_run"], created["demo"]) == (False, True)
    work()
    done = api("get", f"/api/interop/imports/{created['id']}").json()
    assert done["status"] == "imported"
    assert Organisation.objects.filter(name_fr=GOOD[0]["name_fr"]).get().is_demo


def test_the_api_reports_problems(api):
    created = api("post", "/api/interop/imports", {"standard": "csv", "source": SOURCE, "file": _file(_csv(BAD))})
    work()
    run = api("get", f"/api/interop/imports/{created.json()['id']}").json()
    assert run["status"] == "rejected"
    assert run["can_import"] is False
    assert [(p["row"], p["field"], p["file"]) for p in run["report"]["problems"]] == [
        (3, "territories", "organismes.csv")
    ]
    refused = api("post", f"/api/interop/imports/{run['id']}/import")
    assert (refused.status_code, refused.json()["code"]) == (409, "import_not_checked")


@pytest.mark.parametrize(
    ("data", "status", "code", "field"),
    [
        ({"standard": "xlsx"}, 422, "standard_unknown", "standard"),
        ({"source": ""}, 422, "source_missing", "source"),
        ({"source": "x" * 201}, 422, "source_missing", "source"),
        ({"file": None}, 422, "file_missing", "file"),
        ({"file": b""}, 422, "file_empty", "file"),
    ],
)
def test_the_api_refuses_bad_uploads(api, media, data, status, code, field):
    body = {"standard": "csv", "source": SOURCE, "file": _file(_csv(GOOD))} | data
    if isinstance(body["file"], bytes):
        body["file"] = _file(body["file"])
    if body["file"] is None:
        del body["file"]
    response = api("post", "/api/interop/imports", body)
    assert response.status_code == status, response.content
    error = response.json()
    assert error["code"] == code or (code == "source_missing" and error["code"] == "source_too_long")
    assert field in [p["field"] for p in error["problems"]]
    assert not ImportRun.objects.exists()
    assert _uploads(media) == []


def test_the_api_refuses_a_file_too_large(api, settings, media):
    settings.MAILLAGE_IMPORT_MAX_BYTES = 100
    response = api("post", "/api/interop/imports", {"standard": "csv", "source": SOURCE, "file": _file(_csv(GOOD))})
    assert (response.status_code, response.json()["code"]) == (413, "file_too_large")
    huge = api("post", "/api/interop/imports", {"standard": "csv", "source": SOURCE, "file": _file(b"x" * 70_000)})
    assert (huge.status_code, huge.json()["code"]) == (413, "file_too_large")
    assert not ImportRun.objects.exists()
    assert _uploads(media) == []


def test_the_api_on_an_expired_or_unknown_run(api, checked_run):
    services.runs_clean(timezone.now() + timedelta(days=2))
    expired = api("post", f"/api/interop/imports/{checked_run.pk}/import")
    assert (expired.status_code, expired.json()["code"]) == (409, "import_expired")
    assert api("get", "/api/interop/imports/999999").json()["code"] == "not_found"
    assert api("get", "/api/interop/imports/999999").status_code == 404


# --- the CSV template and the exports ------------------------------------------------------------------------


@pytest.mark.parametrize(("prefix", "delimiter"), [("", ";"), ("/en", ",")])
def test_the_template_reads_back_and_its_example_is_valid(client, steward, tmp_path, prefix, delimiter):
    client.force_login(steward)
    response = client.get(prefix + reverse("interop:template"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf")  # a byte-order mark: Excel reads UTF-8
    lines = body.decode("utf-8-sig").splitlines()
    assert lines[0] == delimiter.join(COLUMNS)
    assert len(lines) == 2
    path = tmp_path / "modele.csv"
    path.write_bytes(body)
    records = list(readers.read_template(path))
    assert [type(r).__name__ for r in records] == ["OrgRecord"]
    example = records[0]
    assert "EXEMPLE" in example.fields["name_fr"]
    assert "EXAMPLE" in example.fields["name_en"]
    report = imports.import_file("csv", path, source_label="modèle", dry_run=True)
    # Left in a file, the example row is refused as such (it would become an organisation)...
    assert [(p.code, p.row) for p in report.problems] == [("example_row", 2)]
    # ...and apart from its identifier, it is a valid row.
    path.write_bytes(body.replace(readers.TEMPLATE_EXAMPLE_ID.encode(), b"ma-ligne-1"))
    report = imports.import_file("csv", path, source_label="modèle", dry_run=True)
    assert report.ok, [p.message for p in report.problems]
    assert report.counts["organisation"]["created"] == 1
    assert example.terms["territories"]
    assert example.terms["sectors"]
    assert example.terms["populations"]


def test_the_help_lists_the_codes_from_the_vocabularies(client, steward, term, territory):
    client.force_login(steward)
    page = _text(client.get(reverse("interop:index")))
    for column in COLUMNS:
        assert f"<code>{column}</code>" in page
    for code in [*Organisation.Kind.values, *Organisation.LegalStatus.values, *readers.ROLES]:
        assert f"<code>{code}</code>" in page
    assert f"<code>{term('sector', 'logement').code}</code>" in page
    assert f"<code>{term('population', 'familles').code}</code>" in page
    assert f"<code>{territory('quartier-verdun').slug}</code>" in page
    assert "maillage export hsds" in page
    with translation.override("fr"):
        assert gettext("Download the CSV template") in page


def test_the_exports_download(client, steward):
    org = OrganisationFactory(name_fr="Organisme exporté")
    funder = OrganisationFactory(name_fr="Fondation exportée", is_support_actor=True, kind="foundation")
    from tests.factories import RelationFactory

    RelationFactory(source=funder, target=org, kind="funds", year=2025, amount=1000)
    client.force_login(steward)
    response = client.get(reverse("interop:export_hsds"))
    assert response["Content-Disposition"].endswith('"maillage-hsds-organizations.json"')
    documents = json.loads(b"".join(response.streaming_content))
    assert {d["name"] for d in documents} >= {"Organisme exporté", "Fondation exportée"}
    demo = json.loads(b"".join(client.get(reverse("interop:export_hsds") + "?demo=1").streaming_content))
    assert all(d["name"] != "Organisme exporté" for d in demo)
    body = b"".join(client.get(reverse("interop:export_giving")).streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")  # a byte-order mark: spreadsheets read the accents
    grants = body.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(grants)))
    assert [title for _path, title in exports.GIVING_COLUMNS] == list(rows[0].keys())
    assert [(r["Recipient Org:Name"], r["Amount Awarded"]) for r in rows] == [("Organisme exporté", "1000")]


def test_an_import_marked_lost_while_it_ran_is_undone(steward, media, monkeypatch):
    """The page of a run marked lost says nothing was written: if its worker was only slow, its work is undone."""
    run = services.import_start(
        user=steward, format="csv", upload=_file(_csv(GOOD)), source_label=SOURCE, dry_run=False
    )
    original = imports.import_file

    def slow(*args, **kwargs):
        report = original(*args, **kwargs)
        ImportRun.objects.filter(pk=run.pk).update(status=ImportRun.Status.FAILED, error="worker_lost")
        return report

    monkeypatch.setattr(imports, "import_file", slow)
    before = Organisation.objects.count()
    work()
    run.refresh_from_db()
    assert (run.status, run.error) == ("failed", "worker_lost")
    assert Organisation.objects.count() == before
