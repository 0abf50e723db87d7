"""Faults in production: the web process, the worker and the database fail in the middle of work.

Each test runs the real processes as an operator would, on a database of its own: gunicorn serving
``maillage.config.wsgi`` with production's settings (minus TLS, see ``SETTINGS``), ``maillage db_worker``, and
for the last test a PostgreSQL cluster of its own. Every process starts in its own session and its whole
group is killed when the test ends, whatever happens; the logs of a failed test are printed.

- ``test_worker_killed_while_an_import_writes``: the worker SIGKILLed while it writes a confirmed import;
- ``test_web_killed_during_a_run_an_import_and_an_upload``: gunicorn SIGKILLed (master and workers) just
  after an allocation run and an import were started through HTTP, and again in the middle of an upload;
- ``test_postgresql_restarted_under_load``: PostgreSQL restarted under gunicorn, a worker, a run and a
  stream of page requests (only on the PostgreSQL pass; it never touches the suite's own cluster).

The SQLite tests run once, on the SQLite pass (like ``test_worker_kill.py``).
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import closing, suppress
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any

import pytest

DATABASE_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRESQL = DATABASE_URL.startswith(("postgres://", "postgresql://"))
sqlite_only = pytest.mark.skipif(bool(DATABASE_URL), reason="once, on the SQLite pass")
# The SQLite tests share their demo database (a module fixture): under `--dist loadgroup`, on one worker. (With
# pytest 9.2, pytest-xdist 3.8 cannot group: it marks a group in `item._nodeid`, which pytest no longer reads;
# each worker then makes its own demo database, about a minute of one core.)
pytestmark = pytest.mark.xdist_group("faults")
postgresql_only = pytest.mark.skipif(not ON_POSTGRESQL, reason="on the PostgreSQL pass only")

BIN = Path(sys.executable).parent
PG_BIN = Path(os.environ.get("PGBIN", "/usr/lib/postgresql/15/bin"))
STEWARD, PASSWORD = "intendante.pannes@example.org", "pannes-et-reprises-2026"
SOURCE = "Répertoire témoin des pannes"
UNAVAILABLE_FR = "Maillage est momentanément indisponible"
UNAVAILABLE_EN = "Maillage is briefly unavailable"
# Production's settings (DEBUG off, so errors get the real 500/503 pages; JSON logs of every request), minus
# what needs TLS in front: the tests speak plain HTTP on the loopback. Static files come from the package.
SETTINGS = '''
"""Production's settings for tests/test_faults.py, served over plain HTTP on the loopback."""

from maillage.config.settings.prod import *  # noqa: F403

SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = LANGUAGE_COOKIE_SECURE = False
STORAGES = {  # noqa: F405
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
'''
# `maillage db_worker` whose allocation solves, once done, wait for the test's word (a file `go-N` for the N-th
# solve; `solved-N` says it is done): a solve that lasts exactly as long as the test needs, with the run's
# heartbeat beating meanwhile, as during a long solve. Everything else is the real worker.
GATED_WORKER = """
import sys
import time
from pathlib import Path

import django

django.setup()
from maillage.scenarios import services

folder, solve, calls = Path(__file__).parent, services.solve, []


def gated(*args, **kwargs):
    solution = solve(*args, **kwargs)
    calls.append(1)
    number = len(calls)
    (folder / f"solved-{number}").touch()
    while not (folder / f"go-{number}").exists():
        time.sleep(0.02)
    return solution


services.solve = gated
from maillage.cli import main

main(["maillage", *sys.argv[1:]])
"""


# --- processes -----------------------------------------------------------------------------------------------


def _group_alive(pgid: int) -> bool:
    """Whether a process of this group is still alive (zombies are dead)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
            return True
    return False


class Processes:
    """The processes a test starts, each in its own session (its own process group), logging to files."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.started: list[tuple[str, subprocess.Popen[bytes]]] = []

    def start(self, name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        with (self.folder / f"{name}.log").open("ab") as log:
            process = subprocess.Popen(
                args, env=env, cwd=self.folder, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.started.append((name, process))
        return process

    def kill(self, process: subprocess.Popen[bytes]) -> None:
        """SIGKILL the process's whole group (gunicorn's master and its workers) and wait until none is left."""
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(30)
        deadline = time.monotonic() + 30
        while _group_alive(process.pid):
            assert time.monotonic() < deadline, f"process group {process.pid} survived SIGKILL"
            time.sleep(0.05)

    def log(self, name: str) -> str:
        path = self.folder / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def close(self) -> None:
        """Kill every group this test started (each by its id), then print the end of their logs."""
        problems = []
        for name, process in self.started:
            try:
                self.kill(process)
            except (AssertionError, subprocess.TimeoutExpired) as error:  # still try the others
                problems.append(f"{name}: {error}")
        for name in dict(self.started):
            print(f"--- {name}.log (end) ---\n{self.log(name)[-6000:]}")
        assert not problems, problems


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Processes]:
    started = Processes(tmp_path)
    try:
        yield started
    finally:
        started.close()


def _environment(folder: Path, database_url: str = "") -> dict[str, str]:
    """The environment of an operator's commands on this folder's data (and this database, or SQLite)."""
    (folder / "faults_settings.py").write_text(SETTINGS)
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "PYTHONPATH")}
    env |= {
        "MAILLAGE_DATA_DIR": str(folder),
        "DJANGO_SETTINGS_MODULE": "faults_settings",
        "PYTHONPATH": str(folder),
        "MAILLAGE_SECRET_KEY": "faults-only-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        "MAILLAGE_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "PYTHONUNBUFFERED": "1",
    }
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def _maillage(env: dict[str, str], *args: str, timeout: float = 300) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "maillage.cli", *args],
        env=env,
        cwd=env["MAILLAGE_DATA_DIR"],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done.stdout.strip()


def _python(env: dict[str, str], code: str, timeout: float = 180) -> str:
    """Run ``code`` with Django set up; the last line it prints."""
    done = subprocess.run(
        [sys.executable, "-c", "import django\ndjango.setup()\n" + textwrap.dedent(code)],
        env=env,
        cwd=env["MAILLAGE_DATA_DIR"],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""


def _worker(processes: Processes, env: dict[str, str], *, gated: bool = False) -> subprocess.Popen[bytes]:
    options = ["db_worker", "--no-reload", "--interval", "0.2", "--no-startup-delay", "-v", "1"]
    if gated:
        (processes.folder / "gated_worker.py").write_text(GATED_WORKER)
        return processes.start("worker", [sys.executable, str(processes.folder / "gated_worker.py"), *options], env)
    return processes.start("worker", [sys.executable, "-m", "maillage.cli", *options], env)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _gunicorn(processes: Processes, env: dict[str, str], port: int, *, wait: bool = True) -> subprocess.Popen[bytes]:
    """gunicorn as in production (two processes), once it answers (unless told not to wait)."""
    tmp = processes.folder / "tmp"  # where Django spools an upload larger than 2.5 MB
    tmp.mkdir(exist_ok=True)
    web = processes.start(
        "gunicorn",
        [
            str(BIN / "gunicorn"),
            "maillage.config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--timeout",
            "120",
        ],
        env | {"TMPDIR": str(tmp)},
    )
    if wait:
        _until(lambda: _fetch(port, "/healthz?check=database").status == 200, 90, "gunicorn never answered")
    return web


def _until(condition: Any, seconds: float, message: Any) -> Any:
    """Poll ``condition`` until it is true (returned) or the deadline passes (the test fails with ``message``)."""
    deadline = time.monotonic() + seconds
    while not (result := condition()):
        if time.monotonic() > deadline:
            pytest.fail(message() if callable(message) else message)
        time.sleep(0.05)
    return result


# --- HTTP ------------------------------------------------------------------------------------------------------


@dataclass
class Answer:
    status: int | None  # None: no answer (connection refused or cut)
    headers: dict[str, str] = field(default_factory=dict)
    text: str = ""

    def json(self) -> Any:
        return json.loads(self.text)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class Browser:
    """A client keeping its cookies (session, CSRF) across gunicorn restarts; redirects are not followed."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.jar = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect)

    def request(
        self, path: str, data: bytes | dict[str, str] | None = None, headers: dict[str, str] | None = None
    ) -> Answer:
        if isinstance(data, dict):
            data = urllib.parse.urlencode(data).encode()
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=data, headers=headers or {})
        try:
            with self.opener.open(request, timeout=60) as response:
                return Answer(response.status, dict(response.headers), response.read().decode(errors="replace"))
        except urllib.error.HTTPError as error:
            return Answer(error.code, dict(error.headers), error.read().decode(errors="replace"))
        except OSError as error:
            return Answer(None, {}, repr(error))

    def csrf(self) -> str:
        return next((cookie.value or "" for cookie in self.jar if cookie.name == "csrftoken"), "")

    def log_in(self, email: str, password: str) -> None:
        form = self.request("/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
        assert form.status == 200, form
        assert token, form.text[:2000]
        answer = self.request(
            "/accounts/login/", {"csrfmiddlewaretoken": token.group(1), "username": email, "password": password}
        )
        assert answer.status == 302, answer.text[:2000]

    def post_form(self, path: str, fields: dict[str, str] | None = None) -> Answer:
        return self.request(path, {"csrfmiddlewaretoken": self.csrf(), **(fields or {})}, {"Referer": path})


def _text(page: str) -> str:
    """A page's text as read: entities decoded, French typography's no-break spaces as spaces."""
    return re.sub(r"[\u00a0\u202f]", " ", html.unescape(page))


def _fetch(port: int, path: str, headers: dict[str, str] | None = None) -> Answer:
    return Browser(port).request(path, headers=headers)


def _multipart(fields: dict[str, str], file_name: str, content: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{file_name}"\r\n'
        "Content-Type: application/json\r\n\r\n".encode()
        + content
        + b"\r\n"
    )
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


# --- data ------------------------------------------------------------------------------------------------------


def _hsds(path: Path, organisations: int, every: int = 9, tag: str = "pannes") -> tuple[int, int]:
    """An HSDS 3 JSON file of fictional organisations, one in ``every`` with a support offer (a service) right
    after it; how many organisations and offers."""
    offers, separator = 0, ""
    with path.open("w", encoding="utf-8") as out:
        out.write("[")
        for i in range(organisations):
            org = str(uuid.uuid5(uuid.NAMESPACE_URL, f"https://example.org/{tag}/organisation/{i}"))
            documents: list[dict[str, Any]] = [
                {
                    "id": org,
                    "name": f"Organisme témoin des {tag} {i}",
                    "description": f"Organisme fictif n° {i}, pour les tests de pannes.",
                    "organization_identifiers": [],
                }
            ]
            if i % every == 0:
                offers += 1
                service = str(uuid.uuid5(uuid.NAMESPACE_URL, f"https://example.org/{tag}/service/{i}"))
                documents.append(
                    {
                        "id": service,
                        "name": f"Offre témoin des {tag} {i}",
                        "status": "active",
                        "organization_id": org,
                        "service_areas": [{"id": service, "service_id": service, "name": "Parc-Extension"}],
                    }
                )
            for document in documents:
                out.write(separator + "\n" + json.dumps(document, ensure_ascii=False))
                separator = ","
        out.write("\n]\n")
    return organisations, offers


def _sqlite(database: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with closing(sqlite3.connect(database, timeout=30)) as db:
        return db.execute(sql, params).fetchall()


BOOKKEEPING = {"interop_importrun", "django_tasks_database_dbtaskresult", "common_workerheartbeat", "django_session"}


def _counts(database: Path) -> dict[str, int]:
    """How many rows each table holds, but for the bookkeeping of runs, tasks, workers, sessions and logins."""
    tables = [name for (name,) in _sqlite(database, "select name from sqlite_master where type = 'table'")]
    return {
        name: _sqlite(database, f'select count(*) from "{name}"')[0][0]
        for name in tables
        if name not in BOOKKEEPING and not name.startswith(("sqlite_", "axes_"))
    }


@pytest.fixture(scope="module")
def sqlite_demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A migrated SQLite database with the demo (80 organisations), a scenario, a steward and their API token;
    each test works on its own copy."""
    folder = tmp_path_factory.mktemp("faults-base")
    env = _environment(folder)
    _maillage(env, "migrate", "-v0")
    _maillage(env, "demo", "--organisations", "80", "--no-scenarios", "-v0")
    token = _python(
        env,
        f"""
        from maillage.accounts.models import User
        from maillage.accounts.services import token_create
        from maillage.scenarios import services
        services.scenario_create(user=None, organisation=None, title="pannes", equity_share=0.5, time_limit=5)
        steward = User.objects.create_user("{STEWARD}", "{PASSWORD}", is_steward=True, preferred_language="fr")
        print(token_create(user=steward, name="pannes")[1])
        """,
    )
    return {"database": folder / "maillage.sqlite3", "token": token}


def _copy(sqlite_demo: dict[str, Any], folder: Path) -> Path:
    database = folder / "maillage.sqlite3"
    with closing(sqlite3.connect(sqlite_demo["database"])) as source, closing(sqlite3.connect(database)) as copy:
        source.backup(copy)
    return database


# --- 1. the worker killed while an import writes -----------------------------------------------------------------

START_IMPORT = """
from pathlib import Path
from django.core.files.uploadedfile import SimpleUploadedFile
from maillage.interop import services
path = Path("{path}")
upload = SimpleUploadedFile(path.name, path.read_bytes(), content_type="application/json")
run = services.import_start(user=None, format="hsds", upload=upload, source_label="{source}", dry_run={dry_run})
print(run.pk)
"""


CONFIRM = """
from maillage.interop import services
from maillage.interop.models import ImportRun
services.import_confirm(user=None, run=ImportRun.objects.get(pk={pk}))
"""


def _import_run(database: Path, pk: int) -> dict[str, Any]:
    row = _sqlite(
        database,
        "select status, dry_run, stored_path, error, task_id from interop_importrun where id = ?",
        pk,
    )[0]
    return dict(zip(("status", "dry_run", "stored_path", "error", "task_id"), row, strict=True))


def _task_status(database: Path, task_id: str) -> str:
    return _sqlite(
        database, "select status from django_tasks_database_dbtaskresult where id = ?", uuid.UUID(task_id).hex
    )[0][0]


def _rows_read(folder: Path, stored_path: str) -> int:
    try:
        return int((folder / "media" / stored_path).parent.joinpath("progress").read_text().strip() or 0)
    except (OSError, ValueError):
        return 0


@sqlite_only
def test_worker_killed_while_an_import_writes(sqlite_demo, processes, tmp_path):
    """SIGKILL the worker in the middle of a confirmed import's write (its first batch of 1,000 rows written
    in the transaction, the next ones being written): nothing of the file is in the database; once recovered,
    the run is failed with the translated message and its task record too; the same file imports again."""
    env = _environment(tmp_path)
    database = _copy(sqlite_demo, tmp_path)
    file = tmp_path / "pannes.json"
    organisations, offers = _hsds(file, 2250)  # 2,500 rows: three batches
    pk = int(_python(env, START_IMPORT.format(path=file, source=SOURCE, dry_run=True)))
    worker = _worker(processes, env)
    _until(lambda: _import_run(database, pk)["status"] == "checked", 120, lambda: _import_run(database, pk))
    before = _counts(database)
    _python(env, CONFIRM.format(pk=pk))
    # Rows read reach 2,000 once the first batch is written inside the import's transaction and the second
    # read: the worker is writing. A file of 2,500 rows leaves it one and a half batches to write.
    run = _until(
        lambda: (
            (run := _import_run(database, pk))["status"] == "running"
            and _rows_read(tmp_path, run["stored_path"]) >= 2000
            and run
        ),
        120,
        lambda: f"the import never got to its second batch: {_import_run(database, pk)}",
    )
    processes.kill(worker)
    assert _import_run(database, pk)["status"] == "running", "the import ended before the kill: make the file larger"
    assert _counts(database) == before, "a killed import left rows behind"
    assert _sqlite(database, "select count(*) from directory_organisation where name_fr like 'Organisme témoin%'") == [
        (0,)
    ]

    # Recovery (run whenever a worker starts a task or the open data page is read) after its silence.
    recovered = _python(
        env,
        """
        from datetime import timedelta
        from django.utils import timezone
        from maillage.interop import services
        print(services.runs_recover(timezone.now() + timedelta(seconds=services.STALE_SECONDS + 1)))
        """,
    )
    assert recovered == "1"
    lost = _import_run(database, pk)
    assert (lost["status"], lost["error"], lost["stored_path"]) == ("failed", "worker_lost", "")
    assert not (tmp_path / "media" / run["stored_path"]).parent.exists(), "the upload of a lost import is kept"
    assert _task_status(database, lost["task_id"]) == "FAILED"
    pages = json.loads(
        _python(
            env,
            f"""
            import json
            from django.test import Client
            from maillage.accounts.models import User
            client = Client()
            client.force_login(User.objects.get(email="{STEWARD}"))
            pages = [client.get(f"{{prefix}}/open-data/imports/{pk}/") for prefix in ("", "/en")]
            print(json.dumps([[page.status_code, page.content.decode()] for page in pages]))
            """,
        )
    )
    (fr_status, fr_page), (en_status, en_page) = [(status, _text(page)) for status, page in pages]
    assert (fr_status, en_status) == (200, 200)
    assert "Le service de calcul s'est arrêté pendant la lecture du fichier ; rien n'a été enregistré." in fr_page
    assert "The worker stopped while it read the file; nothing was written. Upload the file again." in en_page
    assert "What the import would do" in en_page  # the dry run's report, never told as done
    assert "What the import did" not in en_page
    assert _counts(database) == before

    # The same file, uploaded again, is imported whole.
    again = int(_python(env, START_IMPORT.format(path=file, source=SOURCE, dry_run=False)))
    _maillage(env, "db_worker", "--batch", "--no-reload", "--no-startup-delay", "-v", "0")
    done = _import_run(database, again)
    assert (done["status"], done["error"]) == ("imported", ""), done
    assert _sqlite(database, "select count(*) from directory_organisation where name_fr like 'Organisme témoin%'") == [
        (organisations,)
    ]
    assert _sqlite(database, "select count(*) from directory_supportoffer where name_fr like 'Offre témoin%'") == [
        (offers,)
    ]
    assert _sqlite(database, "select count(*) from interop_sourcerecord where run_id = ?", again) == [
        (organisations + offers,)
    ]


# --- 2. the web process killed -----------------------------------------------------------------------------------


def _import_runs(database: Path) -> list[tuple[int, str, str | None]]:
    """Every import run, its task and its task record's status (a run created by a request has both)."""
    runs = _sqlite(database, "select id, task_id from interop_importrun order by id")
    task = "select status from django_tasks_database_dbtaskresult where id = ?"
    return [
        (pk, task_id, next(iter(_sqlite(database, task, uuid.UUID(task_id).hex)), (None,))[0] if task_id else None)
        for pk, task_id in runs
    ]


def _spooling(folder: Path) -> bool:
    """Whether Django is writing an upload to a temporary file in ``folder``."""
    for path in folder.glob("*.upload*"):
        with suppress(OSError):
            if path.stat().st_size > 0:
                return True
    return False


@sqlite_only
def test_web_killed_during_a_run_an_import_and_an_upload(sqlite_demo, processes, tmp_path):
    """SIGKILL gunicorn (master and workers) right after a steward started an allocation run (the login form,
    CSRF) and an import (the API): the worker carries both to the end without it, and once gunicorn is started
    again their pages say they are done. Killed in the middle of an upload, it leaves no import behind."""
    env = _environment(tmp_path)
    database = _copy(sqlite_demo, tmp_path)
    api = {"Authorization": f"Bearer {sqlite_demo['token']}"}
    file = tmp_path / "reprises.json"
    organisations, _offers = _hsds(file, 300, tag="reprises")
    port = _free_port()
    _worker(processes, env)
    web = _gunicorn(processes, env, port)
    _until(lambda: _fetch(port, "/healthz").status == 200, 60, lambda: _fetch(port, "/healthz").text)

    browser = Browser(port)
    browser.log_in(STEWARD, PASSWORD)
    started = browser.post_form("/scenarios/pannes/run/")
    assert started.status == 302, started.text[:2000]
    run_page = urllib.parse.urlsplit(started.headers["Location"]).path
    run_pk = int(run_page.rstrip("/").rsplit("/", 1)[1])
    body, content_type = _multipart(
        {"standard": "hsds", "source": SOURCE, "dry_run": "false"}, file.name, file.read_bytes()
    )
    created = browser.request("/api/interop/imports", body, {**api, "Content-Type": content_type})
    assert created.status == 201, created.text[:2000]
    import_pk = created.json()["id"]
    processes.kill(web)
    assert _fetch(port, "/healthz").status is None, "something still answers"

    # The worker does not need the web process.
    _until(
        lambda: (
            _sqlite(database, "select status from scenarios_run where id = ?", run_pk)[0][0]
            not in ("queued", "running")
        ),
        120,
        "the run never ended",
    )
    assert _sqlite(database, "select status, result is null from scenarios_run where id = ?", run_pk) == [
        ("succeeded", 0)
    ]
    _until(
        lambda: _import_run(database, import_pk)["status"] not in ("queued", "running"), 120, "the import never ended"
    )
    assert _import_run(database, import_pk)["status"] == "imported"
    assert _sqlite(database, "select count(*) from directory_organisation where name_fr like 'Organisme témoin%'") == [
        (organisations,)
    ]

    # Started again, the site shows both done to the same steward (the session lives in the database).
    web = _gunicorn(processes, env, port)
    progress = browser.request(run_page)
    assert progress.status == 200
    assert "Le calcul est terminé." in _text(progress.text)
    assert browser.request(f"/scenarios/pannes/results/?run={run_pk}").status == 200
    page = browser.request(f"/open-data/imports/{import_pk}/")
    assert page.status == 200
    assert "Le fichier est importé." in _text(page.text)
    assert browser.request(f"/api/interop/imports/{import_pk}", headers=api).json()["status"] == "imported"

    # Killed while it receives an upload (Django spools it to a temporary file): no import is created.
    uploads = tmp_path / "media" / "imports"
    before = (_import_runs(database), sorted(uploads.iterdir()) if uploads.exists() else [])
    large = tmp_path / "coupure.json"
    _hsds(large, 16000, tag="coupure")
    body, content_type = _multipart(
        {"standard": "hsds", "source": SOURCE, "dry_run": "false"}, large.name, large.read_bytes()
    )
    assert len(body) > 3 * 1024 * 1024  # more than Django keeps in memory
    head = (
        f"POST /api/interop/imports HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: {api['Authorization']}\r\n"
        f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    with socket.create_connection(("127.0.0.1", port), timeout=60) as raw:
        raw.sendall(head.encode() + body[: len(body) // 2])
        _until(lambda: _spooling(tmp_path / "tmp"), 60, "Django never began to receive the upload")
        processes.kill(web)
    after = (_import_runs(database), sorted(uploads.iterdir()) if uploads.exists() else [])
    assert after == before, "a request killed mid-upload left something behind"
    assert all(task_id and status for _pk, task_id, status in after[0]), after


# --- 3. PostgreSQL restarted -------------------------------------------------------------------------------------


class Cluster:
    """A throwaway PostgreSQL cluster of the test's own on a free loopback port, made as
    ``scripts/with-postgres.sh`` makes one (as the ``postgres`` user when root, in /tmp where it can enter)."""

    def __init__(self, folder: Path) -> None:
        self.as_root = os.geteuid() == 0
        self.data = Path(tempfile.mkdtemp(prefix="maillage-faults-pg.", dir="/tmp")) if self.as_root else folder / "pg"
        self.port = _free_port()
        self.url = f"postgres://maillage:maillage@127.0.0.1:{self.port}/maillage"

    def _run(self, program: str, *args: str) -> None:
        command = [str(PG_BIN / program), *args]
        if self.as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=180)
        assert done.returncode == 0, done.stdout + done.stderr + self.log()

    def ctl(self, action: str, *args: str) -> None:
        """``pg_ctl start``, ``stop`` or ``restart``, waiting until it is done."""
        options = (
            f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.data} -c fsync=off -c synchronous_commit=off "
            "-c full_page_writes=off"
        )
        if action != "stop":
            args = (*args, "-o", options)
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.data / "server.log"), "-w", "-t", "120", *args, action)

    def create(self) -> None:
        self.data.mkdir(exist_ok=True)
        if self.as_root:
            shutil.chown(self.data, "postgres", "postgres")
        self.data.chmod(0o700)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")
        self.ctl("start")
        import psycopg

        with psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname="postgres", autocommit=True
        ) as db:
            db.execute("CREATE ROLE maillage LOGIN PASSWORD 'maillage' CREATEDB")
            db.execute("CREATE DATABASE maillage OWNER maillage")

    def log(self) -> str:
        path = self.data / "server.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""

    def destroy(self) -> None:
        if self.data.joinpath("postmaster.pid").exists():
            with suppress(AssertionError, subprocess.SubprocessError):
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.data, ignore_errors=True)


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    made = Cluster(tmp_path)
    try:
        made.create()
        yield made
    finally:
        made.destroy()


def _pg(url: str, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    import psycopg

    with psycopg.connect(url, connect_timeout=10) as db:
        return db.execute(sql, params).fetchall()


@dataclass
class Seen:
    at: float
    path: str
    status: int | None
    retry_after: str | None
    text: str  # kept for what is not a 200


class PageStream(threading.Thread):
    """Requests pages, the API and the health check one after the other, and keeps every answer."""

    PATHS = ("/organisations/", "/en/organisations/", "/api/organisations", "/healthz")

    def __init__(self, port: int) -> None:
        super().__init__(daemon=True, name="page-stream")
        self.port = port
        self.seen: list[Seen] = []
        self.stopped = threading.Event()

    def run(self) -> None:
        number = 0
        while not self.stopped.is_set():
            path = self.PATHS[number % len(self.PATHS)]
            number += 1
            answer = _fetch(self.port, path)
            self.seen.append(
                Seen(time.monotonic(), path, answer.status, answer.headers.get("Retry-After"), answer.text[:20000])
            )
            self.stopped.wait(0.02)

    def unavailable_since(self, moment: float) -> set[str]:
        """The paths answered 503 since ``moment``."""
        return {seen.path for seen in list(self.seen) if seen.at >= moment and seen.status == 503}


def _clear(seen: Seen) -> bool:
    """Whether an answer is one a person (or a script) can act on: the page, or 503 saying to try again."""
    if seen.status in (200, None):  # None: no answer at all, never a 500 page
        return True
    if seen.status != 503:
        return False
    if seen.path == "/healthz":
        return json.loads(seen.text)["database"] == "unreachable"
    if seen.path.startswith("/api/"):
        return json.loads(seen.text)["code"] == "unavailable" and seen.retry_after == "30"
    message = UNAVAILABLE_EN if seen.path.startswith("/en/") else UNAVAILABLE_FR
    return message in _text(seen.text) and seen.retry_after == "30"


ENQUEUE = """
from maillage.scenarios import services
from maillage.scenarios.models import Scenario
print(services.run_enqueue(user=None, scenario=Scenario.objects.get(slug="pannes")).pk)
"""
RUN = "select status, result is null, instance is null, error, task_id, heartbeat_at from scenarios_run where id = %s"


def _serving(port: int) -> bool:
    """The site serves pages again, and the health check finds the database and the worker."""
    health = _fetch(port, "/healthz")
    return health.status == 200 and health.json()["worker"] == "ok" and _fetch(port, "/organisations/").status == 200


@postgresql_only
@pytest.mark.skipif(not (PG_BIN / "initdb").exists(), reason="PostgreSQL's programs are not installed")
def test_postgresql_restarted_under_load(cluster, processes, tmp_path):
    """Restart PostgreSQL under gunicorn and a worker, with a run going and pages requested all along: pages say
    the site is briefly unavailable (503) while it is down and work again as soon as it is back, with neither
    gunicorn nor the worker restarted; the run goes on and succeeds; a run whose result could not be written
    stays without one and is recovered as failed; a new run succeeds."""
    env = _environment(tmp_path, cluster.url)
    _maillage(env, "migrate", "-v0")
    worker = _worker(processes, env, gated=True)
    port = _free_port()
    web = _gunicorn(processes, env, port, wait=False)
    _maillage(env, "demo", "--organisations", "30", "--no-scenarios", "-v0")
    _python(
        env,
        """
        from maillage.scenarios import services
        services.scenario_create(user=None, organisation=None, title="pannes", equity_share=0.5, time_limit=5)
        """,
    )
    _until(lambda: _serving(port), 120, lambda: _fetch(port, "/healthz").text)
    stream = PageStream(port)
    stream.start()
    try:
        # 1. Restarted while a run solves: its heartbeat and its result are written on new connections.
        first = int(_python(env, ENQUEUE))
        _until(lambda: (tmp_path / "solved-1").exists(), 120, lambda: _pg(cluster.url, RUN, first))
        cluster.ctl("restart", "-m", "fast")
        restarted = _pg(cluster.url, "select now()")[0][0]
        _until(lambda: _serving(port), 60, lambda: _fetch(port, "/healthz").text)
        _until(
            lambda: _pg(cluster.url, RUN, first)[0][5] > restarted,
            60,
            "the run's heartbeat did not survive the restart",
        )
        (tmp_path / "go-1").touch()
        _until(lambda: _pg(cluster.url, RUN, first)[0][0] not in ("queued", "running"), 60, "the run never ended")
        status, no_result, no_instance, error, _task, _beat = _pg(cluster.url, RUN, first)[0]
        assert (status, no_result, no_instance) == ("succeeded", False, False), error

        # 2. Down when a run writes its result: nothing is written, the worker waits for the database.
        second = int(_python(env, ENQUEUE))
        _until(lambda: (tmp_path / "solved-2").exists(), 120, lambda: _pg(cluster.url, RUN, second))
        waits = processes.log("worker").count("the database does not answer")
        cluster.ctl("stop", "-m", "fast")
        stopped = time.monotonic()
        (tmp_path / "go-2").touch()

        def outage_seen() -> bool:
            """The worker failed to write the result and waits for the database; every path answered 503."""
            assert worker.poll() is None, "the worker died with the database:\n" + processes.log("worker")[-3000:]
            waiting = processes.log("worker").count("the database does not answer") > waits
            return waiting and stream.unavailable_since(stopped) >= set(PageStream.PATHS)

        _until(outage_seen, 60, lambda: f"{stream.unavailable_since(stopped)}\n{processes.log('worker')[-3000:]}")
        cluster.ctl("start")
        back = _pg(cluster.url, "select now()")[0][0]
        _until(lambda: _serving(port), 60, lambda: _fetch(port, "/healthz").text)
        assert (worker.poll(), web.poll()) == (None, None), "gunicorn or the worker did not survive"
        status, no_result, no_instance, _error, task, _beat = _pg(cluster.url, RUN, second)[0]
        assert (status, no_result, no_instance) == ("running", True, True)
        recovered = _python(
            env,
            """
            from datetime import timedelta
            from django.utils import timezone
            from maillage.scenarios import services
            print(services.runs_recover(timezone.now() + timedelta(seconds=services.STALE_SECONDS + 1)))
            """,
        )
        assert recovered == "1"
        status, no_result, no_instance, error, task, _beat = _pg(cluster.url, RUN, second)[0]
        assert (status, no_result, no_instance, error["code"]) == ("failed", True, True, "worker_lost")
        assert _pg(cluster.url, "select status from django_tasks_database_dbtaskresult where id = %s::uuid", task) == [
            ("FAILED",)
        ]

        # 3. The same worker runs the next one.
        (tmp_path / "go-3").touch()
        third = int(_python(env, ENQUEUE))
        _until(lambda: _pg(cluster.url, RUN, third)[0][0] not in ("queued", "running"), 120, "the new run never ended")
        status, no_result, _no_instance, error, _task, _beat = _pg(cluster.url, RUN, third)[0]
        assert (status, no_result) == ("succeeded", False), error
        _until(
            lambda: _pg(cluster.url, "select max(seen_at) from common_workerheartbeat")[0][0] > back,
            60,
            "the worker's heartbeat did not survive the restart",
        )
        assert (worker.poll(), web.poll()) == (None, None)
    finally:
        stream.stopped.set()
        stream.join(60)
    unclear = [seen for seen in stream.seen if not _clear(seen)]
    assert not unclear, [(seen.path, seen.status, seen.text[:500]) for seen in unclear]
    assert {seen.path for seen in stream.seen if seen.status == 503} >= set(PageStream.PATHS)
