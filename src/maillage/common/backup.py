"""Back up a Maillage database and its uploaded files into one archive, and restore it.

``maillage backup`` and ``maillage restore`` are thin layers over :func:`backup` and :func:`restore`.

An archive (format ``maillage-backup/1``) is a gzip-compressed tar file of:

- ``manifest.json``, always the first member: the format, the Maillage, Django and Python versions, the
  database it came from (vendor and version), when it was made, the migrations applied per app, and for
  every model its table, its columns, its number of rows and its file; for every member its size and
  sha256;
- ``data/<app_label>.<model_name>.jsonl``, one per concrete model of every installed app (Maillage's and
  third-party ones, the auto-created many-to-many tables included): one JSON array a line, the values of
  the model's columns in the order the manifest lists them, rows in primary key order. Values are written
  without loss: datetimes, dates and times in ISO 8601 with their microseconds (Django's serialisers keep
  milliseconds only), decimals and UUIDs as strings, durations in microseconds, binary data in base64,
  JSON fields as JSON;
- ``media/<path>``, the uploaded files under MEDIA_ROOT.

Rows keep their primary keys, so every reference between them, auditlog's ``object_pk`` included, holds
after a restore. Content types and permissions are the exception: ``migrate`` creates them in every
database, under identifiers that need not match, so a restore matches them by their natural keys
(app label and model; codename and content type), creates those the target lacks, and rewrites every
reference to them. Sessions are left out (see :data:`EXCLUDED`).

A backup reads everything in one consistent snapshot: a REPEATABLE READ, READ ONLY transaction on
PostgreSQL, one read transaction on SQLite (deferred: in WAL mode the site keeps writing meanwhile). Rows
are streamed model by model, through files next to the archive: memory stays flat whatever the size of
the database.

A restore verifies everything before it writes anything: the format, the migrations (the same as the
target's), that the target holds no data (unless ``replace``), every member's size and checksum. It then
writes in one transaction (all or nothing), checks every table's row count and every foreign key, resets
PostgreSQL's sequences, and only then puts the uploaded files in place.
"""

from __future__ import annotations

import base64
import contextlib
import gzip
import hashlib
import json
import os
import platform
import shutil
import tarfile
import tempfile
import time
import uuid
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as time_of_day
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from typing import IO, Any

import django
from django.apps import apps
from django.conf import settings
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, models, router, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.recorder import MigrationRecorder
from django.utils.duration import duration_microseconds

import maillage
from maillage.common.archives import member_path
from maillage.core.errors import MaillageError, Problem

__all__ = [
    "EXCLUDED",
    "FORMAT",
    "BackupSummary",
    "Manifest",
    "RestoreSummary",
    "backed_up_models",
    "backup",
    "decoder",
    "default_path",
    "emptied_models",
    "read_manifest",
    "restore",
]

FORMAT = "maillage-backup/1"
MANIFEST = "manifest.json"

#: Models left out of every archive, with the reason (written in the manifest).
EXCLUDED = {
    "sessions.session": (
        "Sessions are transient and are live credentials: an archive holds none, and everyone signs in again "
        "after a restore (a restore with replace empties the target's sessions, which would otherwise belong "
        "to other people's restored accounts)."
    ),
}

#: Models that ``migrate`` fills in every database: matched by natural key on restore, never emptied.
CONTENT_TYPE = "contenttypes.contenttype"
PERMISSION = "auth.permission"
MATCHED = (CONTENT_TYPE, PERMISSION)

READ_CHUNK = 2000  # rows fetched at a time (a server-side cursor on PostgreSQL)
WRITE_BATCH = 500  # rows inserted at a time
COPY_BUFFER = 1024 * 1024
MAX_MANIFEST_BYTES = 64 * 1024 * 1024

#: Django's own field classes whose JSON value is the value the database takes (no conversion needed).
_PLAIN = {
    models.AutoField,
    models.BigAutoField,
    models.SmallAutoField,
    models.IntegerField,
    models.BigIntegerField,
    models.SmallIntegerField,
    models.PositiveIntegerField,
    models.PositiveBigIntegerField,
    models.PositiveSmallIntegerField,
    models.BooleanField,
    models.FloatField,
    models.CharField,
    models.TextField,
    models.SlugField,
    models.EmailField,
    models.URLField,
}

Progress = Callable[[str], None]


def _quiet(_message: str) -> None:
    pass


# --- what an archive holds ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelEntry:
    """One model's data in an archive."""

    label: str  # app_label.model_name, lower case
    table: str
    fields: list[str]  # the columns' attribute names, in the order of each line's values
    rows: int
    file: str  # the member holding its rows


@dataclass(frozen=True)
class FileEntry:
    size: int
    sha256: str


