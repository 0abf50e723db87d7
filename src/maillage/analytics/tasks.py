"""Background tasks (django-tasks, database backend): a worker runs them, `maillage serve` starts one."""

from __future__ import annotations

from django_tasks import task

from . import services


@task()
def compute_network(run_id: int) -> str:
    run = services.network_execute(run_id)
    return run.status if run is not None else "skipped"
