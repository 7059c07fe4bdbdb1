"""The dbt sources YAML of each system, rendered from the lake contract (justice.lake.contract).

`models/staging/<system>/_<system>__sources.yml` is written by this module, never by
hand: a new raw table or column goes into `justice.lake.contract`, then

    .venv/bin/python -m justice.lake.sources_yaml          # rewrite the sources YAML
    .venv/bin/python -m justice.lake.sources_yaml --check  # exit 1 when a file is stale

tests/python/test_contract.py fails when a committed file differs from its rendering.
The CDC envelope columns are described by the shared doc blocks `raw_op` and
`raw_extraction_timestamp` (models/staging/_staging__docs.md).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from justice.console import PROJECT_ROOT
from justice.lake import contract as lake_schema

ENVELOPE_DOCS = {"op": "raw_op", "extraction_timestamp": "raw_extraction_timestamp"}

# How DuckDB reads each file format in place (Athena reads the Glue tables instead), and
# how the freshness check reads the extraction time (CSV delivers it as a string).
READERS = {
    "parquet": (
        "read_parquet('{lake}/raw/%s/{name}/*/*.parquet', hive_partitioning = true, "
        "union_by_name = true)"
    ),
    "csv": (
        "read_csv('{lake}/raw/%s/{name}/*/*.csv', header = true, all_varchar = true, "
        "hive_partitioning = true)"
    ),
}
LOADED_AT = {
    "parquet": "extraction_timestamp",
    "csv": "cast(extraction_timestamp as timestamp)",
}


def sources_path(system: str, root: Path = PROJECT_ROOT) -> Path:
    return root / "models" / "staging" / system / f"_{system}__sources.yml"


def _quoted(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def render(system: str) -> str:
    """The sources YAML of one system, as committed."""
    tables = [t for t in lake_schema.TABLES if t.system == system]
    if not tables:
        raise KeyError(f"no raw tables for system {system!r} in the lake contract")
    formats = {t.file_format for t in tables}
    if len(formats) != 1:
        raise ValueError(f"{system}: one file format per system, not {sorted(formats)}")
    file_format = formats.pop()
    lines = [
        "# Rendered from scripts/justice/lake/contract.py by",
        "# `python -m justice.lake.sources_yaml`: edit the contract, not this file",
        "# (tests/python/test_contract_models.py checks it).",
        "version: 2",
        "",
        "sources:",
        f"  - name: {system}",
        f"    description: {_quoted(lake_schema.SYSTEM_DESCRIPTIONS[system])}",
        f"    schema: \"{{{{ var('raw_schema_{system}') }}}}\"",
        "    config:",
        f"      loaded_at_field: {_quoted(LOADED_AT[file_format])}",
        "      freshness:",
        "        warn_after: {count: 2, period: day}",
        "        error_after: {count: 7, period: day}",
        "    meta:",
        "      # DuckDB reads the lake files in place; Athena reads the Glue tables above.",
        "      lake: \"{{ env_var('JUSTICE_LAKE_PATH', 'data/lake') }}\"",
        f"      external_location: {_quoted(READERS[file_format] % system)}",
        "    tables:",
    ]
    for table in tables:
        key = ", ".join(table.key)
        lines += [
            f"      - name: {table.name}",
            f"        description: {_quoted(f'{table.description} Primary key: {key}.')}",
            "        columns:",
        ]
        for name, doc in ENVELOPE_DOCS.items():
            lines += [
                f"          - name: {name}",
                f"            description: \"{{{{ doc('{doc}') }}}}\"",
            ]
        for column in table.columns:
            lines += [
                f"          - name: {column.name}",
                f"            description: {_quoted(lake_schema.description(column))}",
            ]
            category = lake_schema.personal_data(column)
            if category:
                lines.append(f"            meta: {{personal_data: {category}}}")
    return "\n".join(lines) + "\n"


def stale(root: Path = PROJECT_ROOT) -> list[Path]:
    """The sources YAML files that differ from their rendering."""
    return [
        sources_path(system, root)
        for system in lake_schema.SYSTEMS
        if not sources_path(system, root).exists()
        or sources_path(system, root).read_text() != render(system)
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m justice.lake.sources_yaml", description=__doc__
    )
    parser.add_argument(
        "--check", action="store_true", help="only report stale files; exit 1 if any"
    )
    args = parser.parse_args(argv)
    if args.check:
        paths = stale()
        for path in paths:
            stale_file = path.relative_to(PROJECT_ROOT)
            print(f"{stale_file}: differs from the lake contract", file=sys.stderr)
        return 1 if paths else 0
    for system in lake_schema.SYSTEMS:
        path = sources_path(system)
        path.write_text(render(system))
        print(f"wrote {path.relative_to(PROJECT_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
