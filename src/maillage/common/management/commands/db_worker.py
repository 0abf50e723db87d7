"""``maillage db_worker``: django-tasks' database worker, which also writes a heartbeat.

The health endpoint (``/healthz``) reads the heartbeat to tell whether a worker is alive. The command
takes every option of django-tasks-db's own (``--queue-name``, ``--interval``, ``--worker-id``…).
"""

from __future__ import annotations

from typing import Any

from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand

from maillage.common.health import Heartbeat


class Command(DatabaseWorkerCommand):
    help = "Run the background worker (allocation runs, imports, network analyses), with a heartbeat."

    def handle(self, *args: Any, **options: Any) -> None:
        heartbeat = Heartbeat(options["worker_id"])
        heartbeat.start()
        try:
            super().handle(*args, **options)
        finally:
            heartbeat.stop()
