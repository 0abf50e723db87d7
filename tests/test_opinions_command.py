"""`maillage opinions --polis-export FOLDER --output groups.csv` on a real Pol.is conversation."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

SEATTLE = Path(__file__).resolve().parent / "data" / "polis" / "15-per-hour-seattle"


def test_the_command_writes_the_groups_and_the_statements(tmp_path):
    out = io.StringIO()
    call_command("opinions", "--polis-export", str(SEATTLE), "--output", str(tmp_path / "groups.csv"), stdout=out)
    rows = list(csv.DictReader((tmp_path / "groups.csv").open(encoding="utf-8")))
    assert len(rows) == 138
    assert {r["group"] for r in rows} == {"0", "1"}
    statements = list(csv.DictReader((tmp_path / "groups-statements.csv").open(encoding="utf-8")))
    kinds = {r["kind"] for r in statements}
    assert kinds == {"representative", "consensus", "group_aware_consensus"}
    assert all(r["text"] for r in statements)  # each with its text
    assert {r["group"] for r in statements if r["kind"] == "representative"} == {"0", "1"}
    text = out.getvalue()
    assert "138 in the conversation, 2 groups" in text
    assert "Against the 2 groups Pol.is reported" in text


def test_a_bad_folder_is_refused_with_what_is_wrong(tmp_path):
    with pytest.raises(CommandError, match=r"votes\.csv is missing"):
        call_command("opinions", "--polis-export", str(tmp_path), "--output", str(tmp_path / "g.csv"))
    with pytest.raises(CommandError, match="is not a folder"):
        call_command("opinions", "--polis-export", str(tmp_path / "nope"), "--output", str(tmp_path / "g.csv"))


def test_the_number_of_groups_can_be_fixed(tmp_path):
    out = io.StringIO()
    brexit = SEATTLE.parent / "brexit-consensus"
    call_command(
        "opinions", "--polis-export", str(brexit), "--output", str(tmp_path / "g.csv"), "--groups", "2", stdout=out
    )
    assert "2 groups" in out.getvalue()
    assert "as asked" in out.getvalue()
    with pytest.raises(CommandError, match="from 2 to 12"):
        call_command("opinions", "--polis-export", str(brexit), "--output", str(tmp_path / "g.csv"), "--groups", "1")
