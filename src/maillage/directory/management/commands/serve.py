from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Serve Maillage on 127.0.0.1:8000 (the embedded default): static files included, no reloader."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("address", nargs="?", default="127.0.0.1:8000", help="host:port to listen on.")
        parser.add_argument("--reload", action="store_true", help="Restart when the code changes (development).")

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("runserver", options["address"], use_reloader=options["reload"], use_threading=True)
