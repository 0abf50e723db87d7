"""Imports uploaded by stewards (the web page and the API): the file stored, its dry run and then its import
run by the background worker, and the file deleted once it is no longer needed.

An upload becomes an :class:`~maillage.interop.models.ImportRun`:

1. :func:`import_start` checks the upload (size, format, and for a zip archive every name in it), stores it
   under ``MEDIA_ROOT/imports/<random>/`` and queues its **dry run** (or, when asked, its import at once);
2. the worker runs :func:`run_execute`: the run's language is activated (problems come out in the steward's
   language), the file is read with :func:`maillage.interop.imports.import_file`, and its report stored with
   the run's status in one transaction: ``checked`` (clean), ``rejected`` (problems: nothing written),
   ``imported`` or ``failed``;
3. :func:`import_confirm` queues the real import of a checked run (all or nothing);
4. the file is deleted when the import ends, when the dry run finds problems, when the steward abandons the
   run (:func:`import_abandon`), and by :func:`runs_clean` once a checked run has waited a day
   (:data:`KEEP_CHECKED`). :func:`runs_recover` marks failed the runs whose worker was lost.

While the worker reads, an import holds one database transaction (all or nothing), which the web process
cannot see into: the worker writes how many rows it has read to a small file next to the upload
(``progress``), which the progress page reads.
"""

from __future__ import annotations

import logging
import secrets
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from maillage.common.archives import member_path
from maillage.common.tasks import mark_failed as tasks_mark_failed
from maillage.common.tasks import waiting as tasks_waiting
from maillage.core.errors import MaillageError, Problem

from . import imports
from .models import ImportRun, Standard

log = logging.getLogger(__name__)

UPLOADS = "imports"  # under MEDIA_ROOT
STALE_SECONDS = 600  # a running import silent that long (no progress written) has lost its worker
KEEP_CHECKED = timedelta(days=1)  # a checked run not imported within a day is abandoned: its file is deleted
ZIP_MAX_MEMBERS = 200
PROGRESS_FILE = "progress"
ABANDONED, EXPIRED, WORKER_LOST = "abandoned", "expired", "worker_lost"
SUFFIXES = (".csv", ".tsv", ".txt", ".json", ".zip")


@dataclass(frozen=True)
class Format:
    """What a steward can upload: a standard, and whether it comes as a zip archive of a folder."""

    code: str
    standard: str
    label: Any
    zipped: bool = False


FORMATS: dict[str, Format] = {
    f.code: f
    for f in (
        Format("hsds", Standard.HSDS, gettext_lazy("Open Referral HSDS 3: JSON (organizations or services)")),
        Format(
            "hsds-tabular",
            Standard.HSDS,
            gettext_lazy("Open Referral HSDS 3: tabular data package (a .zip of the folder)"),
            zipped=True,
        ),
        Format("360giving", Standard.GIVING, gettext_lazy("360Giving: grants, JSON or CSV")),
        Format("csv", Standard.CSV, gettext_lazy("Maillage's CSV template: one organisation per row")),
    )
}


def max_bytes() -> int:
    return int(settings.MAILLAGE_IMPORT_MAX_BYTES)


def max_unzipped_bytes() -> int:
    return int(settings.MAILLAGE_IMPORT_MAX_UNZIPPED_BYTES)


def too_large_error() -> MaillageError:
    message = _("The file is too large: at most %(size)s can be uploaded.") % {"size": filesizeformat(max_bytes())}
    return MaillageError("file_too_large", message, [Problem("file_too_large", message, field="file")])


def request_too_large(content_length: Any) -> bool:
    """Whether a request's body is larger than any accepted upload (with room for the form's other fields),
    so that it can be refused before it is read."""
    try:
        length = int(content_length or 0)
    except (TypeError, ValueError):
        return False
    return length > max_bytes() + 64 * 1024


def _problem(code: str, message: str, field: str = "file") -> MaillageError:
    return MaillageError(code, message, [Problem(code, message, field=field)])


# --- storing an upload -------------------------------------------------------------------------------------


def uploads_root() -> Path:
    return Path(settings.MEDIA_ROOT) / UPLOADS


def stored_file(run: ImportRun) -> Path | None:
    """The run's upload on disk, or None once it is deleted."""
    if not run.stored_path:
        return None
    path = Path(settings.MEDIA_ROOT) / run.stored_path
    root = uploads_root().resolve()
    if root not in path.resolve().parents or not path.is_file():
        return None
    return path


