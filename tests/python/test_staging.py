"""Staging against the generator's ground truth, on a lake this module corrupts itself.

One build serves every test here: the lake is generated, a handful of rows that cannot be
made valid are added to it, and `justice build` runs once.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest

from conftest import Warehouse, make_lake
from justice.lake_schema import TABLES, RawTable, table

# (system, table, changes to one copied row, source_key of the bad row, expected reason)
CORRUPTIONS = [
    ("nomis", "offenders", {"offender_id": None}, "<null>", "null key: offender_id"),
    (
        "nomis",
        "offender_external_movements",
        {"offender_book_id": 990001, "movement_seq": 1, "movement_date": None},
        "990001|1",
        "missing required date: movement_date",
    ),
    (
        "delius",
        "contact",
        {"contact_id": 990002, "contact_date": None},
        "990002",
        "missing required date: contact_date",
    ),
    ("common_platform", "defendants", {"defendant_id": None}, "<null>", "null key: defendant_id"),
    (
        "em",
        "orders",
        {"order_id": "CORRUPT-1", "order_start_date": "N/A"},
        "CORRUPT-1",
        "missing or unreadable required date: order_start_date",
    ),
    (
        "em",
        "device_events",
        {"event_id": "CORRUPT-2", "event_datetime": "31/02/2026 10:00:00"},
        "CORRUPT-2",
        "missing or unreadable required timestamp: event_datetime",
    ),
]


def _files(lake: Path, raw: RawTable) -> str:
    return str(lake / "raw" / raw.system / raw.name / "*" / f"*.{raw.file_format}")


def _read_one_row(lake: Path, raw: RawTable) -> dict:
    first = sorted((lake / "raw" / raw.system / raw.name).glob(f"*/*.{raw.file_format}"))[0]
    if raw.file_format == "csv":
        options = pcsv.ConvertOptions(column_types={f.name: pa.string() for f in raw.schema})
        data = pcsv.read_csv(first, convert_options=options)
    else:
        data = pq.read_table(first)
    return data.slice(0, 1).to_pylist()[0]


def _append_corrupt_rows(lake: Path) -> None:
    """Write each corrupted row as an extra part file in the full-load partition."""
    for system, name, changes, _key, _reason in CORRUPTIONS:
        raw = table(system, name)
        row = {**_read_one_row(lake, raw), **changes}
        partition = sorted((lake / "raw" / system / name).glob("extraction_date=*"))[0]
        data = pa.Table.from_pylist([row], schema=raw.schema)
        target = partition / f"part-99999.{raw.file_format}"
        if raw.file_format == "csv":
            pcsv.write_csv(data, target)
        else:
            pq.write_table(data, target)


@pytest.fixture(scope="module")
def corrupted(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    root = tmp_path_factory.mktemp("staging")
    lake = make_lake(root / "lake")
    _append_corrupt_rows(lake)
    warehouse = Warehouse(lake=lake, root=root)
    result = warehouse.build()
    warehouse.build_output = result.stdout  # type: ignore[attr-defined]
    return warehouse


def test_build_passes_and_prints_a_summary(corrupted: Warehouse) -> None:
    output = corrupted.build_output  # type: ignore[attr-defined]
    summary = [line for line in output.splitlines() if line.startswith("justice build:")]
    assert summary, output[-2000:]
    assert " 0 failed" in summary[0]


@pytest.mark.parametrize(("system", "name", "changes", "key", "reason"), CORRUPTIONS)
def test_corrupted_row_is_quarantined_with_its_reason(
    corrupted: Warehouse, system: str, name: str, changes: dict, key: str, reason: str
) -> None:
    rows = corrupted.query(
        "select quarantine_reason from staging.stg_quarantine "
        f"where source_system = '{system}' and source_table = '{name}' "
        f"and source_key = '{key}'"
    )
    assert rows == [(reason,)]


@pytest.mark.parametrize("raw", TABLES, ids=lambda t: f"{t.system}.{t.name}")
def test_every_raw_row_is_staged_quarantined_or_a_duplicate(
    corrupted: Warehouse, raw_duckdb, raw: RawTable
) -> None:
    """Counted independently of dbt, straight from the lake files."""
    reader = (
        f"read_csv('{_files(corrupted.lake, raw)}', header = true, all_varchar = true)"
        if raw.file_format == "csv"
        else f"read_parquet('{_files(corrupted.lake, raw)}')"
    )
    raw_rows, distinct_rows = raw_duckdb.execute(
        f"select count(*), (select count(*) from (select distinct * from {reader})) from {reader}"
    ).fetchone()
    staged = corrupted.scalar(f"select count(*) from staging.stg_{raw.system}__{raw.name}")
    quarantined = corrupted.scalar(
        "select count(*) from staging.stg_quarantine "
        f"where source_system = '{raw.system}' and source_table = '{raw.name}'"
    )
    assert raw_rows > 0
    assert staged > 0
    assert staged + quarantined == distinct_rows
    assert raw_rows - distinct_rows >= 0


def test_codes_are_trimmed_and_upper_cased(corrupted: Warehouse) -> None:
    codes = corrupted.query(
        "select distinct movement_type_code from staging.stg_nomis__offender_external_movements"
    )
    assert {code for (code,) in codes} <= {"ADM", "REL", "TRN", "CRT", "TAP"}


def test_mixed_date_of_birth_formats_are_parsed(corrupted: Warehouse, raw_duckdb) -> None:
    """Every date of birth the court feed gives in a known format is read."""
    raw = table("common_platform", "defendants")
    given = raw_duckdb.execute(
        f"select count(*) from read_parquet('{_files(corrupted.lake, raw)}') "
        "where nullif(trim(date_of_birth), '') is not null"
    ).fetchone()[0]
    parsed = corrupted.scalar(
        "select count(*) from staging.stg_common_platform__defendants where birth_date is not null"
    )
    unreadable = corrupted.scalar(
        "select count(*) from staging.stg_common_platform__defendants "
        "where is_birth_date_unreadable"
    )
    assert parsed > 0
    assert unreadable <= 0.01 * given
    years = corrupted.query(
        "select min(birth_date), max(birth_date) from staging.stg_common_platform__defendants"
    )[0]
    assert years[0] > dt.date(1900, 1, 1)
    assert years[1] < dt.date.today()


def test_query_prints_a_table_and_csv(corrupted: Warehouse) -> None:
    sql = "select source_system, count(*) as n from staging.stg_quarantine group by 1 order by 1"
    table_output = corrupted.justice("query", sql).stdout
    assert table_output.splitlines()[0].split("|")[0].strip() == "source_system"
    csv_output = corrupted.justice("query", "--csv", sql).stdout
    assert csv_output.splitlines()[0] == "source_system,n"


def test_build_without_a_lake_fails_clearly(tmp_path: Path) -> None:
    warehouse = Warehouse(lake=tmp_path / "nowhere", root=tmp_path)
    result = warehouse.build(check=False)
    assert result.returncode != 0
    assert "justice generate" in result.stderr
    assert "Traceback" not in result.stderr
