"""The lake contract checked on Athena (justice.athena.contract), offline under moto: the
raw files uploaded to S3, the raw tables and their partitions registered in Glue as an
operator (or a crawler) would, then broken the ways test_faults.py breaks a local lake.
Each fault must be found with the same table and column as the local checker finds it,
naming the s3:// object."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from moto import mock_aws

from conftest import make_lake
from justice.athena.contract import check_athena_lake
from justice.lake.check import blocked_sources, check_lake, glue_type
from justice.lake.contract import TABLES

REGION = "eu-west-2"
BUCKET = "justice-raw"


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_lake(tmp_path_factory.mktemp("athena_contract") / "lake", people=120, days=2)


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, Any]]:
    for key in ("AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        monkeypatch.delenv(key, raising=False)
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        yield boto3.client("glue", region_name=REGION), boto3.client("s3", region_name=REGION)


def _upload(lake: Path, glue: Any, s3: Any) -> None:
    """The raw lake in S3 and its tables and partitions in Glue, laid out as the sources
    YAML expects on Athena (raw_<system>.<table>)."""
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    for path in sorted((lake / "raw").rglob("*")):
        if path.is_file():
            s3.put_object(Bucket=BUCKET, Key=str(path.relative_to(lake)), Body=path.read_bytes())
    for table in TABLES:
        database = f"raw_{table.system}"
        with contextlib.suppress(glue.exceptions.AlreadyExistsException):
            glue.create_database(DatabaseInput={"Name": database})
        location = f"s3://{BUCKET}/raw/{table.system}/{table.name}/"
        columns = [{"Name": f.name, "Type": glue_type(f.type)} for f in table.schema]
        glue.create_table(
            DatabaseName=database,
            TableInput={
                "Name": table.name,
                "TableType": "EXTERNAL_TABLE",
                "StorageDescriptor": {"Columns": columns, "Location": location},
                "PartitionKeys": [{"Name": "extraction_date", "Type": "string"}],
            },
        )
        root = lake / "raw" / table.system / table.name
        for partition in sorted(root.glob("extraction_date=*")):
            _register(glue, table.system, table.name, partition.name)


def _register(glue: Any, system: str, name: str, partition: str) -> None:
    glue.create_partition(
        DatabaseName=f"raw_{system}",
        TableName=name,
        PartitionInput={
            "Values": [partition.removeprefix("extraction_date=")],
            "StorageDescriptor": {
                "Location": f"s3://{BUCKET}/raw/{system}/{name}/{partition}/",
            },
        },
    )


def _break_files(lake: Path) -> dict[str, tuple[str, str, str | None]]:
    """File faults of test_faults.py, on a copy of the lake: what -> (system, table, column)."""

    def last(system: str, name: str) -> Path:
        partition = sorted((lake / "raw" / system / name).glob("extraction_date=*"))[-1]
        return sorted(partition.glob("part-*"))[0]

    offenders = last("nomis", "offenders")
    data = pq.read_table(offenders)
    pq.write_table(
        data.rename_columns(["surname" if n == "last_name" else n for n in data.column_names]),
        offenders,
    )
    bookings = last("nomis", "offender_bookings")
    data = pq.read_table(bookings)
    index = data.schema.get_field_index("offender_id")
    pq.write_table(
        data.set_column(index, "offender_id", data.column("offender_id").cast(pa.string())),
        bookings,
    )
    movements = last("nomis", "offender_external_movements")
    movements.write_bytes(movements.read_bytes()[:300])
    orders = last("em", "orders")
    lines = orders.read_text().splitlines()
    orders.write_text("\n".join([lines[0] + ",notes", *(line + ",n" for line in lines[1:])]) + "\n")
    parties = last("nomis", "incident_case_parties").parent / "part-00099.parquet"
    parties.touch()
    hearings = last("common_platform", "hearings")
    copy = hearings.parent.parent / "extraction_date=2026-06-01"
    copy.mkdir()
    shutil.copy2(hearings, copy / hearings.name)
    return {
        "renamed": ("nomis", "offenders", "last_name"),
        "retyped": ("nomis", "offender_bookings", "offender_id"),
        "truncated": ("nomis", "offender_external_movements", None),
        "extra CSV column": ("em", "orders", "notes"),
        "zero-byte": ("nomis", "incident_case_parties", None),
        "copy": ("common_platform", "hearings", None),
    }


def test_clean_lake_passes_on_athena(lake: Path, aws: tuple[Any, Any]) -> None:
    glue, s3 = aws
    _upload(lake, glue, s3)
    assert check_athena_lake(glue, s3) == []


def test_file_faults_found_on_athena_as_locally(
    lake: Path, aws: tuple[Any, Any], tmp_path: Path
) -> None:
    broken = tmp_path / "lake"
    shutil.copytree(lake, broken)
    expected = _break_files(broken)
    glue, s3 = aws
    _upload(broken, glue, s3)
    remote = check_athena_lake(glue, s3)
    local = check_lake(broken)
    found = {(e.system, e.table, e.column) for e in remote}
    for system, name, column in expected.values():
        assert (system, name, column) in found, (system, name, column, remote)
    # the same sources stop, for the same columns, whichever engine checks them
    assert blocked_sources(remote) == blocked_sources(local)
    assert {(e.system, e.table, e.column) for e in local} == found
    for item in remote:
        assert str(item.path).startswith(f"s3://{BUCKET}/raw/"), item
    rendered = "\n".join(item.render() for item in remote)
    assert "renamed to 'surname'" in rendered
    assert "unreadable Parquet" in rendered
    assert "byte-for-byte copy" in rendered
    assert "zero-byte file" in rendered


def test_catalog_faults_found_on_athena(lake: Path, aws: tuple[Any, Any]) -> None:
    """What only the catalog can get wrong: a retyped Glue column, a partition Glue does
    not know (Athena would not read it), a registered partition with no files."""
    glue, s3 = aws
    _upload(lake, glue, s3)
    table = glue.get_table(DatabaseName="raw_delius", Name="contact")["Table"]
    columns = [
        {**column, "Type": "int"} if column["Name"] == "contact_id" else column
        for column in table["StorageDescriptor"]["Columns"]
    ]
    glue.update_table(
        DatabaseName="raw_delius",
        TableInput={
            "Name": "contact",
            "StorageDescriptor": {**table["StorageDescriptor"], "Columns": columns},
            "PartitionKeys": table["PartitionKeys"],
        },
    )
    s3.put_object(
        Bucket=BUCKET,
        Key="raw/em/subjects/extraction_date=2026-06-02/part-00000.csv",
        Body=(lake / "raw/em/subjects")
        .glob("extraction_date=*/part-*.csv")
        .__next__()
        .read_bytes(),
    )
    _register(glue, "nomis", "agency_locations", "extraction_date=2026-06-03")
    errors = check_athena_lake(glue, s3)
    rendered = "\n".join(item.render() for item in errors)
    assert blocked_sources(errors) == [
        "source:nomis.agency_locations",
        "source:delius.contact",
        "source:em.subjects",
    ], rendered
    assert "glue:raw_delius.contact: column 'contact_id': type int" in rendered
    assert "extraction_date=2026-06-02/: partition not registered in the Glue catalog" in rendered
    assert "extraction_date=2026-06-03/: empty partition" in rendered


def test_athena_build_stops_the_broken_sources(
    lake: Path, aws: tuple[Any, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`justice build --target athena` runs this check before dbt: the sources it
    returns are excluded with everything downstream, as locally."""
    from justice.build import check_athena_sources
    from justice.console import Settings

    broken = tmp_path / "lake"
    shutil.copytree(lake, broken)
    _break_files(broken)
    glue, s3 = aws
    _upload(broken, glue, s3)
    monkeypatch.setenv("JUSTICE_ATHENA_REGION", REGION)
    blocked = check_athena_sources(Settings.from_env(lake=broken), {"raw_schema_em": "raw_em"})
    assert set(blocked) == set(blocked_sources(check_lake(broken)))
    assert "'notes'" in blocked["source:em.orders"]
    assert blocked["source:em.orders"].startswith(f"s3://{BUCKET}/raw/em/orders/")


