"""Source contracts on Athena: the checks of justice.lake.check, run against the Glue
catalog and the raw files in S3 before an Athena build.

On Athena the raw tables are Glue tables (`raw_<system>.<table>`, partitioned by
`extraction_date`) over S3 prefixes. A Parquet file whose column was renamed is read by
name, so the column silently becomes null: the catalog alone cannot catch it. So, per
contract table:

- the Glue table exists, its columns and types are the contract's (Glue type names),
  and it is partitioned by `extraction_date` alone; a partition registered with its own
  schema (a crawler does that) is checked the same way;
- every object under the table's S3 location sits in an `extraction_date=YYYY-MM-DD/`
  prefix, has the table's format and is not empty;
- each Parquet file's footer is read with two ranged GETs (never the data) and its
  columns and types checked; each CSV file is read whole (they are small) for its
  delimiter, header and ragged rows;
- a file identical to another of the same table (same size and ETag) is a delivery made
  twice; a partition Glue knows with no files is an empty partition, and files in a
  partition Glue does not know would never be read (unless the table uses partition
  projection).

Errors are `justice.lake.check.ContractError`s naming the s3:// object (or the Glue
table) and the column, so `justice build --target athena` stops exactly the sources a
local build would. Proven offline under moto (tests/python/test_athena_contract.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from justice.lake.check import (
    PARTITION_PREFIX,
    ContractError,
    check_csv_text,
    check_schema,
    future_partition,
    is_partition_name,
    partition_day,
    unreadable_parquet,
)
from justice.lake.contract import TABLES, RawTable

FOOTER_GUESS = 64 * 1024  # bytes fetched from a Parquet file's end at first


def raw_database(system: str, variables: dict[str, str] | None = None) -> str:
    """The Glue database of a system's raw tables (dbt var raw_schema_<system>)."""
    return (variables or {}).get(f"raw_schema_{system}", f"raw_{system}")


def check_athena_lake(
    glue: Any,
    s3: Any,
    tables: Iterable[RawTable] = TABLES,
    databases: dict[str, str] | None = None,
) -> list[ContractError]:
    """Every contract error of the raw tables on Athena (empty = fine). `glue` and `s3`
    are boto3 clients; `databases` maps a system to its Glue database when it is not
    `raw_<system>`."""
    errors: list[ContractError] = []
    for table in tables:
        database = (databases or {}).get(table.system) or raw_database(table.system)
        errors += check_athena_table(glue, s3, database, table)
    return errors


def check_athena_table(glue: Any, s3: Any, database: str, table: RawTable) -> list[ContractError]:
    where = f"glue:{database}.{table.name}"

    def error(path: str, message: str, column: str | None = None) -> ContractError:
        return ContractError(table.system, table.name, path, message, column)

    try:
        found = glue.get_table(DatabaseName=database, Name=table.name)["Table"]
    except glue.exceptions.EntityNotFoundException:
        return [error(where, "not in the Glue catalog: the raw table is missing")]
    descriptor = found.get("StorageDescriptor") or {}
    errors = check_schema(table, where, _glue_columns(descriptor))
    keys = [key["Name"] for key in found.get("PartitionKeys") or []]
    if keys != ["extraction_date"]:
        errors.append(
            error(where, f"partitioned by {keys or 'nothing'}: the contract says [extraction_date]")
        )
    registered: dict[str, dict[str, Any]] = {}
    for page in glue.get_paginator("get_partitions").paginate(
        DatabaseName=database, TableName=table.name
    ):
        for partition in page["Partitions"]:
            name = PARTITION_PREFIX + partition["Values"][0]
            registered[name] = partition
            columns = _glue_columns(partition.get("StorageDescriptor") or {})
            if columns:
                errors += check_schema(table, f"{where}/{name}", columns)
    location = descriptor.get("Location") or ""
    if not location.startswith("s3://"):
        return [*errors, error(where, f"no s3:// location ({location!r})")]
    bucket, prefix, by_partition, strays = table_objects(s3, location)
    for item in strays:
        errors.append(
            error(
                item["Address"],
                f"a file outside any partition (expected {PARTITION_PREFIX}YYYY-MM-DD/ prefixes)",
            )
        )
    projected = (found.get("Parameters") or {}).get("projection.enabled") == "true"
    every: list[dict[str, Any]] = []
    for partition in sorted(set(by_partition) | set(registered)):
        path = f"s3://{bucket}/{prefix}{partition}/"
        if not is_partition_name(partition):
            errors.append(
                error(path, f"not a partition directory: expected {PARTITION_PREFIX}YYYY-MM-DD")
            )
            continue
        future = future_partition(partition_day(partition))
        if future:
            errors.append(error(path, future))
            continue
        items = [item for item in by_partition.get(partition, []) if item["Size"] or item["Name"]]
        if not items:
            errors.append(error(path, "empty partition: no data files (an extract cut short?)"))
            continue
        if partition not in registered and not projected:
            errors.append(
                error(
                    path,
                    "partition not registered in the Glue catalog: Athena would not read "
                    "it (ALTER TABLE ADD PARTITION or MSCK REPAIR TABLE)",
                )
            )
        errors += _check_objects(s3, bucket, table, items)
        every.extend(items)
    for copy, first in copies(every):
        errors.append(
            error(
                copy["Address"],
                f"a byte-for-byte copy of {first['Key'].removeprefix(prefix)} (same size "
                "and ETag: the same delivery twice?)",
            )
        )
    return errors


