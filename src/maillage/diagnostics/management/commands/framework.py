from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from maillage.core.errors import MaillageError
from maillage.diagnostics import selectors, services


class Command(BaseCommand):
    help = (
        "The success-conditions framework: validate a file, publish it as a new version, "
        "list the published versions, or export one (YAML as published, or JSON)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        validate = sub.add_parser("validate", help="Check a framework file and list every problem.")
        validate.add_argument("file", type=Path)
        publish = sub.add_parser("publish", help="Publish a framework file as a new version.")
        publish.add_argument("file", type=Path)
        publish.add_argument("--note", default="", help="What changed, for the people who read the framework.")
        sub.add_parser("list", help="List the published versions (the current one is marked *).")
        export = sub.add_parser("export", help="Write a published version to standard output or a file.")
        export.add_argument("--id", default="", help="Framework id (default: the current framework's).")
        export.add_argument("--version", dest="framework_version", default="", help="Version (default: current).")
        export.add_argument("--format", choices=("yaml", "json"), default="yaml")
        export.add_argument("--output", "-o", type=Path, help="File to write (default: standard output).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except MaillageError as exc:
            raise CommandError(str(exc)) from None

    def _read(self, path: Path) -> str:
        try:
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from None

    def _validate(self, options: dict[str, Any]) -> None:
        path = options["file"]
        framework = services.framework_validate(content=self._read(path), name=path.name)
        self.stdout.write(
            self.style.SUCCESS(
                f"{path.name} is valid: {framework.id} {framework.version}, {len(framework.levels)} levels, "
                f"{len(framework.elements)} elements, {len(framework.question_keys())} questions."
            )
        )

    def _publish(self, options: dict[str, Any]) -> None:
        path = options["file"]
        framework = services.framework_publish(
            user=None, content=self._read(path), name=path.name, note=options["note"]
        )
        self.stdout.write(
            self.style.SUCCESS(f"Published {framework.slug} {framework.version}: new diagnostics use it.")
        )

    def _list(self, options: dict[str, Any]) -> None:
        current = selectors.current_framework()
        for framework in selectors.framework_versions():
            mark = "*" if current and framework.pk == current.pk else " "
            self.stdout.write(
                f"{mark} {framework.slug} {framework.version}  valid from {framework.valid_from}  "
                f"published {framework.published_at:%Y-%m-%d}"
            )

    def _export(self, options: dict[str, Any]) -> None:
        if options["id"] or options["framework_version"]:
            current = selectors.current_framework()
            framework = selectors.framework_get(
                options["id"] or (current.slug if current else ""), options["framework_version"] or ""
            )
        else:
            found = selectors.current_framework()
            if found is None:
                raise CommandError("No framework is published yet: maillage framework publish FILE.")
            framework = found
        if options["format"] == "json":
            text = json.dumps(selectors.framework_of(framework).as_dict(), ensure_ascii=False, indent=2) + "\n"
        else:
            text = framework.source_text
        if options["output"]:
            options["output"].write_text(text, encoding="utf-8")
        else:
            sys.stdout.write(text)
