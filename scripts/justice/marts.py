"""`justice marts`: the published marts, each with its grain (the first sentence of its
description in dbt's manifest), row count, rows without a person and when it was last
published (the published warehouse's `publication.marts` table)."""

from __future__ import annotations

from typing import Any

import typer

from justice.console import JusticeError, Settings
from justice.publish import PUBLICATION_SCHEMA


def grains(manifest: dict[str, Any]) -> dict[str, str]:
    """Mart name -> its grain: the first sentence of its description."""
    found = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] == "model" and node["fqn"][1:2] == ["marts"]:
            text = " ".join((node.get("description") or "").split())
            found[node["name"]] = text.split(". ")[0].split(": ")[0].rstrip(".")
    return found


def published(settings: Settings) -> list[tuple[Any, ...]]:
    """(mart, row count, rows without a person, published at, as of, held reason) of every
    published mart. Rows without a person: of a mart with a person_key, the rows whose
    person_key is null (their source record has not landed yet, or was quarantined),
    which no count of people includes; None for a mart without a person_key."""
    import duckdb

    path = settings.published_path
    if path is None or not path.exists():
        raise JusticeError(f"no published warehouse at {path}: run `justice build` first")
    with duckdb.connect(str(path), read_only=True) as connection:
        rows = connection.execute(
            f"select mart, row_count, published_at, as_of, held_reason "
            f"from {PUBLICATION_SCHEMA}.marts order by mart"
        ).fetchall()
        with_person = {
            name
            for (name,) in connection.execute(
                "select table_name from duckdb_columns() "
                "where schema_name = 'marts' and column_name = 'person_key'"
            ).fetchall()
        }
        return [
            (
                name,
                count,
                connection.execute(
                    f'select count(*) from marts."{name}" where person_key is null'
                ).fetchone()[0]
                if name in with_person
                else None,
                at,
                as_of,
                reason,
            )
            for name, count, at, as_of, reason in rows
        ]


def command() -> None:
    """List the published marts: grain, row count, rows without a person and last build
    time."""
    from justice import dbt

    settings = Settings.from_env()
    rows = published(settings)
    manifest_path = settings.target_path / "manifest.json"
    grain = grains(dbt.load_manifest(manifest_path)) if manifest_path.exists() else {}
    header = ("mart", "grain", "rows", "no person", "published at (UTC)", "as of")
    table = [
        (
            name,
            grain.get(name, ""),
            "" if count is None else f"{count:,}",
            "" if unlinked is None else f"{unlinked:,}",
            "" if at is None else f"{at:%Y-%m-%d %H:%M}",
            ("" if as_of is None else str(as_of)) + (f" (held: {reason})" if reason else ""),
        )
        for name, count, unlinked, at, as_of, reason in rows
    ]
    widths = [max(len(str(row[i])) for row in [header, *table]) for i in range(len(header))]
    widths[1] = min(widths[1], 70)
    for row in [header, *table]:
        cells = [str(cell)[: widths[i]].ljust(widths[i]) for i, cell in enumerate(row)]
        typer.echo("  ".join(cells).rstrip())
