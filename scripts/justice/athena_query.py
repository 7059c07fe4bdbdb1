"""Read-only queries against Athena (the production warehouse), through pyathena.

Settings come from the same environment variables as profiles/profiles.yml's athena
target, so `justice query --target athena` reads what `justice build --target athena`
wrote. Credentials come from the usual AWS chain, never from here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from justice.settings import JusticeError

_READ_ONLY = (exp.Query, exp.Describe, exp.Show)


@dataclass(frozen=True)
class AthenaSettings:
    region: str
    s3_staging_dir: str
    s3_data_dir: str | None
    work_group: str
    schema_prefix: str
    catalog: str

    @classmethod
    def from_env(cls) -> AthenaSettings:
        staging = os.environ.get("JUSTICE_ATHENA_S3_STAGING_DIR")
        if not staging:
            raise JusticeError(
                "JUSTICE_ATHENA_S3_STAGING_DIR is not set: point it at the S3 prefix for "
                "Athena query results (e.g. s3://my-bucket/athena-results/)."
            )
        return cls(
            region=os.environ.get("JUSTICE_ATHENA_REGION", "eu-west-2"),
            s3_staging_dir=staging,
            s3_data_dir=os.environ.get("JUSTICE_ATHENA_S3_DATA_DIR"),
            work_group=os.environ.get("JUSTICE_ATHENA_WORKGROUP", "primary"),
            schema_prefix=os.environ.get("JUSTICE_ATHENA_SCHEMA_PREFIX", "justice"),
            catalog=os.environ.get("JUSTICE_ATHENA_CATALOG", "awsdatacatalog"),
        )

    @property
    def default_schema(self) -> str:
        """Unqualified table names resolve in the marts schema, as analysts expect."""
        return f"{self.schema_prefix}_marts"


def ensure_read_only(sql: str) -> None:
    try:
        statements = [s for s in sqlglot.parse(sql, read="athena") if s is not None]
    except SqlglotError as error:
        raise JusticeError(f"cannot read the query: {str(error).splitlines()[0]}") from None
    if not statements or not all(isinstance(s, _READ_ONLY) for s in statements):
        raise JusticeError("justice query runs read-only queries (select, show, describe).")


def run_query(
    sql: str, settings: AthenaSettings | None = None
) -> tuple[list[str], list[tuple[Any, ...]]]:
    from pyathena import connect
    from pyathena.error import Error as AthenaError

    ensure_read_only(sql)
    settings = settings or AthenaSettings.from_env()
    try:
        connection = connect(
            s3_staging_dir=settings.s3_staging_dir,
            region_name=settings.region,
            work_group=settings.work_group,
            catalog_name=settings.catalog,
            schema_name=settings.default_schema,
        )
        with connection, connection.cursor() as cursor:
            cursor.execute(sql)
            columns = [d[0] for d in cursor.description or []]
            rows = [tuple(row) for row in cursor.fetchall()]
    except AthenaError as error:
        raise JusticeError(f"Athena query failed: {error}") from None
    return columns, rows
