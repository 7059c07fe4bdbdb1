"""What each build loaded from the raw lake, and what the next one must load.

Locally, before dbt runs, `justice build` compares the raw partitions with the record of
what earlier builds loaded (`lake.loaded_partitions` in the build warehouse: one row per
file, with its partition, size, checksum, rows, when and by which dbt invocation) and
classifies every partition:

- **new**: never loaded, and not older than the newest partition loaded for its table;
- **late**: never loaded, but older than the newest one loaded (a back-fill, or an old
  day delivered again after it was removed);
- **rewritten**: loaded before, but its files changed (size or checksum; every file is
  checksummed on every build, whatever its modification time says) since;
- **removed**: loaded before, and gone from the lake.

A partition an earlier build planned but did not record (it failed after its staging base
model had read the partition) counts as loaded for the last two: changed or gone since,
it is rewritten or removed. A full refresh a plan needed stays owed
(`lake.full_refresh_owed`, with the reason) until a full refresh has rebuilt and recorded
every table: a build refused, failed or stopped before that leaves the changed files
pending, where the next plan would find them equal to the lake.

It writes the partitions to load into `lake.load_plan`, which every incremental history
model reads when it runs (macros/history/touched_keys.sql): each rebuilds the version
chain of every key those partitions touch, late ones included. A rewritten or removed
partition can take away change rows, which no merge of new rows can undo: the build then
becomes a full refresh of history (said in the output). After dbt, the files of each
table whose history model was built are recorded as loaded; a table whose history model
failed or was not selected, or a test of whose change log or history failed, keeps them
pending (and in the plan), so `--retry` tests them again and the next build loads them
again. The plan is the harness's own: a plain `dbt build` on the warehouse is refused
(macros/history/touched_keys.sql, load_plan_relation), since it would read a stale plan.

The staging base models (`base_<system>__<table>`, the change log) read the same plan:
an incremental build reads only the planned partitions from the raw lake
(macros/staging/loads.sql), so a table's files are recorded only when its base model was
built too.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SCHEMA = "lake"
RECORD = "loaded_partitions"
PLAN = "load_plan"
PENDING = "load_pending"
OWED = "full_refresh_owed"

_FILE_COLUMNS = (
    "source_system varchar not null, source_table varchar not null, "
    "extraction_date date not null, load_status varchar not null, file varchar not null, "
    "size_bytes bigint not null, modified_ns bigint not null, checksum varchar not null, "
    "row_count bigint"
)
_RECORD_COLUMNS = _FILE_COLUMNS + ", loaded_at timestamp not null, build_id varchar"
_PLAN_COLUMNS = (
    "source_system varchar not null, source_table varchar not null, "
    "extraction_date date not null, load_status varchar not null"
)

Partition = tuple[str, str, dt.date]  # system, table, extraction date


@dataclass(frozen=True)
class LakeFile:
    system: str
    table: str
    extraction_date: dt.date
    file: str  # relative to the lake
    size_bytes: int
    modified_ns: int
    checksum: str = ""
    row_count: int | None = None


@dataclass
class LoadPlan:
    """The partitions a build loads, by status; `full_refresh` when it must rebuild."""

    statuses: dict[Partition, str] = field(default_factory=dict)
    removed: list[Partition] = field(default_factory=list)
    full_refresh: bool = False
    code_changed: list[str] = field(default_factory=list)  # files, since the last build
    # why an earlier plan needed a full refresh that no build has completed since
    owed: str = ""
    notes: list[str] = field(default_factory=list)  # said after the plan's lines

    def of(self, status: str) -> list[Partition]:
        return sorted(p for p, s in self.statuses.items() if s == status)

    @property
    def needs_full_refresh(self) -> bool:
        return bool(self.of("rewritten") or self.removed or self.code_changed or self.owed)

    def reason(self) -> str:
        """Why the plan needs a full refresh (the lines describe() gives for it), or ''."""
        return "; ".join(line.strip() for line in self._causes())

    def describe(self) -> list[str]:
        new, late, rewritten = self.of("new"), self.of("late"), self.of("rewritten")
        lines = [
            f"lake: {len(self.statuses)} partition(s) to load: {len(new)} new, {len(late)} "
            f"late, {len(rewritten)} rewritten"
            + (f", {len(self.of('reloaded'))} reloaded (full refresh)" if self.full_refresh else "")
        ]
        if late:
            lines.append(
                f"  late (older than the newest loaded; loaded, every key they touch is "
                f"rebuilt): {_named(late)}"
            )
        return lines + self._causes() + self.notes

    def _causes(self) -> list[str]:
        """A line for each thing that makes the plan a full refresh."""
        lines = []
        if self.of("rewritten"):
            lines.append(f"  rewritten since they were loaded: {_named(self.of('rewritten'))}")
        if self.removed:
            lines.append(f"  removed from the lake since they were loaded: {_named(self.removed)}")
        if self.owed:
            lines.append(
                "  a full refresh an earlier plan needed has not been completed since "
                f"(the build was refused, failed or stopped first): {self.owed}"
            )
        if self.code_changed:
            shown = ", ".join(self.code_changed[:5])
            more = len(self.code_changed) - 5
            lines.append(
                "  the SQL that builds staging and history changed since the stored rows were "
                f"built: {shown}" + (f" and {more} more" if more > 0 else "")
            )
        return lines


def _named(partitions: list[Partition]) -> str:
    """Up to eight partitions, as system.table date, and how many more."""
    shown = ", ".join(f"{s}.{t} {d.isoformat()}" for s, t, d in partitions[:8])
    more = len(partitions) - 8
    return shown + (f" and {more} more" if more > 0 else "")


Files = dict[str, tuple[int, str]]  # file -> (size in bytes, checksum or ETag)


def classify_partitions(
    now: dict[Partition, Files],
    known: dict[Partition, Files],
    *,
    full_refresh: bool,
    pending_rewritten: Iterable[Partition] = (),
    pending_removed: Iterable[Partition] = (),
    code_changed: Iterable[str] = (),
    owed: str = "",
) -> LoadPlan:
    """The load plan, from the lake's partitions `now` and those a record says were
    loaded (`known`), each with its files' sizes and checksums: new, late (older than
    the newest loaded of its table), rewritten (files changed) or removed; partitions
    planned before and not recorded that changed since (`pending_*`, perhaps staged by
    a failed build) count as rewritten or removed too. A rewritten or removed partition,
    or changed SQL (`code_changed`), makes the plan a full refresh, on which every
    partition is reloaded; so does `owed`, the reason an earlier plan needed one that no
    build has completed since (the partitions it found are pending now, and compare
    equal). Shared by the local build (plan_loads) and Athena's (justice.athena.loads)."""
    newest: dict[tuple[str, str], dt.date] = {}
    for system, table, day in known:
        newest[(system, table)] = max(day, newest.get((system, table), day))
    plan = LoadPlan(full_refresh=full_refresh, code_changed=list(code_changed), owed=owed)
    for partition in pending_rewritten:
        plan.statuses[partition] = "rewritten"
    for partition, files in now.items():
        if partition in plan.statuses:
            continue
        system, table, day = partition
        before = known.get(partition)
        if before is None:
            latest = newest.get((system, table))
            plan.statuses[partition] = "late" if latest and day < latest else "new"
        elif files != before:
            plan.statuses[partition] = "rewritten"
        elif full_refresh:
            plan.statuses[partition] = "reloaded"
    plan.removed = sorted((set(known) - set(now)) | set(pending_removed))
    if plan.needs_full_refresh and not full_refresh:
        plan.full_refresh = True
        for partition in now:
            plan.statuses.setdefault(partition, "reloaded")
    return plan


