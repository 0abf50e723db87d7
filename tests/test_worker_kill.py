"""A real worker process killed mid-run (SIGKILL) leaves the run marked failed, never half-written.

Runs the commands as an operator would, on their own SQLite file: `maillage migrate`, `maillage demo`,
`maillage db_worker`. Once, on the SQLite pass (it does not use the test database).
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid

import pytest

pytestmark = pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="once, on the SQLite pass")

SETUP = """
from maillage.scenarios import services
from maillage.scenarios.models import Scenario
scenario = Scenario.objects.filter(slug="long").first() or services.scenario_create(
    user=None, organisation=None, title="long", equity_share=0.5, time_limit=30)
scenario.time_limit = {limit}
scenario.save()
print(services.run_enqueue(user=None, scenario=scenario).pk)
"""

RECOVER = """
from datetime import timedelta
from django.utils import timezone
from maillage.scenarios import services
print(services.runs_recover(timezone.now() + timedelta(seconds=services.STALE_SECONDS + 1)))
"""


def _maillage(env, *args, timeout=120):
    done = subprocess.run(
        [sys.executable, "-m", "maillage.cli", *args], env=env, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def _run(database, pk):
    with sqlite3.connect(database) as db:
        return db.execute(
            "select status, result is null, instance is null, summary, error, task_id from scenarios_run where id = ?",
            (pk,),
        ).fetchone()


def test_killing_the_worker_mid_run_leaves_the_run_failed_and_nothing_half_written(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env |= {"MAILLAGE_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "maillage.config.settings.dev"}
    database = tmp_path / "maillage.sqlite3"
    _maillage(env, "migrate", "-v0")
    _maillage(env, "demo", "--organisations", "80", "--no-scenarios")
    pk = int(_maillage(env, "shell", "-c", SETUP.format(limit=30)).splitlines()[-1])

    worker = subprocess.Popen(
        [sys.executable, "-m", "maillage.cli", "db_worker", "--no-reload", "--interval", "0.1", "--no-startup-delay"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while _run(database, pk)[0] != "running":
            assert time.monotonic() < deadline, "the worker never started the run"
            time.sleep(0.02)
        time.sleep(0.1)  # building the instance takes longer: the run is under way
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)

    status, no_result, no_instance, summary, _error, task_id = _run(database, pk)
    assert (status, no_result, no_instance, json.loads(summary)) == ("running", 1, 1, {})
    assert _maillage(env, "shell", "-c", RECOVER).splitlines()[-1] == "1"
    status, no_result, no_instance, _summary, error, _task = _run(database, pk)
    assert (status, no_result, no_instance) == ("failed", 1, 1)
    assert json.loads(error)["code"] == "worker_lost"
    with sqlite3.connect(database) as db:
        assert db.execute(
            "select status from django_tasks_database_dbtaskresult where id = ?", (uuid.UUID(task_id).hex,)
        ).fetchone() == ("FAILED",)

    # It can simply be run again.
    again = int(_maillage(env, "shell", "-c", SETUP.format(limit=3)).splitlines()[-1])
    _maillage(env, "db_worker", "--batch", "--no-reload", "--no-startup-delay", "-v", "0")
    status, no_result, no_instance, summary, _error, _task = _run(database, again)
    assert (status, no_result, no_instance) == ("succeeded", 0, 0)
    assert json.loads(summary)["objective"] > 0
