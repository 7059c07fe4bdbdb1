"""Staging against the generator's ground truth, on a lake this module corrupts itself.

One build serves every test here: the lake is generated, a handful of rows that cannot be
made valid are added to it, and `justice build` runs once.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest

from conftest import Warehouse, make_lake
from justice.console import PROJECT_ROOT
from justice.lake.contract import TABLES, RawTable, table

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
        "unreadable date: order_start_date",
    ),
    (
        "em",
        "device_events",
        {"event_id": "CORRUPT-2", "event_datetime": "31/02/2026 10:00:00"},
        "CORRUPT-2",
        "unreadable timestamp: event_datetime",
    ),
    (
        "em",
        "subjects",
        {"subject_id": "CORRUPT-3", "dob": "unknown"},
        "CORRUPT-3",
        "unreadable date: dob",
    ),
]

# Name and date-of-birth errors the generator injects; a person whose records carry none
# of them must come out of staging with exactly their true name and date of birth.
IDENTITY_ERRORS = (
    "name_typo", "name_correction", "nickname", "name_swapped", "double_barrelled_variant",
    "surname_change", "dob_transposed", "dob_off_by_year", "dob_missing",
)  # fmt: skip
PERSON_TABLES = {
    "nomis": ("offenders", "offender_id"),
    "delius": ("offender", "offender_id"),
    "common_platform": ("defendants", "defendant_id"),
    "em": ("subjects", "subject_id"),
}


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


def _resource_counts(run_results: Path) -> dict[tuple[str, str], int]:
    import collections
    import json

    results = json.loads(run_results.read_text())["results"]
    return dict(
        collections.Counter(
            (result["unique_id"].split(".")[0], result["status"]) for result in results
        )
    )


def test_unit_tests_run_with_the_flag_and_pass(built_small: Warehouse) -> None:
    import json

    manifest = json.loads((built_small.root / "target" / "manifest.json").read_text())
    declared = sum(1 for uid in manifest["unit_tests"] if uid.startswith("unit_test."))
    counts = _resource_counts(built_small.root / "build_run_results.json")
    assert declared > 0
    assert counts.get(("unit_test", "pass")) == declared, counts


def test_a_build_leaves_unit_tests_out_by_default(corrupted: Warehouse) -> None:
    counts = _resource_counts(corrupted.root / "target" / "run_results.json")
    assert not [kind for kind, _ in counts if kind == "unit_test"], counts
    assert counts.get(("test", "pass"), 0) > 100, counts  # the data tests still run


@pytest.mark.parametrize(("system", "name", "changes", "key", "reason"), CORRUPTIONS)
def test_corrupted_row_is_quarantined_with_its_reason(
    corrupted: Warehouse, system: str, name: str, changes: dict, key: str, reason: str
) -> None:
    rows = corrupted.query(
        "select distinct quarantine_reason from staging.stg_quarantine "
        f"where source_system = '{system}' and source_table = '{name}' "
        f"and source_key = '{key}'"
    )
    assert rows == [(reason,)]


def _truth(lake: Path, name: str) -> str:
    return f"read_parquet('{lake}/_truth/{name}/*.parquet')"


def _last_partition(lake: Path) -> dt.date:
    import json

    meta = json.loads((lake / "_meta.json").read_text())
    return dt.date.fromisoformat(meta["start"]) + dt.timedelta(days=int(meta["days"]))


def test_quarantine_holds_exactly_the_unrecoverable_rows(corrupted: Warehouse, raw_duckdb) -> None:
    """Per table: the generator's injected unrecoverable rows that have landed, plus ours."""
    expected: dict[tuple[str, str], int] = {}
    injected = raw_duckdb.execute(
        f"""
        select system, source_table, count(*)
        from {_truth(corrupted.lake, "injected")}
        where kind in ('null_key', 'garbage_date')
            and extraction_date <= date '{_last_partition(corrupted.lake)}'
        group by all
        """
    ).fetchall()
    for system, name, count in injected:
        expected[(system, name)] = count
    for system, name, *_ in CORRUPTIONS:
        expected[(system, name)] = expected.get((system, name), 0) + 1
    actual = dict(
        ((system, name), count)
        for system, name, count in corrupted.query(
            "select source_system, source_table, count(*) from staging.stg_quarantine group by all"
        )
    )
    assert actual == expected