# ------------------------------------------------- the record of what Athena builds loaded

DATA_BUCKET = "justice-data"
RECORD = (DATA_BUCKET, "warehouse/justice_lake/loaded_partitions.json")
EVERY_TABLE = {(t.system, t.name) for t in TABLES}


def _keys(s3: Any, prefix: str) -> list[str]:
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix)
    return sorted(item["Key"] for page in pages for item in page.get("Contents", []))


def test_athena_record_finds_late_rewritten_and_removed_partitions(
    lake: Path, aws: tuple[Any, Any]
) -> None:
    """What a plan-less incremental Athena build cannot see (a partition rewritten or
    removed after it was loaded, or changed SQL) makes the next `justice build --target
    athena` a full refresh; a late partition is loaded incrementally, as locally."""
    from justice.athena.loads import (
        pending_changed,
        plan_athena_loads,
        read_record,
        record_athena_loads,
    )

    glue, s3 = aws
    _upload(lake, glue, s3)
    s3.create_bucket(Bucket=DATA_BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    defendants = "raw/common_platform/defendants/"  # three days in this lake
    days = sorted({key.split("/")[3] for key in _keys(s3, defendants)})
    first_day, last_day = days[0], days[-1]
    held_back = {
        key: s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
        for key in _keys(s3, f"{defendants}{first_day}/")
    }
    for key in held_back:  # the first day of one table lands late
        s3.delete_object(Bucket=BUCKET, Key=key)
    code = {"models/history/a.sql": "1"}

    plan = plan_athena_loads(glue, s3, RECORD, code=code)
    assert plan.statuses and set(plan.statuses.values()) == {"new"}
    assert not plan.full_refresh
    objects = len(read_record(s3, RECORD)["pending"])
    assert record_athena_loads(s3, RECORD, EVERY_TABLE, "build-1", code=code) == objects
    assert read_record(s3, RECORD)["code"] == code
    again = plan_athena_loads(glue, s3, RECORD, code=code)
    assert again.statuses == {} and not again.full_refresh

    for key, body in held_back.items():
        s3.put_object(Bucket=BUCKET, Key=key, Body=body)
    late = plan_athena_loads(glue, s3, RECORD, code=code)
    day = late.of("late")[0][2]
    assert late.of("late") == [("common_platform", "defendants", day)]
    assert day.isoformat() in first_day
    assert not late.full_refresh
    record_athena_loads(s3, RECORD, EVERY_TABLE, "build-2", code=code)

    # rewritten after it was loaded: planned, not recorded (a failed build), then
    # rewritten again; and a second table rewritten
    rewritten = _keys(s3, f"{defendants}{last_day}/")[0]
    s3.put_object(Bucket=BUCKET, Key=rewritten, Body=held_back[next(iter(held_back))])
    plan = plan_athena_loads(glue, s3, RECORD, code=code)
    assert [p[:2] for p in plan.of("rewritten")] == [("common_platform", "defendants")]
    assert plan.full_refresh and "reloaded" in plan.statuses.values()
    said = "\n".join(plan.describe())
    assert "rewritten since they were loaded: common_platform.defendants" in said
    assert pending_changed(glue, s3, RECORD) == []
    s3.put_object(Bucket=BUCKET, Key=rewritten, Body=b"PAR1 not the same bytes")
    changed = pending_changed(glue, s3, RECORD)
    assert ("common_platform", "defendants") in {p[:2] for p in changed}
    plan = plan_athena_loads(glue, s3, RECORD, code=code)
    assert plan.full_refresh
    record_athena_loads(s3, RECORD, EVERY_TABLE, "build-3", code=code)
    assert plan_athena_loads(glue, s3, RECORD, code=code).statuses == {}

    # removed after it was loaded
    for key in _keys(s3, f"raw/common_platform/hearings/{last_day}/"):
        s3.delete_object(Bucket=BUCKET, Key=key)
    plan = plan_athena_loads(glue, s3, RECORD, code=code)
    assert [p[:2] for p in plan.removed] == [("common_platform", "hearings")]
    assert plan.full_refresh
    record_athena_loads(s3, RECORD, EVERY_TABLE, "build-4", code=code)
    assert not plan_athena_loads(glue, s3, RECORD, code=code).full_refresh

    # a table the contract check stopped is not planned, and keeps its record
    for key in _keys(s3, f"raw/em/orders/{first_day}/"):
        s3.put_object(Bucket=BUCKET, Key=key, Body=b"order_id\n1\n")
    plan = plan_athena_loads(glue, s3, RECORD, blocked={("em", "orders")}, code=code)
    assert not plan.full_refresh and plan.statuses == {}

    # the SQL that built the stored history changed
    plan = plan_athena_loads(glue, s3, RECORD, code={"models/history/a.sql": "2"})
    assert plan.code_changed == ["models/history/a.sql"] and plan.full_refresh


def test_athena_build_plans_against_the_record(
    lake: Path, aws: tuple[Any, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`justice build --target athena` keeps the record under JUSTICE_ATHENA_S3_DATA_DIR
    and turns a build after a rewrite into a full refresh, saying why."""
    from justice.athena.loads import record_address, record_athena_loads
    from justice.build import plan_athena_partitions

    glue, s3 = aws
    _upload(lake, glue, s3)
    s3.create_bucket(Bucket=DATA_BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    monkeypatch.setenv("JUSTICE_ATHENA_REGION", REGION)
    monkeypatch.setenv("JUSTICE_ATHENA_S3_DATA_DIR", f"s3://{DATA_BUCKET}/warehouse/")
    monkeypatch.setenv("JUSTICE_ATHENA_SCHEMA_PREFIX", "justice")
    assert record_address() == RECORD
    assert plan_athena_partitions({}, {}, full_refresh=False) is False
    record_athena_loads(s3, RECORD, EVERY_TABLE, "build-1")
    key = _keys(s3, "raw/delius/contact/")[-1]
    s3.put_object(Bucket=BUCKET, Key=key, Body=b"PAR1 rewritten")
    # a source the contract check stopped is not planned: nothing else changed
    assert plan_athena_partitions({}, {"source:delius.contact": "…"}, full_refresh=False) is False
    assert plan_athena_partitions({}, {}, full_refresh=False) is True


def test_athena_record_keeps_what_a_build_did_not_finish(
    lake: Path, aws: tuple[Any, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Objects planned and not recorded (a failed build) that change since count as
    rewritten; a full refresh stays owed until one is recorded for every table; a table
    the contract check stopped keeps its pending and loaded rows; a table dropped from
    the contract leaves nothing pending behind."""
    from justice.athena import loads

    glue, s3 = aws
    _upload(lake, glue, s3)
    s3.create_bucket(Bucket=DATA_BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    first = loads.plan_athena_loads(glue, s3, RECORD)
    assert any("no record of earlier loads" in line for line in first.describe())
    loads.record_athena_loads(s3, RECORD, EVERY_TABLE - {("common_platform", "hearings")}, "b1")
    assert "no record" not in "\n".join(loads.plan_athena_loads(glue, s3, RECORD).describe())

    # hearings: planned twice, never recorded (its tests failed), then rewritten
    key = _keys(s3, "raw/common_platform/hearings/")[-1]
    s3.put_object(Bucket=BUCKET, Key=key, Body=b"PAR1 other bytes")
    assert [p[:2] for p in loads.pending_changed(glue, s3, RECORD)] == [
        ("common_platform", "hearings")
    ]
    plan = loads.plan_athena_loads(glue, s3, RECORD)
    assert [p[:2] for p in plan.of("rewritten")] == [("common_platform", "hearings")]
    assert plan.full_refresh
    # that full refresh was refused: the rewrite is pending now, and still owed
    again = loads.plan_athena_loads(glue, s3, RECORD)
    assert again.full_refresh and "common_platform.hearings" in again.owed

    # a table the contract check stopped: its rows stay in the record, untouched
    before = loads.read_record(s3, RECORD)
    orders = [r for r in before["pending"] + before["loaded"] if r["table"] == "orders"]
    assert orders
    loads.plan_athena_loads(glue, s3, RECORD, blocked={("em", "orders")}, full_refresh=True)
    loads.record_athena_loads(s3, RECORD, EVERY_TABLE - {("em", "orders")}, "b2")
    after = loads.read_record(s3, RECORD)
    assert [r for r in after["pending"] + after["loaded"] if r["table"] == "orders"] == orders
    assert after["owed"].endswith("not rebuilt and recorded by the last full refresh: em.orders")
    loads.plan_athena_loads(glue, s3, RECORD, full_refresh=True)
    loads.record_athena_loads(s3, RECORD, EVERY_TABLE, "b3")
    assert loads.read_record(s3, RECORD)["owed"] == ""
    assert not loads.plan_athena_loads(glue, s3, RECORD).full_refresh

    # em.orders leaves the contract with objects pending: none stay behind
    s3.put_object(Bucket=BUCKET, Key=_keys(s3, "raw/em/orders/")[0], Body=b"order_id\n2\n")
    loads.plan_athena_loads(glue, s3, RECORD)
    monkeypatch.setattr(loads, "TABLES", [t for t in TABLES if t.name != "orders"])
    loads.plan_athena_loads(glue, s3, RECORD)
    assert loads.pending_changed(glue, s3, RECORD) == []
    assert not [r for r in loads.read_record(s3, RECORD)["pending"] if r["table"] == "orders"]
