"""`justice bench`: the speed and memory targets, measured on a generated lake.

Timed tests are flaky on shared machines, so targets live here instead: each step runs as
its own `justice` process in a scratch directory, and its wall time and peak memory (the
resident memory of the process and all its children together, sampled from /proc, or the
largest single resident set when that is larger) are compared with the target. Each step's
time is also given as a multiple of the raw-scan floor: how long DuckDB takes to read (and
materialise) the whole raw lake once, so the ratio stays comparable between machines and
loads. Because the machine may be shared, each step also records its own CPU seconds and
the share of the machine's CPU that other processes used meanwhile (from /proc/stat): a step
timed beside other work says so in its own row. The report is printed as one table and
written as JSON beside the scratch lake.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Annotated

import typer

from justice.console import PROJECT_ROOT, JusticeError, default_memory_limit

# Targets on the 2-core reference machine, per step: (fixed seconds, seconds per 100,000
# people, peak MiB, most multiples of the raw-scan floor or None). The fixed part is
# process and dbt start-up. Issue 13's goals at a million people: generate <= 5 minutes;
# full build <= 5 minutes, <= 8 GiB and <= 10 raw scans. Change a target only with a
# measurement in the commit message.
TARGETS: dict[str, tuple[float, float, float, float | None]] = {
    "generate": (10.0, 29.0, 2048.0, None),
    "build (first)": (30.0, 27.0, 8192.0, 10.0),
    "land (1 day)": (10.0, 40.0, 2048.0, None),
    "build (incremental after land)": (60.0, 60.0, 8192.0, None),
    "build (full refresh)": (30.0, 27.0, 8192.0, 10.0),
    "linkage evaluate": (10.0, 20.0, 2048.0, None),
}
SAMPLE_SECONDS = 0.25  # how often the process tree's memory is sampled
# a step during which other processes used more than this share of the machine's CPU is
# flagged: its time is not comparable with an idle run's
OTHERS_SHARE_WARNING = 0.10
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


@dataclass
class Step:
    name: str
    seconds: float
    peak_mib: float
    target_seconds: float
    target_mib: float
    floor_ratio: float | None = None
    target_ratio: float | None = None
    cpu_seconds: float | None = None  # the step's own processes, user + system
    others_share: float | None = None  # share of all cores other processes used meanwhile

    @property
    def ok(self) -> bool:
        ratio_ok = (
            self.target_ratio is None
            or self.floor_ratio is None
            or self.floor_ratio <= self.target_ratio
        )
        return self.seconds <= self.target_seconds and self.peak_mib <= self.target_mib and ratio_ok


def _children() -> dict[int, list[int]]:
    """Every process's children, from /proc/<pid>/stat (empty where there is no /proc)."""
    tree: dict[int, list[int]] = {}
    proc = Path("/proc")
    if not proc.is_dir():
        return tree
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # the process ended meanwhile
            continue
        # pid (comm) state ppid ...: comm may hold spaces, so split after its ')'
        ppid = int(stat.rpartition(")")[2].split()[1])
        tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def tree_rss_bytes(pid: int) -> int:
    """Resident memory of `pid` and all its descendants now, in bytes."""
    tree = _children()
    total, todo, seen = 0, [pid], set()
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        with contextlib.suppress(OSError, IndexError, ValueError):
            total += int(Path(f"/proc/{current}/statm").read_text().split()[1]) * PAGE_BYTES
        todo.extend(tree.get(current, []))
    return total


class TreePeak:
    """Samples the resident memory of a process tree in a thread until stopped."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, tree_rss_bytes(self.pid))
            self._stop.wait(SAMPLE_SECONDS)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def machine_busy_seconds() -> float | None:
    """CPU seconds all cores of the machine have spent busy since boot (/proc/stat), or
    None where there is no /proc/stat."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()
    except OSError:
        return None
    # cpu user nice system idle iowait irq softirq steal (guest time is inside user)
    ticks = [int(value) for value in fields[1:9]]
    busy = sum(ticks) - ticks[3] - ticks[4]
    return busy / os.sysconf("SC_CLK_TCK")


def others_share(
    busy_before: float | None, busy_after: float | None, own_cpu: float, seconds: float
) -> float | None:
    """The share of the machine's CPU (all cores over `seconds`) that processes other than
    the step's own used while it ran."""
    if busy_before is None or busy_after is None or seconds <= 0:
        return None
    others = max(0.0, busy_after - busy_before - own_cpu)
    return min(1.0, others / (seconds * (os.cpu_count() or 1)))


@dataclass
class Run:
    seconds: float
    peak_mib: float
    cpu_seconds: float
    others_share: float | None


