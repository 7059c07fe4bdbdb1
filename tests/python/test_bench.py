"""`justice bench`'s measuring pieces (the timed run itself is too slow for the suite), and
the DuckDB resource limits the harness gives every local dbt run."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from justice import bench
from justice.console import Settings, default_memory_limit


def test_tree_rss_counts_children() -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", "import time; x = bytearray(64 * 2**20); time.sleep(30)"]
    )
    try:
        sampler = bench.TreePeak(os.getpid())
        deadline = 50
        while bench.tree_rss_bytes(child.pid) < 64 * 2**20 and deadline:
            deadline -= 1
            subprocess.run(["sleep", "0.1"], check=True)
        alone = bench.tree_rss_bytes(child.pid)
        together = bench.tree_rss_bytes(os.getpid())
        assert alone >= 64 * 2**20
        assert together >= alone
        assert sampler.stop() > 0
    finally:
        child.kill()
        child.wait()


def test_raw_scan_floor_reads_the_lake(small_lake: Path, tmp_path: Path) -> None:
    seconds = bench.raw_scan_seconds(
        small_lake, memory_limit="1GiB", temp_directory=tmp_path / "spill"
    )
    assert 0 < seconds < 60


def test_an_existing_lake_is_linked_not_changed(small_lake: Path, tmp_path: Path) -> None:
    copy = tmp_path / "bench" / "lake"
    bench._link_lake(small_lake, copy)
    originals = sorted(p.relative_to(small_lake) for p in small_lake.rglob("*") if p.is_file())
    assert originals == sorted(p.relative_to(copy) for p in copy.rglob("*") if p.is_file())
    assert (copy / "_meta.json").read_text() == (small_lake / "_meta.json").read_text()
    data = next(p for p in originals if p.suffix == ".parquet")
    assert (copy / data).stat().st_ino == (small_lake / data).stat().st_ino  # hard link
    # what `justice land` does to the copy's top-level files leaves the original alone
    (copy / "_meta.json").write_text("{}")
    assert (small_lake / "_meta.json").read_text() != "{}"


def test_strict_targets_and_one_table() -> None:
    fast = bench.Step("build (first)", 100, 2000, 300, 8192, 4.0, 10)
    over_floor = bench.Step("build (full refresh)", 100, 2000, 300, 8192, 12.0, 10)
    generate = bench.Step("generate", 100, 2000, 90, 2048)
    assert fast.ok and not over_floor.ok and not generate.ok
    lines = bench._table([fast, over_floor, generate])
    assert len(lines) == 4
    assert lines[1].startswith("ok") and lines[2].startswith("MISS")


def test_other_work_during_a_step_is_measured_and_flagged() -> None:
    cores = os.cpu_count() or 1
    # 10 s on every core: the step busy 4 s, others 2 s per core (a fifth of the machine)
    assert bench.others_share(100.0, 104.0 + 2 * cores, 4.0, 10.0) == pytest.approx(0.2)
    assert bench.others_share(100.0, 103.0, 4.0, 10.0) == 0.0  # ticks round down
    assert bench.others_share(None, 3.0, 1.0, 10.0) is None
    busy = bench.machine_busy_seconds()
    assert busy is None or busy > 0
    quiet = bench.Step("build (first)", 100, 2000, 300, 8192, 4.0, 10, 150.0, 0.02)
    loaded = bench.Step("build (full refresh)", 100, 2000, 300, 8192, 4.0, 10, 150.0, 0.35)
    warnings = bench._busy_warnings([quiet, loaded])
    assert len(warnings) == 1 and "35%" in warnings[0] and "full refresh" in warnings[0]
    header, quiet_row, loaded_row = bench._table([quiet, loaded])
    assert header.split()[-3:] == ["cpu", "s", "others"]
    assert quiet_row.endswith("2%") and loaded_row.endswith("35%") and " 150 " in quiet_row


def test_duckdb_limits_default_from_the_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("MEMORY_LIMIT", "TEMP_DIRECTORY", "THREADS"):
        monkeypatch.delenv(f"JUSTICE_DUCKDB_{name}", raising=False)
    settings = Settings.from_env()
    resources = settings.dbt_variables()
    assert resources["JUSTICE_DUCKDB_MEMORY_LIMIT"] == default_memory_limit()
    assert resources["JUSTICE_DUCKDB_TEMP_DIRECTORY"] == f"{settings.duckdb_path}.spill"
    assert int(resources["JUSTICE_DUCKDB_THREADS"]) >= 1
    monkeypatch.setenv("JUSTICE_DUCKDB_MEMORY_LIMIT", "3GB")
    assert Settings.from_env().dbt_variables()["JUSTICE_DUCKDB_MEMORY_LIMIT"] == "3GB"


def test_memory_default_respects_a_container_limit(tmp_path: Path) -> None:
    """A container's memory limit (cgroup v2 memory.max, v1 memory.limit_in_bytes) lower
    than the machine's memory sets the default; "max" or a huge v1 value does not."""
    machine = default_memory_limit(tmp_path / "none")
    v2 = tmp_path / "v2"
    v2.mkdir()
    (v2 / "memory.max").write_text(f"{4 * 2**30}\n")
    assert default_memory_limit(v2) == "1.0GiB"
    (v2 / "memory.max").write_text("max\n")
    assert default_memory_limit(v2) == machine
    v1 = tmp_path / "v1" / "memory"
    v1.mkdir(parents=True)
    (v1 / "memory.limit_in_bytes").write_text("9223372036854771712\n")
    assert default_memory_limit(tmp_path / "v1") == machine
    (v1 / "memory.limit_in_bytes").write_text(f"{2 * 2**30}\n")
    assert default_memory_limit(tmp_path / "v1") == "0.5GiB"
