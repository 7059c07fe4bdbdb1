"""An empty scratch warehouse that lint and check compile against.

Compiling needs a DuckDB database to connect to, but nothing in it: macros that need a
model's columns read them from its YAML (the graph), not from the warehouse. The scratch
file lives under `<target>/lint/` (`<target>/check/` for `justice check`), is made afresh
for each run and never touches the real warehouse, so lint and check also run while a
build holds it, with no lake and no build.
"""

from __future__ import annotations

import os
from dataclasses import replace
from typing import Any

from justice import dbt
from justice.console import Settings


def scratch_settings(settings: Settings, folder: str = "lint") -> Settings:
    """Settings pointed at an empty scratch warehouse (and a target folder of its own)."""
    scratch_dir = settings.target_path / folder
    scratch_dir.mkdir(parents=True, exist_ok=True)
    database = scratch_dir / "justice.duckdb"
    for stale in (database, database.with_name(database.name + ".wal")):
        stale.unlink(missing_ok=True)
    return replace(
        settings, duckdb_path=database, target_path=scratch_dir / "target", target="local"
    )


def _log_env(scratch: Settings) -> dict[str, str]:
    return {"DBT_LOG_PATH": str(scratch.target_path.parent / "logs"), "JUSTICE_TARGET": "local"}


def compiled_manifest(settings: Settings, folder: str = "check") -> dict[str, Any]:
    """The manifest with every model's compiled code, compiled against an empty scratch
    warehouse (no lake or build needed)."""
    scratch = scratch_settings(settings, folder)
    return dbt.compile_project(scratch, extra=["--target", "local"], env=_log_env(scratch))


def scratch_environment(settings: Settings) -> dict[str, str]:
    """The environment for a tool that renders SQL with dbt itself (sqlfluff's dbt
    templater): the local target, pointed at an empty scratch warehouse."""
    scratch = scratch_settings(settings)
    return {
        **os.environ,
        **scratch.dbt_variables(),
        "JUSTICE_TARGET": "local",
        "DBT_LOG_PATH": str(scratch.target_path.parent / "logs"),
    }
