"""Write-audit-publish: the marts analysts query are published only from a build that
passed every test (DESIGN.md section 6).

Locally, dbt builds every layer into the build warehouse (`JUSTICE_DUCKDB_PATH`): that
file is the audit area, and every test runs there. The marts analysts query live in a
second file, the published warehouse (`JUSTICE_PUBLISHED_PATH`, by default beside the
build warehouse as `<name>.published.duckdb`), which no build ever holds open:

- when a build (or `justice build --retry`) has passed, its marts are copied from the
  audit area into a new file beside the published one, which then replaces it with one
  atomic rename: a reader sees the old marts or the new ones, never a mixture, and never
  waits for a lock (a reader that opened the old file keeps reading it);
- when anything failed, was skipped or was interrupted, the published file is not
  touched at all: its bytes are exactly what they were;
- when the lake contract stopped a source (justice.lake.check) and everything else
  passed, the marts not downstream of it are published and the marts downstream of it
  are *held*: they keep their last publication, and `publication.marts` says so
  (`held_since`, `held_reason` naming the source and the file). Marts of two builds
  then sit side by side, never silently: `justice query` prints which marts are held.

On Athena the marts are built into `<prefix>_marts_audit` and published by renaming each
Iceberg table into `<prefix>_marts` (macros/publish/publish_marts.sql), as dbt-athena's
high-availability tables do.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from justice.console import default_memory_limit

MARTS_SCHEMA = "marts"
PUBLICATION_SCHEMA = "publication"


@dataclass(frozen=True)
class Mart:
    unique_id: str
    schema: str  # as built in the audit area
    name: str  # the relation's identifier (alias)


@dataclass
class PendingPublication:
    """What a build chain (a build, then any `--retry`s) has built and tested so far.

    Kept in `<target>/publication_pending.json` between a failed build and its retry, so
    a retry that passes publishes what the original build built as well as what it
    re-ran."""

    invocation_ids: list[str] = field(default_factory=list)
    marts: list[str] = field(default_factory=list)  # unique ids, built successfully
    vars: dict[str, Any] = field(default_factory=dict)
    all_marts: bool = False  # every mart in the project was selected
    blocked_sources: list[str] = field(default_factory=list)  # stopped by the contract
    blocked_reasons: dict[str, str] = field(default_factory=dict)  # source: first error

    @classmethod
    def load(cls, path: Path) -> PendingPublication | None:
        if not path.exists():
            return None
        data = json.loads(path.read_text())
        return cls(**data)

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.__dict__, indent=2))


def marts_in_manifest(manifest: dict[str, Any]) -> dict[str, Mart]:
    """Every mart model (fqn under `marts`) in dbt's manifest, by unique id."""
    marts: dict[str, Mart] = {}
    for unique_id, node in manifest.get("nodes", {}).items():
        fqn = node.get("fqn") or []
        if node.get("resource_type") == "model" and len(fqn) > 1 and fqn[1] == "marts":
            marts[unique_id] = Mart(unique_id, node["schema"], node.get("alias") or node["name"])
    return marts


def held_marts(manifest: dict[str, Any], blocked: dict[str, str]) -> dict[str, str]:
    """The marts downstream of stopped sources, each with the reason it is held.

    `blocked` maps source selectors (`source:em.orders`) to the first contract error of
    that source; the result maps mart names to a one-line reason."""
    marts = marts_in_manifest(manifest)
    children = manifest.get("child_map", {})
    reasons: dict[str, list[str]] = {}
    for selector, error in blocked.items():
        name = selector.removeprefix("source:")
        roots = [
            unique_id
            for unique_id, node in manifest.get("sources", {}).items()
            if f"{node.get('source_name')}.{node.get('name')}" == name
        ]
        seen: set[str] = set()
        frontier = list(roots)
        while frontier:
            node = frontier.pop()
            for child in children.get(node, []):
                if child not in seen:
                    seen.add(child)
                    frontier.append(child)
        for unique_id in seen & set(marts):
            reasons.setdefault(marts[unique_id].name, []).append(
                f"{name} ({error})" if error else name
            )
    return {
        mart: "source stopped by the lake contract: " + "; ".join(items)
        for mart, items in sorted(reasons.items())
    }


