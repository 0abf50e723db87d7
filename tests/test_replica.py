"""With DATABASE_REPLICA_URL, the analytics dashboards read from the replica, everything else from the
primary. Run in a separate process, whose settings name a replica (here the same SQLite file, as a
replica holds the same data); the rest of the suite runs without one."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="once, on the SQLite pass")

SCRIPT = """
import json
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from maillage.accounts.models import User

steward = User.objects.create_user(email="steward@example.org", password="x" * 12, is_steward=True)
client = Client()
client.force_login(steward)
found = {}
for path in ["/analytics/money/", "/analytics/needs/", "/", "/organisations/", "/analytics/network/"]:
    primary, replica = CaptureQueriesContext(connections["default"]), CaptureQueriesContext(connections["replica"])
    with primary, replica:
        status = client.get(path).status_code
    found[path] = [status, len(primary), len(replica)]
found["health"] = client.get("/healthz").json()
print(json.dumps(found))
"""


def test_the_analytics_read_from_the_replica_and_the_rest_from_the_primary(tmp_path):
    database = f"sqlite:///{tmp_path / 'maillage.sqlite3'}"
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env |= {
        "DJANGO_SETTINGS_MODULE": "maillage.config.settings.dev",
        "DATABASE_URL": database,
        "DATABASE_REPLICA_URL": database,
        "MAILLAGE_DATA_DIR": str(tmp_path),
        "MAILLAGE_ALLOWED_HOSTS": "testserver",
    }

    def maillage(*args):
        done = subprocess.run([sys.executable, "-m", "maillage.cli", *args], env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return done.stdout

    maillage("migrate", "-v0")
    maillage("reference", "-v0")
    found = json.loads(maillage("shell", "-c", SCRIPT).strip().splitlines()[-1])
    for path in ("/analytics/money/", "/analytics/needs/"):
        status, primary, replica = found[path]
        assert status == 200
        assert replica > 5, found  # the dashboard's own queries
        assert primary <= 3, found  # the session and the person, read before the view
    assert found["health"]["replica"] == "ok"
    for path in ("/", "/organisations/", "/analytics/network/"):  # not decorated: the network page may write
        status, _primary, replica = found[path]
        assert status == 200
        assert replica == 0, found
