"""Fault injection: nothing wrong is ever published (DESIGN.md section 6, issue 11).

One tiny lake is built cleanly and published; its published marts are the reference
(file bytes and per-table fingerprints). Each scenario then copies that warehouse, breaks
a copy of the lake in one or more ways, and builds as a user would. Every fault kind
asserts:

- a clear error naming the file and column (or a quarantine row with its reason);
- the published marts unchanged: the published file's bytes, and each mart's rows;
- once the fault is repaired, a rerun (`justice build`, or `--retry`) that publishes
  exactly the clean build's marts.

Scenarios share builds to stay cheap: the contract faults are injected together, each
into its own table, and built once; the failing test and the conflicting duplicate share
a build and its `--retry`.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from conftest import JUSTICE, Warehouse, make_lake
from justice.lake.check import check_lake
from justice.lake.contract import table
from justice.lake.land import land
from justice.lake.loads import file_checksum
from justice.publish import default_published_path, fingerprints, held

TINY_LAKE = {"seed": 5, "people": 200, "days": 3}
# Marts a clean first build publishes empty, and why (every other mart must have rows).
EMPTY_ON_A_FIRST_BUILD = {
    "fct_person_key_changes": "a first build has no earlier build to detect key changes against",
}
SALT = "fault-suite-salt-7f3a9c"  # distinctive: grepped for in target/ and the logs


class FaultWarehouse(Warehouse):
    @property
    def env(self) -> dict[str, str]:
        env = super().env
        env["JUSTICE_PERSON_KEY_SALT"] = SALT
        return env

    @property
    def published(self) -> Path:
        return default_published_path(self.root / "justice.duckdb")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass
class Reference:
    warehouse: FaultWarehouse
    file_digest: str
    marts: dict[str, tuple[int, str]]


@pytest.fixture(scope="module")
def tiny_lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_lake(tmp_path_factory.mktemp("tiny") / "lake", **TINY_LAKE)


@pytest.fixture(scope="module")
def clean(tiny_lake: Path, tmp_path_factory: pytest.TempPathFactory) -> Reference:
    root = tmp_path_factory.mktemp("clean")
    shutil.copytree(tiny_lake, root / "lake")
    warehouse = FaultWarehouse(lake=root / "lake", root=root)
    warehouse.build()
    marts = fingerprints(warehouse.published)
    assert set(EMPTY_ON_A_FIRST_BUILD) <= set(marts), marts
    assert marts and all(
        (count == 0) == (name in EMPTY_ON_A_FIRST_BUILD) for name, (count, _) in marts.items()
    ), marts
    return Reference(warehouse, _sha256(warehouse.published), marts)


def _copy(reference: Reference, root: Path) -> FaultWarehouse:
    """A copy of the clean lake and warehouse (build and published files, dbt's target)."""
    source = reference.warehouse
    shutil.copytree(source.lake, root / "lake")
    for name in ("justice.duckdb", source.published.name):
        shutil.copy2(source.root / name, root / name)
    shutil.copytree(source.root / "target", root / "target")
    return FaultWarehouse(lake=root / "lake", root=root)


def _assert_published_unchanged(reference: Reference, warehouse: FaultWarehouse) -> None:
    assert _sha256(warehouse.published) == reference.file_digest, "published file changed"
    assert fingerprints(warehouse.published) == reference.marts
    assert not list(warehouse.root.glob(".*.tmp")), "a half-published file was left behind"


# ---------------------------------------------------------------- the lake, broken


def _last_partition(lake: Path, system: str, name: str) -> Path:
    return sorted((lake / "raw" / system / name).glob("extraction_date=*"))[-1]


def _data_file(lake: Path, system: str, name: str) -> Path:
    return sorted(_last_partition(lake, system, name).glob("part-*"))[0]


def _next_day(lake: Path) -> str:
    meta = json.loads((lake / "_meta.json").read_text())
    last = dt.date.fromisoformat(meta["start"]) + dt.timedelta(days=meta["days"])
    return (last + dt.timedelta(days=1)).isoformat()


@dataclass
class Injected:
    """What was broken, and how to put it back."""

    kind: str
    system: str
    table: str
    expected: list[str]  # fragments the error must contain (file, column, reason)
    restore: list[tuple[Path, bytes | None]] = field(default_factory=list)

    def repair(self) -> None:
        for path, content in self.restore:
            if content is None:
                shutil.rmtree(path) if path.is_dir() else path.unlink()
            else:
                path.write_bytes(content)


def _rewrite_parquet(path: Path, change) -> None:  # noqa: ANN001 - a small lambda
    pq.write_table(change(pq.read_table(path)), path)


def _rel(lake: Path, path: Path) -> str:
    return str(path.relative_to(lake))


def _saved(path: Path) -> tuple[Path, bytes]:
    return path, path.read_bytes()


def inject_truncated_parquet(lake: Path) -> Injected:
    path = _data_file(lake, "nomis", "offender_external_movements")
    saved = _saved(path)
    path.write_bytes(saved[1][: len(saved[1]) // 2])
    return Injected(
        "truncated parquet",
        "nomis",
        "offender_external_movements",
        [_rel(lake, path), "unreadable Parquet"],
        [saved],
    )


def inject_corrupt_data_page(lake: Path) -> Injected:
    """A file whose footer is intact and whose first page header is garbage: the footer
    alone passes; reading the data (DuckDB's staging, or the check) fails."""
    path = _data_file(lake, "common_platform", "cases")
    saved = _saved(path)
    content = bytearray(saved[1])
    content[4:20] = bytes(byte ^ 0xFF for byte in content[4:20])  # just after "PAR1"
    path.write_bytes(bytes(content))
    return Injected(
        "corrupt data page",
        "common_platform",
        "cases",
        [_rel(lake, path), "unreadable Parquet data"],
        [saved],
    )


def inject_zero_byte_file(lake: Path) -> Injected:
    path = _last_partition(lake, "nomis", "incident_case_parties") / "part-00099.parquet"
    path.touch()
    return Injected(
        "zero-byte file",
        "nomis",
        "incident_case_parties",
        [_rel(lake, path), "zero-byte file"],
        [(path, None)],
    )


def inject_renamed_column(lake: Path) -> Injected:
    path = _data_file(lake, "nomis", "offenders")
    saved = _saved(path)
    _rewrite_parquet(
        path,
        lambda t: t.rename_columns(
            ["surname" if name == "last_name" else name for name in t.column_names]
        ),
    )
    return Injected(
        "renamed column",
        "nomis",
        "offenders",
        [_rel(lake, path), "'last_name'", "renamed to 'surname'"],
        [saved],
    )


def inject_retyped_column(lake: Path) -> Injected:
    path = _data_file(lake, "nomis", "offender_bookings")
    saved = _saved(path)
    _rewrite_parquet(
        path,
        lambda t: t.set_column(
            t.schema.get_field_index("offender_id"),
            "offender_id",
            t.column("offender_id").cast(pa.string()),
        ),
    )
    return Injected(
        "retyped column",
        "nomis",
        "offender_bookings",
        [_rel(lake, path), "'offender_id'", "type string", "int64"],
        [saved],
    )


def inject_extra_column(lake: Path) -> Injected:
    path = _data_file(lake, "delius", "event")
    saved = _saved(path)
    _rewrite_parquet(
        path, lambda t: t.append_column("court_notes", pa.array(["x"] * t.num_rows, pa.string()))
    )
    return Injected(
        "extra column",
        "delius",
        "event",
        [_rel(lake, path), "'court_notes'", "unexpected column"],
        [saved],
    )


def inject_missing_column(lake: Path) -> Injected:
    path = _data_file(lake, "delius", "contact")
    saved = _saved(path)
    _rewrite_parquet(path, lambda t: t.drop_columns(["complied"]))
    return Injected(
        "missing column", "delius", "contact", [_rel(lake, path), "'complied'", "missing"], [saved]
    )


def inject_extra_csv_column(lake: Path) -> Injected:
    path = _data_file(lake, "em", "orders")
    saved = _saved(path)
    data = pacsv.read_csv(
        path,
        convert_options=pacsv.ConvertOptions(
            column_types={name: pa.string() for name in table("em", "orders").column_names}
        ),
    )
    data = data.append_column("notes", pa.array(["n"] * data.num_rows, pa.string()))
    pacsv.write_csv(data, path)
    return Injected(
        "extra CSV column",
        "em",
        "orders",
        [_rel(lake, path), "'notes'", "unexpected column"],
        [saved],
    )


def inject_wrong_delimiter(lake: Path) -> Injected:
    path = _data_file(lake, "em", "subjects")
    saved = _saved(path)
    data = pacsv.read_csv(
        path,
        convert_options=pacsv.ConvertOptions(
            column_types={name: pa.string() for name in table("em", "subjects").column_names}
        ),
    )
    pacsv.write_csv(data, path, pacsv.WriteOptions(delimiter=";"))
    return Injected(
        "wrong CSV delimiter",
        "em",
        "subjects",
        [_rel(lake, path), "wrong delimiter", "';'"],
        [saved],
    )


def inject_offset_extraction_time(lake: Path) -> Injected:
    """An EM extract whose extraction time carries a time-zone offset on one line: the
    cast in staging would drop the offset and misplace the change."""
    path = _data_file(lake, "em", "device_events")
    saved = _saved(path)
    lines = saved[1].decode().splitlines(keepends=True)
    lines[1] = lines[1].replace(':00",', ':00+01:00",', 1)
    path.write_text("".join(lines))
    return Injected(
        "extraction time with an offset",
        "em",
        "device_events",
        [_rel(lake, path), "line 2", "+01:00", "'extraction_timestamp'"],
        [saved],
    )


def inject_empty_partition(lake: Path) -> Injected:
    partition = lake / "raw" / "nomis" / "agency_locations" / f"extraction_date={_next_day(lake)}"
    partition.mkdir()
    return Injected(
        "empty partition",
        "nomis",
        "agency_locations",
        [_rel(lake, partition), "empty partition"],
        [(partition, None)],
    )


def inject_duplicated_partition(lake: Path) -> Injected:
    original = _data_file(lake, "common_platform", "hearings")
    partition = lake / "raw" / "common_platform" / "hearings" / f"extraction_date={_next_day(lake)}"
    partition.mkdir()
    shutil.copy2(original, partition / original.name)
    return Injected(
        "duplicated partition",
        "common_platform",
        "hearings",
        [_rel(lake, partition), "byte-for-byte copy", original.parent.name],
        [(partition, None)],
    )


def inject_hidden_data_file(lake: Path) -> Injected:
    """A data file whose name starts with a dot (a half-written copy, say), its column
    renamed: DuckDB's glob would read it and null the column; Athena would skip it."""
    original = _data_file(lake, "delius", "disposal")
    path = original.with_name(f".{original.name}")
    data = pq.read_table(original)
    renamed = ["length_months" if name == "length" else name for name in data.column_names]
    pq.write_table(data.rename_columns(renamed), path)
    return Injected(
        "hidden data file",
        "delius",
        "disposal",
        [_rel(lake, path), "hidden data file"],
        [(path, None)],
    )


CONTRACT_FAULTS = [
    inject_truncated_parquet,
    inject_corrupt_data_page,
    inject_zero_byte_file,
    inject_renamed_column,
    inject_retyped_column,
    inject_extra_column,
    inject_missing_column,
    inject_extra_csv_column,
    inject_wrong_delimiter,
    inject_empty_partition,
    inject_duplicated_partition,
    inject_hidden_data_file,
    inject_offset_extraction_time,
]


def _new_partition_file(lake: Path, system: str, name: str, rows: list[dict]) -> Path:
    spec = table(system, name)
    partition = lake / "raw" / system / name / f"extraction_date={_next_day(lake)}"
    partition.mkdir()
    path = partition / "part-00000.parquet"
    pq.write_table(pa.Table.from_pylist(rows, schema=spec.schema), path)
    return partition


def inject_conflicting_duplicate(lake: Path) -> Injected:
    """Two changes to one (new) reference code, at the same moment, with different
    descriptions: neither can be trusted, both go to the quarantine."""
    extracted = dt.datetime.fromisoformat(f"{_next_day(lake)}T23:59:00")
    row = {
        "op": "I",
        "extraction_timestamp": extracted,
        "standard_reference_list_id": 990000001,
        "code_set_name": "GENDER",
        "code_value": "Q",
        "code_description": "first",
    }
    partition = _new_partition_file(
        lake, "delius", "r_standard_reference_list", [row, {**row, "code_description": "second"}]
    )
    return Injected(
        "conflicting duplicate",
        "delius",
        "r_standard_reference_list",
        ["conflicting change"],
        [(partition, None)],
    )


def inject_unrecognised_flag(lake: Path) -> Injected:
    """A contact whose attendance flag is neither Y nor N: quarantined with the reason,
    never staged as "not recorded"."""
    extracted = dt.datetime.fromisoformat(f"{_next_day(lake)}T23:59:00")
    source = pq.read_table(_data_file(lake, "delius", "contact")).to_pylist()[0]
    row = {**source, "op": "I", "extraction_timestamp": extracted, "contact_id": 990000002}
    partition = _new_partition_file(lake, "delius", "contact", [{**row, "attended": "A"}])
    return Injected(
        "unrecognised flag",
        "delius",
        "contact",
        ["unrecognised flag: attended"],
        [(partition, None)],
    )


def inject_misdated_rows(lake: Path) -> Injected:
    """Two agency-location rows whose envelope the partition contradicts: one extracted
    (so it says) a year before its partition's date, one with no extraction time.
    Without the envelope rules the first became a version dated a year back, and the
    version the full load gave that prison vanished from history; the second was staged
    and failed the not-null delivery test."""
    day = dt.date.fromisoformat(_next_day(lake))
    source = pq.read_table(_data_file(lake, "nomis", "agency_locations")).to_pylist()[0]
    year_before = dt.datetime.combine(day - dt.timedelta(days=365), dt.time(6, 0))
    rows = [
        {**source, "op": "U", "description": "MISDATED", "extraction_timestamp": year_before},
        {**source, "agy_loc_id": "ZZQ", "op": "I", "extraction_timestamp": None},
    ]
    partition = _new_partition_file(lake, "nomis", "agency_locations", rows)
    return Injected(
        "misdated rows",
        "nomis",
        "agency_locations",
        ["extraction timestamp more than a day from the partition date", "no extraction timestamp"],
        [(partition, None)],
    )


def inject_failing_test(lake: Path) -> Injected:
    """A change row with an operation that is not I, U or D: staging's accepted_values
    test on cdc_operation fails."""
    extracted = dt.datetime.fromisoformat(f"{_next_day(lake)}T23:59:00")
    source = pq.read_table(_data_file(lake, "nomis", "incident_cases")).to_pylist()[0]
    partition = _new_partition_file(
        lake, "nomis", "incident_cases", [{**source, "op": "X", "extraction_timestamp": extracted}]
    )
    return Injected(
        "failing data test",
        "nomis",
        "incident_cases",
        [
            "accepted_values_stg_nomis__incident_cases_cdc_operation",
            "stg_nomis__incident_cases",
            "row: value_field=X",
            # where the failing rows came from
            "loaded by this build from raw/nomis/incident_cases/: "
            f"extraction_date={_next_day(lake)}",
        ],
        [(partition, None)],
    )


# ---------------------------------------------------------------- the checker alone


@pytest.mark.parametrize("inject", CONTRACT_FAULTS, ids=lambda f: f.__name__[7:])
def test_contract_checker_names_file_and_column(
    inject,  # noqa: ANN001
    tmp_path: Path,
    tiny_lake: Path,
) -> None:
    lake = tmp_path / "lake"
    shutil.copytree(tiny_lake, lake)
    assert check_lake(lake) == []
    injected = inject(lake)
    errors = check_lake(lake)
    assert {(e.system, e.table) for e in errors} == {(injected.system, injected.table)}
    rendered = "\n".join(error.render(lake) for error in errors)
    for fragment in injected.expected:
        assert fragment in rendered, rendered
    injected.repair()
    assert check_lake(lake) == []


def test_a_table_without_partitions_is_named(tmp_path: Path, tiny_lake: Path) -> None:
    """A table's directory with no partition in it (an extract that never arrived) is a
    contract error naming the table, not DuckDB's "no files found" failing the build;
    a marker file (Spark's `_SUCCESS`) is not data and is ignored."""
    lake = tmp_path / "lake"
    shutil.copytree(tiny_lake, lake)
    root = lake / "raw" / "em" / "device_events"
    for partition in root.iterdir():
        shutil.rmtree(partition)
    (root / "_SUCCESS").touch()
    errors = check_lake(lake)
    assert [(e.system, e.table) for e in errors] == [("em", "device_events")]
    assert "no partitions" in errors[0].render(lake)
    assert "raw/em/device_events" in errors[0].render(lake)


def test_data_pages_are_read_until_the_file_is_recorded_as_loaded(
    tmp_path: Path, tiny_lake: Path
) -> None:
    """A corrupt data page behind an intact footer stops its source while the file is
    new; a file the load record holds at its size and checksum was read whole when it
    was loaded, and only its footer is read again (a daily build does not read the whole
    lake). The checksum, not the modification time: a rewrite that kept both size and
    time (`cp -p`, a restore) is read whole again."""
    lake = tmp_path / "lake"
    shutil.copytree(tiny_lake, lake)
    path = _data_file(lake, "common_platform", "cases")
    relative = _rel(lake, path)
    good = (path.stat().st_size, file_checksum(path))
    stat = path.stat()
    inject_corrupt_data_page(lake)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # size and time as recorded
    errors = check_lake(lake, known={relative: good})
    assert [(e.system, e.table) for e in errors] == [("common_platform", "cases")]
    assert "unreadable Parquet data" in errors[0].render(lake)
    # recorded as it is now (it was loaded so, hypothetically): only the footer is read
    assert check_lake(lake, known={relative: (path.stat().st_size, file_checksum(path))}) == []


def test_a_string_that_is_not_utf8_stops_its_source(tmp_path: Path, tiny_lake: Path) -> None:
    """Bytes that are not UTF-8 in a string column decode without a complaint from
    pyarrow's reader, but DuckDB refuses the file in staging (every mart would then
    fail): the check validates the text as DuckDB does."""
    lake = tmp_path / "lake"
    shutil.copytree(tiny_lake, lake)
    path = _data_file(lake, "common_platform", "cases")
    data = pq.read_table(path)
    marker = "NOT-UTF8-MARKER"
    index = data.schema.get_field_index("case_urn")
    urns = data.column(index).to_pylist()
    urns[0] = marker
    data = data.set_column(index, data.schema.field(index), [urns])
    pq.write_table(data, path, compression="none", use_dictionary=False)
    # every copy of it: the page header's and the footer's statistics hold it too
    path.write_bytes(path.read_bytes().replace(marker.encode(), b"\xff" + marker[1:].encode()))
    errors = check_lake(lake)
    assert [(e.system, e.table) for e in errors] == [("common_platform", "cases")], errors
    assert "not UTF-8" in errors[0].render(lake)
    with pytest.raises(duckdb.Error):  # what staging would have met
        duckdb.sql(f"select * from read_parquet('{path}')").fetchall()


def _copy_partition(lake: Path, system: str, name: str, directory: str) -> Path:
    """A new partition under the directory name given: one row of the table's last
    partition (a new file, not a byte-for-byte copy, which the checker refuses anyway)."""
    row = pq.read_table(_data_file(lake, system, name)).slice(0, 1)
    partition = lake / "raw" / system / name / directory
    partition.mkdir()
    pq.write_table(row, partition / "part-0.parquet")
    return partition


def _append_line(path: Path, line: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + line, encoding="utf-8")


def _em_subject_line(path: Path, full_name: str) -> str:
    """A new em.subjects CSV line whose full_name field is written as given (raw text)."""
    header = next(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    fields = {name: "" for name in header}
    fields.update(op="I", extraction_timestamp="2026-01-02 06:00:00", subject_id="S990001")
    return ",".join(full_name if name == "full_name" else fields[name] for name in header) + "\n"


CHECKER_FAULTS = {
    # Python reads both as dates; the engines' casts do not
    "compact partition date": (
        lambda lake: _copy_partition(lake, "nomis", "incident_cases", "extraction_date=20260109"),
        "not a partition directory",
    ),
    "week partition date": (
        lambda lake: _copy_partition(lake, "nomis", "incident_cases", "extraction_date=2026-W02-2"),
        "not a partition directory",
    ),
    "future partition": (
        lambda lake: _copy_partition(
            lake,
            "delius",
            "contact",
            f"extraction_date={dt.date.today() + dt.timedelta(days=400)}",
        ),
        "dated in the future",
    ),
    # the lenient parser read it as `OBRIEN Pat"` and passed it; DuckDB's reader then
    # failed, naming no file when it was the first it read
    "csv stray quote": (
        lambda lake: _append_line(
            _data_file(lake, "em", "subjects"),
            _em_subject_line(_data_file(lake, "em", "subjects"), '"O"BRIEN Pat"'),
        ),
        "unreadable CSV",
    ),
}


@pytest.mark.parametrize("kind", sorted(CHECKER_FAULTS))
def test_contract_checker_refuses(kind: str, tmp_path: Path, tiny_lake: Path) -> None:
    lake = tmp_path / "lake"
    shutil.copytree(tiny_lake, lake)
    inject, fragment = CHECKER_FAULTS[kind]
    inject(lake)
    errors = check_lake(lake)
    assert len(errors) == 1, [e.render(lake) for e in errors]
    assert fragment in errors[0].render(lake), errors[0].render(lake)


def test_contract_checker_accepts_a_byte_order_mark(tmp_path: Path, tiny_lake: Path) -> None:
    """A CSV saved with a byte-order mark reads the same to DuckDB (which drops it) and
    to Athena (which skips the header line): not a fault."""
    lake = tmp_path / "lake"
    shutil.copytree(tiny_lake, lake)
    path = _data_file(lake, "em", "subjects")
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert check_lake(lake) == []


def test_generate_refuses_partitions_the_contract_would_refuse(tmp_path: Path) -> None:
    """A lake whose last day is in the future is refused before anything is written."""
    env = {**os.environ, "JUSTICE_LAKE_PATH": str(tmp_path / "lake")}
    start = (dt.date.today() - dt.timedelta(days=3)).isoformat()
    completed = subprocess.run(
        [JUSTICE, "generate", "--people", "20", "--start", start, "--days", "14"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode != 0
    assert "dated in the future" in completed.stderr + completed.stdout
    assert "Traceback" not in completed.stderr
    assert not (tmp_path / "lake").exists()


# ---------------------------------------------------------------- scenario A: contracts


@dataclass
class Outcome:
    warehouse: FaultWarehouse
    faults: list[Injected]
    broken: subprocess.CompletedProcess[str]
    repaired: subprocess.CompletedProcess[str]


@pytest.fixture(scope="module")
def contract_faults(clean: Reference, tmp_path_factory: pytest.TempPathFactory) -> Outcome:
    warehouse = _copy(clean, tmp_path_factory.mktemp("contracts"))
    faults = [inject(warehouse.lake) for inject in CONTRACT_FAULTS]
    broken = warehouse.build(check=False)
    published_after_failure = (fingerprints(warehouse.published), held(warehouse.published))
    for fault in faults:
        fault.repair()
    repaired = warehouse.build(check=False)
    outcome = Outcome(warehouse, faults, broken, repaired)
    outcome.published_after_failure = published_after_failure  # type: ignore[attr-defined]
    return outcome


@pytest.mark.parametrize(
    "index", range(len(CONTRACT_FAULTS)), ids=[f.__name__[7:] for f in CONTRACT_FAULTS]
)
def test_contract_fault_stops_its_source(
    index: int, contract_faults: Outcome, clean: Reference
) -> None:
    fault = contract_faults.faults[index]
    broken = contract_faults.broken
    assert broken.returncode != 0
    assert "Traceback" not in broken.stderr
    message = broken.stdout + broken.stderr
    for fragment in fault.expected:
        assert fragment in message, (fragment, message[-4000:])
    # every mart downstream of a broken file keeps its last publication; the marts no
    # broken source feeds (the calendar, the court list) were republished unchanged
    marts, held_after_failure = contract_faults.published_after_failure  # type: ignore[attr-defined]
    assert marts == clean.marts
    assert any(fault.table in reason for _, reason in held_after_failure.values())
    held_for_this = [
        mart
        for mart, (_, reason) in held_after_failure.items()
        if f"{fault.system}.{fault.table}" in reason and fault.expected[0] in reason
    ]
    assert held_for_this, (fault.kind, held_after_failure)


def test_contract_fault_blocks_only_downstream(contract_faults: Outcome) -> None:
    """Sources with no contract error are still staged (in the audit area), and the
    marts nothing broken feeds are published; every other mart is held, with a reason."""
    message = contract_faults.broken.stdout + contract_faults.broken.stderr
    assert "not built" in message
    assert (
        contract_faults.warehouse.scalar("select count(*) from staging.stg_common_platform__cases")
        > 0
    )
    _, held_after_failure = contract_faults.published_after_failure  # type: ignore[attr-defined]
    assert {"dim_date", "dim_court"}.isdisjoint(held_after_failure)
    assert {"dim_person", "fct_custody_episodes", "fct_em_orders"} <= set(held_after_failure)


def test_contract_faults_repaired_rerun_equals_clean(
    contract_faults: Outcome, clean: Reference
) -> None:
    assert contract_faults.repaired.returncode == 0, contract_faults.repaired.stdout[-3000:]
    assert fingerprints(contract_faults.warehouse.published) == clean.marts
    assert held(contract_faults.warehouse.published) == {}


# ------------------------------------------- scenario A2: one broken system, a new day


EM_MARTS = {"fct_em_orders", "fct_em_violations"}
# what cannot be built without every system's events (DESIGN.md section 6)
ALL_SYSTEM_MARTS = {"dim_person", "fct_justice_events"}
NOT_EM_MARTS = {
    "fct_supervision_periods",
    "fct_probation_appointments",
    "fct_probation_caseload_monthly",
    "fct_proven_reoffending",
    "fct_proven_reoffending_rates",
    "fct_person_record_links",
    "fct_custody_episodes",
    "fct_prison_population_monthly",
    "fct_prison_violence_monthly",
    "fct_prison_incidents",
    "fct_court_cases",
    "fct_court_hearings",
    "fct_court_disposals",
}


@dataclass
class NewDay:
    warehouse: FaultWarehouse
    broken: subprocess.CompletedProcess[str]
    published: dict[str, tuple[int, str]]
    held: dict[str, tuple[object, str]]
    note: str
    repaired: subprocess.CompletedProcess[str]
    repaired_marts: dict[str, tuple[int, str]]


@pytest.fixture(scope="module")
def broken_em(clean: Reference, tmp_path_factory: pytest.TempPathFactory) -> NewDay:
    """A new day lands for every system, and its EM device-events file is broken."""
    warehouse = _copy(clean, tmp_path_factory.mktemp("broken_em"))
    land(warehouse.lake, days=1)
    path = _data_file(warehouse.lake, "em", "device_events")
    saved = _saved(path)
    lines = saved[1].decode().splitlines()
    path.write_text(
        "\n".join([lines[0] + ",supplier_note", *(line + ",x" for line in lines[1:])]) + "\n"
    )
    broken = warehouse.build(check=False)
    published, held_marts = fingerprints(warehouse.published), held(warehouse.published)
    note = warehouse.justice("query", "select 1 as one").stderr
    path.write_bytes(saved[1])
    repaired = warehouse.build(check=False)
    return NewDay(
        warehouse, broken, published, held_marts, note, repaired, fingerprints(warehouse.published)
    )


def test_broken_em_file_holds_only_what_depends_on_it(broken_em: NewDay, clean: Reference) -> None:
    message = broken_em.broken.stdout + broken_em.broken.stderr
    assert broken_em.broken.returncode != 0
    assert "'supplier_note'" in message and "unexpected column" in message
    assert "held at their last publication" in message
    # EM marts, and what needs every system's events, keep their last publication
    assert set(broken_em.held) == EM_MARTS | ALL_SYSTEM_MARTS
    for mart in EM_MARTS | ALL_SYSTEM_MARTS:
        assert broken_em.published[mart] == clean.marts[mart], mart
        assert "em.device_events" in broken_em.held[mart][1]
        assert "supplier_note" in broken_em.held[mart][1]
    # the analyst is told, whatever they query
    assert "held at an earlier publication" in broken_em.note
    assert "fct_em_orders" in broken_em.note


def test_broken_em_file_does_not_hold_prison_court_or_probation_marts(broken_em: NewDay) -> None:
    """Prison, court and probation marts (and proven reoffending) are published from the
    new day: exactly what the full build after the repair publishes (no EM data reaches
    them)."""
    assert NOT_EM_MARTS.isdisjoint(broken_em.held)
    for mart in NOT_EM_MARTS:
        assert broken_em.published[mart] == broken_em.repaired_marts[mart], mart


def test_broken_em_file_repaired_publishes_everything(broken_em: NewDay, clean: Reference) -> None:
    assert broken_em.repaired.returncode == 0, broken_em.repaired.stdout[-3000:]
    assert held(broken_em.warehouse.published) == {}
    changed = {m for m in clean.marts if broken_em.repaired_marts[m] != clean.marts[m]}
    # the landed day reached marts published while EM was broken (so they really came
    # from the new build) and marts that were held (so holding them was visible work)
    assert changed & NOT_EM_MARTS, changed
    assert changed & set(broken_em.held), changed
    assert set(broken_em.repaired_marts) == set(clean.marts)


# ---------------------------------------------------------------- scenario B: tests


@pytest.fixture(scope="module")
def failing_test(clean: Reference, tmp_path_factory: pytest.TempPathFactory) -> Outcome:
    warehouse = _copy(clean, tmp_path_factory.mktemp("failing"))
    faults = [
        inject_failing_test(warehouse.lake),
        inject_conflicting_duplicate(warehouse.lake),
        inject_unrecognised_flag(warehouse.lake),
        inject_misdated_rows(warehouse.lake),
    ]
    broken = warehouse.build(check=False)
    quarantined = warehouse.query(
        "select source_table, source_key, quarantine_reason from staging.stg_quarantine "
        "where quarantine_reason like 'conflicting%' or quarantine_reason like 'unrecognised%' "
        "or quarantine_reason like '%extraction timestamp%'"
    )
    published_after_failure = (_sha256(warehouse.published), fingerprints(warehouse.published))
    day = _next_day(warehouse.lake)
    loads = {
        name: warehouse.scalar(
            f"select count(*) from lake.{name} where source_table = 'incident_cases' "
            f"and extraction_date = date '{day}'"
        )
        for name in ("loaded_partitions", "load_plan")
    }
    # a retry before the repair tests the same partition again, and fails again
    unrepaired = warehouse.build("--retry", check=False)
    for fault in faults:
        fault.repair()
    repaired = warehouse.build("--retry", check=False)
    outcome = Outcome(warehouse, faults, broken, repaired)
    outcome.quarantined = quarantined  # type: ignore[attr-defined]
    outcome.loads = loads  # type: ignore[attr-defined]
    outcome.unrepaired = unrepaired  # type: ignore[attr-defined]
    outcome.published_after_failure = published_after_failure  # type: ignore[attr-defined]
    return outcome


def test_failing_test_names_test_model_and_rows(failing_test: Outcome, clean: Reference) -> None:
    broken = failing_test.broken
    assert broken.returncode != 0
    message = broken.stdout + broken.stderr
    for fragment in failing_test.faults[0].expected:
        assert fragment in message, (fragment, message[-4000:])
    assert "nothing published" in message
    digest, marts = failing_test.published_after_failure  # type: ignore[attr-defined]
    assert digest == clean.file_digest
    assert marts == clean.marts


def test_a_partition_whose_delivery_test_failed_stays_planned(failing_test: Outcome) -> None:
    """The failed test's partition is not recorded as loaded: it stays in the load plan,
    so a `--retry` (or the next build) tests it again rather than passing over it."""
    assert failing_test.loads == {"loaded_partitions": 0, "load_plan": 1}  # type: ignore[attr-defined]
    unrepaired = failing_test.unrepaired  # type: ignore[attr-defined]
    assert unrepaired.returncode != 0
    message = unrepaired.stdout + unrepaired.stderr
    assert "accepted_values_stg_nomis__incident_cases_cdc_operation" in message, message[-3000:]
    assert "nothing published" in message


def test_conflicting_duplicate_quarantined_with_reason(failing_test: Outcome) -> None:
    rows = failing_test.quarantined  # type: ignore[attr-defined]
    assert (
        sorted(r for r in rows if r[0] == "r_standard_reference_list")
        == [
            (
                "r_standard_reference_list",
                "990000001",
                "conflicting change: same key and change time, different values",
            ),
        ]
        * 2
    )


def test_unrecognised_flag_quarantined_with_reason(failing_test: Outcome) -> None:
    rows = failing_test.quarantined  # type: ignore[attr-defined]
    assert [r for r in rows if r[0] == "contact"] == [
        ("contact", "990000002", "unrecognised flag: attended")
    ]


def test_misdated_rows_quarantined_with_reasons(failing_test: Outcome) -> None:
    rows = failing_test.quarantined  # type: ignore[attr-defined]
    reasons = sorted(r[2] for r in rows if r[0] == "agency_locations")
    assert reasons == sorted(failing_test.faults[3].expected), rows


def test_retry_after_repair_publishes_the_clean_marts(
    failing_test: Outcome, clean: Reference
) -> None:
    repaired = failing_test.repaired
    assert repaired.returncode == 0, repaired.stdout[-3000:] + repaired.stderr[-2000:]
    assert "published" in repaired.stdout + repaired.stderr
    assert fingerprints(failing_test.warehouse.published) == clean.marts


# ---------------------------------------------------------------- scenario C: interrupted


def test_interrupted_build_publishes_nothing_and_readers_see_the_last_publication(
    clean: Reference, tmp_path: Path
) -> None:
    warehouse = _copy(clean, tmp_path)
    process = subprocess.Popen(
        [JUSTICE, "build", "--full-refresh"],
        env=warehouse.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    started = 0
    deadline = time.monotonic() + 240
    for line in process.stdout:
        started += " START " in line
        if started >= 15 or time.monotonic() > deadline:
            break
    # an analyst reading while the build holds the warehouse sees the published marts
    read = warehouse.justice("query", "select count(*) as people from marts.dim_person")
    assert str(clean.marts["dim_person"][0]) in read.stdout
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode != 0
    assert "interrupted" in stderr
    assert "Traceback" not in stderr
    _assert_published_unchanged(clean, warehouse)
    rerun = warehouse.build(check=False)
    assert rerun.returncode == 0, rerun.stdout[-3000:]
    assert fingerprints(warehouse.published) == clean.marts


def test_a_signal_is_an_interruption_whatever_dbt_makes_of_it() -> None:
    """dbt catches the KeyboardInterrupt of a SIGTERM to cancel its queries, and can then
    return another error ("Connection already closed!", seen on seed 61): the build is
    still interrupted. Run in a process of its own (signal handlers need its main thread)."""
    script = (
        "import os, signal, time\n"
        "from justice.build import interruptible\n"
        "with interruptible() as interruption:\n"
        "    try:\n"  # what dbt does: cancel, and return its own error
        "        os.kill(os.getpid(), signal.SIGTERM)\n"
        "        time.sleep(5)\n"
        "    except KeyboardInterrupt:\n"
        "        pass\n"
        "    try:\n"
        "        interruption.check()\n"
        "    except KeyboardInterrupt:\n"
        "        print('interrupted')\n"
        "with interruptible() as interruption:\n"
        "    interruption.check()\n"
        "print('a build without a signal goes on')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2] / "scripts")},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:2] == ["interrupted", "a build without a signal goes on"]


def test_a_signal_during_the_swap_says_the_marts_are_published(tmp_path: Path) -> None:
    """A signal that arrives while the published file is swapped in is held until the
    swap is done, then interrupts: the build must say its marts are published (they
    are), not "nothing published". A real publication of a one-table audit area, in a
    process of its own (signal handlers need its main thread)."""
    script = (
        "import os, signal, sys, duckdb\n"
        "from pathlib import Path\n"
        "from justice.build import Interruption, interruptible\n"
        "from justice.publish import Mart, publish_duckdb\n"
        "root = Path(sys.argv[1])\n"
        "with duckdb.connect(str(root / 'audit.duckdb')) as c:\n"
        "    c.execute('create schema marts; create table marts.fct_x as select 1 as x')\n"
        "with interruptible() as interruption:\n"
        "    def swapped():\n"
        "        interruption.published()\n"
        "        os.kill(os.getpid(), signal.SIGTERM)  # held: delivered after the swap\n"
        "    try:\n"
        "        interruption.publication = 'publishing'\n"
        "        publish_duckdb(root / 'audit.duckdb', root / 'published.duckdb',\n"
        "            [Mart('model.justice.fct_x', 'marts', 'fct_x')], replace_all=True,\n"
        "            invocation_id='i', as_of=None, swapped=swapped)\n"
        "        print('no signal')\n"
        "    except KeyboardInterrupt:\n"
        "        print(interruption.message(local=True))\n"
        "with duckdb.connect(str(root / 'published.duckdb'), read_only=True) as c:\n"
        "    print(c.execute('select x from marts.fct_x').fetchone()[0])\n"
        "print(Interruption().message(local=True))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2] / "scripts")},
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("interrupted after publishing"), lines
    assert lines[1] == "1", lines  # the new marts are in place
    assert lines[2].startswith("interrupted: nothing published"), lines  # before publishing


# ---------------------------------------------------------------- cheap harness faults


def test_as_of_before_the_first_extraction_is_an_error(clean: Reference, tmp_path: Path) -> None:
    warehouse = _copy(clean, tmp_path)
    before = _sha256(warehouse.root / "justice.duckdb")
    result = warehouse.build("--as-of", "2020-01-01", check=False)
    assert result.returncode != 0
    assert "before the first extraction" in result.stderr
    assert "Traceback" not in result.stderr
    assert _sha256(warehouse.root / "justice.duckdb") == before
    _assert_published_unchanged(clean, warehouse)


def test_selection_matching_nothing_is_an_error(clean: Reference) -> None:
    result = clean.warehouse.build("--select", "no_such_model_anywhere", check=False)
    assert result.returncode != 0
    assert "matches nothing" in result.stderr
    assert _sha256(clean.warehouse.published) == clean.file_digest


def test_salt_never_in_sql_text_or_logs(clean: Reference) -> None:
    root = clean.warehouse.root
    hits = [
        path
        for folder in (root / "target", root / "logs")
        if folder.exists()
        for path in folder.rglob("*")
        if path.is_file() and SALT.encode() in path.read_bytes()
    ]
    assert hits == []
    with duckdb.connect(str(root / "justice.duckdb"), read_only=True) as connection:
        assert connection.execute("select salt from private.person_key_salt").fetchall() == [
            (SALT,)
        ]


@pytest.mark.parametrize(
    "sql",
    [
        "copy marts.dim_person to '{tmp}/people.csv'",
        "export database '{tmp}/everything'",
        "attach '{tmp}/other.duckdb' as other",
        "install httpfs",
        "select * from read_text('/etc/passwd')",
        "select * from read_csv('/etc/passwd')",
        "set enable_external_access = true",
        "create table marts.x as select 1 as x",
    ],
)
def test_query_is_read_only(sql: str, clean: Reference, tmp_path: Path) -> None:
    result = clean.warehouse.justice("query", sql.format(tmp=tmp_path), check=False)
    assert result.returncode != 0
    assert result.stderr.startswith("error:") or "error:" in result.stderr
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []
    assert _sha256(clean.warehouse.published) == clean.file_digest


def test_query_reads_published_marts(clean: Reference) -> None:
    result = clean.warehouse.justice(
        "query", "select count(*) as people from marts.dim_person", "--csv"
    )
    assert result.stdout.splitlines() == ["people", str(clean.marts["dim_person"][0])]


def test_fault_kinds_cover_the_issue() -> None:
    """At least twelve kinds, each with a test above."""
    kinds = [f.__name__ for f in CONTRACT_FAULTS] + [
        "inject_conflicting_duplicate",
        "inject_failing_test",
        "inject_unrecognised_flag",
        "inject_misdated_rows",
        *CHECKER_FAULTS,
        "csv byte-order mark (accepted)",
        "interrupted build",
        "as-of before data",
        "empty selection",
    ]
    assert len(kinds) >= 12
    assert os.path.exists(__file__)


def test_a_model_error_is_explained_with_the_database_error_and_the_file() -> None:
    from justice.audit import explain_failure

    manifest = {
        "nodes": {
            "model.justice.stg_x": {
                "resource_type": "model",
                "original_file_path": "models/staging/x/stg_x.sql",
            }
        }
    }
    message = (
        "Runtime Error in model stg_x (models/staging/x/stg_x.sql)\n"
        '  Binder Error: Referenced column "last_name" not found in FROM clause!\n'
        '  Candidate bindings: "surname"\n  LINE 12: ...'
    )
    lines = explain_failure("model.justice.stg_x", message, manifest, None)
    assert any('Referenced column "last_name" not found' in line for line in lines)
    assert lines[-1] == "file: models/staging/x/stg_x.sql"