def scan_lake(lake: Path) -> list[LakeFile]:
    """Every data file of the raw lake, with its partition, size and modification time."""
    from justice.lake.check import is_hidden, is_partition_name, partition_day
    from justice.lake.contract import TABLES

    files = []
    for table in TABLES:
        root = lake / "raw" / table.system / table.name
        if not root.is_dir():
            continue
        for partition in sorted(root.iterdir()):
            if not (partition.is_dir() and is_partition_name(partition.name)):
                continue
            day = partition_day(partition.name)
            for path in sorted(partition.iterdir()):
                if path.is_file() and not is_hidden(path.name):
                    stat = path.stat()
                    files.append(
                        LakeFile(
                            table.system,
                            table.name,
                            day,
                            str(path.relative_to(lake)),
                            stat.st_size,
                            stat.st_mtime_ns,
                        )
                    )
    return files


def recorded_files(warehouse: Path) -> dict[str, tuple[int, str]]:
    """The lake files the warehouse's load record holds as loaded, by path relative to
    the lake: (size in bytes, checksum); none without a warehouse or a record. The
    contract check (justice.lake.check) does not read their data pages again while their
    size and checksum are still these. A warehouse another process holds for writing, or
    one that cannot be read, is a JusticeError saying which."""
    import duckdb

    from justice.console import JusticeError
    from justice.lake.check import first_line

    if not warehouse.exists():
        return {}
    try:
        with duckdb.connect(str(warehouse), read_only=True) as connection:
            if not _exists(connection, RECORD):
                return {}
            rows = connection.execute(
                f"select file, size_bytes, checksum from {SCHEMA}.{RECORD}"
            ).fetchall()
    except (duckdb.IOException, duckdb.ConnectionException) as problem:
        said = first_line(problem)
        if "lock" in said.lower() or isinstance(problem, duckdb.ConnectionException):
            raise JusticeError(
                f"cannot open the warehouse {warehouse}: another process holds it (a build "
                f"still running?); let it finish, then build ({said})"
            ) from None
        raise JusticeError(f"cannot read the warehouse {warehouse}: {said}") from None
    return {file: (int(size), checksum) for file, size, checksum in rows}


