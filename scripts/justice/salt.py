"""The person-key salt: kept out of every SQL text (DESIGN.md section 4).

Models read the salt from a relation (macros/people/linkage_clustering.sql,
`person_key_salt_relation`), never from a rendered variable, so it appears in no
compiled SQL, dbt log, `target/` file or Athena query history. Locally the harness
creates that relation in the build warehouse before each build, binding the salt as a
query parameter; on Athena the operator creates `<prefix>_private.person_key_salt` and
grants it to the build role only (Lake Formation).
"""

from __future__ import annotations

import os
from pathlib import Path

SALT_VARIABLE = "JUSTICE_PERSON_KEY_SALT"
DEVELOPMENT_SALT = "justice-development-salt"
SALT_SCHEMA = "private"
SALT_TABLE = "person_key_salt"


def salt_from_env() -> str:
    return os.environ.get(SALT_VARIABLE) or DEVELOPMENT_SALT


def write_salt_relation(build_path: Path, salt: str | None = None) -> None:
    """Create or refresh `private.person_key_salt` in the local build warehouse."""
    import duckdb

    value = salt if salt is not None else salt_from_env()
    build_path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(build_path)) as connection:
        connection.execute(f"create schema if not exists {SALT_SCHEMA}")
        current = None
        exists = connection.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = ? and table_name = ?",
            [SALT_SCHEMA, SALT_TABLE],
        ).fetchone()
        if exists and exists[0]:
            row = connection.execute(f"select salt from {SALT_SCHEMA}.{SALT_TABLE}").fetchone()
            current = row[0] if row else None
        if current != value:
            connection.execute(
                f"create or replace table {SALT_SCHEMA}.{SALT_TABLE} (salt varchar not null)"
            )
            connection.execute(f"insert into {SALT_SCHEMA}.{SALT_TABLE} values (?)", [value])
