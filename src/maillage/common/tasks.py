"""Helpers for the background tasks (django-tasks, database backend)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def waiting(task_ids: Iterable[str]) -> set[str]:
    """The tasks among ``task_ids`` that a worker will still run (ready) or is running."""
    from django_tasks_db.models import DBTaskResult

    ids = [task_id for task_id in task_ids if task_id]
    if not ids:
        return set()
    found = DBTaskResult.objects.filter(id__in=ids, status__in=["READY", "RUNNING"]).values_list("id", flat=True)
    return {str(pk) for pk in found}


def mark_failed(task_id: str, now: Any, status: str) -> None:
    """The task record of a lost or cancelled run says so too (a lost worker cannot): ``status`` is the state
    it was left in (``RUNNING`` by a lost worker, ``READY`` when cancelled before it started)."""
    from django_tasks_db.models import DBTaskResult

    if task_id:
        DBTaskResult.objects.filter(id=task_id, status=status).update(status="FAILED", finished_at=now)