def _contract_tables() -> set[tuple[str, str]]:
    """The (system, table) pairs of the lake's contract."""
    from justice.lake.contract import TABLES

    return {(t.system, t.name) for t in TABLES}


# checksums kept while one build checks and plans (shared_checksums), by path, size and
# modification time; None outside one, where every call reads the file
_CHECKSUMS: dict[tuple[str, int, int], str] | None = None


@contextlib.contextmanager
def shared_checksums() -> Iterator[None]:
    """Within the block, a file's checksum is read once: the contract check and the load
    plan of one build both need every file's (1.5 GB at a million people: about 2 s
    each). Only for one build's few seconds: a rewrite that keeps size and time between
    two builds must still be read again."""
    global _CHECKSUMS
    previous, _CHECKSUMS = _CHECKSUMS, {}
    try:
        yield
    finally:
        _CHECKSUMS = previous


def file_checksum(path: Path) -> str:
    """The file's content checksum (BLAKE2b, 128 bits, hex), as the load record keeps it."""
    if _CHECKSUMS is None:
        return _read_checksum(path)
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key not in _CHECKSUMS:
        _CHECKSUMS[key] = _read_checksum(path)
    return _CHECKSUMS[key]


def _read_checksum(path: Path) -> str:
    digest = hashlib.blake2b(digest_size=16)
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _row_count(path: Path) -> int | None:
    try:
        if path.suffix == ".parquet":
            import pyarrow.parquet as pq

            return int(pq.read_metadata(path).num_rows)
        if path.suffix == ".csv":
            with path.open("rb") as handle:
                return max(sum(1 for _ in handle) - 1, 0)
    except Exception:  # noqa: BLE001 - a broken file is the lake contract's to report
        return None
    return None


def _exists(connection: Any, name: str) -> bool:
    row = connection.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [SCHEMA, name],
    ).fetchone()
    return bool(row and row[0])


