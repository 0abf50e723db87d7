"""``maillage allocate --input``: a file in, a checked result out, no database involved."""

from __future__ import annotations

import json
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from maillage.core.allocation import InstanceSpec, dump_instance, generate_instance, objective, parse_result, violations


@pytest.fixture
def instance_file(tmp_path):
    instance = generate_instance(InstanceSpec(initiatives=80, offers=15, territories=4, seed=11))
    path = tmp_path / "instance.json"
    path.write_text(json.dumps(dump_instance(instance)))
    return instance, path


def test_allocate_writes_a_feasible_result_without_the_database(instance_file, tmp_path):
    # No django_db mark: pytest-django makes any database access fail this test.
    instance, path = instance_file
    output = tmp_path / "result.json"
    out, err = StringIO(), StringIO()
    call_command("allocate", "--input", str(path), "--output", str(output), "--time-limit", "5", stdout=out, stderr=err)
    result = parse_result(json.loads(output.read_text()), instance)
    assert violations(instance, result.assignments) == []
    assert result.objective == pytest.approx(objective(instance, result.assignments))
    assert result.upper_bound >= result.objective
    assert "upper bound" in out.getvalue()
    assert "bound" in err.getvalue()
    assert "gap" in err.getvalue()


def test_allocate_reports_the_equity_price(instance_file, tmp_path):
    _, path = instance_file
    out = StringIO()
    call_command(
        "allocate", "--input", str(path), "--time-limit", "6", "--equity-share", "0.3", stdout=out, stderr=StringIO()
    )
    assert "equity share 30%" in out.getvalue()
    assert "price" in out.getvalue()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "n'est pas du JSON valide"),
        (
            json.dumps(
                {
                    "format": "maillage-allocation/1",
                    "initiatives": [],
                    "offers": [
                        {"id": "o", "capacity": -1, "burden_hours": 1, "covers": {"a": 2}, "eligible": ["ghost"]}
                    ],
                }
            ),
            "offers[0].covers.a",
        ),
    ],
)
def test_allocate_refuses_bad_files_with_the_offending_path(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(CommandError, match=message.replace("[", r"\[").replace("]", r"\]")):
        call_command("allocate", "--input", str(path), stdout=StringIO(), stderr=StringIO())


def test_allocate_refuses_a_missing_file_and_bad_options(tmp_path):
    with pytest.raises(CommandError, match="ne peut pas être lu"):
        call_command("allocate", "--input", str(tmp_path / "missing.json"), stdout=StringIO(), stderr=StringIO())
    with pytest.raises(CommandError, match="equity share"):
        call_command("allocate", "--input", "x", "--equity-share", "1.5", stdout=StringIO(), stderr=StringIO())


def test_the_core_runs_alone_as_a_module(instance_file, tmp_path):
    _, path = instance_file
    output = tmp_path / "result.json"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "maillage.core.allocation",
            "--input",
            str(path),
            "--output",
            str(output),
            "--time-limit",
            "5",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.startswith("objective ")
    assert json.loads(output.read_text())["format"] == "maillage-allocation-result/1"


def test_instance_errors_reach_users_in_french():
    from django.utils import translation

    from maillage.core.allocation import parse_instance
    from maillage.core.errors import MaillageError

    with translation.override("fr"), pytest.raises(MaillageError) as caught:
        parse_instance(
            {
                "format": "maillage-allocation/1",
                "initiatives": [],
                "offers": [{"id": "o", "capacity": -1, "burden_hours": 1, "covers": {"a": 0.5}, "eligible": []}],
            }
        )
    assert caught.value.message == "L'instance d'allocation n'est pas valide\u00a0: 1 problème."
    assert caught.value.problems[0].message == "Une capacité est un nombre entier, 0 ou plus."
    assert caught.value.problems[0].field == "offers[0].capacity"


@pytest.mark.parametrize("option", [["--equity-share", "1.5"], ["--time-limit", "-1"]])
def test_the_core_module_refuses_bad_options(instance_file, option):
    _, path = instance_file
    done = subprocess.run(
        [sys.executable, "-m", "maillage.core.allocation", "--input", str(path), *option],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr


def test_what_if_more_capacity_is_solved_from_a_scenario_file(instance_file, tmp_path):
    instance, path = instance_file
    scarce = max(instance.offers, key=lambda o: len(o.eligible))
    scenario = tmp_path / "more.json"
    scenario.write_text(json.dumps({"format": "maillage-scenario/1", "capacity": {scarce.id: scarce.capacity + 10}}))
    values = []
    for extra in ([], ["--what-if", str(scenario)]):
        out = StringIO()
        call_command("allocate", "--input", str(path), "--time-limit", "5", *extra, stdout=out, stderr=StringIO())
        values.append(float(out.getvalue().split()[1]))
    assert values[1] >= values[0]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"format": "maillage-scenario/1", "capacity": {"ghost": 1}}))
    with pytest.raises(CommandError, match=r"capacity\.ghost"):
        call_command("allocate", "--input", str(path), "--what-if", str(bad), stdout=StringIO(), stderr=StringIO())
