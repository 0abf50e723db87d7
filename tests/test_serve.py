"""`maillage serve` starts a background worker beside the web server, and stops it when it stops."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="once, on the SQLite pass")


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _health(port: int) -> dict:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
            return json.load(response)
    except urllib.error.HTTPError as error:
        return json.load(error)
    except OSError:
        return {}


def test_serve_starts_a_worker_and_stops_it_on_sigterm(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    env |= {"MAILLAGE_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "maillage.config.settings.dev"}
    subprocess.run([sys.executable, "-m", "maillage.cli", "migrate", "-v0"], env=env, check=True, timeout=120)
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "maillage.cli", "serve", f"127.0.0.1:{port}"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while not (workers := _children(server.pid)):
            assert time.monotonic() < deadline, "no worker started"
            time.sleep(0.1)
        worker = workers[0]
        assert b"db_worker" in Path(f"/proc/{worker}/cmdline").read_bytes()
        # The health endpoint sees the database and the worker's heartbeat.
        deadline = time.monotonic() + 30
        while (health := _health(port)).get("worker") != "ok":
            assert time.monotonic() < deadline, health
            time.sleep(0.2)
        assert health["status"] == "ok"
        assert health["database"] == "ok"
        server.send_signal(signal.SIGTERM)
        server.wait(20)
        deadline = time.monotonic() + 20
        while Path(f"/proc/{worker}").exists() and b"db_worker" in Path(f"/proc/{worker}/cmdline").read_bytes():
            assert time.monotonic() < deadline, "the worker outlived the server"
            time.sleep(0.1)
        # A worker that stops cleanly removes its heartbeat.
        with sqlite3.connect(tmp_path / "maillage.sqlite3") as db:
            assert db.execute("SELECT count(*) FROM common_workerheartbeat").fetchone() == (0,)
    finally:
        if server.poll() is None:
            server.kill()