def _insert_rows(connection: Any, table: str, rows: list[tuple[Any, ...]]) -> None:
    """Insert `rows` (tuples in the table's column order) in one statement: DuckDB's
    executemany runs one statement per row (about a millisecond each; a full refresh
    plans every file of the lake, 1,500 at 100,000 people)."""
    if not rows:
        return
    import pyarrow as pa

    columns = [r[0] for r in connection.execute(f"select * from {table} limit 0").description]
    batch = pa.table({name: [row[i] for row in rows] for i, name in enumerate(columns)})
    connection.register("justice_rows", batch)
    try:
        connection.execute(f"insert into {table} select * from justice_rows")
    finally:
        connection.unregister("justice_rows")


def _ensure(connection: Any) -> None:
    connection.execute(f"create schema if not exists {SCHEMA}")
    connection.execute(f"create table if not exists {SCHEMA}.{RECORD} ({_RECORD_COLUMNS})")


def _changed_pending(
    connection: Any, by_partition: dict[Partition, list[LakeFile]]
) -> tuple[list[Partition], list[Partition]]:
    """Partitions an earlier build planned and did not record (their base model may have
    staged them: a build that failed after staging) whose files changed since
    (rewritten) or are gone (removed). Their staged rows cannot be merged away either."""
    if not _exists(connection, PENDING):
        return [], []
    planned: dict[Partition, dict[str, tuple[int, str]]] = defaultdict(dict)
    for system, table, day, file, size, checksum in connection.execute(
        f"select source_system, source_table, extraction_date, file, size_bytes, checksum "
        f"from {SCHEMA}.{PENDING}"
    ).fetchall():
        planned[(system, table, day)][file] = (size, checksum)
    rewritten, removed = [], []
    for partition, files in planned.items():
        now = by_partition.get(partition)
        changed = now is None or {f.file: (f.size_bytes, f.checksum) for f in now} != files
        # looked up only when changed (two queries per partition): one never read into
        # staging (e.g. its source was stopped) is still new
        if not changed or not _staged(connection, partition):
            continue
        (removed if now is None else rewritten).append(partition)
    return sorted(rewritten), sorted(removed)


def _staged(connection: Any, partition: Partition) -> bool:
    """Whether the staging base model of the partition's table holds rows of it."""
    system, table, day = partition
    name = f"base_{system}__{table}"
    found = connection.execute(
        "select count(*) from information_schema.tables where table_schema = 'staging' "
        "and table_name = ? and table_type = 'BASE TABLE'",
        [name],
    ).fetchone()
    if not (found and found[0]):
        return False
    return bool(
        connection.execute(
            f"select count(*) from (select 1 from staging.{name} where extraction_date = ? "
            f"limit 1)",
            [day],
        ).fetchone()[0]
    )


def pending_changed(warehouse: Path, lake: Path) -> list[Partition]:
    """The partitions a failed build planned (and may have staged) that were rewritten or
    removed since: a `--retry` cannot re-run only what failed over them."""
    import duckdb

    if not warehouse.exists():
        return []
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        if not _exists(connection, PENDING):
            return []
        planned = {
            tuple(row)
            for row in connection.execute(
                f"select distinct source_system, source_table, extraction_date "
                f"from {SCHEMA}.{PENDING}"
            ).fetchall()
        }
        by_partition: dict[Partition, list[LakeFile]] = defaultdict(list)
        for item in scan_lake(lake):
            partition = (item.system, item.table, item.extraction_date)
            if partition in planned:  # checksums of the planned partitions only
                by_partition[partition].append(
                    LakeFile(**{**item.__dict__, "checksum": file_checksum(lake / item.file)})
                )
        rewritten, removed = _changed_pending(connection, by_partition)
    return rewritten + removed


# What shapes the stored change log and history: their models, every macro (they share
# cleaning, quarantine and portability macros) and the project's configuration and vars.
CODE = "change_log_code"
CODE_PATHS = ("models/staging", "models/history", "macros", "dbt_project.yml")


