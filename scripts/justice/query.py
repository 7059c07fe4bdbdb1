"""Read-only queries against the local warehouse, printed as a table or CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from justice.settings import JusticeError, Settings


def run_query(sql: str, settings: Settings) -> tuple[list[str], list[tuple[Any, ...]]]:
    import duckdb

    if not settings.duckdb_path.exists():
        raise JusticeError(
            f"no local warehouse at {settings.duckdb_path}: run `justice build` first."
        )
    try:
        with duckdb.connect(str(settings.duckdb_path), read_only=True) as connection:
            cursor = connection.execute(sql)
            columns = [d[0] for d in cursor.description or []]
            rows = cursor.fetchall()
    except duckdb.Error as error:
        raise JusticeError(f"query failed: {error}") from None
    return columns, rows


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def format_table(columns: Sequence[str], rows: Sequence[Sequence[Any]], limit: int) -> str:
    shown = [[_text(v) for v in row] for row in rows[:limit]]
    widths = [len(c) for c in columns]
    for row in shown:
        widths = [max(w, len(v)) for w, v in zip(widths, row, strict=True)]

    def line(values: Sequence[str]) -> str:
        return " | ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)).rstrip()

    out = [line(columns), "-+-".join("-" * w for w in widths)]
    out += [line(row) for row in shown]
    footer = f"({len(rows)} row{'s' if len(rows) != 1 else ''}"
    footer += f", first {limit} shown)" if len(rows) > limit else ")"
    out.append(footer)
    return "\n".join(out)


def format_csv(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([[_text(v) for v in row] for row in rows])
    return buffer.getvalue()