@dataclass(frozen=True)
class Manifest:
    """An archive's table of contents (manifest.json)."""

    created: str
    maillage_version: str
    django_version: str
    database: dict[str, str]
    migrations: dict[str, list[str]]
    models: list[ModelEntry]
    files: dict[str, FileEntry]  # every member but the manifest: data/… and media/…
    excluded: dict[str, str] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return sum(entry.rows for entry in self.models)

    @property
    def written_rows(self) -> int:
        """The rows a restore writes: content types and permissions are matched, not written."""
        return sum(entry.rows for entry in self.models if entry.label not in MATCHED)

    @property
    def media(self) -> list[str]:
        return [name for name in self.files if name.startswith("media/")]

    def as_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "created": self.created,
            "maillage_version": self.maillage_version,
            "django_version": self.django_version,
            "python_version": platform.python_version(),
            "database": self.database,
            "migrations": self.migrations,
            "excluded": self.excluded,
            "models": [
                {"model": e.label, "table": e.table, "fields": e.fields, "rows": e.rows, "file": e.file}
                for e in self.models
            ],
            "files": {name: {"size": f.size, "sha256": f.sha256} for name, f in self.files.items()},
        }


@dataclass(frozen=True)
class BackupSummary:
    path: Path | None  # None when written to a stream
    models: int
    rows: int
    media_files: int
    size: int  # bytes of the archive
    seconds: float


@dataclass(frozen=True)
class RestoreSummary:
    manifest: Manifest
    models: int
    rows: int
    media_files: int
    replaced: bool
    dry_run: bool
    seconds: float


PROBLEMS_SHOWN = 20


def _error(code: str, message: str, problems: Iterable[str] = ()) -> MaillageError:
    """An error whose problems are listed, the first ``PROBLEMS_SHOWN`` of them."""
    listed = list(problems)
    shown = [Problem(code, p) for p in listed[:PROBLEMS_SHOWN]]
    if len(listed) > PROBLEMS_SHOWN:
        shown.append(Problem(code, f"… and {len(listed) - PROBLEMS_SHOWN} more"))
    return MaillageError(code, message, shown)


# --- models and their values -------------------------------------------------------------------------------


def _tables(using: str) -> list[type[models.Model]]:
    """Every model with a table of its own in this database (many-to-many tables included)."""
    return [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed
        and not model._meta.proxy
        and not model._meta.swapped
        and router.allow_migrate_model(using, model)
    ]


def backed_up_models(using: str = DEFAULT_DB_ALIAS) -> list[type[models.Model]]:
    """Every concrete model of every installed app that has a table in the database ``using``, the
    auto-created many-to-many tables included, except :data:`EXCLUDED`; content types and permissions first."""
    found = [model for model in _tables(using) if model._meta.label_lower not in EXCLUDED]
    return sorted(found, key=lambda m: m._meta.label_lower not in MATCHED)


