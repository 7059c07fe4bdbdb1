"""The daily run under adversarial landing (issue 15).

One small lake (the session's, copied), three builds: the first with two days withheld
(a day in the middle and the newest); then both land at once, the middle one *late*
(older than the newest day already loaded), beside an old partition delivered again byte
for byte; the incremental build after that must equal a `--full-refresh` of the same lake
in every history model and every mart. A hand-made key carries the late-chain case of
the issue: versions A on day 2 and B on day 4 (an unchanged re-delivery of B, first sent
on day 3, which is withheld); once day 3 lands late, the chain is A@d2, B@d3, with one
current row (days counted from the first daily partition before the late one). A
second hand-made key carries a conflicting change across partitions: one change of an
offender on day 2, loaded by the first build, and a different one at the same change
time in the late day; a full refresh quarantines both, so the daily build must move the
row it had staged into the quarantine (staging re-validates every key a new row touches).
The staging change log (the base tables) is compared with the full refresh's too.

The load plan's classification (new, late, rewritten, removed, re-delivered unchanged)
is checked on its own, without dbt.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import Warehouse
from justice.console import PROJECT_ROOT, JusticeError
from justice.lake.contract import table
from justice.lake.loads import plan_loads, record_loads, recorded_files
from justice.salt import write_salt_relation

# the session's small lake (conftest.SMALL_LAKE): partitions 2026-01-01 (full load) to
# 2026-01-06
LATE, NEWEST = "2026-01-04", "2026-01-06"
BOOKING = 980_000  # the hand-made key of the late-chain case
OFFENDER = 980_001  # the hand-made key of the conflicting change across partitions


def _partitions(lake: Path, day: str) -> list[Path]:
    return sorted((lake / "raw").glob(f"*/*/extraction_date={day}"))


def _hold(lake: Path, held: Path, *days: str) -> None:
    """Move the days' partitions out of the lake into `held` (not landed yet)."""
    for day in days:
        for partition in _partitions(lake, day):
            target = held / partition.relative_to(lake)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(partition, target)


def _land(lake: Path, held: Path, *days: str) -> None:
    """Move held partitions (of the days given, or all) back into the lake."""
    if days:
        partitions = [p for day in days for p in _partitions(held, day)]
    else:
        partitions = sorted(held.glob("raw/*/*/*"))
    for partition in partitions:
        shutil.move(partition, lake / partition.relative_to(held))


def _deliver_again(path: Path) -> None:
    """Deliver a file again byte for byte (a new file, a new modification time)."""
    content = path.read_bytes()
    path.unlink()
    path.write_bytes(content)


def _add_late_chain(lake: Path) -> None:
    """Booking BOOKING: inserted on day 2, changed on day 3, that image re-delivered on
    day 4 (its valid_from is the extraction time: offender_bookings has no change
    timestamp)."""
    schema = table("nomis", "offender_bookings").schema
    first = next((lake / "raw/nomis/offender_bookings").glob("*/*.parquet"))
    template = {**pq.read_table(first).select(schema.names).to_pylist()[0]}
    template["offender_book_id"] = BOOKING
    late = dt.date.fromisoformat(LATE)
    deliveries = [(late - dt.timedelta(days=1), "I", "IN"), (late, "U", "OUT")]
    deliveries.append((late + dt.timedelta(days=1), "U", "OUT"))
    for date, op, status in deliveries:
        day = date.isoformat()
        at = dt.datetime.combine(date, dt.time(6, 0))
        row = {**template, "op": op, "in_out_status": status, "extraction_timestamp": at}
        partition = lake / "raw/nomis/offender_bookings" / f"extraction_date={day}"
        partition.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.Table.from_pylist([row], schema=schema), partition / "part-90000.parquet")


def _add_late_conflict(lake: Path) -> None:
    """Offender OFFENDER: a change on the day before the late one and, in the late day, a
    different change at the same change time (NOMIS orders changes by modify_datetime)."""
    schema = table("nomis", "offenders").schema
    first = next((lake / "raw/nomis/offenders").glob("*/*.parquet"))
    template = {**pq.read_table(first).select(schema.names).to_pylist()[0]}
    late = dt.date.fromisoformat(LATE)
    changed = dt.datetime.combine(late - dt.timedelta(days=1), dt.time(5, 0))
    for date, name in ((late - dt.timedelta(days=1), "FIRST"), (late, "SECOND")):
        row = {
            **template,
            "offender_id": OFFENDER,
            "op": "U",
            "first_name": name,
            "modify_datetime": changed,
            "extraction_timestamp": dt.datetime.combine(date, dt.time(6, 0)),
        }
        partition = lake / "raw/nomis/offenders" / f"extraction_date={date.isoformat()}"
        partition.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.Table.from_pylist([row], schema=schema), partition / "part-90000.parquet")


