"""The stub warehouse that lets dbt compile every model without a lake or a build.

Compiling asks the warehouse one thing: the columns of a relation
(`adapter.get_columns_in_relation`, used by the `star_except` macro). The stub answers it:
an empty DuckDB file in which every model is an empty table with the columns its YAML
documents. It lives under `<target>/lint/` (`<target>/check/` for `justice check`) and
never touches the real warehouse, so lint and check also run while a build holds it.

This is a stand-in, kept in this one place: it goes once the columns come from the YAML
(the manifest) instead of the warehouse at compile time (STYLE.md "Write each thing
once"). The Athena gate's counterpart is the column inference of justice.athena.mock.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Any

from justice import dbt
from justice.console import JusticeError, Settings

STUB_PLACEHOLDER_COLUMN = "lint_placeholder"


def stub_settings(settings: Settings, folder: str = "lint") -> Settings:
    """Settings pointed at the stub warehouse (and a target folder of its own)."""
    lint_dir = settings.target_path / folder
    lint_dir.mkdir(parents=True, exist_ok=True)
    return replace(
        settings,
        duckdb_path=lint_dir / "justice.duckdb",
        target_path=lint_dir / "target",
        target="local",
    )


def _log_env(stub: Settings) -> dict[str, str]:
    return {"DBT_LOG_PATH": str(stub.target_path.parent / "logs"), "JUSTICE_TARGET": "local"}


def prepare(settings: Settings, folder: str = "lint") -> Settings:
    """Parse the project (local target), write the stub warehouse from the manifest and
    return the settings that point at it."""
    stub = stub_settings(settings, folder)
    try:
        manifest = dbt.parse(stub, extra=["--target", "local"], env=_log_env(stub))
    except JusticeError as error:
        raise JusticeError(f"{error}\n(so SQL cannot be rendered)") from None
    write_stub_warehouse(manifest, stub.duckdb_path)
    return stub


def compiled_manifest(settings: Settings, folder: str = "check") -> dict[str, Any]:
    """The manifest with every model's compiled code, compiled against a fresh stub
    warehouse (no lake or build needed)."""
    stub = prepare(settings, folder)
    return dbt.compile_project(stub, extra=["--target", "local"], env=_log_env(stub))


def stub_environment(settings: Settings) -> dict[str, str]:
    """The environment for a tool that renders SQL with dbt itself (sqlfluff's dbt
    templater): the local target, pointed at a fresh stub warehouse."""
    stub = prepare(settings)
    return {
        **os.environ,
        **stub.dbt_variables(),
        "JUSTICE_TARGET": "local",
        "DBT_LOG_PATH": str(stub.target_path.parent / "logs"),
    }


def write_stub_warehouse(manifest: dict, path: Path) -> int:
    """Create (afresh) a DuckDB file in which every model of the manifest is an empty
    table with its documented columns; return how many tables were made."""
    import duckdb

    for stale in (path, path.with_name(path.name + ".wal")):
        stale.unlink(missing_ok=True)

    def quote(identifier: str) -> str:
        return '"' + identifier.replace('"', '""') + '"'

    made = 0
    with duckdb.connect(str(path)) as connection:
        for node in manifest.get("nodes", {}).values():
            if node.get("resource_type") not in ("model", "seed", "snapshot"):
                continue
            columns = [c.get("name") for c in (node.get("columns") or {}).values()]
            columns = [c for c in columns if c] or [STUB_PLACEHOLDER_COLUMN]
            schema = quote(node["schema"])
            name = quote(node.get("alias") or node["name"])
            column_list = ", ".join(f"{quote(c)} varchar" for c in dict.fromkeys(columns))
            connection.execute(f"create schema if not exists {schema}")
            connection.execute(f"create or replace table {schema}.{name} ({column_list})")
            made += 1
    return made
