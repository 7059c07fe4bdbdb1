"""Source contracts: every raw partition checked against the lake contract before a build.

A partition that does not match the contract stops its source table, with an error naming
the file and the column; nothing ever becomes null because a column moved. What is
checked, per file of `<lake>/raw/<system>/<table>/extraction_date=YYYY-MM-DD/`:

- the table has partitions; each partition directory is named `extraction_date=<a date>`
  and holds data files;
- no data file is hidden (a name starting with `.` or `_`: DuckDB reads it, Athena skips
  it);
- each file has the table's format (`.parquet` or `.csv`), is not empty and can be read
  (a truncated Parquet file has no footer; a CSV must parse with `,` as the delimiter);
- its columns are exactly the contract's: none missing, none unexpected (a rename shows
  as both, and is reported as a rename), each of the contract's type (Parquet; CSV is
  text by contract);
- a CSV's extraction time is a UTC timestamp `YYYY-MM-DD HH:MM:SS` on every line (an
  offset would be dropped by the cast in staging; garbage would stop the whole build);
- no file is a byte-for-byte copy of another file of the same table (a partition
  delivered twice).

A Parquet file's footer is read every time; its data (every page decompressed and decoded,
text checked as UTF-8, as DuckDB checks it) unless the load record holds the file as
loaded with the same size and checksum (`known`: justice.lake.loads.recorded_files; the
checksum, not the modification time, which `cp -p` or a restore keeps): a page that is
corrupt or cut short behind an intact footer then stops its own source, named, instead of
failing the staging model that reads it and, with it, every mart. So a first build reads
each Parquet file once more (about one raw-scan floor) and a daily build only the files
it loads (every file is checksummed anyway, for the load plan, once per build). CSV files
are parsed in full every time (they are small, and a ragged row is only found by reading
it). The same checks run on Athena's raw tables (the Glue catalog and the files in S3) in
justice.athena.contract, through `check_schema` and `check_csv_text`; data pages are not
read there (a corrupt one fails the query that reads it).
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import hashlib
import io
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from justice.lake.contract import TABLES, RawTable

PARTITION_PREFIX = "extraction_date="
_OTHER_DELIMITERS = (";", "\t", "|")
# a CSV's extraction time, as text: UTC without an offset (an offset would be dropped by
# the cast in staging, and anything else would stop the whole build there, unnamed)
_EXTRACTION_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,6})?")


@dataclass(frozen=True)
class ContractError:
    """One way a raw file (or partition) breaks the lake contract."""

    system: str
    table: str
    path: Path | str  # the file or partition directory (an s3:// or glue: address on Athena)
    message: str
    column: str | None = None

    @property
    def source(self) -> str:
        """The dbt source this error stops, as a selector: `source:nomis.offenders`."""
        return f"source:{self.system}.{self.table}"

    def render(self, lake: Path | None = None) -> str:
        where: Path | str = self.path
        if isinstance(self.path, Path) and lake is not None:
            with contextlib.suppress(ValueError):
                where = self.path.relative_to(lake)
        column = f" column {self.column!r}:" if self.column else ""
        return f"{where}:{column} {self.message}"


# the lake files the load record holds, by path relative to the lake: (size, checksum)
KnownFiles = dict[str, tuple[int, str]]


def check_lake(
    lake: Path, tables: Iterable[RawTable] = TABLES, known: KnownFiles | None = None
) -> list[ContractError]:
    """Every contract error in the lake's raw partitions, table by table (empty = fine).
    The data of Parquet files in `known` (loaded before, the same size and checksum
    now) is not read again."""
    errors: list[ContractError] = []
    for table in tables:
        errors += check_table(lake, table, known)
    return errors


def check_table(
    lake: Path, table: RawTable, known: KnownFiles | None = None
) -> list[ContractError]:
    root = lake / "raw" / table.system / table.name
    errors: list[ContractError] = []

    def error(path: Path, message: str, column: str | None = None) -> None:
        errors.append(ContractError(table.system, table.name, path, message, column))

    if not root.is_dir():
        error(root, "no partitions: the table is missing from the lake")
        return errors
    by_size: dict[int, list[Path]] = defaultdict(list)
    entries = sorted(root.iterdir())
    for hidden in (p for p in entries if is_hidden(p.name) and p.is_dir()):
        if any(_hidden_data_files(table, hidden)):
            error(hidden, HIDDEN_DATA)
    partitions = [p for p in entries if not is_hidden(p.name)]
    if not partitions:
        error(
            root,
            f"no partitions: the table's directory holds no {PARTITION_PREFIX}YYYY-MM-DD/ "
            "partition (an extract that never arrived?)",
        )
    for partition in partitions:
        if not partition.is_dir():
            error(
                partition,
                f"a file outside any partition (expected {PARTITION_PREFIX}"
                "YYYY-MM-DD/ directories)",
            )
            continue
        if not is_partition_name(partition.name):
            error(partition, f"not a partition directory: expected {PARTITION_PREFIX}YYYY-MM-DD")
            continue
        future = future_partition(partition_day(partition.name))
        if future:
            error(partition, future)
            continue
        for hidden in _hidden_data_files(table, partition):
            error(hidden, HIDDEN_DATA)
        files = sorted(p for p in partition.iterdir() if not is_hidden(p.name))
        if not files:
            error(partition, "empty partition: no data files (an extract cut short?)")
        for path in files:
            if path.suffix != f".{table.file_format}":
                error(
                    path,
                    f"unexpected file: {table.name} is delivered as .{table.file_format} files",
                )
                continue
            size = path.stat().st_size
            if size == 0:
                error(path, "zero-byte file (an extract cut short?)")
                continue
            by_size[size].append(path)
            if table.file_format == "parquet":
                errors += _check_parquet(table, path, pages=not _loaded(lake, path, known))
            else:
                errors += _check_csv(table, path)
    errors += _check_copies(table, by_size)
    return errors


# DuckDB's reader (a glob over the partitions) reads a file or directory whose name starts
# with "." or "_", and Athena, like Hive, skips it: the engines would disagree, and the
# load record (justice.lake.loads) does not list it either. Markers that are not data files
# (a `_SUCCESS`, a `.crc`) match no reader's glob and are ignored.
HIDDEN_DATA = (
    "a hidden data file (its name starts with '.' or '_'): DuckDB would read it and "
    "Athena would skip it; remove it, or rename it without the prefix"
)


def is_hidden(name: str) -> bool:
    """Whether Athena (and Hive) skip a lake entry of this name."""
    return name.startswith((".", "_"))


def _hidden_data_files(table: RawTable, directory: Path) -> list[Path]:
    """The data files in `directory` that a reader's glob finds although their name, or
    the directory's, is hidden."""
    found = sorted(directory.glob(f"*.{table.file_format}"))
    if is_hidden(directory.name):
        return found
    return [path for path in found if is_hidden(path.name)]


