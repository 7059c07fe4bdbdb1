"""What each Athena build loaded from the raw lake in S3, and when the next must rebuild.

Locally `justice build` keeps a record of the files each build loaded (justice.lake.loads)
and plans the next build from it. On Athena there is no load plan in dbt: the staging
base tables are rebuilt from the raw tables on every run, and history merges the keys
with a row in a partition no stored version came from (new and late partitions;
macros/history/touched_keys.sql). What that cannot see is a partition whose files
changed after its versions were stored, a partition removed since, or staging and
history SQL changed since the stored versions were built: history would keep versions
the change log no longer has, and the marts would be published from them without a
word.

So `justice build --target athena` keeps the same record in S3, one JSON object beside
the project's tables (`<JUSTICE_ATHENA_S3_DATA_DIR>/<prefix>_lake/loaded_partitions.json`,
prefix JUSTICE_ATHENA_SCHEMA_PREFIX): every loaded object's table, partition, key, size
and ETag (S3's fingerprint of the content: a rewrite with other bytes always changes it;
the same bytes uploaded again in parts or under KMS encryption can change it too, which
costs one needless full refresh), when and by which dbt invocation it was loaded; the
objects planned by a build and not recorded yet (pending); the reason a full refresh is
owed, if a plan needed one that has not been completed (a build refused, failed or
stopped first); and the checksums of the SQL the stored history was built by. Before dbt runs
it lists the raw tables' objects (as the contract check does) and classifies every
partition as the local build does (justice.lake.loads.classify_partitions): a rewritten
or removed partition, or changed SQL, makes the build a full refresh, said in the output.
After dbt, the objects of each table whose base and history models were built, and no
test of whose change log or history failed, are recorded as loaded.

A pending partition that changed counts as rewritten even if the failed build never read
it (locally the staged rows are looked up; here that would be an Athena query per
partition): at worst one full refresh more than needed (and until it has run, a
`--select` build is refused, as after any rewrite). Tables the contract check stopped are
left out of the plan: this build does not read them.

The record is read, changed and written back without a lock: two Athena builds of one
warehouse must not run at once (their dbt runs would collide anyway). Without a record
(the first build after this was deployed, or a new JUSTICE_ATHENA_S3_DATA_DIR) every
partition is new and nothing can be compared: the output says so, and a warehouse built
before needs one `--full-refresh`.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from justice.athena.contract import raw_database, table_objects
from justice.lake.check import is_partition_name, partition_day
from justice.lake.contract import TABLES
from justice.lake.loads import (
    Files,
    LoadPlan,
    Partition,
    changed_code,
    classify_partitions,
    owed_waiting_for,
)

RECORD_NAME = "loaded_partitions.json"
FORMAT = 1


def record_address(environ: dict[str, str] | None = None) -> tuple[str, str]:
    """The bucket and key of the record, from JUSTICE_ATHENA_S3_DATA_DIR (where dbt
    writes the project's tables) and JUSTICE_ATHENA_SCHEMA_PREFIX."""
    env = os.environ if environ is None else environ
    data_dir = env.get("JUSTICE_ATHENA_S3_DATA_DIR", "")
    if not data_dir.startswith("s3://"):
        raise ValueError(
            "JUSTICE_ATHENA_S3_DATA_DIR is not an s3:// prefix: the Athena build keeps its "
            f"record of loaded partitions there (got {data_dir!r})"
        )
    bucket, _, prefix = data_dir.removeprefix("s3://").partition("/")
    schema = env.get("JUSTICE_ATHENA_SCHEMA_PREFIX", "justice")
    key = "/".join(part for part in (prefix.strip("/"), f"{schema}_lake", RECORD_NAME) if part)
    return bucket, key


def list_lake(
    glue: Any,
    s3: Any,
    databases: dict[str, str] | None = None,
    tables: Iterable[tuple[str, str]] | None = None,
) -> dict[Partition, Files]:
    """Every well-named partition of the raw tables (all of the contract's, or `tables`)
    with its objects: key -> (size, ETag). A table missing from Glue has none (the
    contract check reports it)."""
    wanted = set(tables) if tables is not None else None
    found: dict[Partition, Files] = {}
    for table in TABLES:
        if wanted is not None and (table.system, table.name) not in wanted:
            continue
        database = (databases or {}).get(table.system) or raw_database(table.system)
        try:
            descriptor = glue.get_table(DatabaseName=database, Name=table.name)["Table"]
        except glue.exceptions.EntityNotFoundException:
            continue
        location = (descriptor.get("StorageDescriptor") or {}).get("Location") or ""
        if not location.startswith("s3://"):
            continue
        _, _, by_partition, _ = table_objects(s3, location)
        for name, items in by_partition.items():
            if not is_partition_name(name):
                continue
            found[(table.system, table.name, partition_day(name))] = {
                item["Key"]: (int(item["Size"]), str(item.get("ETag", "")).strip('"'))
                for item in items
                if item["Name"]
            }
    return found


def read_record(s3: Any, address: tuple[str, str]) -> dict[str, Any]:
    """The record (an empty one before the first recorded build)."""
    bucket, key = address
    try:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except s3.exceptions.NoSuchKey:
        return {
            "format": FORMAT,
            "loaded": [],
            "pending": [],
            "full_refresh": False,
            "owed": "",
            "code": {},
            "new": True,
        }
    record = json.loads(body)
    if record.get("format") != FORMAT:
        raise ValueError(f"s3://{bucket}/{key}: unknown record format {record.get('format')!r}")
    return record


def _write_record(s3: Any, address: tuple[str, str], record: dict[str, Any]) -> None:
    bucket, key = address
    record = {name: value for name, value in record.items() if name != "new"}
    body = json.dumps(record, indent=1, sort_keys=True).encode()
    s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType="application/json")