def _quarantined(warehouse: Warehouse) -> list[tuple[Any, ...]]:
    return warehouse.query(f"""
        select cast(extraction_date as varchar), quarantine_reason
        from staging.stg_quarantine
        where source_system = 'nomis' and source_table = 'offenders'
            and source_key = '{OFFENDER}'
        order by 1
    """)


def _chain(warehouse: Warehouse) -> list[tuple[Any, ...]]:
    return warehouse.query(f"""
        select in_out_status, cast(valid_from as date), is_current
        from history.int_nomis__offender_bookings_history
        where booking_id = {BOOKING}
        order by valid_from
    """)


# Marts no warehouse built from scratch can reproduce: the person-key changes between
# the builds this warehouse ran (tests/python/test_history.py tests them instead).
PATH_DEPENDENT = {"fct_person_key_changes"}


def _differences(left: Path, right: Path) -> dict[str, str]:
    """Tables of the staging (the base tables: the change log), history and marts
    schemas whose rows differ (as multisets), but for the path-dependent marts."""
    found = {}
    with duckdb.connect() as con:
        con.execute(f"attach '{left}' as incremental (read_only)")
        con.execute(f"attach '{right}' as refreshed (read_only)")
        tables = con.execute("""
            select table_schema, table_name from information_schema.tables
            where table_catalog = 'refreshed' and table_schema in ('staging', 'history', 'marts')
              and table_type = 'BASE TABLE'
            order by 1, 2
        """).fetchall()
        assert len([t for t in tables if t[0] == "staging"]) >= 17, tables
        assert len([t for t in tables if t[0] == "history"]) >= 17, tables
        assert len([t for t in tables if t[0] == "marts"]) >= 20, tables
        for schema, name in tables:
            if name in PATH_DEPENDENT:
                continue
            a = f"select * from incremental.{schema}.{name}"
            b = f"select * from refreshed.{schema}.{name}"
            extra = con.execute(f"select count(*) from ({a} except all {b})").fetchone()[0]
            missing = con.execute(f"select count(*) from ({b} except all {a})").fetchone()[0]
            if extra or missing:
                found[f"{schema}.{name}"] = f"{extra} extra, {missing} missing"
    return found


@pytest.fixture(scope="module")
def daily(tmp_path_factory: pytest.TempPathFactory, small_lake: Path) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("daily")
    lake = root / "lake"
    shutil.copytree(small_lake, lake)
    _add_late_chain(lake)
    _add_late_conflict(lake)
    held = root / "held"
    _hold(lake, held, LATE, NEWEST)
    warehouse = Warehouse(lake=lake, root=root / "incremental")
    warehouse.build()
    before = _chain(warehouse)
    quarantined_before = _quarantined(warehouse)

    # both days land at once, the middle one late; an old file is delivered again
    _land(lake, held)
    _deliver_again(next(lake.glob("raw/*/*/extraction_date=2026-01-02/part-*")))
    daily_build = warehouse.build()
    return {
        "lake": lake,
        "root": root,
        "warehouse": warehouse,
        "before": before,
        "quarantined_before": quarantined_before,
        "output": daily_build.stdout + daily_build.stderr,
    }


def test_late_partition_is_named_and_loaded(daily: dict[str, Any]) -> None:
    output = daily["output"]
    late = [line for line in output.splitlines() if line.strip().startswith("late")]
    assert late and LATE in late[0], output[-3000:]
    assert " 0 rewritten" in output and "--full-refresh" not in output, output[-3000:]
    loaded = daily["warehouse"].scalar(
        "select count(*) from lake.loaded_partitions where load_status = 'late' "
        f"and extraction_date = date '{LATE}'"
    )
    assert loaded > 0


