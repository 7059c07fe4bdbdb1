"""`justice diff`: what a change does to the data. Compares the marts of two DuckDB
warehouses (the published main build against a branch build, or two `--as-of` builds)
mart by mart, by primary key, and writes Markdown a reviewer pastes into a pull request:
rows added, removed and changed, which columns changed in how many rows, and the size of
the change in each numeric column's total (the key figures).

A mart's primary key is read from dbt's manifest: its `unique` test, or its
`unique_combination` test's columns (every mart has one: `justice check` requires it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import typer

from justice.console import JusticeError, Settings, quoted_identifier, say
from justice.publish import MARTS_SCHEMA

NUMERIC = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "FLOAT", "DOUBLE", "DECIMAL")
UNIQUE_TESTS = {"unique": "column_name", "unique_combination": "columns"}


def primary_keys(manifest: dict[str, Any]) -> dict[str, list[str]]:
    """Mart name -> its primary-key columns, from its uniqueness test."""
    names = {
        uid: node["name"]
        for uid, node in manifest["nodes"].items()
        if node["resource_type"] == "model" and node["fqn"][1:2] == ["marts"]
    }
    keys: dict[str, list[str]] = {}
    for test in manifest["nodes"].values():
        metadata = test.get("test_metadata") or {}
        if test["resource_type"] != "test" or metadata.get("name") not in UNIQUE_TESTS:
            continue
        model = test.get("attached_node") or next(iter(test["depends_on"]["nodes"]), None)
        if model not in names:
            continue
        kwargs = metadata.get("kwargs") or {}
        if metadata["name"] == "unique":
            columns = [test.get("column_name") or kwargs.get("column_name")]
        else:
            columns = list(kwargs.get("columns") or kwargs.get("combination_of_columns") or [])
        if all(columns) and columns:
            keys.setdefault(names[model], columns)
    return keys


@dataclass
class MartDiff:
    mart: str
    key: list[str]
    rows_before: int | None = None
    rows_after: int | None = None
    added: int = 0
    removed: int = 0
    changed: int = 0
    columns_changed: dict[str, int] = field(default_factory=dict)
    columns_added: list[str] = field(default_factory=list)
    columns_removed: list[str] = field(default_factory=list)
    figures: list[tuple[str, float, float]] = field(default_factory=list)  # column, before, after
    examples: list[str] = field(default_factory=list)  # keys of changed rows

    @property
    def unchanged(self) -> bool:
        return not (
            self.added
            or self.removed
            or self.changed
            or self.columns_added
            or self.columns_removed
            or self.rows_before is None
            or self.rows_after is None
        )


def _columns(connection: Any, database: str, mart: str) -> dict[str, str]:
    rows = connection.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_catalog = ? and table_schema = ? and table_name = ? "
        "order by ordinal_position",
        [database, MARTS_SCHEMA, mart],
    ).fetchall()
    return {name: str(kind).upper() for name, kind in rows}


def compare(
    before: Path, after: Path, keys: dict[str, list[str]], examples: int = 3
) -> list[MartDiff]:
    """Compare the marts of two warehouses; one MartDiff per mart in either."""
    import duckdb

    for path in (before, after):
        if not path.exists():
            raise JusticeError(f"no warehouse at {path}")
    connection = duckdb.connect()
    try:
        connection.execute(f"attach '{before}' as before (read_only)")
        connection.execute(f"attach '{after}' as after (read_only)")
        tables = {}
        for database in ("before", "after"):
            tables[database] = {
                row[0]
                for row in connection.execute(
                    "select table_name from information_schema.tables "
                    "where table_catalog = ? and table_schema = ?",
                    [database, MARTS_SCHEMA],
                ).fetchall()
            }
        diffs = []
        for mart in sorted(tables["before"] | tables["after"]):
            say(f"  comparing {mart}")
            diffs.append(_compare_mart(connection, mart, keys.get(mart), tables, examples))
        return diffs
    finally:
        connection.close()


def _compare_mart(
    connection: Any, mart: str, key: list[str] | None, tables: dict[str, set[str]], examples: int
) -> MartDiff:
    result = MartDiff(mart, key or [])
    for database, attribute in (("before", "rows_before"), ("after", "rows_after")):
        if mart in tables[database]:
            count = connection.execute(
                f"select count(*) from {database}.{MARTS_SCHEMA}.{quoted_identifier(mart)}"
            ).fetchone()
            setattr(result, attribute, int(count[0]))
    if result.rows_before is None or result.rows_after is None:
        return result
    old, new = _columns(connection, "before", mart), _columns(connection, "after", mart)
    result.columns_added = [c for c in new if c not in old]
    result.columns_removed = [c for c in old if c not in new]
    if not key or not all(c in old and c in new for c in key):
        raise JusticeError(
            f"{mart}: no primary key in both warehouses (manifest says {key}); "
            "run `dbt parse` so target/manifest.json is current"
        )
    common = [c for c in old if c in new and c not in key]
    table = f"{MARTS_SCHEMA}.{quoted_identifier(mart)}"
    on = " and ".join(
        f"b.{quoted_identifier(c)} is not distinct from a.{quoted_identifier(c)}" for c in key
    )
    # rows present on each side: mark them, so a null key column still counts
    joined = (
        f"(select *, true as justice_present from before.{table}) as b full outer join "
        f"(select *, true as justice_present from after.{table}) as a on {on}"
    )
    in_before, in_after = "b.justice_present", "a.justice_present"
    differs = [
        f"b.{quoted_identifier(c)} is distinct from a.{quoted_identifier(c)}" for c in common
    ]
    any_differs = " or ".join(differs) or "false"
    counts = [
        f"count(*) filter (where {in_after} and not coalesce({in_before}, false))",
        f"count(*) filter (where {in_before} and not coalesce({in_after}, false))",
        f"count(*) filter (where {in_before} and {in_after} and ({any_differs}))",
        *[f"count(*) filter (where {in_before} and {in_after} and {d})" for d in differs],
    ]
    row = connection.execute(f"select {', '.join(counts)} from {joined}").fetchone()
    result.added, result.removed, result.changed = int(row[0]), int(row[1]), int(row[2])
    result.columns_changed = {c: int(n) for c, n in zip(common, row[3:], strict=True) if n}
    figures = [c for c in common if old[c].startswith(NUMERIC) and new[c].startswith(NUMERIC)]
    if figures:
        sums = connection.execute(
            "select "
            + ", ".join(
                f"(select sum({quoted_identifier(c)}) from before.{table}), "
                f"(select sum({quoted_identifier(c)}) from after.{table})"
                for c in figures
            )
        ).fetchone()
        for index, column in enumerate(figures):
            first, second = sums[2 * index], sums[2 * index + 1]
            if first != second:
                result.figures.append((column, float(first or 0), float(second or 0)))
    if result.changed and examples:
        keys = ", ".join(
            f"coalesce(b.{quoted_identifier(c)}, a.{quoted_identifier(c)})" for c in key
        )
        rows = connection.execute(
            f"select {keys} from {joined} where {in_before} and {in_after} and "
            f"({' or '.join(differs)}) order by all limit {examples}"
        ).fetchall()
        result.examples = [", ".join(f"{c}={v}" for c, v in zip(key, r, strict=True)) for r in rows]
    return result


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.4g}"


def render(diffs: list[MartDiff], before: str, after: str) -> str:
    """The Markdown report."""
    changed = [d for d in diffs if not d.unchanged]
    lines = [
        f"### justice diff: `{before}` → `{after}`",
        "",
        f"{len(changed)} of {len(diffs)} marts changed."
        if changed
        else f"No mart changed ({len(diffs)} compared by primary key).",
        "",
    ]
    if not changed:
        return "\n".join(lines)
    lines += [
        "| mart | rows before | rows after | added | removed | changed | columns changed |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for d in changed:
        columns = ", ".join(f"`{c}` ({n})" for c, n in d.columns_changed.items()) or "–"
        before_rows = "–" if d.rows_before is None else f"{d.rows_before:,}"
        after_rows = "–" if d.rows_after is None else f"{d.rows_after:,}"
        lines.append(
            f"| `{d.mart}` | {before_rows} | {after_rows} | {d.added:,} | {d.removed:,} "
            f"| {d.changed:,} | {columns} |"
        )
    for d in changed:
        details = []
        if d.rows_before is None:
            details.append("- new mart (not in the first warehouse)")
        if d.rows_after is None:
            details.append("- mart removed (not in the second warehouse)")
        if d.columns_added:
            details.append("- columns added: " + ", ".join(f"`{c}`" for c in d.columns_added))
        if d.columns_removed:
            details.append("- columns removed: " + ", ".join(f"`{c}`" for c in d.columns_removed))
        for column, first, second in d.figures:
            change = second - first
            share = f" ({change / first:+.2%})" if first else ""
            details.append(
                f"- total `{column}`: {_number(first)} → {_number(second)}, "
                f"{'+' if change >= 0 else ''}{_number(change)}{share}"
            )
        if d.examples:
            details.append("- changed rows, e.g.: " + "; ".join(f"`{e}`" for e in d.examples))
        if details:
            lines += ["", f"**{d.mart}** (key: {', '.join(d.key) or '?'})", "", *details]
    return "\n".join(lines) + "\n"


def command(
    before: Annotated[
        Path, typer.Argument(help="The warehouse to compare from (e.g. main's published build).")
    ],
    after: Annotated[
        Path | None,
        typer.Argument(help="The warehouse to compare to (default: this tree's published build)."),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Also write the Markdown to this file.")
    ] = None,
) -> None:
    """Compare the marts of two DuckDB warehouses by primary key; Markdown on stdout."""
    from justice import dbt

    settings = Settings.from_env()
    after = after or settings.published_path
    assert after is not None
    manifest_path = settings.target_path / "manifest.json"
    manifest = dbt.load_manifest(manifest_path) if manifest_path.exists() else dbt.parse(settings)
    report = render(compare(before, after, primary_keys(manifest)), str(before), str(after))
    typer.echo(report)
    if output is not None:
        output.write_text(report)
