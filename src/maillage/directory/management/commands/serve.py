from __future__ import annotations

import os
import signal
import subprocess
import sys
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = (
        "Serve Maillage on 127.0.0.1:8000 (the embedded default): static files included, no reloader, and a "
        "background worker for allocation runs (django-tasks, database backend) beside it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("address", nargs="?", default="127.0.0.1:8000", help="host:port to listen on.")
        parser.add_argument("--reload", action="store_true", help="Restart when the code changes (development).")
        parser.add_argument(
            "--no-worker", action="store_true", help="Do not start a worker (run `maillage db_worker` elsewhere)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        worker = None
        # With --reload, this runs again in each reloaded child (RUN_MAIN): the parent's worker is enough.
        if not options["no_worker"] and os.environ.get("RUN_MAIN") != "true":
            worker = subprocess.Popen(
                [sys.executable, "-m", "maillage.cli", "db_worker", "--no-reload", "--interval", "1", "-v", "0"]
            )
            self.stdout.write(f"Background worker started (process {worker.pid}).")
        # SIGTERM (a process manager, `kill`) ends the server like Ctrl-C does, so that the worker ends too.
        signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(0))
        try:
            call_command("runserver", options["address"], use_reloader=options["reload"], use_threading=True)
        finally:
            if worker is not None:
                worker.terminate()
                try:
                    worker.wait(10)
                except subprocess.TimeoutExpired:
                    worker.kill()