def _folder(run: ImportRun) -> Path | None:
    if not run.stored_path:
        return None
    folder = (Path(settings.MEDIA_ROOT) / run.stored_path).parent
    return folder if folder.resolve().parent == uploads_root().resolve() else None


def file_delete(run: ImportRun, reason: str = "") -> None:
    """Delete the run's upload (and whatever the worker unpacked next to it); the run says it is gone."""
    folder = _folder(run)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)
    fields: dict[str, Any] = {"stored_path": ""}
    if reason:
        fields["error"] = reason
    ImportRun.objects.filter(pk=run.pk).update(**fields)
    run.stored_path = ""
    if reason:
        run.error = reason


def _store(upload: UploadedFile, name: str) -> tuple[Path, str]:
    """Write the upload under MEDIA_ROOT/imports/<random>/; its path, and the same relative to MEDIA_ROOT."""
    suffix = Path(name).suffix.lower()
    folder = uploads_root() / secrets.token_hex(16)
    folder.mkdir(parents=True, exist_ok=False)
    path = folder / ("upload" + (suffix if suffix in SUFFIXES else ""))
    size = 0
    with path.open("wb") as out:
        for chunk in upload.chunks():
            size += len(chunk)
            if size > max_bytes():  # the size an upload declares is checked first; this is what it holds
                out.close()
                shutil.rmtree(folder, ignore_errors=True)
                raise too_large_error()
            out.write(chunk)
    return path, path.relative_to(Path(settings.MEDIA_ROOT)).as_posix()


# --- zip archives ------------------------------------------------------------------------------------------


def _is_link(info: zipfile.ZipInfo) -> bool:
    return (info.external_attr >> 16) & 0o170000 == 0o120000


def _skipped(path: PurePosixPath) -> bool:
    """Members a zip tool adds on its own (macOS's resource forks and Finder files)."""
    return path.parts[0] == "__MACOSX" or path.name == ".DS_Store"


def zip_members(path: Path) -> list[tuple[zipfile.ZipInfo, PurePosixPath]]:
    """The files of a zip archive to unpack, each with its safe relative path; raises ``MaillageError``
    (``zip_invalid``, ``zip_unsafe``, ``zip_too_large``) naming what is wrong."""
    if not zipfile.is_zipfile(path):
        raise _problem("zip_invalid", _("This file is not a zip archive: zip the folder of the data package."))
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise _problem("zip_invalid", _("This zip archive cannot be read: %(error)s") % {"error": error}) from None
    if len(infos) > ZIP_MAX_MEMBERS:
        raise _problem(
            "zip_unsafe",
            _("This zip archive holds %(count)d entries: a data package holds a few files (at most %(max)d).")
            % {"count": len(infos), "max": ZIP_MAX_MEMBERS},
        )
    members: list[tuple[zipfile.ZipInfo, PurePosixPath]] = []
    total = 0
    for info in infos:
        safe = member_path(info.filename)
        if safe is None:
            raise _problem(
                "zip_unsafe",
                _("This zip archive holds a path that leads out of its folder (%(name)s): it is refused.")
                % {"name": info.filename[:200]},
            )
        if _is_link(info):
            raise _problem(
                "zip_unsafe",
                _("This zip archive holds a symbolic link (%(name)s): it is refused.") % {"name": info.filename[:200]},
            )
        if info.flag_bits & 0x1:
            raise _problem(
                "zip_unsafe",
                _("This zip archive is protected by a password (%(name)s): zip the folder without one.")
                % {"name": info.filename[:200]},
            )
        if info.is_dir() or _skipped(safe):
            continue
        total += info.file_size
        if total > max_unzipped_bytes():
            raise _problem(
                "zip_too_large",
                _("Unpacked, this zip archive would take more than %(size)s: it is refused.")
                % {"size": filesizeformat(max_unzipped_bytes())},
            )
        members.append((info, safe))
    if not any(member.name == "datapackage.json" for _info, member in members):
        raise _problem(
            "datapackage_missing",
            _("This zip archive holds no datapackage.json: zip the folder of HSDS's tabular data package."),
        )
    return members