def code_fingerprint(root: Path) -> dict[str, str]:
    """A checksum of every file of CODE_PATHS under the project `root`, by path."""
    files: dict[str, str] = {}
    for name in CODE_PATHS:
        path = root / name
        for item in sorted(path.rglob("*")) if path.is_dir() else [path]:
            if item.is_file() and item.suffix in (".sql", ".yml", ".md"):
                files[item.relative_to(root).as_posix()] = hashlib.sha256(
                    item.read_bytes()
                ).hexdigest()
    return files


def _changed_code(connection: Any, code: dict[str, str]) -> list[str]:
    """The files whose checksum differs from the one stored by the last build that
    (re)built every staging base and history model; none when nothing is stored."""
    if not _exists(connection, CODE):
        return []
    stored = dict(connection.execute(f"select file, checksum from {SCHEMA}.{CODE}").fetchall())
    return changed_code(stored, code)


def changed_code(stored: dict[str, str], code: dict[str, str]) -> list[str]:
    """The files (code_fingerprint) whose checksum differs between `stored` and `code`,
    added and removed ones included; none when nothing is stored."""
    if not stored:
        return []
    return sorted(f for f in set(stored) | set(code) if stored.get(f) != code.get(f))


def plan_loads(
    warehouse: Path,
    lake: Path,
    *,
    full_refresh: bool = False,
    code: dict[str, str] | None = None,
) -> LoadPlan:
    """Classify the lake's partitions against the record, and write `lake.load_plan`
    (and the files to record once loaded, `lake.load_pending`) into the warehouse.
    With `code` (code_fingerprint), a change of the SQL that built the stored change log
    and history since then makes the plan a full refresh: the stored rows were typed,
    cleaned and validated by the old SQL, and an incremental build would mix the two."""
    import duckdb

    warehouse.parent.mkdir(parents=True, exist_ok=True)
    files = scan_lake(lake)
    with duckdb.connect(str(warehouse)) as connection:
        _ensure(connection)
        recorded = connection.execute(
            f"select source_system, source_table, extraction_date, file, size_bytes, "
            f"checksum from {SCHEMA}.{RECORD}"
        ).fetchall()
        # a table the contract no longer has is not read, so its recorded partitions are
        # not "removed" (that would make every build a full refresh); the next full
        # refresh drops them from the record (record_loads)
        contract = _contract_tables()
        known: dict[Partition, Files] = defaultdict(dict)
        for system, table, day, file, size, checksum in recorded:
            if (system, table) in contract:
                known[(system, table, day)][file] = (size, checksum)

        by_partition: dict[Partition, list[LakeFile]] = defaultdict(list)
        for item in files:
            # every file is read for its checksum: a file rewritten at the same size with
            # its modification time kept (`cp -p`, `rsync -t`, a restore from an archive)
            # would pass a check of size and time (1.5 GB, a million people: about 2 s)
            checksum = file_checksum(lake / item.file)
            by_partition[(item.system, item.table, item.extraction_date)].append(
                LakeFile(**{**item.__dict__, "checksum": checksum})
            )

        # planned before and never recorded, but perhaps staged (a build that failed
        # after staging): changed since, they need a full refresh as a recorded one does
        pending_rewritten, pending_removed = _changed_pending(connection, by_partition)
        now = {
            partition: {f.file: (f.size_bytes, f.checksum) for f in items}
            for partition, items in by_partition.items()
        }
        owed = (
            connection.execute(f"select reason from {SCHEMA}.{OWED}").fetchone()
            if _exists(connection, OWED)
            else None
        )
        plan = classify_partitions(
            now,
            known,
            owed=owed[0] if owed else "",
            full_refresh=full_refresh,
            pending_rewritten=pending_rewritten,
            pending_removed=pending_removed,
            code_changed=_changed_code(connection, code) if code is not None and known else (),
        )

        pending = [
            (
                s,
                t,
                d,
                plan.statuses[(s, t, d)],
                f.file,
                f.size_bytes,
                f.modified_ns,
                f.checksum,
                _row_count(lake / f.file) if (s, t, d) in plan.statuses else None,
            )
            for (s, t, d), items in by_partition.items()
            if (s, t, d) in plan.statuses
            for f in items
        ]
        # one transaction: stopped half-way (a signal, a crash), the new pending files
        # must not replace the old ones without the full refresh they made owed
        connection.execute("begin transaction")
        connection.execute(f"create or replace table {SCHEMA}.{PENDING} ({_FILE_COLUMNS})")
        _insert_rows(connection, f"{SCHEMA}.{PENDING}", pending)
        connection.execute(f"create or replace table {SCHEMA}.{PLAN} ({_PLAN_COLUMNS})")
        connection.execute(
            f"insert into {SCHEMA}.{PLAN} select distinct source_system, source_table, "
            f"extraction_date, load_status from {SCHEMA}.{PENDING}"
        )
        if plan.needs_full_refresh:
            # owed until a full refresh rebuilt and recorded every table (record_loads)
            connection.execute(
                f"create or replace table {SCHEMA}.{OWED} as select ? as reason",
                [plan.owed or plan.reason()],
            )
        # a full refresh forgets what was loaded before: the record is rewritten whole
        connection.execute(
            f"create or replace table {SCHEMA}.load_mode as select ? as full_refresh",
            [plan.full_refresh],
        )
        connection.execute("commit")
    return plan