def table_objects(
    s3: Any, location: str
) -> tuple[str, str, dict[str, list[dict[str, Any]]], list[dict[str, Any]]]:
    """The objects under a raw table's S3 `location`: its bucket, its key prefix (ending
    in /), the objects of each first-level directory (a partition, if well named; a
    directory marker alone gives an empty list), and the files directly under the
    prefix (outside any partition). Each object is list_objects_v2's (Key, Size, ETag,
    ...) with its s3:// Address and its Name within the directory."""
    bucket, _, prefix = location.removeprefix("s3://").partition("/")
    prefix = prefix.rstrip("/") + "/"
    by_partition: dict[str, list[dict[str, Any]]] = defaultdict(list)
    strays: list[dict[str, Any]] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            relative = item["Key"].removeprefix(prefix)
            partition, _, name = relative.partition("/")
            address = f"s3://{bucket}/{item['Key']}"
            if not name:
                if relative.endswith("/") or item["Size"] == 0:
                    by_partition.setdefault(relative.rstrip("/"), [])
                else:
                    strays.append({**item, "Address": address, "Name": relative})
                continue
            by_partition[partition].append({**item, "Address": address, "Name": name})
    return bucket, prefix, by_partition, strays


def _check_objects(
    s3: Any, bucket: str, table: RawTable, items: list[dict[str, Any]]
) -> list[ContractError]:
    errors: list[ContractError] = []

    def error(item: dict[str, Any], message: str) -> ContractError:
        return ContractError(table.system, table.name, item["Address"], message)

    for item in sorted(items, key=lambda entry: entry["Key"]):
        if not item["Name"].endswith(f".{table.file_format}"):
            errors.append(
                error(item, f"unexpected file: {table.name} is delivered as .{table.file_format}")
            )
            continue
        if item["Size"] == 0:
            errors.append(error(item, "zero-byte file (an extract cut short?)"))
            continue
        if table.file_format == "parquet":
            errors += _check_parquet_object(s3, bucket, table, item)
        else:
            body = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
            try:
                text = body.decode("utf-8")
            except UnicodeDecodeError as problem:
                errors.append(
                    error(item, f"not UTF-8 text: {problem.reason} at byte {problem.start}")
                )
                continue
            errors += check_csv_text(table, item["Address"], text)
    return errors


def _check_parquet_object(
    s3: Any, bucket: str, table: RawTable, item: dict[str, Any]
) -> list[ContractError]:
    """Read only the footer: the last bytes hold its length, then the footer itself."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    size = item["Size"]

    def tail(length: int) -> bytes:
        response = s3.get_object(
            Bucket=bucket, Key=item["Key"], Range=f"bytes=-{min(length, size)}"
        )
        return response["Body"].read()

    try:
        end = tail(FOOTER_GUESS)
        if size < 12 or end[-4:] != b"PAR1":
            raise ValueError("no Parquet footer (the file does not end with PAR1)")
        footer_length = int.from_bytes(end[-8:-4], "little")
        if footer_length + 8 > size - 4:
            raise ValueError(f"footer length {footer_length} exceeds the file ({size} bytes)")
        if footer_length + 8 > len(end):
            end = tail(footer_length + 8)
        schema = pq.read_schema(pa.BufferReader(b"PAR1" + end[-(footer_length + 8) :]))
    except (pa.ArrowException, OSError, ValueError) as problem:
        return [unreadable_parquet(table, item["Address"], problem)]
    errors = check_schema(table, item["Address"], {f.name: f.type for f in schema})
    return errors


def _glue_columns(descriptor: dict[str, Any]) -> dict[str, str]:
    return {column["Name"]: column["Type"] for column in descriptor.get("Columns") or []}


def copies(items: list[dict[str, Any]]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Pairs (copy, first) of objects with the same size and ETag (S3's MD5 for a single
    upload, or a hash of the parts: equal ETags of equal-sized files mean equal bytes
    for the same upload method)."""
    first_seen: dict[tuple[int, str], dict[str, Any]] = {}
    pairs = []
    for item in sorted(items, key=lambda entry: entry["Key"]):
        key = (item["Size"], item.get("ETag", ""))
        if key in first_seen:
            pairs.append((item, first_seen[key]))
        else:
            first_seen[key] = item
    return pairs