def zip_extract(path: Path, into: Path) -> Path:
    """Unpack a checked zip archive into ``into`` (bytes counted as they are written, whatever the archive
    declares); the folder that holds ``datapackage.json``."""
    members = zip_members(path)
    written = 0
    root = into.resolve()
    with zipfile.ZipFile(path) as archive:
        for info, member in members:
            target = (root / member).resolve()
            if root not in target.parents:
                raise _problem("zip_unsafe", _("This zip archive holds a path that leads out of its folder."))
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(info) as source, target.open("wb") as out:
                while chunk := source.read(1 << 20):
                    written += len(chunk)
                    if written > max_unzipped_bytes():
                        raise _problem(
                            "zip_too_large",
                            _("Unpacked, this zip archive would take more than %(size)s: it is refused.")
                            % {"size": filesizeformat(max_unzipped_bytes())},
                        )
                    out.write(chunk)
    packages = sorted(
        (member for _info, member in members if member.name == "datapackage.json"), key=lambda m: len(m.parts)
    )
    return root / packages[0].parent


@contextmanager
def readable(run: ImportRun, path: Path) -> Iterator[Path]:
    """What the importer reads: the upload itself, or for a zip archive the folder it unpacks to (deleted
    afterwards)."""
    if run.standard == Standard.HSDS and zipfile.is_zipfile(path):
        with tempfile.TemporaryDirectory(dir=path.parent, prefix="unzipped-") as folder:
            yield zip_extract(path, Path(folder))
    else:
        yield path


# --- starting, confirming and abandoning -------------------------------------------------------------------


def _check_perm(user: Any) -> None:
    if user is not None and not user.has_perm("interop.import_data"):
        raise PermissionDenied


def import_start(
    *,
    user: Any,
    format: str,
    upload: UploadedFile | None,
    source_label: str,
    demo: bool = False,
    dry_run: bool = True,
    language: str = "fr",
) -> ImportRun:
    """Store an upload and queue its dry run (or, with ``dry_run=False``, its import at once)."""
    _check_perm(user)
    runs_clean()
    chosen = FORMATS.get(format)
    problems: list[Problem] = []
    if chosen is None:
        message = _("Unknown format '%(value)s': expected one of %(formats)s.") % {
            "value": str(format)[:50],
            "formats": ", ".join(FORMATS),
        }
        raise MaillageError("standard_unknown", message, [Problem("standard_unknown", message, field="standard")])
    source_label = (source_label or "").strip()
    if not source_label:
        problems.append(
            Problem("source_missing", _("Say where these data come from (a publisher, a file, a date)."), "source")
        )
    elif len(source_label) > 200:
        problems.append(Problem("source_too_long", _("Keep the source under 200 characters."), "source"))
    if upload is None:
        problems.append(Problem("file_missing", _("Choose a file to upload."), "file"))
    elif upload.size is not None and upload.size > max_bytes():
        raise too_large_error()
    elif upload.size == 0:
        problems.append(Problem("file_empty", _("This file is empty."), "file"))
    if problems:
        raise MaillageError(problems[0].code, _("Some information is missing or not valid."), problems)
    assert upload is not None
    printable = "".join(ch for ch in (upload.name or "") if ch.isprintable())  # no NUL, which PostgreSQL refuses
    name = Path(printable).name[:255] or "upload"
    path, relative = _store(upload, name)
    try:
        if chosen.zipped or (chosen.standard == Standard.HSDS and zipfile.is_zipfile(path)):
            zip_members(path)
        elif zipfile.is_zipfile(path):
            raise _problem(
                "file_type_invalid",
                _(
                    "This file is a zip archive or a spreadsheet (.xlsx, .ods): save a spreadsheet as “CSV UTF-8” "
                    "(or JSON); only HSDS's tabular data package is uploaded as a zip."
                ),
            )
        with transaction.atomic():
            run = ImportRun.objects.create(
                standard=chosen.standard,
                file_name=name,
                stored_path=relative,
                source_label=source_label,
                language=language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE,
                dry_run=dry_run,
                created_by=user if getattr(user, "is_authenticated", False) else None,
                demo=demo,
            )
            _enqueue(run)
    except BaseException:
        shutil.rmtree(path.parent, ignore_errors=True)
        raise
    log.info("import %s queued: %s (%s, dry run %s)", run.pk, name, chosen.code, dry_run)
    return run


def _enqueue(run: ImportRun) -> None:
    from .tasks import run_import

    run.task_id = str(run_import.enqueue(run.pk).id)
    run.save(update_fields=["task_id"])


