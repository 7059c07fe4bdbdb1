"""`justice query`: read-only queries against the local warehouse (DuckDB), or against
Athena (the production warehouse, through pyathena) with `--target athena`, printed as a
table or CSV.

Athena settings come from the same environment variables as profiles/profiles.yml's
athena target, so `justice query --target athena` reads what `justice build --target
athena` wrote. Credentials come from the usual AWS chain, never from here.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any

import sqlglot
import typer
from sqlglot import exp
from sqlglot.errors import SqlglotError

from justice.console import JusticeError, Settings

# ---------------------------------------------------------------------------------------
# the local warehouse


# What a query may not do, however it is written: read or write files (copy, export,
# attach, read_csv/read_text of any path, install/load), or change these settings back.
READ_ONLY_CONFIG = {"enable_external_access": False, "lock_configuration": True}


def run_query(
    sql: str, settings: Settings, *, audit: bool = False
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Run `sql` against the published marts (or, with `audit`, the build warehouse: the
    audit area, with staging, history, the quarantine and the stored test failures).

    The database is opened read-only with external access disabled and the configuration
    locked: no statement can write a file, read one outside the warehouse, or attach
    another database. The published file is never held open by a build, so queries run
    (on the last published marts) while a build is running."""
    import duckdb

    path = settings.duckdb_path if audit else settings.published_path
    if not path.exists():
        raise JusticeError(
            f"no local warehouse at {settings.duckdb_path}: run `justice build` first."
            if audit
            else f"nothing published yet at {path}: run `justice build` (the marts are "
            "published when every test passes; `--audit` queries the build's own area)."
        )
    try:
        connection = duckdb.connect(str(path), read_only=True, config=READ_ONLY_CONFIG)
    except duckdb.IOException as error:
        if "lock" in str(error).lower():
            raise JusticeError(
                f"{path} is being built right now (dbt holds it): query the published "
                "marts instead (drop --audit), or wait for the build to finish."
            ) from None
        raise JusticeError(f"cannot open {path}: {error}") from None
    try:
        cursor = connection.execute(sql)
        columns = [d[0] for d in cursor.description or []]
        rows = cursor.fetchall()
    except duckdb.Error as error:
        raise JusticeError(f"query failed: {error}") from None
    finally:
        connection.close()
    return columns, rows


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def format_table(columns: Sequence[str], rows: Sequence[Sequence[Any]], limit: int) -> str:
    shown = [[_text(v) for v in row] for row in rows[:limit]]
    widths = [len(c) for c in columns]
    for row in shown:
        widths = [max(w, len(v)) for w, v in zip(widths, row, strict=True)]

    def line(values: Sequence[str]) -> str:
        return " | ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)).rstrip()

    out = [line(columns), "-+-".join("-" * w for w in widths)]
    out += [line(row) for row in shown]
    footer = f"({len(rows)} row{'s' if len(rows) != 1 else ''}"
    footer += f", first {limit} shown)" if len(rows) > limit else ")"
    out.append(footer)
    return "\n".join(out)


def format_csv(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([[_text(v) for v in row] for row in rows])
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------
# Athena


_READ_ONLY = (exp.Query, exp.Describe, exp.Show)


@dataclass(frozen=True)
class AthenaSettings:
    region: str
    s3_staging_dir: str
    s3_data_dir: str | None
    work_group: str
    schema_prefix: str
    catalog: str

    @classmethod
    def from_env(cls) -> AthenaSettings:
        staging = os.environ.get("JUSTICE_ATHENA_S3_STAGING_DIR")
        if not staging:
            raise JusticeError(
                "JUSTICE_ATHENA_S3_STAGING_DIR is not set: point it at the S3 prefix for "
                "Athena query results (e.g. s3://my-bucket/athena-results/)."
            )
        return cls(
            region=os.environ.get("JUSTICE_ATHENA_REGION", "eu-west-2"),
            s3_staging_dir=staging,
            s3_data_dir=os.environ.get("JUSTICE_ATHENA_S3_DATA_DIR"),
            work_group=os.environ.get("JUSTICE_ATHENA_WORKGROUP", "primary"),
            schema_prefix=os.environ.get("JUSTICE_ATHENA_SCHEMA_PREFIX", "justice"),
            catalog=os.environ.get("JUSTICE_ATHENA_CATALOG", "awsdatacatalog"),
        )

    @property
    def default_schema(self) -> str:
        """Unqualified table names resolve in the marts schema, as analysts expect."""
        return f"{self.schema_prefix}_marts"


def ensure_read_only(sql: str) -> None:
    try:
        statements = [s for s in sqlglot.parse(sql, read="athena") if s is not None]
    except SqlglotError as error:
        raise JusticeError(f"cannot read the query: {str(error).splitlines()[0]}") from None
    if not statements or not all(isinstance(s, _READ_ONLY) for s in statements):
        raise JusticeError("justice query runs read-only queries (select, show, describe).")


def run_athena_query(
    sql: str, settings: AthenaSettings | None = None
) -> tuple[list[str], list[tuple[Any, ...]]]:
    from pyathena import connect
    from pyathena.error import Error as AthenaError

    ensure_read_only(sql)
    settings = settings or AthenaSettings.from_env()
    try:
        connection = connect(
            s3_staging_dir=settings.s3_staging_dir,
            region_name=settings.region,
            work_group=settings.work_group,
            catalog_name=settings.catalog,
            schema_name=settings.default_schema,
        )
        with connection, connection.cursor() as cursor:
            cursor.execute(sql)
            columns = [d[0] for d in cursor.description or []]
            rows = [tuple(row) for row in cursor.fetchall()]
    except AthenaError as error:
        raise JusticeError(f"Athena query failed: {error}") from None
    return columns, rows


# ---------------------------------------------------------------------------------------
# the command


def command(
    sql: Annotated[str, typer.Argument(help="SQL to run (read-only).")],
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV instead of a table.")] = False,
    limit: Annotated[int, typer.Option(help="Rows shown in table output.")] = 100,
    target: Annotated[str | None, typer.Option("--target", "-t", help="local or athena.")] = None,
    audit: Annotated[
        bool,
        typer.Option(
            "--audit",
            help="Query the build warehouse (staging, history, quarantine, audit.* test "
            "failures) instead of the published marts (local only).",
        ),
    ] = False,
) -> None:
    """Run a read-only query against the published marts (or Athena with --target athena).

    Locally nothing can be written and no file outside the warehouse read."""
    settings = Settings.from_env()
    if (target or settings.target) == "athena":
        columns, rows = run_athena_query(sql)
    else:
        columns, rows = run_query(sql, settings, audit=audit)
        if not audit:
            _warn_held(settings)
    typer.echo(
        format_csv(columns, rows) if as_csv else format_table(columns, rows, limit), nl=not as_csv
    )


def _warn_held(settings: Settings) -> None:
    """Marts from two builds side by side are never silent: name the held ones (on
    stderr, so `--csv` output stays clean)."""
    from justice.publish import held

    try:
        marts = held(settings.published_path)
    except Exception:  # noqa: BLE001 - a note, never a reason for the query to fail
        return
    if marts:
        typer.secho(
            f"note: {len(marts)} mart(s) are held at an earlier publication (a source was "
            f"stopped by the lake contract): {', '.join(marts)}; see publication.marts",
            err=True,
            fg=typer.colors.YELLOW,
        )
