"""`maillage backup` and `maillage restore`: a round trip loses nothing, compared row by row and field by field
on the suite's engine (SQLite, then PostgreSQL); every bad archive is refused with nothing written.

The real commands also run as an operator would, on their own SQLite files: once on the SQLite pass (backup,
restore into a new database, refusals), and across engines on the PostgreSQL pass (SQLite → PostgreSQL →
SQLite).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import uuid
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, models
from django.db.models import JSONField, Value

from maillage.accounts import services as accounts_services
from maillage.accounts.models import Membership
from maillage.common import backup
from maillage.core.demo import DemoSpec
from maillage.core.errors import MaillageError
from maillage.directory.models import Organisation, Territory
from tests.factories import OrganisationFactory, UserFactory, member

pytestmark = pytest.mark.django_db

ON_POSTGRES = bool(os.environ.get("DATABASE_URL"))
UPLOAD = "source_id;name_fr;kind;roles\nb-1;Organisme témoin;community;field\n".encode()


@pytest.fixture(autouse=True)
def folders(settings, tmp_path):
    """The data folder and uploads of this test's own."""
    settings.DATA_DIR = tmp_path / "data"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.DATA_DIR.mkdir()
    return tmp_path


def settings_media() -> Path:
    """MEDIA_ROOT, as this test set it."""
    from django.conf import settings

    return Path(settings.MEDIA_ROOT)


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every model an archive holds, every column, in primary key order."""
    rows = {}
    for model in backup.backed_up_models():
        columns = [f.attname for f in model._meta.local_concrete_fields]
        rows[model._meta.label_lower] = list(model._base_manager.order_by("pk").values_list(*columns))
    return rows


def assert_same(before: dict[str, list[tuple[Any, ...]]], after: dict[str, list[tuple[Any, ...]]]) -> None:
    assert sorted(before) == sorted(after)
    for label in before:
        assert len(after[label]) == len(before[label]), label
        for old, new in zip(before[label], after[label], strict=True):
            assert old == new, f"{label}: {old!r} became {new!r}"


def rich_database() -> dict[str, Any]:
    """The demo (organisations with their private fields, initiatives, offers, relations, self-diagnostics,
    eligibility rules, feedback cycles and answers, collective indicators and rounds, chantiers), plus people,
    memberships, a token, permissions, an admin log entry, a scenario run and an import with its upload (both
    with their task results), a session."""
    from maillage.chantiers.loaders import demo_chantiers_load
    from maillage.collective.loaders import demo_collective_load
    from maillage.diagnostics.loaders import demo_diagnostics_load
    from maillage.directory.loaders import demo_load
    from maillage.feedback.loaders import demo_feedback_load
    from maillage.interop import services as interop_services
    from maillage.matching.loaders import demo_conditions_load
    from maillage.matching.services import notify
    from maillage.scenarios import services as scenario_services
    from maillage.scenarios.models import Run

    demo_load(DemoSpec(organisations=60, seed=7))
    demo_conditions_load(seed=7)
    demo_diagnostics_load(seed=7)
    demo_feedback_load(seed=7)
    demo_collective_load(seed=7)
    demo_chantiers_load(seed=7)

    steward = UserFactory(is_steward=True, full_name="Intendante témoin", email="intendante@example.org")
    person = UserFactory(full_name="Personne témoin", preferred_language="en")
    organisation = OrganisationFactory(name_fr="Organisme privé", internal_notes="confidentiel : budget serré")
    member(person, organisation, Membership.Role.ADMIN)
    accounts_services.token_create(user=person, name="tableur")
    notify([person], fr="Bonjour", en="Hello", url="/")
    group = Group.objects.create(name="Relecteurs")
    group.permissions.add(*Permission.objects.filter(codename__startswith="view_")[:5])
    group.user_set.add(person)
    person.user_permissions.add(Permission.objects.get(codename="change_organisation"))
    LogEntry.objects.log_actions(steward.pk, [organisation], ADDITION, change_message="témoin", single_object=True)
    scenario = scenario_services.scenario_create(user=None, organisation=None, title="Témoin", time_limit=5)
    run = scenario_services.run_enqueue(user=None, scenario=scenario)
    Run.objects.filter(pk=run.pk).update(summary=Value(None, JSONField()))  # JSON null where NULL is refused
    upload = SimpleUploadedFile("organismes.csv", UPLOAD, content_type="text/csv")
    imported = interop_services.import_start(user=steward, format="csv", upload=upload, source_label="Témoin")
    if apps.is_installed("auditlog"):  # references by content type and by primary key as text
        from auditlog.models import LogEntry as AuditEntry

        AuditEntry.objects.log_create(
            organisation, force_log=True, action=AuditEntry.Action.UPDATE, changes={"name_fr": ["a", "b"]}
        )
    if apps.is_installed("axes"):
        from axes.models import AccessAttempt, AccessLog

        attempt = AccessAttempt.objects.create(
            username="x@example.org",
            ip_address="192.0.2.1",
            user_agent="test",
            get_data="",
            post_data="",
            failures_since_start=2,
            path_info="/connexion/",
            http_accept="*/*",
        )
        AccessLog.objects.create(
            username="x@example.org",
            ip_address="2001:db8::1",
            user_agent="test",
            path_info="/connexion/",
            http_accept="*/*",
        )
        assert attempt.pk
    session = SessionStore()
    session["_auth_user_id"] = str(person.pk)
    session.create()
    return {"run": run, "import": imported, "person": person}


def _archive_members(path: Path) -> dict[str, bytes]:
    with tarfile.open(path, "r:gz") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar}  # type: ignore[union-attr]


def _rewrite(path: Path, target: Path, change) -> Path:
    """A copy of the archive, its members changed by ``change(members, manifest)`` (in place)."""
    members = _archive_members(path)
    manifest = json.loads(members.pop("manifest.json"))
    change(members, manifest)
    with gzip.open(target, "wb") as raw, tarfile.open(fileobj=raw, mode="w") as tar:
        for name, data in [("manifest.json", json.dumps(manifest).encode()), *members.items()]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return target


def decoded(path: Path) -> dict[str, dict[Any, tuple[Any, ...]]]:
    """An archive's rows as Python values, by primary key; content types and permissions by natural key, and
    references to them too (their identifiers differ from one database to the next)."""
    members = _archive_members(path)
    manifest = json.loads(members["manifest.json"])

    def rows(label: str) -> list[dict[str, Any]]:
        entry = next(e for e in manifest["models"] if e["model"] == label)
        lines = members[entry["file"]].decode().splitlines()
        return [dict(zip(entry["fields"], json.loads(line), strict=True)) for line in lines]

    content_types = {r["id"]: (r["app_label"], r["model"]) for r in rows("contenttypes.contenttype")}
    permissions = {r["id"]: (r["codename"], content_types[r["content_type_id"]]) for r in rows("auth.permission")}
    natural = {"contenttypes.contenttype": content_types, "auth.permission": permissions}
    out: dict[str, dict[Any, tuple[Any, ...]]] = {}
    for entry in manifest["models"]:
        label = entry["model"]
        model = apps.get_model(label)
        fields = {f.attname: f for f in model._meta.local_concrete_fields}
        table = {}
        for row in rows(label):
            values = []
            for name in entry["fields"]:
                f, value = fields[name], row[name]
                related = f.related_model._meta.label_lower if f.is_relation else None
                if value is not None and related in natural:
                    value = natural[related][value]
                elif value is not None and backup.decoder(f) is not None:
                    value = backup.decoder(f)(value)
                values.append((name, value))
            key = natural[label][row["id"]] if label in natural else row[model._meta.pk.attname]
            table[key] = tuple(v for v in values if not (label in natural and v[0] == "id"))
        out[label] = table
    return out


def assert_same_archives(a: Path, b: Path) -> None:
    one, two = decoded(a), decoded(b)
    assert sorted(one) == sorted(two)
    for label in one:
        if label in backup.MATCHED:  # the target may hold more (its own migrate made them)
            assert set(one[label]) <= set(two[label]), label
            continue
        assert sorted(one[label]) == sorted(two[label]), label
        for key, row in one[label].items():
            assert two[label][key] == row, f"{label} {key}: {row!r} became {two[label][key]!r}"


# --- the round trip ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["replace", "emptied"])
def test_a_round_trip_loses_nothing(how, folders):
    made = rich_database()
    before = snapshot()
    for label in (
        "diagnostics.diagnostic",
        "diagnostics.elementscore",
        "feedback.response",
        "feedback.comment",
        "collective.reaction",
        "chantiers.chantier",
        "chantiers.journalentry",
        "matching.eligibilityrule",
        "matching.notification",
        "accounts.apitoken",
        "accounts.membership",
        "accounts.user_user_permissions",
        "auth.group_permissions",
        "admin.logentry",
        "scenarios.run",
        "interop.importrun",
        "django_tasks_database.dbtaskresult",
    ):
        assert before[label], f"the test database has no {label}"
    for label in ("auditlog.logentry", "axes.accessattempt", "axes.accesslog"):
        assert before.get(label, True), f"the test database has no {label}"
    assert Organisation.objects.exclude(internal_notes="").exists()
    assert "sessions.session" not in before
    assert Session.objects.exists()
    assert len(before["django_tasks_database.dbtaskresult"]) >= 2
    stored = settings_media() / made["import"].stored_path
    assert stored.read_bytes() == UPLOAD

    summary = backup.backup(folders / "archive.tar.gz")
    assert summary.path == folders / "archive.tar.gz"
    assert summary.media_files == 1
    assert summary.rows == sum(len(rows) for rows in before.values())
    assert oct(summary.path.stat().st_mode & 0o777) == "0o600"

    # Everything changes after the backup: the restore brings back the archive's state, and only it.
    Organisation.objects.filter(pk=Organisation.objects.order_by("pk").first().pk).update(name_fr="Changé")
    UserFactory(email="apres@example.org")
    if how == "emptied":  # a freshly migrated database: content types and permissions only
        with connection.cursor() as cursor:
            for model in backup.emptied_models("default"):
                cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")
    new_media = folders / "new-server-media"
    restored = backup.restore(folders / "archive.tar.gz", replace=how == "replace", media_root=new_media)

    assert restored.media_files == 1
    assert not restored.dry_run
    assert restored.rows == summary.rows - len(before["contenttypes.contenttype"]) - len(before["auth.permission"])
    assert_same(before, snapshot())
    assert not Session.objects.exists()
    assert (new_media / made["import"].stored_path).read_bytes() == UPLOAD
    # The same database gives the same archive, member for member.
    again = backup.backup(folders / "again.tar.gz")
    first, second = backup.read_manifest(summary.path), backup.read_manifest(again.path)  # type: ignore[arg-type]
    assert first.files == second.files
    assert first.migrations == second.migrations
    # Sequences follow: the next rows get new identifiers.
    newcomer = UserFactory(email="nouvelle@example.org")
    assert newcomer.pk > max(row[0] for row in before["accounts.user"])
    assert Territory.objects.count() == len(before["directory.territory"])


def test_the_manifest_says_what_the_archive_holds(folders):
    OrganisationFactory(internal_notes="note privée")
    summary = backup.backup()
    assert summary.path is not None
    assert summary.path.parent == folders / "data" / "backups"
    assert re.fullmatch(r"maillage-backup-\d{8}-\d{6}\.tar\.gz", summary.path.name)
    members = _archive_members(summary.path)
    with tarfile.open(summary.path, "r:gz") as tar:
        assert tar.getnames()[0] == "manifest.json"
    manifest = json.loads(members["manifest.json"])
    assert manifest["format"] == "maillage-backup/1"
    assert manifest["maillage_version"]
    assert manifest["django_version"].startswith("5.2")
    assert manifest["database"]["vendor"] == connection.vendor
    assert "0001_initial" in manifest["migrations"]["directory"]
    assert "sessions.session" in manifest["excluded"]
    labels = {e["model"]: e for e in manifest["models"]}
    assert "django_tasks_database.dbtaskresult" in labels
    assert "directory.organisation_territories" in labels
    assert "sessions.session" not in labels
    assert labels["directory.organisation"]["rows"] == Organisation.objects.count()
    for name, data in members.items():
        if name != "manifest.json":
            assert manifest["files"][name] == {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    lines = members["data/directory.organisation.jsonl"].decode().splitlines()
    assert len(lines) == Organisation.objects.count()
    assert any("note privée" in line for line in lines)
    # Microseconds are kept (Django's serialisers would keep milliseconds).
    created = Organisation.objects.order_by("pk").last().created_at
    assert created.isoformat() in lines[-1]


def test_backup_to_a_stream_and_into_a_folder(folders):
    out = io.BytesIO()
    summary = backup.backup(out)
    assert summary.path is None
    assert summary.size == len(out.getvalue())
    assert backup.read_manifest(io.BytesIO(out.getvalue())).models
    folder = folders / "elsewhere"
    folder.mkdir()
    into = backup.backup(folder)
    assert into.path is not None
    assert into.path.parent == folder
    assert not list(folder.glob(".maillage-*"))
    assert not list(folder.glob("*.partial"))
    with pytest.raises(MaillageError) as caught:
        backup.backup(folders / "missing" / "x.tar.gz")
    assert caught.value.code == "backup_folder_missing"


def test_restore_from_a_stream_with_dry_run_writes_nothing(folders):
    OrganisationFactory()
    data = io.BytesIO()
    backup.backup(data)
    before = snapshot()
    summary = backup.restore(io.BytesIO(data.getvalue()), replace=True, dry_run=True)
    assert summary.dry_run
    assert summary.models == len(before)
    assert_same(before, snapshot())


@pytest.mark.parametrize(
    ("field", "value"),
    [
        (models.DateTimeField(), datetime(2026, 3, 1, 12, 30, 5, 123456, tzinfo=UTC)),
        (models.DateField(), date(2026, 3, 1)),
        (models.TimeField(), time(23, 59, 59, 999999)),
        (models.DurationField(), timedelta(days=-3, microseconds=7)),
        (models.DecimalField(max_digits=12, decimal_places=2), Decimal("12345.60")),
        (models.UUIDField(), uuid.UUID("12345678-1234-5678-1234-567812345678")),
        (models.BinaryField(), b"\x00\xffbinary"),
        (models.FloatField(), 0.1 + 0.2),
        (models.JSONField(), {"é": [1, 2.5, None, True, "ü"]}),
        (models.CharField(), "« guillemets » et émojis 🌳"),
    ],
)
def test_each_kind_of_value_comes_back_exactly(field, value):
    encode, decode = backup._encoder(field), backup.decoder(field)
    written = json.loads(json.dumps(encode(value) if encode else value))
    assert (decode(written) if decode else written) == value


# --- refusals: nothing written -----------------------------------------------------------------------------


@pytest.fixture
def archive(folders):
    """A small database and its archive, with an uploaded file."""
    person = UserFactory()
    member(person, OrganisationFactory(), Membership.Role.ADMIN)
    upload = settings_media() / "imports" / "abc" / "upload.csv"
    upload.parent.mkdir(parents=True)
    upload.write_bytes(UPLOAD)
    return backup.backup(folders / "archive.tar.gz").path


def refused(source, code: str, *, replace: bool = True, media_root: Path | None = None) -> MaillageError:
    """Restore must fail with ``code`` and leave every row and the uploads as they were."""
    before = snapshot()
    media = media_root or settings_media()
    files = sorted(p.relative_to(media) for p in media.rglob("*")) if media.exists() else []
    with pytest.raises(MaillageError) as caught:
        backup.restore(source, replace=replace, media_root=media_root)
    assert caught.value.code == code, str(caught.value)
    assert_same(before, snapshot())
    assert (sorted(p.relative_to(media) for p in media.rglob("*")) if media.exists() else []) == files
    return caught.value


def test_a_missing_file(folders):
    error = refused(folders / "nowhere.tar.gz", "backup_not_found")
    assert "No such file" in str(error)
    assert "nowhere.tar.gz" in str(error)
    with pytest.raises(CommandError, match="No such file"):
        call_command("restore", str(folders / "nowhere.tar.gz"))


def test_a_file_that_is_not_an_archive(folders):
    other = folders / "notes.txt"
    other.write_text("not an archive")
    assert "not a gzip-compressed tar archive" in str(refused(other, "backup_format"))
    tarred = folders / "other.tar.gz"
    with tarfile.open(tarred, "w:gz") as tar:
        tar.add(other, arcname="notes.txt")
    assert "first member is 'notes.txt'" in str(refused(tarred, "backup_format"))
    empty = folders / "empty.tar.gz"
    empty.write_bytes(b"")
    refused(empty, "backup_format")


def test_a_wrong_format(archive, folders):
    other = _rewrite(archive, folders / "other.tar.gz", lambda m, manifest: manifest.update(format="pg_dump/15"))
    assert "not a Maillage backup" in str(refused(other, "backup_format"))
    future = _rewrite(archive, folders / "v2.tar.gz", lambda m, manifest: manifest.update(format="maillage-backup/2"))
    assert "maillage-backup/2" in str(refused(future, "backup_format"))
    broken = _rewrite(archive, folders / "broken.tar.gz", lambda m, manifest: manifest.pop("models"))
    assert "incomplete or malformed" in str(refused(broken, "backup_format"))

    def escape(members, manifest):
        members["media/../../evil"] = b"x"
        manifest["files"]["media/../../evil"] = {"size": 1, "sha256": "0" * 64}

    assert "unsafe name" in str(refused(_rewrite(archive, folders / "evil.tar.gz", escape), "backup_format"))


@pytest.mark.parametrize("keep", [0.5, 0.9, 0.999])
def test_a_truncated_archive(archive, folders, keep):
    data = archive.read_bytes()
    truncated = folders / "truncated.tar.gz"
    truncated.write_bytes(data[: int(len(data) * keep)])
    error = refused(truncated, "backup_corrupt")
    assert "truncated or corrupt" in str(error)


def test_a_corrupt_byte(archive, folders):
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 0xFF
    corrupt = folders / "corrupt.tar.gz"
    corrupt.write_bytes(bytes(data))
    with pytest.raises(MaillageError) as caught:
        backup.restore(corrupt, replace=True)
    assert caught.value.code in ("backup_corrupt", "backup_checksum")


def test_a_checksum_mismatch(archive, folders):
    def tamper(members, manifest):  # still valid JSON, as long, one letter changed
        name = "data/directory.organisation.jsonl"
        members[name] = members[name].replace(b"Organisme", b"Organismf", 1)

    error = refused(_rewrite(archive, folders / "tampered.tar.gz", tamper), "backup_checksum")
    assert "Checksum mismatch" in str(error)
    assert "data/directory.organisation.jsonl" in str(error)

    def media(members, manifest):
        members["media/imports/abc/upload.csv"] = b"other content"

    refused(_rewrite(archive, folders / "media.tar.gz", media), "backup_checksum")

    def missing(members, manifest):
        del members["data/accounts.user.jsonl"]

    assert "data/accounts.user.jsonl" in str(
        refused(_rewrite(archive, folders / "m.tar.gz", missing), "backup_corrupt")
    )

    def extra(members, manifest):
        members["data/extra.jsonl"] = b""

    assert "does not list" in str(refused(_rewrite(archive, folders / "x.tar.gz", extra), "backup_corrupt"))


def test_a_migrations_mismatch(archive, folders):
    def change(members, manifest):
        manifest["migrations"]["directory"].append("0999_future")
        manifest["migrations"]["chantiers"].remove("0001_initial")

    error = refused(_rewrite(archive, folders / "future.tar.gz", change), "backup_migrations")
    text = str(error)
    assert "directory.0999_future: in the archive, not applied to this database" in text
    assert "chantiers.0001_initial: applied to this database, not in the archive" in text
    assert "maillage migrate" in text


def test_a_target_that_holds_data(archive):
    error = refused(archive, "backup_target_not_empty", replace=False)
    assert "--replace" in str(error)
    assert "directory.territory (" in str(error)
    with pytest.raises(CommandError, match="already holds data"):
        call_command("restore", str(archive))


def test_counts_that_differ_roll_everything_back(archive, folders):
    """The archive is intact but its manifest promises one more user: the restore writes everything, counts,
    and rolls back, the emptying of --replace included."""

    def promise(members, manifest):
        for entry in manifest["models"]:
            if entry["model"] == "accounts.user":
                entry["rows"] += 1

    error = refused(_rewrite(archive, folders / "counts.tar.gz", promise), "backup_counts")
    assert "accounts.user" in str(error)


def test_uploads_that_would_replace_other_files(archive, folders):
    """Without --replace, an uploaded file of the archive never overwrites a different one."""
    with connection.cursor() as cursor:  # an empty database, as after `maillage migrate`
        for model in backup.emptied_models("default"):
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")
    (settings_media() / "imports" / "abc" / "upload.csv").write_bytes(b"another file")
    error = refused(archive, "backup_media_conflict", replace=False)
    assert "upload.csv" in str(error)


# --- the commands --------------------------------------------------------------------------------------------


def test_the_commands(archive, folders):
    out = io.StringIO()
    call_command("backup", str(folders / "cmd.tar.gz"), stdout=out)
    assert "Backup written to" in out.getvalue()
    assert (folders / "cmd.tar.gz").exists()
    out = io.StringIO()
    call_command("restore", str(folders / "cmd.tar.gz"), "--replace", "--dry-run", stdout=out)
    assert "Nothing was written" in out.getvalue()
    out = io.StringIO()
    call_command("restore", str(folders / "cmd.tar.gz"), "--replace", stdout=out, verbosity=2)
    assert "Restored the archive" in out.getvalue()
    assert "accounts.user:" in out.getvalue()


# --- as an operator: the real commands on their own databases ------------------------------------------------


def _environment(data: Path, database_url: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env |= {"MAILLAGE_DATA_DIR": str(data), "DJANGO_SETTINGS_MODULE": "maillage.config.settings.dev"}
    return env | ({"DATABASE_URL": database_url} if database_url else {})


def _maillage(
    data: Path, *args: str, ok: bool = True, stdin: bytes | None = None, database_url: str | None = None
) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, "-m", "maillage.cli", *args],
        env=_environment(data, database_url),
        capture_output=True,
        input=stdin,
        timeout=300,
    )
    if ok:
        assert done.returncode == 0, done.stderr.decode()
    return done


def _sqlite_with_demo(tmp_path: Path) -> tuple[Path, Path]:
    """A migrated, empty SQLite data folder, and another with the demo and an uploaded file."""
    empty, full = tmp_path / "empty", tmp_path / "full"
    _maillage(empty, "migrate", "-v0")
    shutil.copytree(empty, full)
    _maillage(full, "demo", "--organisations", "40", "--no-scenarios")
    upload = full / "media" / "imports" / "f00d" / "upload.csv"
    upload.parent.mkdir(parents=True)
    upload.write_bytes(UPLOAD)
    return empty, full


@pytest.mark.skipif(ON_POSTGRES, reason="once, on the SQLite pass")
def test_the_commands_on_sqlite_files(tmp_path):
    """migrate, demo, backup to standard output; restore into a new database; refused once it holds data;
    restore --replace from standard input; the new database's backup holds the same rows and files."""
    empty, full = _sqlite_with_demo(tmp_path)
    first = tmp_path / "first.tar.gz"
    first.write_bytes(_maillage(full, "backup", "-").stdout)
    assert backup.read_manifest(first).media == ["media/imports/f00d/upload.csv"]

    target = tmp_path / "target"
    shutil.copytree(empty, target)
    restored = _maillage(target, "restore", str(first)).stdout.decode()
    assert "Restored the archive" in restored
    assert (target / "media" / "imports" / "f00d" / "upload.csv").read_bytes() == UPLOAD
    again = _maillage(target, "restore", str(first), ok=False)
    assert again.returncode == 1
    assert b"already holds data" in again.stderr
    _maillage(target, "restore", "--replace", "-", stdin=first.read_bytes())

    _maillage(target, "backup", "-v0")
    (second,) = (target / "backups").glob("maillage-backup-*.tar.gz")
    assert_same_archives(first, second)
    assert backup.read_manifest(second).files == backup.read_manifest(first).files