_PARTITION_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def partition_day(name: str) -> dt.date:
    """The date of a partition directory `extraction_date=YYYY-MM-DD` (a ValueError for
    any other name)."""
    return dt.date.fromisoformat(name.removeprefix(PARTITION_PREFIX))


def is_partition_name(name: str) -> bool:
    """`extraction_date=YYYY-MM-DD` with a real date, written exactly so: Python reads
    20260105 and 2026-W02-2 as dates too, but the engines' casts do not."""
    if not name.startswith(PARTITION_PREFIX):
        return False
    if not _PARTITION_DATE.fullmatch(name.removeprefix(PARTITION_PREFIX)):
        return False
    try:
        partition_day(name)
    except ValueError:
        return False
    return True


def future_partition(day: dt.date, today: dt.date | None = None) -> str | None:
    """Why a partition of `day` cannot be loaded yet: its date is more than a day after
    today (UTC; a day's grace for a clock in another time zone). An extract cannot come
    from the future: a clock or labelling fault, whose rows would become current
    versions and make every real day after them look late."""
    today = today or dt.datetime.now(dt.UTC).date()
    if day > today + dt.timedelta(days=1):
        return (
            f"dated in the future: {day} is after today ({today}); an extract cannot "
            "come from the future (a clock or naming fault)"
        )
    return None


def _check_parquet(table: RawTable, path: Path, *, pages: bool = True) -> list[ContractError]:
    import pyarrow.parquet as pq

    try:
        schema = pq.read_schema(path)
    except (pa.ArrowException, OSError) as problem:
        return [unreadable_parquet(table, path, problem)]
    errors = check_schema(table, path, {field.name: field.type for field in schema})
    if pages and not errors:
        errors += _check_parquet_pages(table, path)
    return errors


