"""Writes of the scenarios app: scenarios, their runs in the background, and invitations to apply.

A run's results are written in one transaction together with its status: a worker killed mid-run
leaves the run running with an old heartbeat, which :func:`runs_recover` marks failed (nothing was
written), and the scenario can be run again.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from maillage.common.tasks import mark_failed as tasks_mark_failed
from maillage.common.tasks import waiting as tasks_waiting
from maillage.core.allocation import Instance, dump_instance, dump_result
from maillage.core.allocation.scenario import apply_scenario
from maillage.core.allocation.scenario import invalid as scenario_invalid
from maillage.core.allocation.solve import Progress, solve
from maillage.core.errors import MaillageError, Problem
from maillage.core.text import french_spaces
from maillage.directory.models import Initiative, Organisation, SupportOffer
from maillage.matching.allocation import ecosystem_instance
from maillage.matching.services import members_of, notify

from . import changes as changes_core
from .models import Invitation, Run, Scenario

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 1.0  # a running run says it is alive (and how far it got) this often
STALE_SECONDS = 45.0  # a running run silent for longer lost its worker


def own_offer_ids(organisation: Organisation | None) -> set[str] | None:
    """The offers a scenario may change: all (None) for the stewards', else the support actor's."""
    if organisation is None:
        return None
    return set(SupportOffer.objects.filter(providers=organisation).values_list("slug", flat=True))


def _unique_slug(title: str) -> str:
    base = slugify(title)[:60] or "scenario"
    slug, number = base, 2
    while Scenario.objects.filter(slug=slug).exists():
        slug, number = f"{base}-{number}", number + 1
    return slug


def _check_settings(title: str, equity_share: float | None, time_limit: int) -> None:
    problems = []
    if not title.strip():
        problems.append(Problem("required", _("Give the scenario a title."), field="title"))
    if equity_share is not None and not (math.isfinite(equity_share) and 0 < equity_share <= 1):
        problems.append(
            Problem("equity_share_invalid", _("The share is above 0 and at most 100 %."), field="equity_share")
        )
    if not 2 <= time_limit <= 120:
        problems.append(Problem("time_limit_invalid", _("From 2 to 120 seconds."), field="time_limit"))
    if problems:
        raise MaillageError("scenario_invalid", _("The scenario is not saved: correct what is shown."), problems)


@transaction.atomic
def scenario_create(
    *,
    user: Any,
    organisation: Organisation | None,
    title: str,
    description: str = "",
    equity_share: float | None = None,
    time_limit: int = 10,
    is_shared: bool = False,
    changes: Mapping[str, Any] | None = None,
    is_demo: bool = False,
) -> Scenario:
    if user is not None and not user.has_perm("scenarios.create_scenario_for", organisation):
        raise PermissionDenied
    _check_settings(title, equity_share, time_limit)
    return Scenario.objects.create(
        slug=_unique_slug(title),
        title=title.strip(),
        description=description,
        organisation=organisation,
        equity_share=equity_share,
        time_limit=time_limit,
        is_shared=is_shared,
        changes=dict(changes or changes_core.empty()),
        created_by=user,
        is_demo=is_demo,
    )


@transaction.atomic
def scenario_update(
    *,
    user: Any,
    scenario: Scenario,
    title: str,
    description: str,
    equity_share: float | None,
    time_limit: int,
    is_shared: bool,
) -> Scenario:
    if user is not None and not user.has_perm("scenarios.edit_scenario", scenario):
        raise PermissionDenied
    _check_settings(title, equity_share, time_limit)
    scenario.title, scenario.description = title.strip(), description
    scenario.equity_share, scenario.time_limit, scenario.is_shared = equity_share, time_limit, is_shared
    scenario.save()
    return scenario


def changes_set(*, user: Any, scenario: Scenario, changes: Any, instance: Instance | None = None) -> Scenario:
    """Replace the scenario's changes, checked against the ecosystem as it is; all or nothing.

    ``instance`` is the ecosystem the caller already built (``ecosystem_instance``); it is used when it
    lifts the same rules as the new changes, and built again otherwise."""
    if user is not None and not user.has_perm("scenarios.edit_scenario", scenario):
        raise PermissionDenied
    relax = {slug: sorted(kinds) for slug, kinds in changes_core.relax_of(changes).items() if kinds}
    if instance is None or instance.extra.get("relax", {}) != relax:
        instance = ecosystem_instance(relax)
    problems = changes_core.check(
        changes,
        instance,
        own_offers=own_offer_ids(scenario.organisation),
        tolerated=changes_core.references(scenario.changes),
    )
    if problems:
        raise scenario_invalid(problems)
    Scenario.objects.filter(pk=scenario.pk).update(changes=dict(changes), updated_at=timezone.now())
    scenario.refresh_from_db()
    return scenario


@transaction.atomic
def scenario_delete(*, user: Any, scenario: Scenario) -> None:
    if user is not None and not user.has_perm("scenarios.edit_scenario", scenario):
        raise PermissionDenied
    if scenario.runs.filter(status__in=[Run.Status.QUEUED, Run.Status.RUNNING]).exists():
        raise MaillageError("run_in_progress", _("A run of this scenario is in progress: wait for it to end."))
    scenario.delete()


# --- runs ------------------------------------------------------------------------------------------


def run_enqueue(*, user: Any, scenario: Scenario) -> Run:
    """Queue a run of the scenario for the background worker. The run and its task are written in one
    transaction: both or neither."""
    if user is not None and not user.has_perm("scenarios.run_scenario", scenario):
        raise PermissionDenied
    runs_recover()
    from .tasks import run_scenario

    with transaction.atomic():
        Scenario.objects.select_for_update().filter(pk=scenario.pk).first()
        if scenario.runs.filter(status__in=[Run.Status.QUEUED, Run.Status.RUNNING]).exists():
            raise MaillageError("run_in_progress", _("A run of this scenario is already in progress."))
        run = run_create(user=user, scenario=scenario)
        run.task_id = str(run_scenario.enqueue(run.pk).id)
        run.save(update_fields=["task_id"])
    return run


def run_cancel(*, user: Any, run: Run) -> None:
    """Take a run that waits for a worker out of the queue (a running one cannot be stopped)."""
    if user is not None and not user.has_perm("scenarios.run_scenario", run.scenario):
        raise PermissionDenied
    error = _error("cancelled", lambda: _("The run was cancelled before it started."))
    with transaction.atomic():
        if not Run.objects.filter(pk=run.pk, status=Run.Status.QUEUED).update(
            status=Run.Status.FAILED, finished_at=timezone.now(), error=error
        ):
            raise MaillageError("run_started", _("The run has already started: it ends within its time limit."))
        tasks_mark_failed(run.task_id, timezone.now(), "READY")
    run.refresh_from_db()


def run_create(*, user: Any, scenario: Scenario, time_limit: float | None = None) -> Run:
    """A queued run (the worker, or the command line, executes it)."""
    return Run.objects.create(
        scenario=scenario,
        created_by=user,
        time_limit=float(time_limit or scenario.time_limit),
    )


def _error(code: str, message: Callable[[], str], problems: Callable[[], Iterable[Problem]] = tuple) -> dict[str, Any]:
    """An error in both languages (the page shows the reader's); ``problems`` is called in each."""
    error: dict[str, Any] = {"code": code}
    for language in ("fr", "en"):
        with translation.override(language):
            error[language] = message()
            error[f"problems_{language}"] = [
                {"code": p.code, "message": p.message, "field": p.field} for p in problems()
            ]
    return error


def runs_recover(now: Any = None) -> int:
    """Mark failed every run whose worker is gone: running but silent for :data:`STALE_SECONDS`, or
    queued while its task is no longer waiting (it failed before the run started, or was lost). Nothing
    of such a run was written, so it can simply be run again. Returns how many."""

    now = now or timezone.now()
    lost = _error("worker_lost", lambda: _("The worker stopped during the run; nothing was saved. Run it again."))
    count = 0
    stale = Run.objects.filter(status=Run.Status.RUNNING, heartbeat_at__lt=now - timedelta(seconds=STALE_SECONDS))
    for run in stale:
        count += Run.objects.filter(pk=run.pk, status=Run.Status.RUNNING).update(
            status=Run.Status.FAILED, finished_at=now, error=lost
        )
        tasks_mark_failed(run.task_id, now, "RUNNING")
    queued = list(Run.objects.filter(status=Run.Status.QUEUED, queued_at__lt=now - timedelta(seconds=5)))
    if queued:
        waiting = tasks_waiting(r.task_id for r in queued)
        for run in queued:
            if run.task_id and run.task_id not in waiting:
                count += Run.objects.filter(pk=run.pk, status=Run.Status.QUEUED).update(
                    status=Run.Status.FAILED, finished_at=now, error=lost
                )
    return count


class _Heartbeat(threading.Thread):
    """Writes, every second, that the run is alive and how far the solver got: the solver's threads only
    hand their progress over (:meth:`report`), so that the database is written from this thread alone,
    even while the solver is busy in C++."""

    def __init__(self, run_id: int) -> None:
        super().__init__(daemon=True, name=f"run-{run_id}-heartbeat")
        self.run_id = run_id
        self.stopped = threading.Event()
        self.lock = threading.Lock()
        self.latest: dict[str, Any] | None = None

    def report(self, step: Progress) -> None:
        with self.lock:
            self.latest = {
                "phase": step.phase,
                "elapsed": round(step.elapsed, 1),
                "value": step.value,
                "bound": step.bound if math.isfinite(step.bound) else None,
            }

    def beat(self) -> None:
        """Write that the run is alive, with the latest progress handed over since the last beat."""
        with self.lock:
            latest, self.latest = self.latest, None
        fields: dict[str, Any] = {"heartbeat_at": timezone.now()}
        if latest is not None:
            fields["progress"] = latest
        try:
            Run.objects.filter(pk=self.run_id, status=Run.Status.RUNNING).update(**fields)
        except Exception:  # a locked database now and then must not stop the heartbeat
            logger.warning("Run %s: heartbeat not written", self.run_id, exc_info=True)
            with self.lock:
                self.latest = self.latest or latest
            # A connection broken by a database restart stays broken (Django reconnects only between
            # requests): drop it, so that the next beat opens a new one. Without this, the heartbeat fell
            # silent for good after a restart and the living run was marked lost (tests/test_faults.py).
            # (The heartbeat's thread is never in a transaction; a test calling beat() may be.)
            if not connection.in_atomic_block:
                connection.close()

    def run(self) -> None:
        try:
            while not self.stopped.wait(HEARTBEAT_SECONDS):
                self.beat()
        finally:
            connection.close()


def run_execute(
    run_id: int,
    *,
    on_progress: Callable[[Progress], None] | None = None,
    after_instance: Callable[[], None] | None = None,
) -> Run | None:
    """The task: build the scenario's instance, solve it, store the results with the status at once.

    ``on_progress`` also hears the solver (the command line prints it); ``after_instance`` is for tests
    (a worker killed there must leave nothing behind)."""
    try:
        runs_recover()
    except Exception:  # recovering others' runs must not keep this one from running
        logger.warning("Recovering lost runs failed", exc_info=True)
    now = timezone.now()
    claimed = Run.objects.filter(pk=run_id, status=Run.Status.QUEUED).update(
        status=Run.Status.RUNNING, started_at=now, heartbeat_at=now
    )
    if not claimed:
        return None  # already run, failed, cancelled or deleted
    run = Run.objects.select_related("scenario").get(pk=run_id)
    started = time.monotonic()
    heartbeat = _Heartbeat(run_id)
    heartbeat.start()
    try:
        scenario = run.scenario
        relax = changes_core.relax_of(scenario.changes)
        base = ecosystem_instance(relax)
        document, ignored = changes_core.resolve(scenario.changes, base)
        try:
            instance = apply_scenario(base, document)
        except MaillageError:

            def problems() -> list[Problem]:
                try:
                    apply_scenario(base, document)
                except MaillageError as exc:
                    return list(exc.problems)
                return []

            _fail(
                run,
                _error(
                    "scenario_invalid", lambda: _("The scenario no longer fits the ecosystem as it is now."), problems
                ),
            )
            return run
        if not instance.initiatives or not instance.offers:
            _fail(
                run,
                _error(
                    "nothing_to_allocate",
                    lambda: _(
                        "There is nothing to allocate: no initiative with a submitted diagnostic, or no offer "
                        "taking requests."
                    ),
                ),
            )
            return run
        if after_instance is not None:
            after_instance()

        def progress(step: Progress) -> None:
            heartbeat.report(step)
            if on_progress is not None:
                on_progress(step)

        solution = solve(
            instance,
            time_limit=run.time_limit,
            equity_share=scenario.equity_share,
            on_progress=progress,
            started=started,
        )
        result = solution.result
        summary = {
            "objective": result.objective,
            "upper_bound": result.upper_bound,
            "gap": result.gap,
            "greedy": solution.greedy_value,
            "method": solution.method,
            "initiatives": len(instance.initiatives),
            "offers": len(instance.offers),
            "assignments": len(result.assignments),
            "seconds": round(time.monotonic() - started, 2),
            "equity": solution.equity or None,
            "demo": bool(instance.extra.get("demo")),
            "ignored": ignored,
        }
        heartbeat.stopped.set()
        heartbeat.join()
        if not connection.in_atomic_block:
            # The solve may have lasted minutes, long enough for the database to restart: the connection
            # opened before it would then fail the result's write (the run failed although the database was
            # back). Drop it if it is broken or past its age, as Django does between requests.
            connection.close_if_unusable_or_obsolete()
        with transaction.atomic():
            Run.objects.filter(pk=run_id, status=Run.Status.RUNNING).update(
                status=Run.Status.SUCCEEDED,
                finished_at=timezone.now(),
                instance=dump_instance(instance),
                result=dump_result(result),
                summary=summary,
                progress={
                    "phase": "done",
                    "elapsed": summary["seconds"],
                    "value": result.objective,
                    "bound": result.upper_bound,
                },
            )
    except Exception:
        logger.exception("Run %s failed", run_id)
        _fail(run, _error("run_failed", lambda: _("The run failed unexpectedly; nothing was saved. Run it again.")))
        raise
    finally:
        heartbeat.stopped.set()
        heartbeat.join(10)  # its database connection is closed when it ends
    run.refresh_from_db()
    return run


def _fail(run: Run, error: dict[str, Any]) -> None:
    Run.objects.filter(pk=run.pk, status=Run.Status.RUNNING).update(
        status=Run.Status.FAILED, finished_at=timezone.now(), error=error
    )
    run.refresh_from_db()


# --- advice into action -------------------------------------------------------------------------------


@transaction.atomic
def invite(*, user: Any, run: Run, offer: SupportOffer, initiatives: Iterable[Initiative]) -> int:
    """Invite the advised initiatives to apply to the offer: a notification (and an e-mail) to each
    member of their carrying organisations. The provider learns nothing more about them by it."""
    if not user.has_perm("directory.edit_offer", offer):
        raise PermissionDenied
    with translation.override("fr"):  # stored in the default language, shown in each person's
        url = reverse("directory:offer", args=[offer.slug])
    count = 0
    for initiative in initiatives:
        _created, new = Invitation.objects.get_or_create(
            run=run, offer=offer, initiative=initiative, defaults={"created_by": user}
        )
        if not new:
            continue
        notify(
            members_of(c.organisation for c in initiative.carriers.all()),
            fr=french_spaces(
                f"{offer.name_fr} vous invite à déposer une demande pour « {initiative.name_fr} » : "
                "selon un scénario de répartition, cette offre répondrait bien à vos besoins. C'est un conseil, "
                "pas une décision : à vous de voir."
            ),
            en=f"{offer.name_en or offer.name_fr} invites you to apply for "
            f"“{initiative.name_en or initiative.name_fr}”: an allocation scenario finds that this offer "
            "would meet your needs well. It is advice, not a decision: it is up to you.",
            url=url,
        )
        count += 1
    return count