def record_loads(
    warehouse: Path,
    tables: set[tuple[str, str]],
    build_id: str,
    code: dict[str, str] | None = None,
) -> int:
    """Record the pending files of `tables` (whose history model was built) as loaded
    by `build_id`; return how many files were recorded. With `code` (code_fingerprint),
    stored as the SQL the change log and history were built by, once a build (re)built
    every table's (a first build, or a full refresh), or when none is stored yet."""
    import duckdb

    if not tables or not warehouse.exists():
        return 0
    with duckdb.connect(str(warehouse)) as connection:
        if not _exists(connection, PENDING):
            return 0
        _ensure(connection)
        full = bool(
            _exists(connection, "load_mode")
            and connection.execute(f"select full_refresh from {SCHEMA}.load_mode").fetchone()[0]
        )
        connection.execute(
            "create temporary table built (source_system varchar, source_table varchar)"
        )
        _insert_rows(connection, "built", sorted(tables))
        matched = "(source_system, source_table) in (select * from built)"
        if full:
            connection.execute(f"delete from {SCHEMA}.{RECORD} where {matched}")
        else:
            connection.execute(
                f"delete from {SCHEMA}.{RECORD} where (source_system, source_table, "
                f"extraction_date) in (select source_system, source_table, extraction_date "
                f"from {SCHEMA}.{PENDING} where {matched})"
            )
        count = connection.execute(
            f"select count(*) from {SCHEMA}.{PENDING} where {matched}"
        ).fetchone()[0]
        connection.execute(
            f"insert into {SCHEMA}.{RECORD} select *, current_timestamp::timestamp, ? "
            f"from {SCHEMA}.{PENDING} where {matched}",
            [build_id],
        )
        connection.execute(f"delete from {SCHEMA}.{PENDING} where {matched}")
        if full:
            # what a table the contract no longer has once loaded is not in the warehouse
            # any more after a full refresh: nor in its record
            connection.execute(
                "create temporary table contract (source_system varchar, source_table varchar)"
            )
            _insert_rows(connection, "contract", sorted(_contract_tables()))
            connection.execute(
                f"delete from {SCHEMA}.{RECORD} where (source_system, source_table) "
                "not in (select * from contract)"
            )
        connection.execute(
            f"delete from {SCHEMA}.{PLAN} where (source_system, source_table) in "
            f"(select * from built)"
        )
        rebuilt_all = _contract_tables() <= tables
        if full and rebuilt_all:
            connection.execute(f"drop table if exists {SCHEMA}.{OWED}")
        elif full and _exists(connection, OWED):
            reason = connection.execute(f"select reason from {SCHEMA}.{OWED}").fetchone()[0]
            connection.execute(
                f"create or replace table {SCHEMA}.{OWED} as select ? as reason",
                [owed_waiting_for(reason, _contract_tables() - tables)],
            )
        if code is not None and (full or not _exists(connection, CODE)) and rebuilt_all:
            connection.execute(
                f"create or replace table {SCHEMA}.{CODE} "
                "(file varchar not null, checksum varchar not null)"
            )
            _insert_rows(connection, f"{SCHEMA}.{CODE}", sorted(code.items()))
    return int(count)