def test_late_chain_is_rebuilt(daily: dict[str, Any]) -> None:
    late = dt.date.fromisoformat(LATE)
    before, after = late - dt.timedelta(days=1), late + dt.timedelta(days=1)
    assert daily["before"] == [("IN", before, False), ("OUT", after, True)]
    assert _chain(daily["warehouse"]) == [("IN", before, False), ("OUT", late, True)]


def test_conflict_across_partitions_quarantines_both(daily: dict[str, Any]) -> None:
    late = dt.date.fromisoformat(LATE)
    reason = "conflicting change: same key and change time, different values"
    assert daily["quarantined_before"] == []
    assert _quarantined(daily["warehouse"]) == [
        ((late - dt.timedelta(days=1)).isoformat(), reason),
        (late.isoformat(), reason),
    ]


def test_daily_build_reads_and_tests_only_the_loaded_partitions(daily: dict[str, Any]) -> None:
    """The daily build's base models read only the planned partitions from the raw
    lake, and its delivery tests check only those (dbt's compiled SQL of that build)."""
    compiled = daily["warehouse"].root / "target" / "compiled" / "justice" / "models" / "staging"
    base = (compiled / "nomis" / "base" / "base_nomis__offenders.sql").read_text()
    # the late day always has an offenders partition (_add_late_conflict); the newest
    # has one when the generator changed an offender that day
    planned = [
        day
        for day in (LATE, NEWEST)
        if (daily["lake"] / f"raw/nomis/offenders/extraction_date={day}").is_dir()
    ]
    dates = ", ".join(f"cast('{day}' as date)" for day in planned)
    assert f"in ({dates})" in base, base[:2000]
    folder = compiled / "nomis" / "_nomis__models.yml"
    tests = [
        path.read_text()
        for path in folder.glob("*.sql")
        if "stg_nomis__offenders" in path.read_text()
        and path.name.startswith(("reconciles_", "not_null_", "no_exact_", "accepted_"))
    ]
    # reconciliation, required columns, exact duplicates, the operation code
    assert len(tests) >= 4
    for text in tests:
        assert f"in ({dates})" in text, text


@pytest.fixture(scope="module")
def refreshed(daily: dict[str, Any]) -> Path:
    """The warehouse of a `--full-refresh` of the daily lake after everything landed."""
    warehouse = Warehouse(lake=daily["lake"], root=daily["root"] / "refreshed")
    warehouse.build("--full-refresh")
    return warehouse.root / "justice.duckdb"


def test_daily_build_equals_a_full_refresh(daily: dict[str, Any], refreshed: Path) -> None:
    incremental = daily["warehouse"].root / "justice.duckdb"
    assert _differences(incremental, refreshed) == {}


