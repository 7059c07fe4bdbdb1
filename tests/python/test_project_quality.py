"""The project itself passes `justice check` and `justice lint`: CI runs only `make test`,
so this is where both gates run in CI. Neither needs a lake or a built warehouse; dbt's
artefacts go to a temporary directory so the developer's own target/ is left alone.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

JUSTICE = str(Path(sys.executable).with_name("justice"))


def _run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.update(
        DBT_TARGET_PATH=str(tmp_path / "target"),
        DBT_LOG_PATH=str(tmp_path / "logs"),
        JUSTICE_DUCKDB_PATH=str(tmp_path / "unused.duckdb"),
    )
    return subprocess.run(
        [JUSTICE, *args], env=env, capture_output=True, text=True, check=False, timeout=900
    )


def test_project_passes_justice_check(tmp_path: Path) -> None:
    completed = _run(tmp_path, "check")
    assert completed.returncode == 0, (
        "justice check found problems (each says how to fix it):\n"
        + completed.stdout[-8000:]
        + completed.stderr[-3000:]
    )
    assert "0 finding(s)" in completed.stdout


def test_project_passes_justice_lint(tmp_path: Path) -> None:
    completed = _run(tmp_path, "lint")
    assert completed.returncode == 0, (
        "justice lint found problems (`justice lint --fix` fixes most):\n"
        + completed.stdout[-8000:]
        + completed.stderr[-3000:]
    )
    assert "all" in completed.stderr and "passed" in completed.stderr
    assert "sqlfluff lint: ok" in completed.stderr  # SQL was really linted