def has_changes(run: ImportRun) -> bool:
    """Whether the run's report creates or updates anything (a file the directory already holds has nothing to
    import)."""
    counts = (run.report or {}).get("counts") or {}
    return any(actions.get("created") or actions.get("updated") for actions in counts.values())


def demo_of(run: ImportRun) -> bool:
    """Whether the run imports fictional demo records (said when it was uploaded)."""
    return run.demo


def import_confirm(*, user: Any, run: ImportRun) -> ImportRun:
    """Queue the real import of a run whose dry run was clean (all or nothing, like the dry run said)."""
    _check_perm(user)
    runs_clean()
    run.refresh_from_db()
    if run.status != ImportRun.Status.CHECKED or not run.dry_run:
        raise MaillageError(
            "import_not_checked",
            _("Only a file whose dry run found no problem can be imported (this import is %(status)s).")
            % {"status": run.get_status_display()},
        )
    if not has_changes(run):
        raise MaillageError(
            "import_empty", _("Nothing to import: the directory already holds every row of this file as it is.")
        )
    if stored_file(run) is None:
        raise MaillageError(
            "import_expired",
            _("The file of this dry run was deleted (after a day, or abandoned): upload it again."),
        )
    with transaction.atomic():
        claimed = ImportRun.objects.filter(pk=run.pk, status=ImportRun.Status.CHECKED, dry_run=True).update(
            status=ImportRun.Status.QUEUED, dry_run=False, rows_read=0, heartbeat_at=None, finished_at=None, error=""
        )
        if not claimed:
            raise MaillageError("import_not_checked", _("This import has already been started."))
        run.refresh_from_db()
        _enqueue(run)
    return run


def import_abandon(*, user: Any, run: ImportRun) -> ImportRun:
    """Leave a checked run unimported: its file is deleted now."""
    _check_perm(user)
    run.refresh_from_db()
    if run.status != ImportRun.Status.CHECKED or not run.dry_run:
        raise MaillageError(
            "import_not_checked",
            _("Only a checked file that was not imported can be abandoned (this import is %(status)s).")
            % {"status": run.get_status_display()},
        )
    file_delete(run, ABANDONED)
    return run


# --- the worker's part ---------------------------------------------------------------------------------------


def rows_read(run: ImportRun) -> int:
    """How many rows the worker has read so far (it writes them next to the upload while it reads)."""
    folder = _folder(run)
    if run.is_active and folder is not None:
        try:
            return max(run.rows_read, int((folder / PROGRESS_FILE).read_text().strip() or 0))
        except (OSError, ValueError):
            pass
    return run.rows_read


def _last_sign_of_life(run: ImportRun) -> Any:
    moments = [m for m in (run.heartbeat_at, run.created_at) if m is not None]
    folder = _folder(run)
    if folder is not None:
        try:
            mtime = (folder / PROGRESS_FILE).stat().st_mtime
            moments.append(datetime.fromtimestamp(mtime, tz=UTC))
        except OSError:
            pass
    return max(moments)


def _progress_writer(run: ImportRun) -> Any:
    folder = _folder(run)

    def progress(rows: int) -> None:
        if folder is None:
            return
        try:
            partial = folder / (PROGRESS_FILE + ".new")
            partial.write_text(str(rows))
            partial.replace(folder / PROGRESS_FILE)
        except OSError:  # the page shows less progress; the import goes on
            log.warning("import %s: progress not written", run.pk, exc_info=True)

    return progress


class RunLost(Exception):
    """The run was marked lost (its worker silent too long) while it still ran."""