def marts_built(run_results: dict[str, Any], marts: dict[str, Mart]) -> list[str]:
    """The marts a run built successfully (unique ids)."""
    return [
        result["unique_id"]
        for result in run_results.get("results", [])
        if result.get("unique_id") in marts and str(result.get("status")).lower() == "success"
    ]


def default_published_path(build_path: Path) -> Path:
    return build_path.with_name(f"{build_path.stem}.published{build_path.suffix or '.duckdb'}")


def publish_duckdb(
    build_path: Path,
    published_path: Path,
    marts: Iterable[Mart],
    *,
    replace_all: bool,
    invocation_id: str,
    as_of: str | None,
    held: dict[str, str] | None = None,
    swapped: Callable[[], None] | None = None,
) -> list[str]:
    """Publish `marts` from the audit area (the build warehouse) in one atomic step.

    With `replace_all` (the build selected every mart) the published file holds exactly
    these marts; otherwise the marts published before and not rebuilt are kept.
    `held` names marts kept at their last publication because a source upstream of
    them was stopped, with the reason: `publication.marts` records it (a mart never
    published before gets a row without a publication). Returns the published
    relation names. `swapped` is called the instant the new file is in place, before
    a signal held during the swap is delivered."""
    import duckdb

    marts = sorted(marts, key=lambda mart: mart.name)
    published_path.parent.mkdir(parents=True, exist_ok=True)
    staging = published_path.with_name(f".{published_path.name}.{os.getpid()}.tmp")
    staging.unlink(missing_ok=True)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    try:
        # bounded like the build (a million people's marts are copied here): the
        # memory limit the build had, spilling beside the file being written
        connection = duckdb.connect(
            str(staging),
            config={
                "memory_limit": os.environ.get("JUSTICE_DUCKDB_MEMORY_LIMIT")
                or default_memory_limit(),
                "temp_directory": f"{staging}.spill",
            },
        )
        try:
            connection.execute(f"attach '{_quoted(build_path)}' as audit (read_only)")
            if not replace_all and published_path.exists():
                connection.execute(f"attach '{_quoted(published_path)}' as previous (read_only)")
                connection.execute("copy from database previous to " + _database(connection))
                connection.execute("detach previous")
            connection.execute(f"create schema if not exists {MARTS_SCHEMA}")
            connection.execute(f"create schema if not exists {PUBLICATION_SCHEMA}")
            connection.execute(
                f"create table if not exists {PUBLICATION_SCHEMA}.marts ("
                "mart varchar primary key, published_at timestamp, invocation_id varchar, "
                "as_of date, row_count bigint)"
            )
            connection.execute(
                f"alter table {PUBLICATION_SCHEMA}.marts "
                "add column if not exists held_since timestamp"
            )
            connection.execute(
                f"alter table {PUBLICATION_SCHEMA}.marts "
                "add column if not exists held_reason varchar"
            )
            names = []
            for mart in marts:
                connection.execute(
                    f'create or replace table {MARTS_SCHEMA}."{mart.name}" as '
                    f'select * from audit."{mart.schema}"."{mart.name}"'
                )
                _copy_comments(connection, mart)
                rows = connection.execute(
                    f'select count(*) from {MARTS_SCHEMA}."{mart.name}"'
                ).fetchone()
                connection.execute(
                    f"insert or replace into {PUBLICATION_SCHEMA}.marts "
                    "(mart, published_at, invocation_id, as_of, row_count, held_since, "
                    "held_reason) values (?, ?, ?, ?, ?, null, null)",
                    [mart.name, now, invocation_id, as_of, rows[0] if rows else 0],
                )
                names.append(f"{MARTS_SCHEMA}.{mart.name}")
            for name, reason in sorted((held or {}).items()):
                connection.execute(
                    f"insert into {PUBLICATION_SCHEMA}.marts (mart, held_since, held_reason) "
                    "values (?, ?, ?) on conflict (mart) do update set "
                    "held_since = coalesce(marts.held_since, excluded.held_since), "
                    "held_reason = excluded.held_reason",
                    [name, now, reason],
                )
            connection.execute("detach audit")
            connection.execute("checkpoint")
        finally:
            connection.close()
        with _signals_held():
            os.replace(staging, published_path)
            if swapped is not None:
                swapped()
    finally:
        staging.unlink(missing_ok=True)
        Path(f"{staging}.wal").unlink(missing_ok=True)
        shutil.rmtree(f"{staging}.spill", ignore_errors=True)
    return names


