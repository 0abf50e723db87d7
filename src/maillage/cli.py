"""The ``maillage`` command: every management command of the project and of Django.

``maillage demo``, ``maillage serve``, ``maillage migrate``, ``maillage createsuperuser``…
Settings default to the embedded development profile; set DJANGO_SETTINGS_MODULE to
``maillage.config.settings.prod`` in production.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "maillage.config.settings.dev")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv if argv is None else argv)
    argv[0] = "maillage"
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
