"""`justice check --data`: prove that no built mart holds a value of an upstream personal-data
column (DESIGN.md section 6).

`justice check` reads column *names* and YAML; this reads the *data*. It needs a built local
warehouse and the manifest of that build:

1. every staging, history and intermediate model column marked `meta: {personal_data: ...}`
   (names, dates of birth, PNC/CRO/prison numbers, CRNs, postcodes) is read from the
   warehouse, and its distinct values collected, normalised (upper case, white space
   removed) so that `sw1a 1aa` and `SW1A1AA` are one value;
2. every table and view in the marts schema(s) is scanned, whatever built it (a table
   created by hand is scanned too):
   - a text column is a finding when any of its values (3 characters or longer: shorter
     values are codes and initials, not identifying) is an upstream personal value;
   - a date or timestamp column is a finding when most (at least half, and at least 3) of
     its distinct values are upstream dates of birth: a calendar or an event date column
     shares some dates with birthdays by chance, a leaked date of birth column shares
     nearly all;
   - numbers are not compared (a birth year, a count, an internal id are not personal
     data by themselves), nor text made only of digits: a court disposal code `1999` is
     not the birth year 1999, nor a Delius offender id; nor a placeholder such as
     `UNKNOWN`; and a date of birth written as text must hold a digit.

Findings name the mart, the column, the kind of personal data and how many values match;
the values themselves are never printed.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from justice.console import JusticeError, Settings, quoted_identifier

UPSTREAM_LAYERS = ("staging", "history", "intermediate")
MART_LAYER = "marts"
MIN_TEXT_LENGTH = 3
DATE_SHARE = 0.5
DATE_MIN_MATCHES = 3
TEXT_TYPES = ("VARCHAR", "CHAR", "TEXT", "STRING")
DATE_TYPES = ("DATE", "TIMESTAMP")


@dataclass(frozen=True)
class PersonalColumn:
    model: str
    relation: str
    column: str
    category: str


@dataclass(frozen=True)
class PiiFinding:
    mart: str
    column: str
    categories: tuple[str, ...]
    matches: int
    distinct_values: int

    def render(self) -> str:
        return (
            f"{self.mart}.{self.column}: {self.matches} of {self.distinct_values} distinct "
            f"value(s) appear in upstream personal-data columns ({', '.join(self.categories)})"
        )


@dataclass
class PersonalValues:
    """Normalised upstream personal values: text by category, and dates of birth."""

    text: dict[str, set[str]]
    dates: set[dt.date]
    columns_read: int

    def text_categories(self, value: str) -> list[str]:
        return [category for category, values in self.text.items() if value in values]


def normalise(value: Any) -> str:
    return re.sub(r"\s+", "", str(value)).upper()


# What source systems type when they do not know a value: never identifying, and common
# words in marts (a 100,000-person lake has EM dates of birth typed as `UNKNOWN`).
PLACEHOLDERS = frozenset(
    {"UNKNOWN", "NOTKNOWN", "N/A", "NULL", "NONE", "NIL", "TBC", "NOFIXEDABODE", "NFA"}
)


def is_comparable(value: str, category: str | None = None) -> bool:
    """Whether a normalised text value could identify someone: not a short code or
    initial, not a placeholder, not a plain number, and, for a date of birth written as
    text, holding a digit."""
    if len(value) < MIN_TEXT_LENGTH or value in PLACEHOLDERS:
        return False
    if category == "date_of_birth" and not any(char.isdigit() for char in value):
        return False
    return not value.isdigit()


def _layer(node: dict[str, Any]) -> str | None:
    parts = Path(node.get("original_file_path", "")).parts
    return parts[1] if len(parts) > 2 and parts[0] == "models" else None


def _personal_category(column: dict[str, Any]) -> str | None:
    meta = column.get("meta") or {}
    config_meta = (column.get("config") or {}).get("meta") or {}
    value = meta.get("personal_data") or config_meta.get("personal_data")
    return str(value) if value else None


def personal_columns(manifest: dict[str, Any]) -> list[PersonalColumn]:
    """Columns marked meta.personal_data in staging, history and intermediate models."""
    found = []
    for node in (manifest.get("nodes") or {}).values():
        if node.get("resource_type") != "model" or _layer(node) not in UPSTREAM_LAYERS:
            continue
        if (node.get("config") or {}).get("materialized") == "ephemeral":
            continue
        for name, column in (node.get("columns") or {}).items():
            category = _personal_category(column)
            if category:
                found.append(PersonalColumn(node["name"], node["relation_name"], name, category))
    return found


def mart_schemas(manifest: dict[str, Any]) -> list[str]:
    schemas = {
        node["schema"]
        for node in (manifest.get("nodes") or {}).values()
        if node.get("resource_type") == "model" and _layer(node) == MART_LAYER
    }
    return sorted(schemas)


def _existing_columns(connection: Any, relation: str) -> dict[str, str]:
    try:
        rows = connection.execute(f"describe {relation}").fetchall()
    except Exception:  # not built (e.g. selected out of the build): nothing to read
        return {}
    return {row[0].lower(): str(row[1]).upper() for row in rows}


def collect_personal_values(connection: Any, columns: Iterable[PersonalColumn]) -> PersonalValues:
    text: dict[str, set[str]] = defaultdict(set)
    dates: set[dt.date] = set()
    read = 0
    by_relation: dict[str, list[PersonalColumn]] = defaultdict(list)
    for column in columns:
        by_relation[column.relation].append(column)
    for relation, wanted in sorted(by_relation.items()):
        existing = _existing_columns(connection, relation)
        for column in wanted:
            data_type = existing.get(column.column.lower())
            if data_type is None or data_type.endswith("]") or data_type.startswith("STRUCT"):
                continue
            read += 1
            quoted = quoted_identifier(column.column)
            values = connection.execute(
                f"select distinct {quoted} from {relation} where {quoted} is not null"
            ).fetchall()
            if data_type.startswith(DATE_TYPES):
                dates.update(v[0].date() if isinstance(v[0], dt.datetime) else v[0] for v in values)
                # a date of birth may also leak as text
                text[column.category].update(
                    (v[0].date() if isinstance(v[0], dt.datetime) else v[0]).isoformat()
                    for v in values
                )
            else:
                text[column.category].update(
                    value
                    for value in (normalise(v[0]) for v in values)
                    if is_comparable(value, column.category)
                )
    return PersonalValues(dict(text), dates, read)


def mart_relations(connection: Any, schemas: Iterable[str]) -> list[tuple[str, str]]:
    """(schema, table) of every table and view in the given schemas of the warehouse."""
    wanted = list(schemas)
    if not wanted:
        return []
    placeholders = ", ".join("?" for _ in wanted)
    rows = connection.execute(
        "select table_schema, table_name from information_schema.tables "
        f"where table_schema in ({placeholders}) order by 1, 2",
        wanted,
    ).fetchall()
    return [(row[0], row[1]) for row in rows]


def scan_relation(
    connection: Any, schema: str, table: str, personal: PersonalValues
) -> list[PiiFinding]:
    relation = f'"{schema}"."{table}"'
    findings = []
    for name, data_type in _existing_columns(connection, relation).items():
        quoted = quoted_identifier(name)
        query = f"select distinct {quoted} from {relation} where {quoted} is not null"
        if data_type.startswith(TEXT_TYPES):
            values = [normalise(v[0]) for v in connection.execute(query).fetchall()]
            categories: set[str] = set()
            matches = 0
            for value in set(values):
                if not is_comparable(value):
                    continue
                hit = personal.text_categories(value)
                if hit:
                    matches += 1
                    categories.update(hit)
            if matches:
                findings.append(
                    PiiFinding(table, name, tuple(sorted(categories)), matches, len(set(values)))
                )
        elif data_type.startswith(DATE_TYPES):
            raw = [v[0] for v in connection.execute(query).fetchall()]
            values = {v.date() if isinstance(v, dt.datetime) else v for v in raw}
            matches = len(values & personal.dates)
            if values and matches >= DATE_MIN_MATCHES and matches / len(values) >= DATE_SHARE:
                findings.append(PiiFinding(table, name, ("date_of_birth",), matches, len(values)))
    return findings


@dataclass
class ScanReport:
    findings: list[PiiFinding]
    relations_scanned: int
    personal_columns_read: int

    @property
    def ok(self) -> bool:
        return not self.findings

    def render(self) -> str:
        lines = [f"  {finding.render()}" for finding in self.findings]
        summary = (
            f"personal-data scan: {len(self.findings)} finding(s) in "
            f"{self.relations_scanned} mart relation(s), against "
            f"{self.personal_columns_read} upstream personal-data column(s)"
        )
        return "\n".join([*lines, summary])


def scan(settings: Settings, manifest_path: Path | None = None) -> ScanReport:
    import duckdb

    manifest_path = manifest_path or settings.target_path / "manifest.json"
    if not manifest_path.exists():
        raise JusticeError(
            f"{manifest_path} not found: run `justice build` first (the scan reads the "
            "built warehouse and the manifest of that build)."
        )
    if not settings.duckdb_path.exists():
        raise JusticeError(
            f"no local warehouse at {settings.duckdb_path}: run `justice build` first."
        )
    manifest = json.loads(manifest_path.read_text())
    columns = personal_columns(manifest)
    if not columns:
        raise JusticeError(
            "no column upstream of the marts is marked meta.personal_data: nothing to scan "
            "against (mark them in the staging/history/intermediate YAML)."
        )
    with duckdb.connect(str(settings.duckdb_path), read_only=True) as connection:
        personal = collect_personal_values(connection, columns)
        relations = mart_relations(connection, mart_schemas(manifest))
        findings = [
            finding
            for schema, table in relations
            for finding in scan_relation(connection, schema, table, personal)
        ]
    return ScanReport(findings, len(relations), personal.columns_read)
