"""What the audit area says about a failed build: why each node failed, in a few lines.

dbt's run_results.json says *that* a node failed; this adds *why*: for a failing test,
the model it tests and the first of its failing rows (kept by `store_failures` in the
`audit` schema); for a model that errored, the first lines of the database's error and
the model's file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

SHOWN_ROWS = 3
SHOWN_ERROR_LINES = 3


def explain_failure(
    unique_id: str,
    message: str,
    manifest: dict[str, Any],
    build_path: Path | None,
) -> list[str]:
    """Lines (without indentation) explaining one failed node."""
    node = manifest.get("nodes", {}).get(unique_id) or {}
    lines: list[str] = []
    if node.get("resource_type") in {"test", "unit_test"}:
        tested = node.get("attached_node") or next(
            iter((node.get("depends_on") or {}).get("nodes") or []), None
        )
        if tested:
            tested_node = manifest.get("nodes", {}).get(tested) or {}
            lines.append(
                f"tests {tested.split('.')[-1]} ({tested_node.get('original_file_path', '?')})"
            )
        relation = node.get("relation_name")
        if relation and build_path is not None:
            rows = _first_rows(build_path, relation)
            if rows:
                lines += rows
                lines.append(
                    f'all failing rows: justice query --audit "select * from {_plain(relation)}"'
                )
        if tested and build_path is not None and node.get("resource_type") == "test":
            lines += _loaded_partitions(build_path, tested.split(".")[-1])
        return lines
    text = [line.strip() for line in (message or "").strip().splitlines() if line.strip()]
    lines += text[:SHOWN_ERROR_LINES]
    if node.get("original_file_path"):
        lines.append(f"file: {node['original_file_path']}")
    return lines


def _plain(relation: str) -> str:
    """`"justice"."audit"."x"` as analysts write it: audit.x."""
    parts = [part.strip('"') for part in relation.split(".")]
    return ".".join(parts[-2:])


def _first_rows(build_path: Path, relation: str) -> list[str]:
    import duckdb

    try:
        with duckdb.connect(str(build_path), read_only=True) as connection:
            cursor = connection.execute(f"select * from {_plain(relation)} limit {SHOWN_ROWS}")
            columns = [column[0] for column in cursor.description or []]
            rows = cursor.fetchall()
    except duckdb.Error:
        return []
    return [
        "row: " + ", ".join(f"{name}={value}" for name, value in zip(columns, row, strict=True))
        for row in rows
    ]


SHOWN_PARTITIONS = 3


def _loaded_partitions(build_path: Path, model: str) -> list[str]:
    """For a test on a staging change log (`stg_<system>__<table>`): the raw partitions
    this build loaded into it (the load plan), where a delivery test's failing rows came
    from; nothing for other models or without a plan."""
    import duckdb

    if not model.startswith("stg_") or "__" not in model:
        return []
    system, table = model.removeprefix("stg_").split("__", 1)
    try:
        with duckdb.connect(str(build_path), read_only=True) as connection:
            days = [
                row[0]
                for row in connection.execute(
                    "select distinct cast(extraction_date as varchar) from lake.load_plan "
                    "where source_system = ? and source_table = ? order by 1 desc",
                    [system, table],
                ).fetchall()
            ]
    except duckdb.Error:
        return []
    if not days:
        return []
    shown = ", ".join(f"extraction_date={day}" for day in days[:SHOWN_PARTITIONS])
    more = f" and {len(days) - SHOWN_PARTITIONS} older" if len(days) > SHOWN_PARTITIONS else ""
    return [f"loaded by this build from raw/{system}/{table}/: {shown}{more}"]
