"""Background tasks (django-tasks, database backend): a worker runs them, `maillage serve` starts one."""

from __future__ import annotations

from django_tasks import task

from . import services


@task()
def run_import(run_id: int) -> str:
    """The dry run or the import of one uploaded file (see :func:`maillage.interop.services.run_execute`)."""
    run = services.run_execute(run_id)
    return run.status if run is not None else "skipped"
