"""`justice bench`: the speed and memory targets, measured on a generated lake.

Timed tests are flaky on shared machines, so targets live here instead: each step runs as
its own `justice` process in a scratch directory, and its wall time and peak memory (the
largest resident set of the process and everything it waited for) are compared with the
target. The report is printed and written as JSON beside the scratch lake.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Annotated

import typer

from justice.console import PROJECT_ROOT, JusticeError

# Targets on the 2-core reference machine, per step: (fixed seconds, seconds per 100,000
# people, peak MiB). The fixed part is process and dbt start-up. Change a target only with
# a measurement in the commit message.
TARGETS: dict[str, tuple[float, float, float]] = {
    "generate": (10.0, 60.0, 2048.0),
    "build (first)": (60.0, 60.0, 4096.0),
    "land (1 day)": (10.0, 40.0, 2048.0),
    "build (incremental after land)": (60.0, 60.0, 4096.0),
    "build (full refresh)": (60.0, 60.0, 4096.0),
    "linkage evaluate": (10.0, 20.0, 2048.0),
}


@dataclass
class Step:
    name: str
    seconds: float
    peak_mib: float
    target_seconds: float
    target_mib: float

    @property
    def ok(self) -> bool:
        return self.seconds <= self.target_seconds and self.peak_mib <= self.target_mib


def _run(name: str, args: list[str], env: dict[str, str], log: Path) -> tuple[float, float]:
    justice = str(Path(sys.executable).with_name("justice"))
    typer.echo(f"bench: {name} …", err=True)
    started = time.perf_counter()
    with log.open("a") as out:
        out.write(f"\n=== {name}: justice {' '.join(args)}\n")
        out.flush()
        process = subprocess.Popen(
            [justice, *args], env=env, cwd=PROJECT_ROOT, stdout=out, stderr=subprocess.STDOUT
        )
        _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise JusticeError(f"bench step '{name}' failed; see {log}")
    return seconds, usage.ru_maxrss / 1024  # ru_maxrss is KiB on Linux


def command(
    people: Annotated[int, typer.Option(min=100, help="People in the generated world.")] = 100_000,
    days: Annotated[int, typer.Option(min=1, help="Daily partitions before the landed day.")] = 14,
    directory: Annotated[
        Path, typer.Option("--dir", help="Scratch directory (emptied first).")
    ] = PROJECT_ROOT / "target" / "bench",
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit non-zero when a target is missed.")
    ] = False,
) -> None:
    """Time generate, build, land, incremental and full-refresh builds, and linkage."""
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    env = dict(os.environ)
    env.update(
        JUSTICE_LAKE_PATH=str(directory / "lake"),
        JUSTICE_DUCKDB_PATH=str(directory / "justice.duckdb"),
        DBT_TARGET_PATH=str(directory / "target"),
        DBT_LOG_PATH=str(directory / "logs"),
    )
    log = directory / "bench.log"
    plan = [
        ("generate", ["generate", "--people", str(people), "--days", str(days)]),
        ("build (first)", ["build"]),
        ("land (1 day)", ["land"]),
        ("build (incremental after land)", ["build"]),
        ("build (full refresh)", ["build", "--full-refresh"]),
        ("linkage evaluate", ["linkage", "evaluate"]),
    ]
    scale = people / 100_000
    steps: list[Step] = []
    for name, args in plan:
        seconds, peak = _run(name, args, env, log)
        fixed, per_100k, target_mib = TARGETS[name]
        steps.append(Step(name, seconds, peak, fixed + per_100k * scale, target_mib))
    lake_mib = sum(f.stat().st_size for f in (directory / "lake").rglob("*") if f.is_file())
    report = {
        "people": people,
        "days": days,
        "cores": os.cpu_count(),
        "lake_mib": round(lake_mib / 2**20, 1),
        "steps": [asdict(step) | {"ok": step.ok} for step in steps],
        "ratios": daily_ratios(steps, directory / "lake"),
    }
    (directory / "report.json").write_text(json.dumps(report, indent=2))
    width = max(len(step.name) for step in steps)
    typer.echo(f"justice bench: {people:,} people, {days} days, lake {report['lake_mib']} MiB")
    for step in steps:
        mark = "ok  " if step.ok else "SLOW"
        typer.echo(
            f"  {mark} {step.name.ljust(width)}  {step.seconds:8.1f}s (target "
            f"{step.target_seconds:6.0f}s)  {step.peak_mib:7.0f} MiB (target {step.target_mib:.0f})"
        )
    ratios = report["ratios"]
    typer.echo(
        f"  daily incremental / full refresh = {ratios['daily_over_full_refresh']:.3f}; "
        f"full refresh / raw-scan floor ({ratios['raw_scan_seconds']:.1f}s) = "
        f"{ratios['full_refresh_over_raw_scan']:.1f}; load average {ratios['load_average']}"
    )
    typer.echo(f"report: {directory / 'report.json'}")
    if strict and not all(step.ok for step in steps):
        raise typer.Exit(1)


# ---------------------------------------------------------------- ratios (issue 15)


def raw_scan_seconds(lake: Path) -> float:
    """The floor a build cannot beat: one DuckDB pass reading every column of every raw
    file (each table's files in one scan), in seconds."""
    import duckdb

    from justice.lake.contract import TABLES

    started = time.perf_counter()
    with duckdb.connect() as connection:
        for table in TABLES:
            root = lake / "raw" / table.system / table.name
            for suffix, reader in (("parquet", "read_parquet"), ("csv", "read_csv")):
                files = sorted(str(path) for path in root.glob(f"*/*.{suffix}"))
                if files:
                    options = ", all_varchar = true" if suffix == "csv" else ""
                    connection.execute(
                        f"select sum(hash(columns(*))) from {reader}(?{options})", [files]
                    ).fetchall()
    return time.perf_counter() - started


def daily_ratios(steps: list[Step], lake: Path) -> dict[str, float | str]:
    """Daily incremental build / full refresh of the same lake (back to back in this
    run), and full refresh / the raw-scan floor, with the load average beside them."""
    seconds = {step.name: step.seconds for step in steps}
    daily, full = seconds["build (incremental after land)"], seconds["build (full refresh)"]
    floor = raw_scan_seconds(lake)
    return {
        "daily_over_full_refresh": round(daily / full, 3),
        "full_refresh_over_raw_scan": round(full / floor, 1),
        "raw_scan_seconds": round(floor, 2),
        "load_average": " ".join(f"{value:.2f}" for value in os.getloadavg()),
    }
