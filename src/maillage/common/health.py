"""What the health endpoint checks: the database answers, and a background worker is alive.

A worker is alive when it wrote its heartbeat within ``WORKER_SILENCE`` (it writes every
``HEARTBEAT_SECONDS``). Allocation runs, imports and network analyses wait in the queue without one, so a
missing worker is a failure, not a detail.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

from django.db import DatabaseError, connection, connections
from django.utils import timezone

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 10.0
WORKER_SILENCE = timedelta(seconds=60)


@dataclass(frozen=True)
class Health:
    database: str  # "ok" or "unreachable"
    database_ms: float | None
    worker: str  # "ok", "missing" or "unknown" (the database is unreachable)
    workers_alive: int
    tasks_waiting: int
    oldest_waiting_seconds: float | None
    replica: str = "none"  # "ok", "unreachable", or "none" when no replica is configured

    @property
    def ok(self) -> bool:
        return self.database == "ok" and self.worker == "ok" and self.replica != "unreachable"

    def as_dict(self) -> dict[str, Any]:
        return {"status": "ok" if self.ok else "failing", **asdict(self)}


def check() -> Health:
    from django_tasks_db.models import DBTaskResult

    from maillage.common.models import WorkerHeartbeat

    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        database_ms = round((time.perf_counter() - started) * 1000, 1)
        now = timezone.now()
        alive = WorkerHeartbeat.objects.filter(seen_at__gte=now - WORKER_SILENCE).count()
        waiting = DBTaskResult.objects.filter(status="READY")
        count = waiting.count()
        oldest = waiting.order_by("enqueued_at").values_list("enqueued_at", flat=True).first()
    except DatabaseError:
        logger.exception("Health check: the database does not answer")
        return Health("unreachable", None, "unknown", 0, 0, None)
    return Health(
        replica=_replica(),
        database="ok",
        database_ms=database_ms,
        worker="ok" if alive else "missing",
        workers_alive=alive,
        tasks_waiting=count,
        oldest_waiting_seconds=round((now - oldest).total_seconds(), 1) if oldest else None,
    )


def _replica() -> str:
    from maillage.common import replica

    if not replica.configured():
        return "none"
    try:
        with connections[replica.REPLICA].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.exception("Health check: the replica does not answer")
        return "unreachable"
    return "ok"


class Heartbeat(threading.Thread):
    """Writes a worker's heartbeat every ``HEARTBEAT_SECONDS`` on its own database connection."""

    def __init__(self, worker_id: str, interval: float = HEARTBEAT_SECONDS) -> None:
        super().__init__(daemon=True, name=f"heartbeat-{worker_id}")
        self.worker_id = worker_id
        self.interval = interval
        self.stopped = threading.Event()
        self.started_at = timezone.now()

    def beat(self) -> None:
        from maillage.common.models import WorkerHeartbeat

        WorkerHeartbeat.objects.update_or_create(
            worker_id=self.worker_id,
            defaults={
                "hostname": socket.gethostname()[:255],
                "pid": os.getpid(),
                "started_at": self.started_at,
                "seen_at": timezone.now(),
            },
        )

    def run(self) -> None:
        try:
            while True:
                try:
                    self.beat()
                except Exception:  # a locked or restarting database now and then must not stop the heartbeat
                    logger.warning("Worker %s: heartbeat not written", self.worker_id, exc_info=True)
                    connections.close_all()
                if self.stopped.wait(self.interval):
                    break
        finally:
            connections.close_all()

    def stop(self) -> None:
        from maillage.common.models import WorkerHeartbeat

        self.stopped.set()
        if self.is_alive():
            self.join(self.interval + 5)
        try:
            WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()
        except DatabaseError:
            logger.warning("Worker %s: heartbeat not removed", self.worker_id, exc_info=True)
