"""Settings: the embedded default, DATABASE_URL, and production settings that pass check --deploy."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def maillage(*args, env=None, cwd=None):
    base = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}  # set for browser tests
    return subprocess.run(
        [sys.executable, "-m", "maillage.cli", *args],
        capture_output=True,
        text=True,
        env={**base, **(env or {})},
        cwd=cwd,
    )


PROD = {
    "DJANGO_SETTINGS_MODULE": "maillage.config.settings.prod",
    "MAILLAGE_SECRET_KEY": "x" * 20 + "-a-long-random-production-secret-0123456789",
    "MAILLAGE_ALLOWED_HOSTS": "maillage.example.org",
}


def test_production_settings_pass_check_deploy(tmp_path):
    result = maillage(
        "check", "--deploy", "--fail-level", "WARNING", env={**PROD, "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3"}
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret(tmp_path):
    env = {**PROD, "MAILLAGE_SECRET_KEY": "", "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3"}
    result = maillage("check", env=env)
    assert result.returncode != 0
    assert "MAILLAGE_SECRET_KEY" in result.stderr


def test_embedded_default_is_sqlite_in_the_data_folder(tmp_path):
    code = "from django.conf import settings; print(settings.DATABASES['default']['NAME'])"
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "maillage.config.settings.dev",
            "DATABASE_URL": "",
            "MAILLAGE_DATA_DIR": str(tmp_path / "data"),
        },
    )
    assert result.stdout.strip() == str(tmp_path / "data" / "maillage.sqlite3")


@pytest.mark.parametrize("command", ["demo", "serve", "reference", "migrate"])
def test_the_maillage_command_offers_the_project_and_django_commands(command):
    result = maillage("help", env={"DJANGO_SETTINGS_MODULE": "maillage.config.settings.test"})
    assert result.returncode == 0
    assert command in result.stdout


@pytest.mark.django_db
def test_migrations_are_up_to_date():
    from django.core.management import call_command

    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
