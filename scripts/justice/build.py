"""`justice build`: `dbt build` with the project's profile, target and vars, and a short
summary read from dbt's results (dbt already knows what passed; its log is not re-parsed).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Annotated

import typer

from justice import dbt
from justice.console import JusticeError, LakeOption, Settings, fail


@dataclass
class Summary:
    counts: Counter = field(default_factory=Counter)
    failures: list[tuple[str, str, str]] = field(default_factory=list)  # status, node, message
    warnings: list[tuple[str, str]] = field(default_factory=list)
    elapsed: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failures

    def render(self) -> str:
        c = self.counts
        lines = [
            f"justice build: {c['passed']} passed, {c['warned']} warned, "
            f"{c['failed']} failed, {c['skipped']} skipped in {self.elapsed:.1f}s"
        ]
        for status, node, message in self.failures:
            first_line = (message or "").strip().splitlines()[:1]
            lines.append(f"  FAILED {node} ({status}): {first_line[0] if first_line else ''}")
        for node, message in self.warnings[:20]:
            first_line = (message or "").strip().splitlines()[:1]
            lines.append(f"  warned {node}: {first_line[0] if first_line else ''}")
        if len(self.warnings) > 20:
            lines.append(f"  … and {len(self.warnings) - 20} more warnings")
        return "\n".join(lines)


def summarise(result: dbt.DbtResult) -> Summary:
    """The summary of a dbt run, from its node results (what run_results.json holds)."""
    if not result.results and result.exception is not None:
        raise JusticeError(f"dbt failed before running anything: {result.describe_failure()}")
    summary = Summary(elapsed=result.elapsed)
    for node in result.results:
        if node.status in dbt.PASSED:
            summary.counts["passed"] += 1
        elif node.status in dbt.WARNED:
            summary.counts["warned"] += 1
            summary.warnings.append((node.unique_id, node.message))
        elif node.status in dbt.FAILED:
            summary.counts["failed"] += 1
            summary.failures.append((node.status, node.unique_id, node.message))
        elif node.status in dbt.SKIPPED:
            summary.counts["skipped"] += 1
        else:
            summary.counts[node.status] += 1
    return summary


def with_as_of(vars_: str | None, as_of: str) -> str:
    """dbt --vars with as_of set: `--as-of` wins over an as_of given in --vars."""
    import yaml

    try:
        dt.date.fromisoformat(as_of)
    except ValueError:
        fail(f"--as-of must be a date like 2026-01-05, not {as_of!r}")
    parsed = yaml.safe_load(vars_) if vars_ else {}
    if not isinstance(parsed, dict):
        fail(f"--vars must be a YAML/JSON mapping, not {vars_!r}")
    return json.dumps({**parsed, "as_of": as_of})


def command(
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
    settings = Settings.from_env(lake=lake)
    args = ["build"]
    if target:
        args += ["--target", target]
    for item in select or []:
        args += ["--select", item]
    for item in exclude or []:
        args += ["--exclude", item]
    if as_of is not None:
        vars_ = with_as_of(vars_, as_of)
    if vars_:
        args += ["--vars", vars_]
    if full_refresh:
        args.append("--full-refresh")
    if fail_fast:
        args.append("--fail-fast")
    args += list(ctx.args)
    if (target or settings.target) == "local" and not (settings.lake_path / "raw").exists():
        fail(
            f"no raw lake at {settings.lake_path}: run `justice generate` first "
            "(or set JUSTICE_LAKE_PATH)."
        )
    result = dbt.invoke(args, settings)
    summary = summarise(result)
    typer.echo(summary.render())
    if not result.success or not summary.ok:
        raise typer.Exit(1)


# extra arguments after `--` go to dbt
CONTEXT_SETTINGS = {"allow_extra_args": True, "ignore_unknown_options": True}
