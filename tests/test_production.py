"""The production setup of docs/deployment.md, run for real: production settings, `collectstatic`,
gunicorn and a worker, reached as nginx would reach it (HTTPS said by X-Forwarded-Proto, the client's
address in X-Real-IP). Once, on the SQLite pass: the same commands run on PostgreSQL in the load test
(`make bench`)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="once, on the SQLite pass")

BIN = Path(sys.executable).parent
HOST = "maillage.example.org"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(_NoRedirect)


def _get(port, path, **headers):
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        headers={"Host": HOST, "X-Forwarded-Proto": "https", "X-Real-IP": "198.51.100.4", **headers},
    )
    try:
        with OPENER.open(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_gunicorn_and_a_worker_with_the_production_settings(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    env |= {
        "DJANGO_SETTINGS_MODULE": "maillage.config.settings.prod",
        "MAILLAGE_SECRET_KEY": "a-long-random-production-secret-" + "x" * 30,
        "MAILLAGE_ALLOWED_HOSTS": HOST,
        "MAILLAGE_DATA_DIR": str(tmp_path),
        "MAILLAGE_CLIENT_IP_HEADER": "X-Real-IP",
        "MAILLAGE_DB_CONN_MAX_AGE": "60",
        "MAILLAGE_LOG_FORMAT": "json",
    }
    # The API documentation's and the admin's files (30 MB, half a minute of Brotli compression) are left
    # out here: the pages checked below do not use them.
    collect = ["collectstatic", "--noinput", "-v0", "-i", "ninja", "-i", "admin"]
    for command in (["migrate", "-v0"], collect):
        done = subprocess.run([BIN / "maillage", *command], env=env, capture_output=True, text=True, timeout=180)
        assert done.returncode == 0, done.stderr
    port = _free_port()
    log = tmp_path / "web.log"
    with log.open("w") as out:
        web = subprocess.Popen(
            [BIN / "gunicorn", "maillage.config.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", "2",
             "--threads", "2"],
            env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    worker = subprocess.Popen(
        [BIN / "maillage", "db_worker", "--no-reload", "--interval", "1"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, _headers, body = _get(port, "/healthz")
            except OSError:
                status, body = 0, b"{}"
            if status == 200:
                break
            assert time.monotonic() < deadline, body
            time.sleep(0.3)
        assert json.loads(body)["worker"] == "ok"

        # Plain HTTP is sent to HTTPS; over HTTPS the page has its security headers.
        status, headers, _body = _get(port, "/", **{"X-Forwarded-Proto": "http"})
        assert status == 301
        assert headers["Location"].startswith(f"https://{HOST}/")
        status, headers, body = _get(port, "/")
        assert status == 200
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
        assert headers["X-Frame-Options"] == "DENY"

        # Static files come hashed from collectstatic, with far-future caching and compression.
        page = body.decode()
        stylesheet = page.split('rel="stylesheet" href="', 1)[1].split('"', 1)[0]
        assert stylesheet.startswith("/static/maillage/css/maillage.")
        assert stylesheet.endswith(".css")
        status, headers, _css = _get(port, stylesheet, **{"Accept-Encoding": "gzip"})
        assert status == 200
        assert "immutable" in headers["Cache-Control"] or "max-age=315360000" in headers["Cache-Control"]
        assert headers.get("Content-Encoding") == "gzip"

        # Another host name is refused; the log is one JSON object a line, with the request's id.
        assert _get(port, "/", Host="evil.example.com")[0] == 400
        _get(port, "/a-missing-page/", **{"X-Request-ID": "check-42"})
    finally:
        for process in (web, worker):
            os.killpg(process.pid, signal.SIGTERM)
        for process in (web, worker):
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
    records = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    missing = [r for r in records if r.get("request_id") == "check-42"]
    assert missing
    assert missing[0] | {"status": 404, "path": "/a-missing-page/", "logger": "maillage.request"} == missing[0]
