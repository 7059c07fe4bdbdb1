"""Shared fixtures: a small generated lake and a warehouse built from it with the real
harness (`justice build`), each in a temporary directory so the developer's own lake and
warehouse are never touched."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pytest

from justice.lake import land as generator

JUSTICE = str(Path(sys.executable).with_name("justice"))

# Small enough to build in well under a minute, large enough that every realism item and
# every table occurs. JUSTICE_TEST_SEED and JUSTICE_TEST_PEOPLE run the suite on another
# lake (what a reviewer does): no test may depend on this seed's particular rows.
SMALL_LAKE = {
    "seed": int(os.environ.get("JUSTICE_TEST_SEED", "11")),
    "people": int(os.environ.get("JUSTICE_TEST_PEOPLE", "600")),
    "days": 5,
}


def scaled(count: int) -> int:
    """A floor on how many rows a test compares (so that it cannot pass on next to
    nothing), given for the default 600 people and scaled to the session lake's."""
    return count * SMALL_LAKE["people"] // 600


@dataclass
class Warehouse:
    """A lake plus a local warehouse built from it; `build` and `query` as a user would."""

    lake: Path
    root: Path

    @property
    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            JUSTICE_LAKE_PATH=str(self.lake),
            JUSTICE_DUCKDB_PATH=str(self.root / "justice.duckdb"),
            DBT_TARGET_PATH=str(self.root / "target"),
            DBT_LOG_PATH=str(self.root / "logs"),
        )
        return env

    def justice(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        completed = subprocess.run(
            [JUSTICE, *args], env=self.env, capture_output=True, text=True, check=False
        )
        if check and completed.returncode != 0:
            raise AssertionError(
                f"justice {' '.join(args)} exited {completed.returncode}\n"
                f"--- stdout (tail)\n{completed.stdout[-6000:]}\n"
                f"--- stderr (tail)\n{completed.stderr[-3000:]}"
            )
        return completed

    def build(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.justice("build", *args, check=check)

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        with duckdb.connect(str(self.root / "justice.duckdb"), read_only=True) as con:
            return con.execute(sql).fetchall()

    def scalar(self, sql: str) -> Any:
        return self.query(sql)[0][0]


def make_lake(path: Path, **overrides: int) -> Path:
    options = {**SMALL_LAKE, **overrides}
    generator.generate(path, **options)
    return path


@pytest.fixture(scope="session")
def small_lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A freshly generated small lake, shared read-only by the whole session."""
    return make_lake(tmp_path_factory.mktemp("lake") / "lake")


@pytest.fixture(scope="session")
def built_small(small_lake: Path, tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    """The small lake built once with `justice build --unit-tests` (as CI builds), shared
    by every module that only reads the result: linkage, marts and review. A test that
    changes it (a planted table, another salt) puts it back before it ends."""
    warehouse = Warehouse(lake=small_lake, root=tmp_path_factory.mktemp("built_small"))
    warehouse.build("--unit-tests")
    # kept: later commands on the shared warehouse write their own run results
    target = warehouse.root / "target"
    shutil.copyfile(target / "run_results.json", warehouse.root / "build_run_results.json")
    return warehouse


@pytest.fixture(scope="session")
def documented(built_small: Warehouse) -> Warehouse:
    """The shared warehouse with its docs site generated (`justice docs`)."""
    built_small.justice("docs")
    return built_small


@pytest.fixture(scope="session")
def raw_duckdb() -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory DuckDB for reading lake files directly (independently of dbt)."""
    with duckdb.connect() as con:
        yield con