def _loaded(lake: Path, path: Path, known: KnownFiles | None) -> bool:
    """Whether the load record holds the file as loaded, with its size and checksum now."""
    if not known:
        return False
    recorded = known.get(str(path.relative_to(lake)))
    if recorded is None or recorded[0] != path.stat().st_size:
        return False
    from justice.lake.loads import file_checksum

    return file_checksum(path) == recorded[1]


PAGE_BATCH_ROWS = 65_536  # rows decoded at a time: memory stays bounded whatever the file


def _check_parquet_pages(table: RawTable, path: Path) -> list[ContractError]:
    """Read (decompress and decode) every page of a Parquet file whose footer was read,
    and check its text is valid UTF-8: a corrupt or cut-short data page, or bytes that
    are not text in a string column, fail here as they would fail the staging model that
    reads the file. In batches of PAGE_BATCH_ROWS rows, so memory stays bounded."""
    import pyarrow.parquet as pq

    try:
        with pq.ParquetFile(path) as parquet:
            for batch in parquet.iter_batches(batch_size=PAGE_BATCH_ROWS):
                batch.validate(full=True)
    except (pa.ArrowException, OSError) as problem:
        return [
            ContractError(
                table.system,
                table.name,
                path,
                f"unreadable Parquet data (a data page is corrupt or cut short behind an "
                f"intact footer, or a string is not UTF-8): {first_line(problem)}",
            )
        ]
    return []


def first_line(problem: BaseException) -> str:
    """The first line of an exception's message ('' for none): what a reader's error says."""
    text = str(problem).strip()
    return text.splitlines()[0] if text else ""


def unreadable_parquet(table: RawTable, path: Path | str, problem: Exception) -> ContractError:
    return ContractError(
        table.system,
        table.name,
        path,
        f"unreadable Parquet (truncated or not Parquet): {first_line(problem)}",
    )


def check_schema(
    table: RawTable, path: Path | str, found: dict[str, pa.DataType | str]
) -> list[ContractError]:
    """A file's (or a catalog table's) columns against the contract: names, then types.
    Types are Arrow types (a Parquet footer) or Glue type names (the Glue catalog)."""
    errors = _check_names(table, path, list(found))
    for expected in table.schema:
        actual = found.get(expected.name)
        if actual is None:
            continue
        if isinstance(actual, str):
            wanted: Any = glue_type(expected.type)
            same = actual.replace(" ", "").lower() == wanted
        else:
            wanted = expected.type
            same = actual.equals(expected.type)
        if not same:
            errors.append(
                ContractError(
                    table.system,
                    table.name,
                    path,
                    f"type {actual} where the contract says {wanted}",
                    expected.name,
                )
            )
    return errors


def glue_type(arrow_type: pa.DataType) -> str:
    """The Glue (Hive) type name Athena's raw tables give a contract column."""
    if pa.types.is_string(arrow_type):
        return "string"
    if pa.types.is_int64(arrow_type):
        return "bigint"
    if pa.types.is_int32(arrow_type):
        return "int"
    if pa.types.is_date(arrow_type):
        return "date"
    if pa.types.is_timestamp(arrow_type):
        return "timestamp"
    if pa.types.is_boolean(arrow_type):
        return "boolean"
    if pa.types.is_floating(arrow_type):
        return "double"
    if pa.types.is_list(arrow_type):
        return f"array<{glue_type(arrow_type.value_type)}>"
    if pa.types.is_struct(arrow_type):
        inner = ",".join(f"{f.name}:{glue_type(f.type)}" for f in arrow_type)
        return f"struct<{inner}>"
    return "string"


def _check_csv(table: RawTable, path: Path) -> list[ContractError]:
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as problem:
        return [
            ContractError(
                table.system,
                table.name,
                path,
                f"not UTF-8 text: {problem.reason} at byte {problem.start}",
            )
        ]
    return check_csv_text(table, path, text)