def run_execute(run_id: int) -> ImportRun | None:
    """The task: the dry run or the import of one run, its report and status stored together."""
    try:
        runs_recover()
    except Exception:  # recovering others' runs must not keep this one from running
        log.warning("Recovering lost imports failed", exc_info=True)
    now = timezone.now()
    claimed = ImportRun.objects.filter(pk=run_id, status=ImportRun.Status.QUEUED).update(
        status=ImportRun.Status.RUNNING, heartbeat_at=now
    )
    if not claimed:
        return None  # already run, recovered as lost, or deleted
    run = ImportRun.objects.get(pk=run_id)
    demo = run.demo
    path = stored_file(run)
    with translation.override(run.language):
        try:
            if path is None:
                raise MaillageError("import_expired", _("The uploaded file is no longer there: upload it again."))
            # A real import and its status are written together; a dry run writes nothing and holds no
            # transaction (on SQLite, it would hold the write lock while the file is read).
            with transaction.atomic() if not run.dry_run else nullcontext():
                with readable(run, path) as source:
                    report = imports.import_file(
                        run.standard,
                        source,
                        source_label=run.source_label,
                        name=run.file_name,
                        demo=demo,
                        dry_run=run.dry_run,
                        run=run,
                        progress=_progress_writer(run),
                    )
                if run.dry_run:
                    status = ImportRun.Status.CHECKED if report.ok else ImportRun.Status.REJECTED
                else:
                    status = ImportRun.Status.IMPORTED if report.ok and report.written else ImportRun.Status.REJECTED
                stored = ImportRun.objects.filter(pk=run_id, status=ImportRun.Status.RUNNING).update(
                    status=status,
                    rows_read=report.rows_read,
                    report=report.as_dict(),
                    finished_at=timezone.now(),
                    heartbeat_at=timezone.now(),
                )
                if not stored:  # marked lost meanwhile, and its page says nothing was written: so be it
                    raise RunLost(run_id)
        except RunLost:
            log.warning("import %s was marked lost while it ran: its work is undone", run_id)
            ImportRun.objects.filter(pk=run_id, status=ImportRun.Status.RUNNING).update(
                status=ImportRun.Status.FAILED, error="worker_lost", finished_at=timezone.now()
            )
        except MaillageError as error:  # a zip archive that turned out unsafe, a file gone
            report = imports.Report(standard=run.standard, file=run.file_name, dry_run=run.dry_run)
            for problem in error.problems or [Problem(error.code, error.message, file=run.file_name)]:
                report.problem(problem)
            ImportRun.objects.filter(pk=run_id).update(
                status=ImportRun.Status.REJECTED,
                report=report.as_dict(),
                finished_at=timezone.now(),
            )
        except Exception as error:  # stored for the page; the traceback goes to the log
            log.exception("import %s failed", run_id)
            ImportRun.objects.filter(pk=run_id).update(
                status=ImportRun.Status.FAILED, error=str(error)[:2000], finished_at=timezone.now()
            )
    run.refresh_from_db()
    if run.status != ImportRun.Status.CHECKED:  # imported, rejected or failed: the file has served
        file_delete(run)
    else:
        folder = _folder(run)
        if folder is not None:
            (folder / PROGRESS_FILE).unlink(missing_ok=True)
    return run


def runs_recover(now: Any = None) -> int:
    """Mark failed the runs whose worker is gone (nothing of them was written: an import is one
    transaction): running without progress for :data:`STALE_SECONDS`, or queued while their task no longer
    waits. Their files are deleted, and a task record left running says failed too. Returns how many."""

    now = now or timezone.now()
    lost: list[ImportRun] = []
    for run in ImportRun.objects.filter(status=ImportRun.Status.RUNNING):
        if _last_sign_of_life(run) < now - timedelta(seconds=STALE_SECONDS):
            lost.append(run)
    queued = list(ImportRun.objects.filter(status=ImportRun.Status.QUEUED, created_at__lt=now - timedelta(seconds=5)))
    if queued:
        waiting = tasks_waiting(r.task_id for r in queued)
        lost += [run for run in queued if run.task_id and run.task_id not in waiting]
    count = 0
    for run in lost:
        if ImportRun.objects.filter(pk=run.pk, status=run.status).update(
            status=ImportRun.Status.FAILED, finished_at=now, error=WORKER_LOST
        ):
            count += 1
            file_delete(run)
            if run.status == ImportRun.Status.RUNNING:  # its task record was left running by the lost worker
                tasks_mark_failed(run.task_id, now, "RUNNING")
    return count


def runs_clean(now: Any = None) -> int:
    """Delete the files of the checked runs not imported within :data:`KEEP_CHECKED` (they can be uploaded
    again). Called whenever an import starts or the open data page is shown. Returns how many."""
    now = now or timezone.now()
    expired = ImportRun.objects.filter(
        status=ImportRun.Status.CHECKED, dry_run=True, finished_at__lt=now - KEEP_CHECKED
    ).exclude(stored_path="")
    count = 0
    for run in expired:
        file_delete(run, EXPIRED)
        count += 1
    return count
