"""French first, English second: the catalogue covers every string, with French typography."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

import maillage

PACKAGE = Path(maillage.__file__).parent
CATALOGUE = PACKAGE / "locale" / "fr" / "LC_MESSAGES" / "django.po"


@pytest.fixture(scope="module")
def fresh_catalogue(tmp_path_factory):
    """The catalogue as makemessages would write it from the current code and templates."""
    copy = tmp_path_factory.mktemp("src") / "maillage"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("*.mo", "__pycache__", "data"))
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "maillage.config.settings.test", "PYTHONPATH": str(PACKAGE.parent)}
    subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "fr", "--no-wrap", "-v0"], cwd=copy, env=env, check=True
    )
    return polib.pofile(str(copy / "locale" / "fr" / "LC_MESSAGES" / "django.po"))


def test_every_string_of_the_code_is_translated(fresh_catalogue):
    missing = [e.msgid for e in fresh_catalogue if not e.obsolete and not e.translated()]
    assert missing == [], "Run `make messages` and translate these strings in django.po"


def test_no_fuzzy_translation():
    assert [e.msgid for e in polib.pofile(str(CATALOGUE)) if "fuzzy" in e.flags] == []


def test_placeholders_are_kept():
    for entry in polib.pofile(str(CATALOGUE)):
        for source, target in ((entry.msgid, entry.msgstr), (entry.msgid_plural, entry.msgstr_plural.get(1, ""))):
            if not target:
                continue
            pattern = r"%\(\w+\)s|\{\{ ?\w+ ?\}\}"
            assert sorted(re.findall(pattern, source)) == sorted(re.findall(pattern, target)), entry.msgid


def test_french_typography():
    """No ordinary space before a colon, semicolon, question or exclamation mark, nor inside « »."""
    offenders = []
    for entry in polib.pofile(str(CATALOGUE)):
        for text in (entry.msgstr, *entry.msgstr_plural.values()):
            if re.search(r" [:;!?]|« | »", text):
                offenders.append(text)
    assert offenders == []


def test_the_compiled_catalogue_is_used(client, db):
    assert "Rechercher dans l'annuaire" in client.get("/").content.decode().replace("&#x27;", "'")
