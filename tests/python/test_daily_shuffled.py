"""Incremental builds equal a full refresh under adversarial landing (issue 15, item 4).

The session's small lake (partitions 2026-01-01, the full load, to 2026-01-06) is copied
and four days are withheld. They then land out of order, one build after each step:

1. the first build reads 01 and 02;
2. the newest day, 06, lands;
3. 04 lands late (older than 06, already loaded) beside a byte-for-byte re-delivery of a
   file of 02; the warehouse is compared with a `--full-refresh` of the lake as it is;
4. a file of 01 is rewritten (one agency's description changed): the build must name it
   and rebuild staging and history from the whole lake;
5. 03 and 05 land, both late, in one step; the warehouse is compared again.

"Compared" means every base table of the change log, every history model and every mart
(tests/python/test_daily.py `_differences`: multisets of rows, both directions). This
module is separate from test_daily.py so that pytest-xdist can run it beside that one.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from conftest import Warehouse
from test_daily import _deliver_again, _differences, _hold, _land

WITHHELD = ("2026-01-03", "2026-01-04", "2026-01-05", "2026-01-06")
DESCRIPTION = "REWRITTEN AFTER LOADING"


def _summary(output: str, status: str) -> str:
    """The plan's line for a status (justice.lake.loads.LoadPlan.describe), or ''."""
    lines = [line.strip() for line in output.splitlines() if line.strip().startswith(status)]
    return lines[0] if lines else ""


def _late_named(output: str) -> tuple[int, set[str]]:
    """How many partitions the plan counts late, and those its late line names (it
    names eight at most)."""
    counted = re.search(r" (\d+) late,", _summary(output, "lake:"))
    named = set(re.findall(r"(\w+\.\w+ \d{4}-\d\d-\d\d)", _summary(output, "late")))
    return (int(counted.group(1)) if counted else 0), named


def _expected_late(lake: Path, landing: tuple[str, ...], loaded: set[str]) -> set[str]:
    """`system.table day` of each partition landing now that is older than a partition
    of its own table loaded before: late is per table (a small lake's quiet table may
    have no partition on a later day, and then its landing day is simply new)."""
    late = set()
    for day in landing:
        for partition in lake.glob(f"raw/*/*/extraction_date={day}"):
            table = partition.parent
            days = {p.name.split("=", 1)[1] for p in table.glob("extraction_date=*")}
            if any(other > day for other in days & loaded):
                late.add(f"{table.parent.name}.{table.name} {day}")
    return late


def _build(warehouse: Warehouse) -> str:
    built = warehouse.build()
    return built.stdout + built.stderr


def _same_as_a_full_refresh(warehouse: Warehouse, root: Path) -> dict[str, str]:
    refreshed = Warehouse(lake=warehouse.lake, root=root)
    refreshed.build("--full-refresh")
    differences = _differences(warehouse.root / "justice.duckdb", root / "justice.duckdb")
    shutil.rmtree(root)
    return differences


@pytest.fixture(scope="module")
def shuffled(tmp_path_factory: pytest.TempPathFactory, small_lake: Path) -> dict[str, object]:
    root = tmp_path_factory.mktemp("shuffled")
    lake, held = root / "lake", root / "held"
    shutil.copytree(small_lake, lake)
    _hold(lake, held, *WITHHELD)
    warehouse = Warehouse(lake=lake, root=root / "incremental")
    steps: dict[str, object] = {"warehouse": warehouse}

    warehouse.build()  # 1: days 01 and 02

    _land(lake, held, "2026-01-06")  # 2: the newest day
    steps["newest"] = _build(warehouse)

    _land(lake, held, "2026-01-04")  # 3: a late day and a re-delivered file
    # any system's file of day 02 (a small lake may have a quiet day in one system)
    _deliver_again(sorted(lake.glob("raw/*/*/extraction_date=2026-01-02/part-*"))[0])
    loaded = {"2026-01-01", "2026-01-02", "2026-01-06"}
    steps["late_expected"] = _expected_late(lake, ("2026-01-04",), loaded)
    steps["late"] = _build(warehouse)
    steps["after_late"] = _same_as_a_full_refresh(warehouse, root / "refreshed-3")

    # 4: a loaded file rewritten: one agency's description changed
    path = next(lake.glob("raw/nomis/agency_locations/extraction_date=2026-01-01/part-*"))
    data = pq.read_table(path)
    steps["agency"] = data.column("agy_loc_id")[0].as_py()
    descriptions = data.column("description").to_pylist()
    descriptions[0] = DESCRIPTION
    index = data.schema.get_field_index("description")
    data = data.set_column(index, data.schema.field(index), [descriptions])
    pq.write_table(data, path)
    steps["rewritten"] = _build(warehouse)

    _land(lake, held, "2026-01-03", "2026-01-05")  # 5: two late days at once
    loaded |= {"2026-01-04"}
    landing = ("2026-01-03", "2026-01-05")
    steps["two_late_expected"] = _expected_late(lake, landing, loaded)
    steps["two_late"] = _build(warehouse)
    steps["after_all"] = _same_as_a_full_refresh(warehouse, root / "refreshed-5")
    return steps


def test_each_step_is_named(shuffled: dict[str, object]) -> None:
    newest, late = str(shuffled["newest"]), str(shuffled["late"])
    assert " 0 late, 0 rewritten" in _summary(newest, "lake:"), newest
    assert not _summary(newest, "late"), newest
    assert "--full-refresh" not in newest + late
    rewritten = str(shuffled["rewritten"])
    assert "agency_locations" in _summary(rewritten, "rewritten"), rewritten
    assert "rebuilds staging and history from the whole lake" in rewritten, rewritten
    # every partition older than one of its table already loaded is counted late, and
    # named (up to eight); the others are new
    expected_3 = shuffled["late_expected"]
    expected_5 = shuffled["two_late_expected"]
    assert isinstance(expected_3, set) and isinstance(expected_5, set)
    assert expected_3 | expected_5, "the lake gives no late partition to name"
    for output, expected in ((late, expected_3), (str(shuffled["two_late"]), expected_5)):
        counted, named = _late_named(output)
        assert counted == len(expected), (expected, output)
        assert named <= expected and (named == expected or len(named) == 8), (expected, output)


def test_incremental_equals_full_refresh_after_late_and_redelivered(
    shuffled: dict[str, object],
) -> None:
    assert shuffled["after_late"] == {}


def test_incremental_equals_full_refresh_after_rewrite_and_late_days(
    shuffled: dict[str, object],
) -> None:
    assert shuffled["after_all"] == {}
    warehouse = shuffled["warehouse"]
    assert isinstance(warehouse, Warehouse)
    described = warehouse.query(
        "select upper(location_name) from staging.stg_nomis__agency_locations "
        f"where location_code = upper(trim('{shuffled['agency']}'))"
    )
    assert (DESCRIPTION,) in described, described