def _plain_dbt(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """`dbt <args>` as a user runs it, outside `justice build` (JUSTICE_HARNESS unset)."""
    return subprocess.run(
        [
            str(Path(sys.executable).with_name("dbt")),
            *args,
            "--project-dir",
            str(PROJECT_ROOT),
            "--profiles-dir",
            str(PROJECT_ROOT / "profiles"),
        ],
        env={k: v for k, v in env.items() if k != "JUSTICE_HARNESS"},
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def _plain_dbt_build(warehouse: Warehouse) -> str:
    """`dbt build` without the harness (so without a load plan); its output."""
    completed = _plain_dbt(warehouse.env, "build", "--exclude-resource-type", "unit_test")
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output[-4000:]
    return output


def test_a_plain_dbt_build_loads_a_late_partition(
    daily: dict[str, Any], refreshed: Path, small_lake: Path, tmp_path: Path
) -> None:
    """Without the harness there is no load plan (so too on Athena): the base models
    read the partitions they hold no row of and the history models rebuild the keys of
    partitions no stored version came from. A late day is loaded, not passed over
    because a newer one was: the same landing as the daily build, by plain `dbt build`,
    equals the full refresh. (Reading only partitions newer than the newest loaded, as
    before, left 29 staging, history and mart tables different here.)"""
    lake = tmp_path / "lake"
    shutil.copytree(small_lake, lake)
    _add_late_chain(lake)
    _add_late_conflict(lake)
    held = tmp_path / "held"
    _hold(lake, held, LATE, NEWEST)
    warehouse = Warehouse(lake=lake, root=tmp_path / "plain")
    write_salt_relation(warehouse.root / "justice.duckdb")  # the harness writes it
    _plain_dbt_build(warehouse)
    _land(lake, held)
    _plain_dbt_build(warehouse)
    late = dt.date.fromisoformat(LATE)
    assert _chain(warehouse) == [("IN", late - dt.timedelta(days=1), False), ("OUT", late, True)]
    assert _differences(warehouse.root / "justice.duckdb", refreshed) == {}


def test_a_plain_dbt_run_on_the_warehouse_is_refused(daily: dict[str, Any], tmp_path: Path) -> None:
    """dbt run outside `justice build` would read the last build's load plan and pass
    over every partition landed since: refused, naming the commands that are right."""
    env = {**daily["warehouse"].env, "DBT_TARGET_PATH": str(tmp_path / "target")}
    completed = _plain_dbt(env, "run", "--select", "base_nomis__offenders")
    output = completed.stdout + completed.stderr
    assert completed.returncode != 0, output[-3000:]
    assert "loaded by `justice build`" in output, output[-3000:]
    assert "dbt run --full-refresh" in output, output[-3000:]


def test_a_rewrite_with_a_selection_is_refused(daily: dict[str, Any], tmp_path: Path) -> None:
    """A rewritten partition makes the build a full refresh of staging and history; with
    --select, the tables left out would keep the old rows: refused before dbt runs."""
    shutil.copytree(daily["lake"], tmp_path / "lake")
    warehouse = Warehouse(lake=tmp_path / "lake", root=tmp_path / "w")
    warehouse.root.mkdir()
    shutil.copy2(daily["warehouse"].root / "justice.duckdb", warehouse.root / "justice.duckdb")
    # a Parquet file of day 02, whichever system had changes that day
    day_two = "raw/*/*/extraction_date=2026-01-02/part-*.parquet"
    path = sorted((tmp_path / "lake").glob(day_two))[0]
    data = pq.read_table(path)
    pq.write_table(data.slice(0, data.num_rows - 1), path)
    refused = warehouse.build("--select", "dim_date", check=False)
    output = refused.stdout + refused.stderr
    assert refused.returncode != 0, output[-3000:]
    assert "rewritten" in output and "justice build --full-refresh" in output, output[-3000:]
    assert "Traceback" not in output


# ---------------------------------------------------------------- the plan alone


def _write(lake: Path, day: str, content: bytes) -> Path:
    partition = lake / "raw/em/orders" / f"extraction_date={day}"
    partition.mkdir(parents=True, exist_ok=True)
    path = partition / "part-00000.parquet"
    path.write_bytes(content)
    return path


def test_plan_classifies_partitions(tmp_path: Path) -> None:
    lake, warehouse = tmp_path / "lake", tmp_path / "w.duckdb"
    _write(lake, "2026-01-01", b"one")
    _write(lake, "2026-01-03", b"three")
    plan = plan_loads(warehouse, lake)
    assert [s for _, s in sorted(plan.statuses.items())] == ["new", "new"]
    record_loads(warehouse, {("em", "orders")}, "build-1")

    _write(lake, "2026-01-02", b"two")  # late
    _write(lake, "2026-01-01", b"one")  # delivered again, same bytes
    _write(lake, "2026-01-04", b"four")  # new
    plan = plan_loads(warehouse, lake)
    assert {p[2].isoformat(): s for p, s in plan.statuses.items()} == {
        "2026-01-02": "late",
        "2026-01-04": "new",
    }
    assert not plan.full_refresh
    record_loads(warehouse, {("em", "orders")}, "build-2")

    _write(lake, "2026-01-03", b"THREE")  # rewritten after it was loaded
    plan = plan_loads(warehouse, lake)
    assert plan.of("rewritten") and plan.full_refresh
    assert any("rewritten" in line and "2026-01-03" in line for line in plan.describe())
    record_loads(warehouse, {("em", "orders")}, "build-3")

    shutil.rmtree(lake / "raw/em/orders/extraction_date=2026-01-04")  # removed
    plan = plan_loads(warehouse, lake)
    assert plan.removed and plan.full_refresh
    with duckdb.connect(str(warehouse), read_only=True) as con:
        builds = con.execute(
            "select count(distinct build_id), count(*) from lake.loaded_partitions"
        ).fetchone()
    assert builds == (1, 4)  # the full refresh rewrote the record


def test_plan_finds_a_new_file_in_a_loaded_partition(tmp_path: Path) -> None:
    """A second part file delivered into a partition already loaded (a re-delivery that
    adds rows) changes the partition: rewritten, a full refresh, as a changed file is."""
    lake, warehouse = tmp_path / "lake", tmp_path / "w.duckdb"
    first = _write(lake, "2026-01-01", b"one")
    plan_loads(warehouse, lake)
    record_loads(warehouse, {("em", "orders")}, "build-1")
    first.with_name("part-00001.parquet").write_bytes(b"more rows")
    plan = plan_loads(warehouse, lake)
    assert [p[2].isoformat() for p in plan.of("rewritten")] == ["2026-01-01"]
    assert plan.full_refresh


def test_a_warehouse_held_by_another_connection_is_a_clear_error(tmp_path: Path) -> None:
    """The contract check reads the load record first: a warehouse another connection
    holds is one line saying so, not a traceback after a needless read of the lake."""
    lake, warehouse = tmp_path / "lake", tmp_path / "w.duckdb"
    _write(lake, "2026-01-01", b"one")
    plan_loads(warehouse, lake)
    record_loads(warehouse, {("em", "orders")}, "build-1")
    recorded = "raw/em/orders/extraction_date=2026-01-01/part-00000.parquet"
    assert set(recorded_files(warehouse)) == {recorded}
    with duckdb.connect(str(warehouse)), pytest.raises(JusticeError, match="another process"):
        recorded_files(warehouse)
    # not a warehouse at all: said so, not blamed on another process
    broken = tmp_path / "broken.duckdb"
    broken.write_bytes(b"not a duckdb file" * 100)
    with pytest.raises(JusticeError, match="cannot read the warehouse") as raised:
        recorded_files(broken)
    assert "another process" not in str(raised.value)


def test_plan_passes_over_a_table_the_contract_no_longer_has(tmp_path: Path) -> None:
    """A table dropped from the contract is not read: its recorded partitions are not
    "removed" (every build would be a full refresh), and a full refresh drops them from
    the record."""
    lake, warehouse = tmp_path / "lake", tmp_path / "w.duckdb"
    _write(lake, "2026-01-01", b"one")
    plan_loads(warehouse, lake)
    record_loads(warehouse, {("em", "orders")}, "build-1")
    with duckdb.connect(str(warehouse)) as con:  # loaded while the contract had it
        con.execute(
            "insert into lake.loaded_partitions select 'em', 'retired', * exclude "
            "(source_system, source_table) from lake.loaded_partitions"
        )
    _write(lake, "2026-01-02", b"two")
    plan = plan_loads(warehouse, lake)
    assert not plan.removed and not plan.full_refresh
    record_loads(warehouse, {("em", "orders")}, "build-2")
    plan = plan_loads(warehouse, lake, full_refresh=True)
    record_loads(warehouse, {("em", "orders")}, "build-3")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = con.execute("select distinct source_table from lake.loaded_partitions").fetchall()
    assert tables == [("orders",)]


def test_plan_finds_a_rewrite_that_kept_size_and_modification_time(tmp_path: Path) -> None:
    """`cp -p`, `rsync -t` or a restore from an archive keep a file's modification time:
    a rewrite of the same size is still found, by its checksum."""
    lake, warehouse = tmp_path / "lake", tmp_path / "w.duckdb"
    path = _write(lake, "2026-01-01", b"one")
    stat = path.stat()
    plan_loads(warehouse, lake)
    record_loads(warehouse, {("em", "orders")}, "build-1")
    path.write_bytes(b"ONE")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert path.stat().st_mtime_ns == stat.st_mtime_ns
    plan = plan_loads(warehouse, lake)
    assert [p[2].isoformat() for p in plan.of("rewritten")] == ["2026-01-01"]
    assert plan.full_refresh


def test_plan_rebuilds_when_the_sql_that_built_the_change_log_changed(tmp_path: Path) -> None:
    """The stored change log and history were typed, cleaned and validated by the SQL of
    the build that made them: when that SQL changed, an incremental build would mix old
    and new rows, so the plan becomes a full refresh and names the files."""
    from justice.lake.contract import TABLES

    lake, warehouse = tmp_path / "lake", tmp_path / "w.duckdb"
    _write(lake, "2026-01-01", b"one")
    code = {"macros/staging/cleaning.sql": "a", "models/history/x.sql": "b"}
    plan = plan_loads(warehouse, lake, code=code)
    everything = {(t.system, t.name) for t in TABLES}
    record_loads(warehouse, everything, "build-1", code=code)
    _write(lake, "2026-01-02", b"two")
    plan = plan_loads(warehouse, lake, code=code)
    assert not plan.full_refresh and not plan.code_changed
    record_loads(warehouse, everything, "build-2", code=code)
    _write(lake, "2026-01-03", b"three")
    changed = {**code, "macros/staging/cleaning.sql": "c"}
    plan = plan_loads(warehouse, lake, code=changed)
    assert plan.code_changed == ["macros/staging/cleaning.sql"] and plan.full_refresh
    assert any("macros/staging/cleaning.sql" in line for line in plan.describe())
    # the full refresh rebuilt every table with the new SQL: stored, nothing changed since
    record_loads(warehouse, everything, "build-3", code=changed)
    plan = plan_loads(warehouse, lake, code=changed)
    assert not plan.code_changed and not plan.full_refresh


def test_plan_treats_staged_pending_partitions_as_loaded(tmp_path: Path) -> None:
    """A build that failed after staging a partition did not record it; if the partition
    then changes or goes, its staged rows must go too: a full refresh, like a recorded one."""
    from justice.lake.loads import pending_changed

    lake, warehouse = tmp_path / "lake", tmp_path / "w.duckdb"
    _write(lake, "2026-01-01", b"one")
    _write(lake, "2026-01-02", b"two")
    _write(lake, "2026-01-03", b"three")
    plan_loads(warehouse, lake)  # planned, never recorded (the build failed)
    with duckdb.connect(str(warehouse)) as con:  # staging had read 01-02 and 01-03
        con.execute("create schema staging")
        con.execute(
            "create table staging.base_em__orders as select * from "
            "(values (date '2026-01-02'), (date '2026-01-03')) as t(extraction_date)"
        )
    _write(lake, "2026-01-01", b"ONE")  # changed, but never staged: still new
    _write(lake, "2026-01-02", b"TWO")  # staged, then rewritten
    shutil.rmtree(lake / "raw/em/orders/extraction_date=2026-01-03")  # staged, then removed
    changed = pending_changed(warehouse, lake)
    assert [p[2].isoformat() for p in changed] == ["2026-01-02", "2026-01-03"]
    plan = plan_loads(warehouse, lake)
    assert plan.full_refresh
    assert [p[2].isoformat() for p in plan.of("rewritten")] == ["2026-01-02"]
    assert [p[2].isoformat() for p in plan.removed] == ["2026-01-03"]


def test_a_full_refresh_stays_owed_until_one_is_recorded(tmp_path: Path) -> None:
    """A plan that needs a full refresh takes the changed files as pending; if that build
    is refused (a --select), fails or is stopped before recording them, the next plan
    finds the pending files equal to the lake. The full refresh stays owed until one has
    rebuilt and recorded every table."""
    from justice.lake.loads import _contract_tables

    lake, warehouse = tmp_path / "lake", tmp_path / "w.duckdb"
    _write(lake, "2026-01-01", b"one")
    plan_loads(warehouse, lake)  # staged, then the build failed: planned, never recorded
    with duckdb.connect(str(warehouse)) as con:
        con.execute("create schema staging")
        con.execute(
            "create table staging.base_em__orders as select date '2026-01-01' as extraction_date"
        )
    _write(lake, "2026-01-01", b"ONE")  # rewritten after it was staged
    first = plan_loads(warehouse, lake)
    assert first.full_refresh and first.of("rewritten") and not first.owed
    # refused or stopped before recording: the new files are pending now, and no record
    # holds the old ones
    again = plan_loads(warehouse, lake)
    assert again.full_refresh, again.describe()
    assert "rewritten since they were loaded: em.orders 2026-01-01" in again.owed
    assert any("has not been completed" in line for line in again.describe())
    # a full refresh in which a table's tests failed recorded not every table: still owed
    record_loads(warehouse, {("em", "orders")}, "build-2")
    held = plan_loads(warehouse, lake)
    assert held.full_refresh
    assert "not rebuilt and recorded by the last full refresh: common_platform.cases" in held.owed
    assert "em.orders" not in held.owed.split("last full refresh:")[1]
    record_loads(warehouse, _contract_tables(), "build-3")
    done = plan_loads(warehouse, lake)
    assert not done.full_refresh and not done.owed and done.statuses == {}
