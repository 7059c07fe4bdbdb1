"""The `justice` command: one entry point for generating, building and querying.

Every failure is one clear message on stderr and a non-zero exit code; a stack trace is
shown only with JUSTICE_DEBUG=1.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from justice import bench as bench_commands
from justice import check as check_commands
from justice import docs as docs_commands
from justice import lint as lint_commands
from justice import pii_scan as pii_scan_commands
from justice.athena_cli import register as register_athena
from justice.settings import JusticeError, Settings

app = typer.Typer(
    help="Analytics engineering for criminal-justice data: generate, build, query.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

from justice.linkage.commands import app as linkage_app  # noqa: E402

app.add_typer(linkage_app, name="linkage")


def _say(message: str) -> None:
    typer.echo(message, err=True)


def _fail(message: str, code: int = 1) -> None:
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)
    raise typer.Exit(code)


LakeOption = Annotated[
    Path | None,
    typer.Option("--lake", help="Lake directory (default: $JUSTICE_LAKE_PATH or data/lake)."),
]


def _settings(lake: Path | None = None) -> Settings:
    settings = Settings.from_env()
    if lake is not None:
        os.environ["JUSTICE_LAKE_PATH"] = str(lake.resolve())
        settings = Settings.from_env()
    return settings


@app.command()
def generate(
    lake: LakeOption = None,
    seed: Annotated[int, typer.Option(help="Random seed: same seed, same lake.")] = 42,
    people: Annotated[int, typer.Option(min=1, help="People in the simulated world.")] = 5000,
    days: Annotated[
        int, typer.Option(min=0, help="Daily change partitions after the full load.")
    ] = 14,
    start: Annotated[str, typer.Option(help="Date of the full load (YYYY-MM-DD).")] = "2026-01-01",
    if_missing: Annotated[
        bool, typer.Option("--if-missing", help="Do nothing when a lake already exists.")
    ] = False,
) -> None:
    """Write a synthetic raw lake (all four systems) and its ground truth."""
    from justice.lake import land as generator

    settings = _settings(lake)
    if if_missing and (settings.lake_path / "_meta.json").exists():
        _say(f"lake exists at {settings.lake_path}; leaving it (drop --if-missing to rebuild)")
        return
    try:
        start_date = dt.date.fromisoformat(start)
    except ValueError:
        _fail(f"--start must be a date like 2026-01-01, not {start!r}")
    started = time.perf_counter()
    summary = generator.generate(
        settings.lake_path, seed=seed, people=people, days=days, start=start_date, progress=_say
    )
    _say(f"generated {settings.lake_path} in {time.perf_counter() - started:.1f}s")
    typer.echo(json.dumps(summary, indent=2, default=str))


@app.command()
def land(
    lake: LakeOption = None,
    days: Annotated[int, typer.Option(min=1, help="How many more days to land.")] = 1,
) -> None:
    """Append the next day's change partition(s) to an existing lake."""
    from justice.lake import land as generator

    settings = _settings(lake)
    summary = generator.land(settings.lake_path, days=days, progress=_say)
    typer.echo(json.dumps(summary, indent=2, default=str))


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def build(
    ctx: typer.Context,
    target: Annotated[str | None, typer.Option("--target", "-t", help="dbt target.")] = None,
    select: Annotated[
        list[str] | None, typer.Option("--select", "-s", help="dbt node selection.")
    ] = None,
    exclude: Annotated[
        list[str] | None, typer.Option("--exclude", help="Nodes to leave out.")
    ] = None,
    vars_: Annotated[
        str | None,
        typer.Option("--vars", help="dbt vars as YAML/JSON, e.g. '{as_of: 2026-01-05}'."),
    ] = None,
    full_refresh: Annotated[
        bool, typer.Option("--full-refresh", help="Rebuild incrementals.")
    ] = False,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Build as known on this date (YYYY-MM-DD): sets var as_of."),
    ] = None,
    fail_fast: Annotated[
        bool, typer.Option("--fail-fast", help="Stop at the first failure.")
    ] = False,
    lake: LakeOption = None,
) -> None:
    """Run `dbt build` with the project's profile and print a short summary.

    Extra arguments after `--` go to dbt unchanged.
    """
    from justice.dbt_runner import run_dbt, summarise

    settings = _settings(lake)
    args = ["build"]
    if target:
        args += ["--target", target]
    for item in select or []:
        args += ["--select", item]
    for item in exclude or []:
        args += ["--exclude", item]
    if as_of is not None:
        vars_ = _with_as_of(vars_, as_of)
    if vars_:
        args += ["--vars", vars_]
    if full_refresh:
        args.append("--full-refresh")
    if fail_fast:
        args.append("--fail-fast")
    args += list(ctx.args)
    if (target or settings.target) == "local" and not (settings.lake_path / "raw").exists():
        _fail(
            f"no raw lake at {settings.lake_path}: run `justice generate` first "
            "(or set JUSTICE_LAKE_PATH)."
        )
    run_results = settings.target_path / "run_results.json"
    run_results.unlink(missing_ok=True)
    code = run_dbt(args, settings)
    summary = summarise(run_results)
    typer.echo(summary.render())
    if code != 0 or not summary.ok:
        raise typer.Exit(code or 1)


def _with_as_of(vars_: str | None, as_of: str) -> str:
    """dbt --vars with as_of set: `--as-of` wins over an as_of given in --vars."""
    import yaml

    try:
        dt.date.fromisoformat(as_of)
    except ValueError:
        _fail(f"--as-of must be a date like 2026-01-05, not {as_of!r}")
    parsed = yaml.safe_load(vars_) if vars_ else {}
    if not isinstance(parsed, dict):
        _fail(f"--vars must be a YAML/JSON mapping, not {vars_!r}")
    return json.dumps({**parsed, "as_of": as_of})


@app.command()
def query(
    sql: Annotated[str, typer.Argument(help="SQL to run (read-only).")],
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV instead of a table.")] = False,
    limit: Annotated[int, typer.Option(help="Rows shown in table output.")] = 100,
    target: Annotated[str | None, typer.Option("--target", "-t", help="local or athena.")] = None,
) -> None:
    """Run a read-only query against the local warehouse (or Athena with --target athena)."""
    from justice.query import format_csv, format_table, run_query

    settings = Settings.from_env()
    if (target or settings.target) == "athena":
        from justice.athena_query import run_query as run_athena_query

        columns, rows = run_athena_query(sql)
    else:
        columns, rows = run_query(sql, settings)
    typer.echo(
        format_csv(columns, rows) if as_csv else format_table(columns, rows, limit), nl=not as_csv
    )


# commands that live in their own modules
app.command("lint")(lint_commands.command)
app.command("check")(check_commands.command)
app.command("docs")(docs_commands.command)
app.command("bench")(bench_commands.command)
app.command("pii-scan")(pii_scan_commands.command)
register_athena(app)


def main() -> None:
    try:
        app()
    except JusticeError as error:
        typer.secho(f"error: {error}", err=True, fg=typer.colors.RED)
        sys.exit(2)
    except Exception as error:  # noqa: BLE001 - last line of defence for users
        if os.environ.get("JUSTICE_DEBUG"):
            raise
        name = type(error).__name__
        typer.secho(
            f"error: {name}: {error} (set JUSTICE_DEBUG=1 for details)",
            err=True,
            fg=typer.colors.RED,
        )
        sys.exit(1)


if __name__ == "__main__":
    main()