@pytest.mark.skipif(not ON_POSTGRES, reason="on the PostgreSQL pass: SQLite → PostgreSQL → SQLite")
def test_from_sqlite_to_postgresql_and_back(tmp_path, settings):
    empty, full = _sqlite_with_demo(tmp_path)
    from_sqlite = tmp_path / "from-sqlite.tar.gz"
    _maillage(full, "backup", str(from_sqlite))
    assert backup.read_manifest(from_sqlite).database["vendor"] == "sqlite"

    # The real command on PostgreSQL: one REPEATABLE READ, READ ONLY transaction, server-side cursors. It
    # sees what is committed (the reference data), not this test's transaction.
    database = connection.settings_dict
    url = (
        f"postgres://{database['USER']}:{database['PASSWORD']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
    )
    committed = tmp_path / "committed.tar.gz"
    _maillage(tmp_path / "pg", "backup", str(committed), database_url=url)
    manifest = backup.read_manifest(committed)
    assert manifest.database["vendor"] == "postgresql"
    assert {e.label: e.rows for e in manifest.models}["directory.territory"] == Territory.objects.count()

    summary = backup.restore(from_sqlite, replace=True)
    assert summary.rows > 1000
    assert Organisation.objects.filter(is_demo=True).count() == 40
    from_postgres = tmp_path / "from-postgres.tar.gz"
    backup.backup(from_postgres)
    assert backup.read_manifest(from_postgres).database["vendor"] == "postgresql"
    assert_same_archives(from_sqlite, from_postgres)
    assert (settings_media() / "imports" / "f00d" / "upload.csv").read_bytes() == UPLOAD

    target = tmp_path / "target"
    shutil.copytree(empty, target)
    _maillage(target, "restore", str(from_postgres))
    back = tmp_path / "back.tar.gz"
    _maillage(target, "backup", str(back))
    assert_same_archives(from_postgres, back)
    assert_same_archives(from_sqlite, back)
    ContentType.objects.clear_cache()


def test_a_restore_never_moves_a_sequence_back(archive, folders):
    """PostgreSQL does not undo ``setval`` when a transaction rolls back: a sequence set back to the archive's
    highest id would hand out ids already taken once the rows of before come back. Here, rows made after the
    backup have higher ids than any in the archive; after the restore, the next id still follows them."""
    later = [UserFactory() for _n in range(3)]
    backup.restore(archive, replace=True)
    assert UserFactory().pk > max(person.pk for person in later)