def _copy_comments(connection: Any, mart: Mart) -> None:
    """The mart's table and column comments (its dbt descriptions, persist_docs) from the
    audit area onto the published copy: `create table as` carries data, not comments."""

    def literal(text: str) -> str:
        return "'" + text.replace("'", "''") + "'"

    where = "database_name = 'audit' and schema_name = ? and table_name = ?"
    table = connection.execute(
        f"select comment from duckdb_tables() where {where}", [mart.schema, mart.name]
    ).fetchone()
    target = f'{MARTS_SCHEMA}."{mart.name}"'
    if table and table[0]:
        connection.execute(f"comment on table {target} is {literal(table[0])}")
    for column, comment in connection.execute(
        f"select column_name, comment from duckdb_columns() where {where} and comment is not null",
        [mart.schema, mart.name],
    ).fetchall():
        name = column.replace('"', '""')
        connection.execute(f'comment on column {target}."{name}" is {literal(comment)}')


def _database(connection: Any) -> str:
    row = connection.execute("select current_database()").fetchone()
    return f'"{row[0]}"'


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT/SIGTERM for the instant of the swap (it is one rename anyway)."""
    import signal

    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    try:
        held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


def held(database: Path) -> dict[str, tuple[Any, str]]:
    """The marts of a published warehouse held at an earlier publication: name ->
    (held since, reason). Empty when every mart is from the last build."""
    import duckdb

    with duckdb.connect(str(database), read_only=True) as connection:
        columns = {
            row[0]
            for row in connection.execute(
                "select column_name from information_schema.columns "
                "where table_schema = ? and table_name = 'marts'",
                [PUBLICATION_SCHEMA],
            ).fetchall()
        }
        if "held_reason" not in columns:
            return {}
        rows = connection.execute(
            f"select mart, held_since, held_reason from {PUBLICATION_SCHEMA}.marts "
            "where held_reason is not null order by mart"
        ).fetchall()
    return {name: (since, reason) for name, since, reason in rows}


def fingerprints(database: Path, schema: str = MARTS_SCHEMA) -> dict[str, tuple[int, str]]:
    """Each table of `schema` in a DuckDB file: (row count, MD5 of its sorted rows).

    Two warehouses whose marts have equal fingerprints hold the same rows. Used by the
    fault-injection tests and handy for comparing two builds."""
    import duckdb

    with duckdb.connect(str(database), read_only=True) as connection:
        tables = [
            row[0]
            for row in connection.execute(
                "select table_name from information_schema.tables "
                "where table_schema = ? order by 1",
                [schema],
            ).fetchall()
        ]
        result = {}
        for name in tables:
            count, digest = connection.execute(
                "select count(*), md5(coalesce(string_agg(row_text, chr(10) "
                "order by row_text), '')) from (select cast(t as varchar) as row_text "
                f'from {schema}."{name}" as t)'
            ).fetchone()
            result[name] = (int(count), str(digest))
    return result