def _run(name: str, args: list[str], env: dict[str, str], log: Path) -> Run:
    justice = str(Path(sys.executable).with_name("justice"))
    typer.echo(f"bench: {name} …", err=True)
    busy_before = machine_busy_seconds()
    started = time.perf_counter()
    with log.open("a") as out:
        out.write(f"\n=== {name}: justice {' '.join(args)}\n")
        out.flush()
        process = subprocess.Popen(
            [justice, *args], env=env, cwd=PROJECT_ROOT, stdout=out, stderr=subprocess.STDOUT
        )
        sampler = TreePeak(process.pid)
        _, status, usage = os.wait4(process.pid, 0)
        tree_peak = sampler.stop()
    seconds = time.perf_counter() - started
    busy_after = machine_busy_seconds()
    if os.waitstatus_to_exitcode(status) != 0:
        raise JusticeError(f"bench step '{name}' failed; see {log}")
    # the child's CPU, with that of any children it waited for (dbt and DuckDB run inside it)
    cpu = usage.ru_utime + usage.ru_stime
    # ru_maxrss (KiB on Linux): the largest single process, which a short peak between
    # two samples of the tree may exceed
    return Run(
        seconds,
        max(tree_peak / 2**20, usage.ru_maxrss / 1024),
        cpu,
        others_share(busy_before, busy_after, cpu, seconds),
    )


def raw_scan_seconds(lake: Path, *, memory_limit: str, temp_directory: Path) -> float:
    """The floor: seconds DuckDB takes to read every raw table of `lake` once, as the
    staging sources read it, into a table (one table at a time, dropped after)."""
    import duckdb

    from justice.lake.contract import TABLES

    temp_directory.mkdir(parents=True, exist_ok=True)
    config = {
        "memory_limit": memory_limit,
        "temp_directory": str(temp_directory),
        "preserve_insertion_order": False,
    }
    with duckdb.connect(config=config) as connection:
        started = time.perf_counter()
        for spec in TABLES:
            files = f"{lake}/raw/{spec.system}/{spec.name}/*/*.{spec.file_format}"
            if not list((lake / "raw" / spec.system / spec.name).glob(f"*/*.{spec.file_format}")):
                continue
            reader = (
                f"read_csv('{files}', header = true, all_varchar = true, hive_partitioning = true)"
                if spec.file_format == "csv"
                else f"read_parquet('{files}', hive_partitioning = true, union_by_name = true)"
            )
            connection.execute(f"create or replace temp table raw_scan as select * from {reader}")
            connection.execute("drop table raw_scan")
        return time.perf_counter() - started


def _link_lake(source: Path, target: Path) -> None:
    """A copy of the lake `source` that `justice land` may append to without touching the
    original: data files hard-linked (land only adds files), top-level files copied."""
    # made first: `_meta.json` sorts before the folders that would otherwise make it
    target.mkdir(parents=True, exist_ok=True)
    for path in sorted(source.rglob("*")):
        destination = target / path.relative_to(source)
        if path.is_dir():
            destination.mkdir(parents=True, exist_ok=True)
        elif path.parent == source:
            shutil.copy2(path, destination)
        else:
            destination.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(path, destination)
            except OSError:  # another file system
                shutil.copy2(path, destination)


# Issue 15's goal: a daily build after `justice land` costs at most this share of a full
# refresh of the same lake, measured back to back in one bench run.
DAILY_SHARE_TARGET = 0.15


def ratios(steps: list[Step], floor: float | None) -> dict[str, float | None]:
    """Daily incremental build / full refresh of the same lake (back to back in this run)
    and full refresh / the raw-scan floor."""
    seconds = {step.name: step.seconds for step in steps}
    daily = seconds.get("build (incremental after land)")
    full = seconds.get("build (full refresh)")
    return {
        "daily_over_full_refresh": None if not (daily and full) else round(daily / full, 3),
        "daily_target": DAILY_SHARE_TARGET,
        "full_refresh_over_floor": None if not (full and floor) else round(full / floor, 1),
    }