def _columns(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    """The fields stored in the model's own table (a child of multi-table inheritance stores its own)."""
    return [f for f in model._meta.local_concrete_fields if not getattr(f, "generated", False)]


def _stored(field_: models.Field[Any, Any]) -> models.Field[Any, Any]:
    """The field whose type a column holds: a foreign key holds its target's."""
    while field_.is_relation and getattr(field_, "target_field", None) is not None:
        field_ = field_.target_field
    return field_


def _b64(value: Any) -> str:
    return base64.b64encode(bytes(value)).decode("ascii")


_ENCODERS: dict[str, Callable[[Any], Any]] = {
    "DateTimeField": lambda v: v.isoformat(),
    "DateField": lambda v: v.isoformat(),
    "TimeField": lambda v: v.isoformat(),
    "DecimalField": str,
    "UUIDField": str,
    "DurationField": duration_microseconds,
    "BinaryField": _b64,
}

_DECODERS: dict[str, Callable[[Any], Any]] = {
    "DateTimeField": datetime.fromisoformat,
    "DateField": date.fromisoformat,
    "TimeField": time_of_day.fromisoformat,
    "DecimalField": Decimal,
    "UUIDField": uuid.UUID,
    "DurationField": lambda v: timedelta(microseconds=v),
    "BinaryField": base64.b64decode,
}


def _encoder(field_: models.Field[Any, Any]) -> Callable[[Any], Any] | None:
    return _ENCODERS.get(_stored(field_).get_internal_type())


def decoder(field_: models.Field[Any, Any]) -> Callable[[Any], Any] | None:
    """How a value read from an archive becomes the Python value of ``field_`` (None: as it is)."""
    return _DECODERS.get(_stored(field_).get_internal_type())


def _no_default(value: Any) -> Any:
    raise TypeError(f"cannot write a value of type {type(value).__name__}")


def _encode_rows(
    model: type[models.Model], fields: list[models.Field[Any, Any]], rows: Iterable[tuple[Any, ...]]
) -> Iterator[bytes]:
    encoders = [_encoder(f) for f in fields]
    convert = [(i, e) for i, e in enumerate(encoders) if e is not None]
    for row in rows:
        values = list(row)
        for i, encode in convert:
            if values[i] is not None:
                values[i] = encode(values[i])
        try:
            line = json.dumps(values, ensure_ascii=False, separators=(",", ":"), default=_no_default)
        except (TypeError, ValueError) as exc:
            raise _error(
                "backup_value", f"A row of {model._meta.label_lower} cannot be written to the archive: {exc}."
            ) from None
        yield line.encode("utf-8") + b"\n"


# --- snapshots, migrations ----------------------------------------------------------------------------------


@contextlib.contextmanager
def _snapshot(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """One consistent view of the database for every read made inside."""
    if connection.in_atomic_block:  # the caller's transaction is the snapshot (tests, a shell)
        yield
        return
    if connection.vendor == "sqlite":
        # Not transaction.atomic(): Maillage opens SQLite transactions IMMEDIATE, which would lock writers
        # out for the whole backup. A deferred transaction reads one snapshot; in WAL mode writers go on.
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("BEGIN DEFERRED")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("ROLLBACK")
        return
    with transaction.atomic(using=connection.alias):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def applied_migrations(using: str = DEFAULT_DB_ALIAS) -> dict[str, list[str]]:
    """The migrations applied to the database, per app, sorted."""
    applied: dict[str, list[str]] = {}
    for app_label, name in MigrationRecorder(connections[using]).applied_migrations():
        applied.setdefault(app_label, []).append(name)
    return {app: sorted(names) for app, names in sorted(applied.items())}


def _migration_differences(archive: dict[str, list[str]], here: dict[str, list[str]]) -> list[str]:
    differences = []
    for app in sorted(set(archive) | set(here)):
        theirs, ours = set(archive.get(app, [])), set(here.get(app, []))
        for name in sorted(theirs - ours):
            differences.append(f"{app}.{name}: in the archive, not applied to this database")
        for name in sorted(ours - theirs):
            differences.append(f"{app}.{name}: applied to this database, not in the archive")
    return differences


def _database(connection: BaseDatabaseWrapper) -> dict[str, str]:
    connection.ensure_connection()
    version = ".".join(str(part) for part in connection.get_database_version())
    return {"vendor": connection.vendor, "version": version}


# --- backup -------------------------------------------------------------------------------------------------


def default_path(now: datetime | None = None) -> Path:
    """``DATA_DIR/backups/maillage-backup-YYYYMMDD-HHMMSS.tar.gz``, the time in UTC."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return Path(settings.DATA_DIR) / "backups" / f"maillage-backup-{moment:%Y%m%d-%H%M%S}.tar.gz"


class _Hashing:
    """Writes to a file, counting and hashing what goes through."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out = out
        self.size = 0
        self.sha = hashlib.sha256()

    def write(self, data: bytes) -> None:
        self.out.write(data)
        self.size += len(data)
        self.sha.update(data)


def _media_files(root: Path, skip: Iterable[Path]) -> Iterator[tuple[str, Path]]:
    """The regular files under ``root`` (symbolic links left out), as (member name, path), sorted."""
    if not root.is_dir():
        return
    skipped = [p.resolve() for p in skip]
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        dirs[:] = sorted(d for d in dirs if (here / d).resolve() not in skipped and not (here / d).is_symlink())
        for name in sorted(files):
            path = here / name
            if path.is_symlink() or not path.is_file() or path.resolve() in skipped:
                continue
            yield "media/" + path.relative_to(root).as_posix(), path


def _tar_info(name: str, size: int, mtime: float) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mtime = int(mtime)
    info.mode = 0o600
    info.type = tarfile.REGTYPE
    return info


def _write_archive(out: IO[bytes], manifest: bytes, members: list[tuple[str, Path]], mtime: float) -> None:
    with (
        gzip.GzipFile(filename="", mode="wb", fileobj=out, compresslevel=6, mtime=int(mtime)) as compressed,
        tarfile.open(fileobj=compressed, mode="w|", format=tarfile.PAX_FORMAT) as tar,
    ):
        tar.addfile(_tar_info(MANIFEST, len(manifest), mtime), BytesIO(manifest))
        for name, path in members:
            with path.open("rb") as source:
                tar.addfile(_tar_info(name, path.stat().st_size, mtime), source)


def backup(
    destination: Path | IO[bytes] | None = None,
    *,
    media_root: Path | None = None,
    using: str = DEFAULT_DB_ALIAS,
    progress: Progress = _quiet,
) -> BackupSummary:
    """Write an archive of the database ``using`` and of the files under ``media_root`` (MEDIA_ROOT).

    ``destination`` is a file path (an existing folder: the default name in it; None: :func:`default_path`)
    or a binary stream (standard output). A file is written under a temporary name and renamed once
    complete, readable by its owner only: a half-written archive never carries the final name.
    """
    started = time.perf_counter()
    connection = connections[using]
    media = Path(media_root if media_root is not None else settings.MEDIA_ROOT)
    stream: IO[bytes] | None = None
    path: Path | None = None
    if destination is None:
        path = default_path()
    elif isinstance(destination, (str, os.PathLike)):
        path = Path(destination)
        if path.is_dir():
            path = path / default_path().name
    else:
        stream = destination
    if path is not None:
        if path.parent == Path(settings.DATA_DIR) / "backups":
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not path.parent.is_dir():
            raise _error("backup_folder_missing", f"The folder {path.parent} does not exist.")
        work_in = path.parent
    else:
        work_in = Path(settings.DATA_DIR)
        work_in.mkdir(parents=True, exist_ok=True)

    created = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix=".maillage-backup-", dir=work_in) as scratch:
        staging = Path(scratch)
        entries: list[ModelEntry] = []
        files: dict[str, FileEntry] = {}
        members: list[tuple[str, Path]] = []
        with _snapshot(connection):
            migrations = applied_migrations(using)
            database = _database(connection)
            for model in backed_up_models(using):
                label = model._meta.label_lower
                fields = _columns(model)
                name = f"data/{label}.jsonl"
                target = staging / f"{label}.jsonl"
                rows = (
                    model._base_manager.using(using)
                    .order_by("pk")
                    .values_list(*(f.attname for f in fields))
                    .iterator(chunk_size=READ_CHUNK)
                )
                count = 0
                with target.open("wb") as raw:
                    out = _Hashing(raw)
                    try:
                        for line in _encode_rows(model, fields, rows):
                            out.write(line)
                            count += 1
                    except DatabaseError as exc:
                        raise _error(
                            "backup_read",
                            f"Cannot read {label} (table {model._meta.db_table}): {exc}".rstrip()
                            + " Is this database migrated (`maillage migrate`)?",
                        ) from None
                entries.append(ModelEntry(label, model._meta.db_table, [f.attname for f in fields], count, name))
                files[name] = FileEntry(out.size, out.sha.hexdigest())
                members.append((name, target))
                progress(f"{label}: {count} rows")
        # Uploaded files are written once and never changed in place: a copy made now is coherent enough.
        skip = [staging] + ([path.parent / (path.name + ".partial")] if path is not None else [])
        media_count = 0
        for name, source in _media_files(media, skip):
            copy = staging / "media" / name.removeprefix("media/")
            copy.parent.mkdir(parents=True, exist_ok=True)
            try:
                with source.open("rb") as src, copy.open("wb") as raw:
                    out = _Hashing(raw)
                    shutil.copyfileobj(src, out, COPY_BUFFER)
            except FileNotFoundError:  # deleted since it was listed (an import that ended)
                copy.unlink(missing_ok=True)
                continue
            files[name] = FileEntry(out.size, out.sha.hexdigest())
            members.append((name, copy))
            media_count += 1
        if media_count:
            progress(f"media: {media_count} files")

        manifest = Manifest(
            created=created.isoformat(),
            maillage_version=maillage.__version__,
            django_version=django.get_version(),
            database=database,
            migrations=migrations,
            models=entries,
            files=files,
            excluded=dict(EXCLUDED),
        )
        document = json.dumps(manifest.as_dict(), ensure_ascii=False, indent=1).encode("utf-8")
        if stream is not None:
            counting = _Counting(stream)
            _write_archive(counting, document, members, created.timestamp())  # type: ignore[arg-type]
            size = counting.size
        else:
            assert path is not None
            partial = path.parent / (path.name + ".partial")
            try:
                descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                os.fchmod(descriptor, 0o600)  # also when a partial file of an interrupted backup was there
                with os.fdopen(descriptor, "wb") as out_file:
                    _write_archive(out_file, document, members, created.timestamp())
                    out_file.flush()
                    os.fsync(out_file.fileno())
                os.replace(partial, path)
            except BaseException:
                partial.unlink(missing_ok=True)
                raise
            size = path.stat().st_size
    return BackupSummary(path, len(entries), manifest.rows, media_count, size, time.perf_counter() - started)


class _Counting:
    """A write-only stream that counts what goes through (standard output has no size)."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out = out
        self.size = 0

    def write(self, data: bytes) -> int:
        self.out.write(data)
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        self.out.flush()


# --- reading an archive -------------------------------------------------------------------------------------


def _bad_format(message: str) -> MaillageError:
    return _error("backup_format", message)


def _parse_manifest(data: bytes) -> Manifest:
    try:
        document = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _bad_format(f"The archive's manifest is not valid JSON ({exc}).") from None
    if not isinstance(document, dict):
        raise _bad_format("The archive's manifest is not a JSON object.")
    found = document.get("format")
    if found != FORMAT:
        if isinstance(found, str) and found.startswith("maillage-backup/"):
            raise _bad_format(
                f"This archive is in the format {found}; this version of Maillage reads {FORMAT} only "
                "(restore it with the version of Maillage that made it)."
            )
        raise _bad_format(f"This is not a Maillage backup: its manifest names the format {found!r}, not {FORMAT}.")
    try:
        entries = [
            ModelEntry(str(e["model"]), str(e["table"]), [str(f) for f in e["fields"]], int(e["rows"]), str(e["file"]))
            for e in document["models"]
        ]
        files = {str(n): FileEntry(int(f["size"]), str(f["sha256"])) for n, f in document["files"].items()}
        manifest = Manifest(
            created=str(document["created"]),
            maillage_version=str(document["maillage_version"]),
            django_version=str(document["django_version"]),
            database={str(k): str(v) for k, v in document["database"].items()},
            migrations={str(a): [str(n) for n in names] for a, names in document["migrations"].items()},
            models=entries,
            files=files,
            excluded={str(k): str(v) for k, v in document.get("excluded", {}).items()},
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise _bad_format(f"The archive's manifest is incomplete or malformed ({type(exc).__name__}: {exc}).") from None
    for name in manifest.files:
        if not _safe_member(name):
            raise _bad_format(f"The archive's manifest lists a member with an unsafe name: {name!r}.")
    for entry in manifest.models:
        if entry.file not in manifest.files or not entry.file.startswith("data/"):
            raise _bad_format(f"The archive's manifest gives {entry.label} no data file.")
    return manifest


def _safe_member(name: str) -> bool:
    """Whether a member's name stays inside the folder it is unpacked into: one file under ``data/``, or a
    file anywhere under ``media/``."""
    path = member_path(name)
    if path is None:
        return False
    parts = path.parts
    return len(parts) >= 2 and parts[0] in ("data", "media") and (parts[0] != "data" or len(parts) == 2)


@contextlib.contextmanager
def _archive(source: Path | IO[bytes]) -> Iterator[Iterator[tuple[tarfile.TarInfo, IO[bytes]]]]:
    """The members of an archive, one at a time, read as a stream. Whatever goes wrong while the archive
    is read inside the block, by this generator or by whoever reads a member's content, comes out as a
    MaillageError that says so. Consume the members to the end: the gzip trailer is checked there."""
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.exists():
            raise _error("backup_not_found", f"No such file: {path}.")
        if not path.is_file():
            raise _error("backup_not_found", f"{path} is not a file.")
        try:
            raw: IO[bytes] = path.open("rb")
        except OSError as exc:
            raise _error("backup_unreadable", f"Cannot read {path}: {exc.strerror}.") from None
        where = str(path)
    else:
        raw, where = source, "The archive"
    compressed = gzip.GzipFile(fileobj=raw, mode="rb")
    started = False

    def members() -> Iterator[tuple[tarfile.TarInfo, IO[bytes]]]:
        nonlocal started
        with tarfile.open(fileobj=compressed, mode="r|") as tar:
            for member in tar:
                started = True
                content = tar.extractfile(member) if member.isfile() else None
                yield member, content if content is not None else BytesIO()
        while compressed.read(COPY_BUFFER):  # to the end: the trailer's checksum and length are checked there
            pass

    try:
        yield members()
    except gzip.BadGzipFile as exc:
        if not started:
            raise _bad_format(f"{where} is not a Maillage backup: not a gzip-compressed tar archive ({exc}).") from None
        raise _error("backup_corrupt", f"{where} is corrupt ({exc}).") from None
    except tarfile.ReadError as exc:
        if not started:
            raise _bad_format(f"{where} is not a Maillage backup: not a tar archive ({exc}).") from None
        raise _error("backup_corrupt", f"{where} is truncated or corrupt ({exc}).") from None
    except (EOFError, zlib.error, tarfile.TarError) as exc:
        raise _error("backup_corrupt", f"{where} is truncated or corrupt ({exc}).") from None
    finally:
        if raw is not source:
            raw.close()


def _read_manifest(members: Iterator[tuple[tarfile.TarInfo, IO[bytes]]], where: str) -> Manifest:
    first = next(members, None)
    if first is None:
        raise _bad_format(f"{where} is not a Maillage backup: the archive is empty.")
    member, content = first
    if member.name != MANIFEST or not member.isfile():
        raise _bad_format(f"{where} is not a Maillage backup: its first member is {member.name!r}, not {MANIFEST}.")
    if member.size > MAX_MANIFEST_BYTES:
        raise _bad_format(f"{where}: the manifest is implausibly large ({member.size} bytes).")
    return _parse_manifest(content.read())


def read_manifest(source: Path | IO[bytes]) -> Manifest:
    """The manifest of an archive (its first member), without reading the rest."""
    with _archive(source) as members:
        return _read_manifest(members, str(source) if isinstance(source, (str, os.PathLike)) else "the archive")


def _unpack(members: Iterator[tuple[tarfile.TarInfo, IO[bytes]]], manifest: Manifest, into: Path) -> None:
    """Copy every member into ``into``, checking its size and checksum against the manifest."""
    seen: set[str] = set()
    for member, content in members:
        name = member.name
        expected = manifest.files.get(name)
        if expected is None or name in seen:
            raise _error("backup_corrupt", f"The archive holds a member its manifest does not list: {name!r}.")
        if not member.isfile():
            raise _error("backup_corrupt", f"The archive's member {name!r} is not a regular file.")
        seen.add(name)
        target = into / name
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("wb") as raw:
            out = _Hashing(raw)
            shutil.copyfileobj(content, out, COPY_BUFFER)
        if out.size != expected.size or out.sha.hexdigest() != expected.sha256:
            raise _error(
                "backup_checksum",
                f"Checksum mismatch: the archive's {name} is not the file its manifest describes "
                f"({out.size} bytes, sha256 {out.sha.hexdigest()}; expected {expected.size} bytes, "
                f"sha256 {expected.sha256}). The archive is damaged: nothing was restored.",
            )
    missing = sorted(set(manifest.files) - seen)
    if missing:
        raise _error(
            "backup_corrupt",
            f"The archive is incomplete: {len(missing)} members its manifest lists are missing.",
            missing,
        )


# --- restore ------------------------------------------------------------------------------------------------


def emptied_models(using: str) -> list[type[models.Model]]:
    """The models whose tables a restore fills, or empties first with replace: all but content types and
    permissions, sessions included (they would belong to other people's restored accounts)."""
    return [model for model in _tables(using) if model._meta.label_lower not in MATCHED]


def _holding_data(using: str) -> list[str]:
    holding = []
    for model in emptied_models(using):
        if model._base_manager.using(using).exists():
            holding.append(f"{model._meta.label_lower} ({model._base_manager.using(using).count()} rows)")
    return holding


def _check_target(manifest: Manifest, using: str, replace: bool) -> None:
    here = applied_migrations(using)
    if not here:
        raise _error(
            "backup_migrations",
            "This database has no migrations applied: run `maillage migrate` first (with the Maillage version that "
            f"made the archive, {manifest.maillage_version}), then restore.",
        )
    differences = _migration_differences(manifest.migrations, here)
    if differences:
        raise _error(
            "backup_migrations",
            f"The archive's migrations differ from this database's ({len(differences)} differences). Restore into "
            f"a database migrated to the same migrations: run the Maillage version that made the archive "
            f"({manifest.maillage_version}, Django {manifest.django_version}) and `maillage migrate`, then restore.",
            differences,
        )
    if not replace:
        holding = _holding_data(using)
        if holding:
            raise _error(
                "backup_target_not_empty",
                f"This database already holds data ({len(holding)} tables are not empty): restore into an empty "
                "database (a new one, after `maillage migrate`), or pass --replace to empty it first "
                "(everything it holds is lost).",
                holding,
            )


def _lines(path: Path, width: int, label: str) -> Iterator[list[Any]]:
    with path.open("rb") as source:
        for number, line in enumerate(source, start=1):
            try:
                values = json.loads(line)
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise _error("backup_corrupt", f"{label}, line {number}: not valid JSON ({exc}).") from None
            if not isinstance(values, list) or len(values) != width:
                raise _error("backup_corrupt", f"{label}, line {number}: expected {width} values.")
            yield values


def _resolve(entry: ModelEntry, using: str) -> tuple[type[models.Model], list[models.Field[Any, Any]]]:
    try:
        model = apps.get_model(entry.label)
    except (LookupError, ValueError):
        raise _error(
            "backup_models", f"The archive holds {entry.label}, a model this installation does not have."
        ) from None
    fields = {f.attname: f for f in _columns(model)}
    if set(entry.fields) != set(fields):
        raise _error(
            "backup_models",
            f"The archive's columns of {entry.label} differ from this installation's: "
            f"{', '.join(sorted(set(entry.fields) ^ set(fields)))}.",
        )
    return model, [fields[name] for name in entry.fields]


def _match_natural_keys(manifest: Manifest, staging: Path, using: str) -> dict[str, dict[Any, Any]]:
    """The archive's content type and permission ids → this database's, created where missing."""
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType

    entries = {e.label: e for e in manifest.models}
    mapping: dict[str, dict[Any, Any]] = {CONTENT_TYPE: {}, PERMISSION: {}}
    if CONTENT_TYPE in entries:
        entry = entries[CONTENT_TYPE]
        at = {name: i for i, name in enumerate(entry.fields)}
        for values in _lines(staging / entry.file, len(entry.fields), entry.file):
            content_type, _ = ContentType.objects.db_manager(using).get_or_create(
                app_label=values[at["app_label"]], model=values[at["model"]]
            )
            mapping[CONTENT_TYPE][values[at["id"]]] = content_type.pk
    if PERMISSION in entries:
        entry = entries[PERMISSION]
        at = {name: i for i, name in enumerate(entry.fields)}
        for values in _lines(staging / entry.file, len(entry.fields), entry.file):
            try:
                content_type_id = mapping[CONTENT_TYPE][values[at["content_type_id"]]]
            except KeyError:
                raise _error("backup_corrupt", f"{entry.file}: a permission names an unknown content type.") from None
            permission, _ = Permission.objects.db_manager(using).get_or_create(
                content_type_id=content_type_id,
                codename=values[at["codename"]],
                defaults={"name": values[at["name"]]},
            )
            mapping[PERMISSION][values[at["id"]]] = permission.pk
    ContentType.objects.clear_cache()
    return mapping


def _converters(
    fields: list[models.Field[Any, Any]], mapping: dict[str, dict[Any, Any]], connection: BaseDatabaseWrapper
) -> list[Callable[[Any], Any] | None]:
    """For each column, how an archived value becomes what the database takes (None: as it is)."""
    converters: list[Callable[[Any], Any] | None] = []
    for f in fields:
        related = f.related_model if f.is_relation else None
        label = related._meta.label_lower if related is not None and not isinstance(related, str) else None
        if label in MATCHED:
            ids = mapping[label]

            def remap(value: Any, ids: dict[Any, Any] = ids, f: models.Field[Any, Any] = f) -> Any:
                try:
                    return ids[value]
                except KeyError:
                    raise _error(
                        "backup_corrupt", f"{f.model._meta.label_lower}.{f.attname}: no {f.related_model} {value}."
                    ) from None

            converters.append(remap)
            continue
        decode = decoder(f)
        if f.is_relation:
            plain = type(f) in (models.ForeignKey, models.OneToOneField) and type(_stored(f)) in _PLAIN
        else:
            plain = type(f) in _PLAIN
        if decode is None and plain:
            converters.append(None)
        else:
            converters.append(_preparer(f, decode, connection))
    return converters


def _preparer(
    f: models.Field[Any, Any], decode: Callable[[Any], Any] | None, connection: BaseDatabaseWrapper
) -> Callable[[Any], Any]:
    """The archived value → the Python value (``decode``) → what the database takes (Django's own adaptation)."""
    if decode is None:

        def prepare(value: Any) -> Any:
            return f.get_db_prep_save(value, connection)

    else:

        def prepare(value: Any) -> Any:
            return f.get_db_prep_save(decode(value), connection)

    return prepare


def _load(
    model: type[models.Model],
    entry: ModelEntry,
    fields: list[models.Field[Any, Any]],
    path: Path,
    mapping: dict[str, dict[Any, Any]],
    connection: BaseDatabaseWrapper,
) -> int:
    """Write the rows of one archived model; how many."""
    converters = [(i, c) for i, c in enumerate(_converters(fields, mapping, connection)) if c is not None]
    # A JSON field that may not be NULL reads JSON null as None: it is written back as JSON null. (One that
    # may be NULL reads both as None, and gets SQL NULL, as Django writes None.)
    json_nulls = [
        (i, connection.ops.adapt_json_value(None, f.encoder))
        for i, f in enumerate(fields)
        if isinstance(f, models.JSONField) and not f.null
    ]

    def rows() -> Iterator[list[Any]]:
        for values in _lines(path, len(fields), entry.file):
            for i, convert in converters:
                if values[i] is not None:
                    values[i] = convert(values[i])
            for i, null in json_nulls:
                if values[i] is None:
                    values[i] = null
            yield values

    quote = connection.ops.quote_name
    table, columns = quote(model._meta.db_table), ", ".join(quote(f.column) for f in fields)
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # COPY: several times faster than INSERTs, still streamed
            try:
                with (
                    connection.wrap_database_errors,
                    cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
                ):
                    for values in rows():
                        copy.write_row(values)
                        count += 1
            except DatabaseError as exc:
                raise _error("backup_write", f"Could not write {entry.label}: {exc}".strip()) from None
            return count
        sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
        batch: list[list[Any]] = []

        def flush() -> None:
            try:
                cursor.executemany(sql, batch)
            except DatabaseError as exc:
                raise _error(
                    "backup_write",
                    f"Could not write {entry.label} (rows {count - len(batch) + 1} to {count}): {exc}".strip(),
                ) from None
            batch.clear()

        for values in rows():
            batch.append(values)
            count += 1
            if len(batch) >= WRITE_BATCH:
                flush()
        if batch:
            flush()
    return count


def _advance_sequences(connection: BaseDatabaseWrapper, models_: list[type[models.Model]]) -> None:
    """Make the next generated identifiers follow the restored ones. On PostgreSQL a sequence only ever moves
    forward: ``setval`` is not undone when a transaction rolls back, so a sequence set back to a restored table's
    highest id would hand out ids already taken once the rows of before come back (a restore that fails its
    last check, or a test's rolled-back transaction)."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), models_):
                cursor.execute(statement)
        return
    with connection.cursor() as cursor:
        for model in models_:
            pk = model._meta.pk
            if pk is None or pk.get_internal_type() not in ("AutoField", "BigAutoField", "SmallAutoField"):
                continue
            table, column = model._meta.db_table, pk.column
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [connection.ops.quote_name(table), column])
            sequence = cursor.fetchone()[0]
            if not sequence:
                continue
            cursor.execute(f"SELECT last_value, is_called FROM {sequence}")
            last_value, is_called = cursor.fetchone()
            used = last_value if is_called else last_value - 1
            quoted = connection.ops.quote_name(column)
            cursor.execute(f"SELECT COALESCE(MAX({quoted}), 0) FROM {connection.ops.quote_name(table)}")
            highest = max(cursor.fetchone()[0], used)
            if highest > 0:
                cursor.execute("SELECT setval(%s, %s, true)", [sequence, highest])


def _empty(models_: list[type[models.Model]], connection: BaseDatabaseWrapper) -> None:
    """Delete every row of these tables (foreign keys are checked at the end of the transaction)."""
    with connection.cursor() as cursor:
        for model in models_:
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")


def restore(
    source: Path | IO[bytes],
    *,
    replace: bool = False,
    dry_run: bool = False,
    media_root: Path | None = None,
    using: str = DEFAULT_DB_ALIAS,
    progress: Progress = _quiet,
) -> RestoreSummary:
    """Restore an archive made by :func:`backup` into the database ``using`` and under ``media_root``.

    Checks, before anything is written: the format, the migrations (those of the archive and of the
    database must be the same), that the database holds no data (unless ``replace``: then every table but
    content types' and permissions' is emptied first, sessions included), every member's size and sha256.
    Writes in one transaction: all or nothing; checks row counts and foreign keys; resets sequences. The
    uploaded files are put in place once the transaction is committed (files at the same path are
    replaced only with ``replace``; other files are left alone). ``dry_run``: every check, nothing written.
    """
    started = time.perf_counter()
    connection = connections[using]
    media = Path(media_root if media_root is not None else settings.MEDIA_ROOT)
    where = str(source) if isinstance(source, (str, os.PathLike)) else "the archive"
    scratch_root = Path(settings.DATA_DIR)
    scratch_root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".maillage-restore-", dir=scratch_root) as scratch:
        staging = Path(scratch)
        with _archive(source) as members:
            manifest = _read_manifest(members, where)
            progress(
                f"Archive of {manifest.created} ({manifest.database.get('vendor', '?')}, Maillage "
                f"{manifest.maillage_version}): {len(manifest.models)} tables, {manifest.rows} rows, "
                f"{len(manifest.media)} uploaded files."
            )
            _check_target(manifest, using, replace)  # before reading the rest: fail fast
            _unpack(members, manifest, staging)
        progress("Checksums verified.")
        resolved = [(entry, *_resolve(entry, using)) for entry in manifest.models]
        conflicts = [] if replace else _media_conflicts(manifest, staging, media)
        if conflicts:
            raise _error(
                "backup_media_conflict",
                f"{len(conflicts)} uploaded files of the archive would replace different files under {media}: "
                "pass --replace to replace them, or restore with another MEDIA_ROOT.",
                conflicts,
            )
        if dry_run:
            return RestoreSummary(
                manifest,
                len(manifest.models),
                manifest.written_rows,
                len(manifest.media),
                replace,
                True,
                time.perf_counter() - started,
            )

        loaded = 0
        with transaction.atomic(using=using):
            if replace:
                _empty(emptied_models(using), connection)
                progress("Tables emptied.")
            else:
                _check_target(manifest, using, replace=False)  # again, inside the transaction
            mapping = _match_natural_keys(manifest, staging, using)
            for entry, model, fields in resolved:
                if entry.label in MATCHED:
                    continue
                count = _load(model, entry, fields, staging / entry.file, mapping, connection)
                progress(f"{entry.label}: {count} rows")
                loaded += count
            _check_counts(resolved, using, mapping)
            try:
                connection.check_constraints(table_names=[model._meta.db_table for _e, model, _f in resolved])
            except DatabaseError as exc:
                raise _error("backup_integrity", f"The restored rows break a foreign key: {exc}") from None
            _advance_sequences(connection, [m for _e, m, _f in resolved])
        moved = _put_media(manifest, staging, media)
    return RestoreSummary(manifest, len(manifest.models), loaded, moved, replace, False, time.perf_counter() - started)


def _check_counts(
    resolved: list[tuple[ModelEntry, type[models.Model], list[models.Field[Any, Any]]]],
    using: str,
    mapping: dict[str, dict[Any, Any]],
) -> None:
    wrong = []
    for entry, model, _fields in resolved:
        matched = entry.label in MATCHED
        found = len(mapping[entry.label]) if matched else model._base_manager.using(using).count()
        if found != entry.rows:
            wrong.append(f"{entry.label}: {found} rows, the archive says {entry.rows}")
    if wrong:
        raise _error("backup_counts", "The restored row counts differ from the archive's: nothing was restored.", wrong)


def _same_file(a: Path, b: Path) -> bool:
    if a.stat().st_size != b.stat().st_size:
        return False
    with a.open("rb") as x, b.open("rb") as y:
        while True:
            chunk = x.read(COPY_BUFFER)
            if chunk != y.read(COPY_BUFFER):
                return False
            if not chunk:
                return True


def _media_conflicts(manifest: Manifest, staging: Path, media: Path) -> list[str]:
    conflicts = []
    for name in manifest.media:
        target = media / name.removeprefix("media/")
        if target.exists() and (not target.is_file() or not _same_file(target, staging / name)):
            conflicts.append(str(target))
    return conflicts


def _put_media(manifest: Manifest, staging: Path, media: Path) -> int:
    moved = 0
    for name in manifest.media:
        target = media / name.removeprefix("media/")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(staging / name, target)
        moved += 1
    return moved