def check_csv_text(table: RawTable, path: Path | str, text: str) -> list[ContractError]:
    """A CSV file's text against the contract: delimiter, header, ragged rows, and the
    envelope's extraction time (UTC 'YYYY-MM-DD HH:MM:SS', as Parquet's is typed)."""

    def error(message: str, column: str | None = None) -> ContractError:
        return ContractError(table.system, table.name, path, message, column)

    # a byte-order mark (as some spreadsheet exports write) is not part of the header:
    # DuckDB's reader drops it, and Athena skips the header line
    text = text.removeprefix("\ufeff")
    # the delimiter first, leniently: a header quoted for another delimiter
    # ("op";"extraction_timestamp") is not even valid strict CSV
    with io.StringIO(text, newline="") as handle:
        header = next(csv.reader(handle), None)
    if header is not None and len(header) == 1:
        for delimiter in _OTHER_DELIMITERS:
            if delimiter in header[0]:
                shown = "\\t" if delimiter == "\t" else delimiter
                return [
                    error(
                        f"wrong delimiter: the header is separated by "
                        f"{shown!r}, the contract says ','"
                    )
                ]
    try:
        with io.StringIO(text, newline="") as handle:
            # strict (RFC 4180, the contract's CSV: a quote inside a quoted field is
            # doubled): a stray quote (`"O"BRIEN"`) or a backslash escape is refused,
            # not read one way here and another by DuckDB's reader or Athena's SerDe
            rows = csv.reader(handle, strict=True)
            header = next(rows, None)
            if header is None:
                return [error("no header row")]
            errors = _check_names(table, path, header)
            if errors:
                return errors
            stamp = header.index("extraction_timestamp")
            for line_number, row in enumerate(rows, start=2):
                if len(row) != len(header):
                    return [
                        error(f"line {line_number} has {len(row)} fields, the header {len(header)}")
                    ]
                if not _is_extraction_timestamp(row[stamp]):
                    return [
                        error(
                            f"line {line_number}: {row[stamp]!r} is not a timestamp "
                            "'YYYY-MM-DD HH:MM:SS' in UTC (no time zone offset)",
                            "extraction_timestamp",
                        )
                    ]
    except csv.Error as problem:
        return [error(f"unreadable CSV: {problem}")]
    return []


def _is_extraction_timestamp(text: str) -> bool:
    if not _EXTRACTION_TIMESTAMP.fullmatch(text):
        return False
    try:
        dt.datetime.fromisoformat(text)
    except ValueError:  # 2026-02-30, 25:00:00
        return False
    return True


def _check_names(table: RawTable, path: Path | str, found: list[str]) -> list[ContractError]:
    """Missing and unexpected columns; a missing and an unexpected column at the same
    position are reported once, as a rename."""
    expected = table.column_names
    missing = [name for name in expected if name not in found]
    unexpected = [name for name in found if name not in expected]
    errors: list[ContractError] = []
    renamed: set[str] = set()
    for name in missing:
        position = expected.index(name)
        if position < len(found) and found[position] in unexpected:
            new_name = found[position]
            renamed.add(new_name)
            errors.append(
                ContractError(
                    table.system,
                    table.name,
                    path,
                    f"renamed to {new_name!r}? the contract has {name!r} here",
                    name,
                )
            )
        else:
            errors.append(
                ContractError(
                    table.system, table.name, path, "missing (the contract requires it)", name
                )
            )
    for name in unexpected:
        if name not in renamed:
            errors.append(
                ContractError(
                    table.system, table.name, path, "unexpected column (not in the contract)", name
                )
            )
    if not missing and not unexpected and table.file_format == "csv" and found != expected:
        errors.append(
            ContractError(
                table.system,
                table.name,
                path,
                f"columns out of order: expected {', '.join(expected)}",
            )
        )
    return errors


def _check_copies(table: RawTable, by_size: dict[int, list[Path]]) -> list[ContractError]:
    """A file identical to another file of the same table: delivered twice."""
    errors: list[ContractError] = []
    for paths in by_size.values():
        if len(paths) < 2:
            continue
        first_seen: dict[str, Path] = {}
        for path in paths:
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            if digest in first_seen:
                errors.append(
                    ContractError(
                        table.system,
                        table.name,
                        path,
                        f"a byte-for-byte copy of {first_seen[digest].parent.name}/"
                        f"{first_seen[digest].name} (the same delivery twice?)",
                    )
                )
            else:
                first_seen[digest] = path
    return errors


def blocked_sources(errors: Iterable[ContractError]) -> list[str]:
    """The dbt source selectors the errors stop, each once, in order."""
    return list(dict.fromkeys(error.source for error in errors))


def first_extraction_date(lake: Path, tables: Iterable[RawTable] = TABLES) -> dt.date | None:
    """The earliest extraction date of any raw partition (None: the lake has none)."""
    dates = []
    for table in tables:
        root = lake / "raw" / table.system / table.name
        if not root.is_dir():
            continue
        for partition in root.iterdir():
            if partition.is_dir() and is_partition_name(partition.name):
                dates.append(partition_day(partition.name))
    return min(dates) if dates else None
