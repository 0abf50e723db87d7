"""``maillage db_worker``: django-tasks' database worker, which also writes a heartbeat.

The health endpoint (``/healthz``) reads the heartbeat to tell whether a worker is alive. The command
takes every option of django-tasks-db's own (``--queue-name``, ``--interval``, ``--worker-id``…).

When the database does not answer (a restart, a failover), the worker waits and polls again instead of
exiting: django-tasks-db's loop lets the connection error out, which would leave the queue without a worker
until someone restarted it (``tests/test_faults.py`` restarts PostgreSQL under a running worker).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.db import InterfaceError, OperationalError, connections
from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand

from maillage.common.health import Heartbeat

logger = logging.getLogger(__name__)

RETRY_SECONDS = 2.0  # how long a worker waits before polling again a database that did not answer


class Command(DatabaseWorkerCommand):
    help = "Run the background worker (allocation runs, imports, network analyses), with a heartbeat."

    def handle(self, *args: Any, **options: Any) -> None:
        heartbeat = Heartbeat(options["worker_id"])
        heartbeat.start()
        try:
            while True:
                try:
                    super().handle(*args, **options)
                    return
                except (OperationalError, InterfaceError) as error:
                    # The database went away (django-tasks-db only forgives a locked SQLite file). A task it
                    # interrupted is one transaction, undone; its run is marked failed by the runs' own
                    # recovery. Drop the broken connection and poll again once the database is back. A
                    # batch worker (``--batch``) has nothing to wait for: it fails.
                    if options.get("batch"):
                        raise
                    logger.warning(
                        "Worker %s: the database does not answer (%s); polling again in %.0f s",
                        options["worker_id"],
                        str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__,
                        RETRY_SECONDS,
                    )
                    connections.close_all()
                    time.sleep(RETRY_SECONDS)
        finally:
            heartbeat.stop()