OWED_WAITING = "; not rebuilt and recorded by the last full refresh: "


def owed_waiting_for(reason: str, missing: set[tuple[str, str]]) -> str:
    """The reason a full refresh is owed, naming the tables (system, table) the last full
    refresh did not rebuild and record (a source stopped by the contract, a table whose
    tests failed), so that the output says what holds it back."""
    shown = ", ".join(f"{system}.{table}" for system, table in sorted(missing))
    return reason.split(OWED_WAITING)[0] + (OWED_WAITING + shown if shown else "")


def built_history_tables(results: list[Any]) -> set[tuple[str, str]]:
    """The (system, table) pairs whose staging base model and history model a dbt run
    both built successfully: only then are its planned partitions in the change log
    (`base_<system>__<table>`, incremental) and merged into history. A table whose base
    model was not run (a `--select` of history alone) keeps its partitions pending: the
    next build loads them (re-loading a partition replaces its rows, so that is safe)."""
    built: dict[str, set[tuple[str, str]]] = {"base": set(), "history": set()}
    for node in results:
        name = node.unique_id.rsplit(".", 1)[-1]
        if not (node.unique_id.startswith("model.") and node.status == "success"):
            continue
        if name.startswith("int_") and name.endswith("_history"):
            system, _, table = name.removeprefix("int_").removesuffix("_history").partition("__")
            built["history"].add((system, table))
        elif name.startswith("base_"):
            system, _, table = name.removeprefix("base_").partition("__")
            built["base"].add((system, table))
    return built["base"] & built["history"]


def tables_with_failed_tests(results: list[Any], manifest: dict[str, Any]) -> set[tuple[str, str]]:
    """The (system, table) pairs a failed data test speaks against: a test of the
    table's change log (`base_`/`stg_`, the reconciliation with the quarantine included)
    or of its history. Their planned files stay pending, not recorded as loaded: the
    next build, or `--retry`, tests the same partitions again instead of passing over
    them. A failed test of the quarantine alone cannot be attributed to one table, so it
    holds back every table."""
    from justice.dbt import FAILED

    nodes = manifest.get("nodes", {})
    held: set[tuple[str, str]] = set()
    for result in results:
        if not (result.unique_id.startswith("test.") and result.status in FAILED):
            continue
        parents = nodes.get(result.unique_id, {}).get("depends_on", {}).get("nodes", [])
        names = [parent.rsplit(".", 1)[-1] for parent in parents if parent.startswith("model.")]
        tables = {_table_of(name) for name in names} - {None}
        if not tables and "stg_quarantine" in names:
            return {("*", "*")}
        held |= tables  # type: ignore[arg-type]
    return held


def _table_of(model: str) -> tuple[str, str] | None:
    """The (system, table) of a change-log or history model's name, else None."""
    for prefix, suffix in (("base_", ""), ("stg_", ""), ("int_", "_history")):
        if model.startswith(prefix) and model.endswith(suffix) and "__" in model:
            system, _, table = model.removeprefix(prefix).removesuffix(suffix).partition("__")
            return system, table
    return None
