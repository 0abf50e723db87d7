"""Reads of the heavy, read-only pages from a PostgreSQL replica, when one is configured.

Set ``DATABASE_REPLICA_URL`` to a streaming replica of the primary: the pages decorated with
:func:`reads_from_replica` (the analytics dashboards) then read from it, and everything else — every write,
and every page that must show what was just saved — stays on the primary. Without the variable, nothing
changes. A replica lags its primary by a fraction of a second; the analytics never show what someone has
just typed, so they can afford it.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from functools import wraps
from typing import Any

from django.conf import settings

REPLICA = "replica"

_reading = ContextVar("maillage_replica_reads", default=False)


def configured() -> bool:
    return REPLICA in settings.DATABASES


def reads_from_replica(view: Callable[..., Any]) -> Callable[..., Any]:
    """Run a view's reads on the replica. Only for views that write nothing and render before returning
    (a streamed response would read after the view has returned, from the primary)."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not configured():
            return view(*args, **kwargs)
        token = _reading.set(True)
        try:
            return view(*args, **kwargs)
        finally:
            _reading.reset(token)

    return wrapped


class ReplicaRouter:
    """Reads go to the replica inside :func:`reads_from_replica`; writes and migrations to the primary."""

    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        return REPLICA if _reading.get() and configured() else None

    def db_for_write(self, model: Any, **hints: Any) -> str | None:
        return None

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # the same data on both

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        return db != REPLICA  # a replica follows its primary's schema