def test_a_known_person_is_cleaned_in_every_system(corrupted: Warehouse, raw_duckdb) -> None:
    """Pick a true person recorded in all four systems without name or birth-date errors
    (case and white-space noise and mixed date formats allowed: staging must clean those),
    and find exactly their true name and date of birth in every system's staging."""
    errors = ", ".join(f"'{kind}'" for kind in IDENTITY_ERRORS)
    landed = raw_duckdb.execute(
        f"""
        with records as (
            select records.*
            from {_truth(corrupted.lake, "person_records")} as records
            where records.created_date <= date '{_last_partition(corrupted.lake)}'
        ),
        flawed as (
            select distinct records.person_id
            from records
            inner join {_truth(corrupted.lake, "injected")} as injected
                on injected.system = records.system
                and injected.source_key = records.source_record_id
            where injected.kind in ({errors})
        ),
        noisy as (
            select distinct records.person_id
            from records
            inner join {_truth(corrupted.lake, "injected")} as injected
                on injected.system = records.system
                and injected.source_key = records.source_record_id
            where injected.kind in ('name_case_noise', 'dob_format')
        )
        select records.person_id, records.system, records.source_record_id
        from records
        where records.person_id not in (select person_id from flawed)
            and records.person_id in (
                select person_id from records group by person_id
                having count(distinct system) = 4
            )
        order by records.person_id in (select person_id from noisy) desc, records.person_id
        """
    ).fetchall()
    assert landed, "no person without identity errors is recorded in all four systems"
    person_id = landed[0][0]
    first, last, born = raw_duckdb.execute(
        f"select upper(first_name), upper(last_name), birth_date "
        f"from {_truth(corrupted.lake, 'people')} where person_id = {person_id}"
    ).fetchone()
    for _, system, record_id in (row for row in landed if row[0] == person_id):
        name, key = PERSON_TABLES[system]
        literal = record_id if system in ("nomis", "delius") else f"'{record_id}'"
        staged = corrupted.query(
            f"select distinct first_name, last_name, birth_date from staging.stg_{system}__{name} "
            f"where {key} = {literal}"
        )
        assert staged == [(first, last, born)], (system, record_id)


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
    """Every date of birth the court feed gives, in any of its four formats, is read."""
    raw = table("common_platform", "defendants")
    given = raw_duckdb.execute(
        "select count(*) from (select distinct * from "
        f"read_parquet('{_files(corrupted.lake, raw)}')) "
        "where nullif(trim(date_of_birth), '') is not null and defendant_id is not null"
    ).fetchone()[0]
    parsed = corrupted.scalar(
        "select count(*) from staging.stg_common_platform__defendants where birth_date is not null"
    )
    assert parsed == given
    earliest, latest = corrupted.query(
        "select min(birth_date), max(birth_date) from staging.stg_common_platform__defendants"
    )[0]
    assert earliest > dt.date(1900, 1, 1)
    assert latest < dt.date(2020, 1, 1)


def test_query_prints_a_table_and_csv(corrupted: Warehouse) -> None:
    sql = "select source_system, count(*) as n from staging.stg_quarantine group by 1 order by 1"
    # the quarantine lives in the build warehouse (the audit area), not among the
    # published marts
    table_output = corrupted.justice("query", "--audit", sql).stdout
    assert table_output.splitlines()[0].split("|")[0].strip() == "source_system"
    csv_output = corrupted.justice("query", "--audit", "--csv", sql).stdout
    assert csv_output.splitlines()[0] == "source_system,n"


def test_build_without_a_lake_fails_clearly(tmp_path: Path) -> None:
    warehouse = Warehouse(lake=tmp_path / "nowhere", root=tmp_path)
    result = warehouse.build(check=False)
    assert result.returncode != 0
    assert "justice generate" in result.stderr
    assert "Traceback" not in result.stderr


def test_docs_site_is_generated_with_every_staging_model(documented: Warehouse) -> None:
    import json

    target = documented.root / "target"
    assert (target / "index.html").exists()
    catalog = json.loads((target / "catalog.json").read_text())
    catalogued = {node.split(".")[-1] for node in catalog["nodes"]}
    for raw in TABLES:
        assert f"stg_{raw.system}__{raw.name}" in catalogued


def test_yaml_columns_are_the_built_columns_in_order(corrupted: Warehouse) -> None:
    """star_except and history_versions take a model's columns from its YAML (the graph),
    so the YAML of every base, staging, history and as-of model must list exactly the
    columns the model selects, in the same order."""
    import json

    manifest = json.loads((corrupted.root / "target" / "manifest.json").read_text())
    wrong = []
    for node in manifest["nodes"].values():
        name = node["name"]
        if node["resource_type"] != "model" or name == "stg_quarantine":
            continue
        if not (name.startswith(("base_", "stg_")) or name.endswith(("_history", "_as_of"))):
            continue
        built = [
            row[0]
            for row in corrupted.query(
                "select column_name from information_schema.columns "
                f"where table_schema = '{node['schema']}' and table_name = '{name}' "
                "order by ordinal_position"
            )
        ]
        if list(node["columns"]) != built:
            wrong.append(f"{name}: YAML {list(node['columns'])} != built {built}")
    assert not wrong, "\n".join(wrong)


def test_not_null_columns_names_each_null_column_and_counts_its_nulls(
    built_small: Warehouse,
) -> None:
    """The one-test-per-model not-null check (tests/dbt/generic/not_null_columns.sql):
    on rows with nulls it returns each column holding one, with its null count, and
    nothing for a column without; and the build ran it where per-column not_null tests
    were (every model with a required column that is not its key)."""
    import json

    relation = (
        "(select * from (values (1, null, 'x'), (null, null, 'y'), (3, null, 'z')) "
        "as rows_under_test(a, b, c))"
    )
    inline = '{{ test_not_null_columns("' + relation + "\", ['a', 'b', 'c']) }}"
    compiled = subprocess.run(
        [
            str(Path(sys.executable).with_name("dbt")),
            "compile",
            "--inline",
            inline,
            "--output",
            "json",
            "--profiles-dir",
            str(PROJECT_ROOT / "profiles"),
            "--project-dir",
            str(PROJECT_ROOT),
            "--quiet",
        ],
        env=built_small.env,
        capture_output=True,
        text=True,
        check=True,
    )
    sql = json.loads(compiled.stdout)["compiled"]
    with duckdb.connect() as con:
        assert sorted(con.execute(sql).fetchall()) == [("a", 1), ("b", 3)]
    results = json.loads((built_small.root / "build_run_results.json").read_text())["results"]
    ran = [r for r in results if ".not_null_columns_" in r["unique_id"]]
    assert len(ran) > 50 and {r["status"] for r in ran} == {"pass"}