def _table(steps: list[Step]) -> list[str]:
    header = (
        "",
        "step",
        "seconds",
        "target",
        "peak MiB",
        "target",
        "× floor",
        "target",
        "cpu s",
        "others",
    )
    rows = [header]
    for step in steps:
        rows.append(
            (
                "ok" if step.ok else "MISS",
                step.name,
                f"{step.seconds:.1f}",
                f"{step.target_seconds:.0f}",
                f"{step.peak_mib:.0f}",
                f"{step.target_mib:.0f}",
                "" if step.floor_ratio is None else f"{step.floor_ratio:.1f}",
                "" if step.target_ratio is None else f"{step.target_ratio:.0f}",
                "" if step.cpu_seconds is None else f"{step.cpu_seconds:.0f}",
                "" if step.others_share is None else f"{step.others_share:.0%}",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    return [
        "  ".join(
            cell.ljust(width) if i < 2 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in rows
    ]


def _busy_warnings(steps: list[Step]) -> list[str]:
    """One line per step timed while other processes used a noticeable share of the CPU."""
    return [
        f"note: other processes used {step.others_share:.0%} of the CPU during "
        f"'{step.name}': its time is not comparable with an idle machine's"
        for step in steps
        if step.others_share is not None and step.others_share > OTHERS_SHARE_WARNING
    ]


def command(
    people: Annotated[int, typer.Option(min=100, help="People in the generated world.")] = 100_000,
    days: Annotated[int, typer.Option(min=1, help="Daily partitions before the landed day.")] = 14,
    lake: Annotated[
        Path | None,
        typer.Option(
            "--lake",
            help="Bench an existing lake (hard-linked into the scratch directory, so the "
            "landed day does not change it) instead of generating one; --people and --days "
            "are then read from it.",
        ),
    ] = None,
    directory: Annotated[
        Path, typer.Option("--dir", help="Scratch directory (emptied first).")
    ] = PROJECT_ROOT / "target" / "bench",
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit non-zero when a target is missed.")
    ] = False,
) -> None:
    """Time generate, build, land, incremental and full-refresh builds, and linkage, with
    peak memory and multiples of the raw-scan floor, against the targets."""
    if lake is not None:
        lake = lake.expanduser().resolve()
        meta = lake / "_meta.json"
        if not meta.is_file():
            raise JusticeError(f"{lake} is not a generated lake (no _meta.json)")
        recorded = json.loads(meta.read_text())
        people, days = int(recorded["people"]), int(recorded["days"])
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    scratch_lake = directory / "lake"
    env = dict(os.environ)
    env.update(
        JUSTICE_LAKE_PATH=str(scratch_lake),
        JUSTICE_DUCKDB_PATH=str(directory / "justice.duckdb"),
        DBT_TARGET_PATH=str(directory / "target"),
        DBT_LOG_PATH=str(directory / "logs"),
    )
    memory_limit = env.get("JUSTICE_DUCKDB_MEMORY_LIMIT") or default_memory_limit()
    env["JUSTICE_DUCKDB_MEMORY_LIMIT"] = memory_limit
    log = directory / "bench.log"
    plan = [
        ("build (first)", ["build"]),
        ("land (1 day)", ["land"]),
        ("build (incremental after land)", ["build"]),
        ("build (full refresh)", ["build", "--full-refresh"]),
        ("linkage evaluate", ["linkage", "evaluate"]),
    ]
    if lake is None:
        plan.insert(0, ("generate", ["generate", "--people", str(people), "--days", str(days)]))
    else:
        _link_lake(lake, scratch_lake)
    scale = people / 100_000
    steps: list[Step] = []
    floor: float | None = None
    for name, args in plan:
        if floor is None and name != "generate":
            typer.echo("bench: raw-scan floor …", err=True)
            floor = raw_scan_seconds(
                scratch_lake, memory_limit=memory_limit, temp_directory=directory / "floor.spill"
            )
        run = _run(name, args, env, log)
        fixed, per_100k, target_mib, target_ratio = TARGETS[name]
        steps.append(
            Step(
                name,
                run.seconds,
                run.peak_mib,
                fixed + per_100k * scale,
                target_mib,
                None if floor is None or name == "generate" else run.seconds / floor,
                target_ratio,
                run.cpu_seconds,
                run.others_share,
            )
        )
    lake_mib = sum(f.stat().st_size for f in scratch_lake.rglob("*") if f.is_file())
    report = {
        "people": people,
        "days": days,
        "cores": os.cpu_count(),
        "load_average": list(os.getloadavg()),
        "duckdb_memory_limit": memory_limit,
        "lake_mib": round(lake_mib / 2**20, 1),
        "raw_scan_floor_seconds": None if floor is None else round(floor, 2),
        "steps": [asdict(step) | {"ok": step.ok} for step in steps],
        "ratios": ratios(steps, floor),
    }
    (directory / "report.json").write_text(json.dumps(report, indent=2))
    typer.echo(
        f"justice bench: {people:,} people, {days} days, lake {report['lake_mib']} MiB, "
        f"raw-scan floor {report['raw_scan_floor_seconds']}s, DuckDB memory limit "
        f"{memory_limit}, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    for line in _table(steps):
        typer.echo(f"  {line}")
    share = report["ratios"]["daily_over_full_refresh"]
    daily_ok = share is None or share <= DAILY_SHARE_TARGET
    typer.echo(
        f"  {'ok' if daily_ok else 'MISS'}  daily incremental / full refresh = {share} "
        f"(target <= {DAILY_SHARE_TARGET}); full refresh / raw-scan floor = "
        f"{report['ratios']['full_refresh_over_floor']}"
    )
    for warning in _busy_warnings(steps):
        typer.echo(f"  {warning}")
    typer.echo(f"report: {directory / 'report.json'}")
    if strict and not (daily_ok and all(step.ok for step in steps)):
        missed = ", ".join(
            [step.name for step in steps if not step.ok] + ([] if daily_ok else ["daily share"])
        )
        typer.echo(f"justice bench --strict: missed {missed}", err=True)
        raise typer.Exit(1)
