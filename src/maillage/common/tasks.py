"""Helpers for the background tasks (django-tasks, database backend)."""

from __future__ import annotations

from collections.abc import Iterable


def waiting(task_ids: Iterable[str]) -> set[str]:
    """The tasks among ``task_ids`` that a worker will still run (ready) or is running."""
    from django_tasks_db.models import DBTaskResult

    ids = [task_id for task_id in task_ids if task_id]
    if not ids:
        return set()
    found = DBTaskResult.objects.filter(id__in=ids, status__in=["READY", "RUNNING"]).values_list("id", flat=True)
    return {str(pk) for pk in found}
