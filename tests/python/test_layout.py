"""Where things live (issue 10, "one room per idea"): each macro is documented in the
properties file of its own folder, and nothing is documented twice; and no model needs
the warehouse to compile (columns come from the YAML). No lake or build is needed.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

from justice.console import PROJECT_ROOT

MACRO_ROOTS = (PROJECT_ROOT / "macros", PROJECT_ROOT / "tests" / "dbt" / "generic")
_DEFINITION = re.compile(r"\{%-?\s*(macro|test)\s+(\w+)\s*\(")


def _defined() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for root in MACRO_ROOTS:
        for path in sorted(root.rglob("*.sql")):
            for kind, name in _DEFINITION.findall(path.read_text()):
                found[f"test_{name}" if kind == "test" else name] = path.parent
    return found


def _documented() -> list[tuple[str, Path]]:
    entries = []
    for root in MACRO_ROOTS:
        for path in sorted(root.rglob("*.yml")):
            for macro in (yaml.safe_load(path.read_text()) or {}).get("macros") or []:
                entries.append((macro["name"], path))
    return entries


def test_macros_are_documented_beside_them_once() -> None:
    defined = _defined()
    documented = _documented()
    names = [name for name, _ in documented]
    assert sorted({n for n in names if names.count(n) > 1}) == []
    misplaced = [
        f"{name} (in {path.relative_to(PROJECT_ROOT)})"
        for name, path in documented
        if name in defined and path.parent != defined[name]
    ]
    assert not misplaced, "document each macro in its own folder's _<folder>__macros.yml"
    assert sorted(set(defined) - set(names)) == []
    assert sorted(set(names) - set(defined)) == []


def test_macro_properties_are_named_after_their_folder() -> None:
    for _, path in _documented():
        assert path.name == f"_{path.parent.name}__macros.yml", path
    assert not (PROJECT_ROOT / "macros" / "_macros.yml").exists()


def test_every_model_compiles_without_a_warehouse(tmp_path: Path) -> None:
    """Macros that need a model's columns read its YAML (the graph), so every model and
    data test compiles against an empty warehouse: no lake, no build, no stub. (Unit
    tests are left out: dbt reads their inputs' columns from the built relations.)"""
    env = dict(os.environ)
    env.update(
        JUSTICE_TARGET="local",
        JUSTICE_DUCKDB_PATH=str(tmp_path / "empty.duckdb"),
        JUSTICE_LAKE_PATH=str(tmp_path / "no-lake"),
        DBT_TARGET_PATH=str(tmp_path / "target"),
        DBT_LOG_PATH=str(tmp_path / "logs"),
        DBT_PROFILES_DIR=str(PROJECT_ROOT / "profiles"),
    )
    completed = subprocess.run(
        [
            str(Path(sys.executable).with_name("dbt")),
            "compile",
            "--quiet",
            "--exclude",
            "test_type:unit",
        ],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-2000:]
    compiled = tmp_path / "target" / "compiled" / "justice" / "models"
    staged = (compiled / "staging" / "nomis" / "stg_nomis__offenders.sql").read_text()
    assert "offender_id" in staged and "quarantine_reason is null" in staged