def _partitions(rows: list[dict[str, Any]]) -> dict[Partition, Files]:
    by: dict[Partition, Files] = defaultdict(dict)
    for row in rows:
        partition = (row["system"], row["table"], dt.date.fromisoformat(row["extraction_date"]))
        by[partition][row["key"]] = (int(row["size"]), str(row["etag"]))
    return dict(by)


def _rows(partitions: dict[Partition, Files], statuses: dict[Partition, str]) -> list[dict]:
    return [
        {
            "system": system,
            "table": table,
            "extraction_date": day.isoformat(),
            "load_status": statuses.get((system, table, day), ""),
            "key": key,
            "size": size,
            "etag": etag,
        }
        for (system, table, day), files in sorted(partitions.items())
        for key, (size, etag) in sorted(files.items())
    ]


def plan_athena_loads(
    glue: Any,
    s3: Any,
    address: tuple[str, str],
    *,
    databases: dict[str, str] | None = None,
    blocked: Iterable[tuple[str, str]] = (),
    full_refresh: bool = False,
    code: dict[str, str] | None = None,
) -> LoadPlan:
    """Classify the raw partitions in S3 against the record, and store the planned
    objects as pending in it. `blocked`: (system, table) pairs the contract check stopped
    (not read by this build: not planned). With `code` (code_fingerprint), SQL changed
    since the stored history was built makes the plan a full refresh, as locally."""
    contract = {(t.system, t.name) for t in TABLES}
    read = contract - set(blocked)
    record = read_record(s3, address)
    now = list_lake(glue, s3, databases, read)
    known = {p: f for p, f in _partitions(record["loaded"]).items() if p[:2] in read}
    pending = {p: f for p, f in _partitions(record["pending"]).items() if p[:2] in read}
    changed = [p for p, files in pending.items() if p in now and now[p] != files]
    gone = [p for p in pending if p not in now]
    plan = classify_partitions(
        now,
        known,
        full_refresh=full_refresh,
        pending_rewritten=changed,
        pending_removed=gone,
        code_changed=changed_code(record.get("code") or {}, code) if code and known else (),
        owed=record.get("owed") or "",
    )
    # what this build reads, planned (kept pending until recorded); the pending objects
    # of the contract's tables it does not read stay as they were
    kept = [row for row in record["pending"] if (row["system"], row["table"]) in contract - read]
    planned = {p: files for p, files in now.items() if p in plan.statuses}
    record["pending"] = kept + _rows(planned, plan.statuses)
    record["full_refresh"] = plan.full_refresh
    if plan.needs_full_refresh:
        record["owed"] = plan.owed or plan.reason()
    if record.pop("new", False) and not full_refresh:
        plan.notes.append(
            f"lake: no record of earlier loads at s3://{address[0]}/{address[1]}: every "
            "partition counts as new (if this warehouse was built before, run once with "
            "--full-refresh)"
        )
    _write_record(s3, address, record)
    return plan


def record_athena_loads(
    s3: Any,
    address: tuple[str, str],
    tables: set[tuple[str, str]],
    build_id: str,
    code: dict[str, str] | None = None,
) -> int:
    """Record the pending objects of `tables` (whose base and history models were built
    and passed) as loaded by `build_id`; return how many objects were recorded. After a
    full refresh the record of those tables is replaced whole, and tables the contract
    no longer has are dropped from it. `code` is stored as the SQL history was built by
    once every table was (re)built on a full refresh, or when none is stored yet."""
    if not tables:
        return 0
    record = read_record(s3, address)
    full = bool(record.get("full_refresh"))
    contract = {(t.system, t.name) for t in TABLES}

    def built(row: dict[str, Any]) -> bool:
        return (row["system"], row["table"]) in tables

    moving = [row for row in record["pending"] if built(row)]
    replaced = {(row["system"], row["table"], row["extraction_date"]) for row in moving}
    loaded_at = dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(timespec="seconds")
    record["loaded"] = [
        row
        for row in record["loaded"]
        if not (full and built(row))
        and (row["system"], row["table"], row["extraction_date"]) not in replaced
        and (not full or (row["system"], row["table"]) in contract)
    ] + [{**row, "loaded_at": loaded_at, "build_id": build_id} for row in moving]
    record["pending"] = [row for row in record["pending"] if not built(row)]
    if code is not None and (full or not record.get("code")) and contract <= tables:
        record["code"] = dict(sorted(code.items()))
    if full and contract <= tables:
        record["owed"] = ""
    elif full and record.get("owed"):
        record["owed"] = owed_waiting_for(record["owed"], contract - tables)
    _write_record(s3, address, record)
    return len(moving)


def pending_changed(
    glue: Any, s3: Any, address: tuple[str, str], databases: dict[str, str] | None = None
) -> list[Partition]:
    """The partitions a failed build planned (and may have staged) whose objects changed
    or are gone since: `--retry` cannot re-run only what failed over them."""
    contract = {(t.system, t.name) for t in TABLES}
    pending = {
        p: files
        for p, files in _partitions(read_record(s3, address)["pending"]).items()
        if p[:2] in contract
    }
    if not pending:
        return []
    now = list_lake(glue, s3, databases, {p[:2] for p in pending})
    return sorted(p for p, files in pending.items() if now.get(p) != files)
