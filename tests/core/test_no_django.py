"""maillage.core must never import Django: it runs alone, in notebooks and benchmarks."""

from __future__ import annotations

import ast
import pkgutil
import subprocess
import sys
from pathlib import Path

import maillage.core

CORE_DIR = Path(maillage.core.__file__).parent
MODULES = sorted(f"maillage.core.{m.name}" for m in pkgutil.iter_modules([str(CORE_DIR)]))


def test_core_modules_exist():
    assert {"maillage.core.text", "maillage.core.geo", "maillage.core.demo", "maillage.core.reference"} <= set(MODULES)


def test_importing_every_core_module_loads_no_django():
    code = (
        "import importlib, sys\n"
        f"for name in {MODULES!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


def test_no_core_source_file_names_django():
    offenders = []
    for path in CORE_DIR.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            offenders += [
                f"{path.name}: {n}"
                for n in names
                if n.split(".")[0] in ("django", "maillage") and not n.startswith("maillage.core")
            ]
    assert offenders == []
