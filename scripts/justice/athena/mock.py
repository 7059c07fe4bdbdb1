"""An offline stand-in for Athena and Glue, good enough for dbt-athena to run every
materialization: moto's `mock_aws` plus a shim on moto's Athena backend.

moto accepts any query string and returns no rows; it neither creates the tables a query
would create nor answers the queries dbt asks. dbt-athena, though, reads the Glue catalog
between statements (does the relation exist? is it a view or an Iceberg table? which
columns does it have?). So every query dbt starts is:

1. captured, with the dbt node it belongs to (from dbt's query comment);
2. parsed with sqlglot's athena dialect and, when it changes the catalog (`create schema`,
   `create [or replace] view`, `create table ... as`, `create external table`, `drop`,
   `alter table ... rename to`), applied to moto's Glue: a created relation is registered
   with the columns (names and types) its select produces, inferred by sqlglot from the
   columns already in Glue;
3. answered: a select that must return one row (an aggregate without `group by`, as dbt's
   test queries are) gets one row of zeros and falses, so tests pass; any other select
   gets no rows but the right column names and types (dbt's contract check reads them).

Nothing here judges portability: justice.athena.sql does that over the captured statements.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.optimizer.annotate_types import annotate_types
from sqlglot.optimizer.qualify import qualify
from sqlglot.schema import MappingSchema

from justice.athena.sql import DIALECT, strip_query_comment

ACCOUNT_ID = "123456789012"  # moto's default account
_NODE_ID = re.compile(r'"node_id"\s*:\s*"([^"]+)"')
_CREATED = re.compile(
    r"\s*create\s+(?:or\s+replace\s+)?(view|table)\s+((?:\"[^\"]+\"|`[^`]+`|\w+)"
    r"(?:\.(?:\"[^\"]+\"|`[^`]+`|\w+))*)",
    re.IGNORECASE,
)
_NAME_PART = re.compile(r'"[^"]+"|`[^`]+`|\w+')


@dataclass
class Column:
    name: str
    glue_type: str  # Hive-style, as Glue stores it: string, bigint, array<struct<a:string>>
    result_type: str  # as Athena reports it in a result set: varchar, bigint, boolean


@dataclass
class CapturedStatement:
    node_id: str | None
    sql: str  # without dbt's query comment


@dataclass
class ShimProblem:
    node_id: str | None
    sql: str
    message: str


@dataclass
class AthenaShim:
    """Captures every statement and keeps moto's Glue in step with what it would create."""

    region: str
    statements: list[CapturedStatement] = field(default_factory=list)
    problems: list[ShimProblem] = field(default_factory=list)
    _local: threading.local = field(default_factory=threading.local)
    _schema_cache: tuple[Any, MappingSchema] | None = None

    # ---------------------------------------------------------------- moto plumbing
    @property
    def glue(self) -> Any:
        from moto.glue.models import glue_backends

        return glue_backends[ACCOUNT_ID][self.region]

    @contextmanager
    def installed(self) -> Iterator[AthenaShim]:
        with _shared_botocore_models(), self._lakeformation_tolerant(), self._shim_installed():
            yield self

    @contextmanager
    def _lakeformation_tolerant(self) -> Iterator[None]:
        """moto's get_resource_lf_tags raises KeyError for a table or database that has no
        tags yet; Lake Formation answers with empty lists. Make moto do the same."""
        from moto.lakeformation.models import LakeFormationBackend

        original = LakeFormationBackend.get_resource_lf_tags

        def get_resource_lf_tags(backend: Any, catalog_id: str, resource: dict) -> Any:
            if "Database" in resource:
                database = resource["Database"]
                key = (database.get("CatalogId", backend.account_id), database["Name"])
                backend.lf_database_tags.setdefault(key, [])
            if "Table" in resource:
                table = resource["Table"]
                key3 = (
                    table.get("CatalogId", backend.account_id),
                    table["DatabaseName"],
                    table["Name"],
                )
                backend.lf_table_tags.setdefault(key3, [])
            return original(backend, catalog_id, resource)

        LakeFormationBackend.get_resource_lf_tags = get_resource_lf_tags  # type: ignore
        try:
            yield
        finally:
            LakeFormationBackend.get_resource_lf_tags = original  # type: ignore

    @contextmanager
    def _shim_installed(self) -> Iterator[AthenaShim]:
        """Wrap moto's AthenaBackend.start_query_execution for the duration."""
        from moto.athena.models import AthenaBackend, QueryResults

        original = AthenaBackend.start_query_execution
        shim = self

        def start_query_execution(backend: Any, query: str, *args: Any, **kwargs: Any) -> str:
            execution_id = original(backend, query, *args, **kwargs)
            columns, rows = shim.on_query(query)
            if columns:
                header = {"Data": [{"VarCharValue": c.name} for c in columns]}
                backend.query_results[execution_id] = QueryResults(
                    rows=[header, *rows],
                    column_info=[
                        {
                            "Name": c.name,
                            "Label": c.name,
                            "Type": c.result_type,
                            "Precision": 0,
                            "Scale": 0,
                            "Nullable": "UNKNOWN",
                        }
                        for c in columns
                    ],
                )
            return execution_id

        AthenaBackend.start_query_execution = start_query_execution  # type: ignore[method-assign]
        try:
            yield self
        finally:
            AthenaBackend.start_query_execution = original  # type: ignore[method-assign]

    # ---------------------------------------------------------------- catalog helpers
    def create_database(self, name: str) -> None:
        if name not in self.glue.databases:
            self.glue.create_database(name, {"Name": name})

    def register(
        self,
        database: str,
        name: str,
        columns: list[Column],
        *,
        view: bool = False,
        location: str | None = None,
        table_type: str | None = None,
        partition_keys: list[Column] | None = None,
        view_sql: str | None = None,
    ) -> None:
        """Create (or replace) a Glue table or view as Athena would."""
        self.create_database(database)
        parameters = {"table_type": table_type.upper()} if table_type else {}
        if view:
            parameters = {"presto_view": "true", "comment": "Presto View"}
        table_input: dict[str, Any] = {
            "Name": name,
            "TableType": "VIRTUAL_VIEW" if view else "EXTERNAL_TABLE",
            "Parameters": parameters,
            "StorageDescriptor": {
                "Columns": [{"Name": c.name, "Type": c.glue_type} for c in columns],
                **({"Location": location} if location else {}),
            },
            "PartitionKeys": [
                {"Name": c.name, "Type": c.glue_type} for c in (partition_keys or [])
            ],
        }
        if view_sql:
            table_input["ViewOriginalText"] = view_sql[:1000]
        if name in self.glue.get_database(database).tables:
            self.glue.delete_table(database, name)
        self.glue.create_table(database, name, table_input)

    def _drop(self, database: str, name: str) -> None:
        if database in self.glue.databases and name in self.glue.get_database(database).tables:
            self.glue.delete_table(database, name)

    def _schema(self) -> MappingSchema:
        version = tuple(
            (db, name, table._current_version, id(table))
            for db, database in self.glue.databases.items()
            for name, table in database.tables.items()
        )
        if self._schema_cache is not None and self._schema_cache[0] == version:
            return self._schema_cache[1]
        mapping: dict[str, dict[str, dict[str, str]]] = {}
        for db_name, database in self.glue.databases.items():
            for table_name, table in database.tables.items():
                described = table.as_dict()
                columns = described.get("StorageDescriptor", {}).get("Columns", [])
                columns = columns + described.get("PartitionKeys", [])
                mapping.setdefault(db_name.lower(), {})[table_name.lower()] = {
                    c["Name"].lower(): _safe_type(c["Type"]) for c in columns
                }
        schema = MappingSchema(mapping, dialect="hive", normalize=False)
        self._schema_cache = (version, schema)
        return schema

    # ---------------------------------------------------------------- the shim proper
    def on_query(self, query: str) -> tuple[list[Column], list[dict[str, Any]]]:
        match = (
            _NODE_ID.search(query.split("\n", 1)[0]) if query.lstrip().startswith("--") else None
        )
        if match:
            self._local.node_id = match.group(1)
        node_id = getattr(self._local, "node_id", None)
        sql = strip_query_comment(query)
        self.statements.append(CapturedStatement(node_id, sql))
        try:
            tree = sqlglot.parse_one(sql, read=DIALECT)
        except SqlglotError:
            # athena.sql reports why; register what was created anyway, without columns,
            # so that one non-portable model does not make everything after it fail too
            created = _CREATED.match(sql)
            if created:
                parts = [p.strip('"`') for p in _NAME_PART.findall(created.group(2))]
                if len(parts) >= 2:
                    self.register(parts[-2], parts[-1], [], view=created.group(1).lower() == "view")
            return [], []
        try:
            return self._apply(tree, sql)
        except Exception as error:  # noqa: BLE001 - a shim gap must not hide other results
            self.problems.append(ShimProblem(node_id, sql, f"{type(error).__name__}: {error}"))
            return [], []

    def _apply(self, tree: exp.Expression, sql: str) -> tuple[list[Column], list[dict]]:
        if isinstance(tree, exp.Create):
            self._apply_create(tree, sql)
        elif isinstance(tree, exp.Drop):
            table = tree.this
            if isinstance(table, exp.Table) and tree.kind in ("TABLE", "VIEW"):
                self._drop(table.db, table.name)
        elif isinstance(tree, exp.Alter):
            rename = tree.find(exp.AlterRename)
            if rename is not None:
                self._rename(tree.this, rename.this)
        elif isinstance(tree, exp.Query):
            columns = self.result_columns(tree)
            return columns, self._rows_for(tree, columns)
        return [], []

    def _apply_create(self, tree: exp.Create, sql: str) -> None:
        kind = (tree.kind or "").upper()
        if kind in ("SCHEMA", "DATABASE"):
            # sqlglot parses `create schema x` as a table whose db (not name) is x
            self.create_database(tree.this.name or tree.this.db)
            return
        target = tree.this.this if isinstance(tree.this, exp.Schema) else tree.this
        if not isinstance(target, exp.Table):
            return
        properties = _properties(tree)
        query = tree.expression
        if kind == "VIEW" and isinstance(query, exp.Query):
            self.register(
                target.db, target.name, self.infer_columns(query), view=True, view_sql=sql
            )
        elif kind == "TABLE" and isinstance(query, exp.Query):
            columns = self.infer_columns(query)
            table_type = properties.get("table_type", "hive")
            partitioned = (
                [p.lower() for p in properties.get("partitioned_by", [])]
                if table_type.lower() != "iceberg"
                else []
            )
            partition_names = properties.get("partitioning", []) + properties.get(
                "partitioned_by", []
            )
            names = {c.name for c in columns}
            for partition in partition_names:
                column = re.sub(r"^\w+\((?:\d+\s*,\s*)?(\w+)\)$", r"\1", partition.strip())
                if column.lower() not in names:
                    raise ValueError(
                        f"partition column {column!r} (from {partition!r}) is not a column "
                        f"of {target.name}: {sorted(names)}"
                    )
            self.register(
                target.db,
                target.name,
                [c for c in columns if c.name not in partitioned],
                location=properties.get("location") or properties.get("external_location"),
                table_type=table_type,
                partition_keys=[c for c in columns if c.name in partitioned],
            )
        elif kind == "TABLE" and isinstance(tree.this, exp.Schema):
            columns = [
                _column(d.name, d.args.get("kind"))
                for d in tree.this.expressions
                if isinstance(d, exp.ColumnDef)
            ]
            partitions = [
                _column(d.name, d.args.get("kind"))
                for p in tree.find_all(exp.PartitionedByProperty)
                for d in p.this.expressions
                if isinstance(d, exp.ColumnDef)
            ]
            self.register(
                target.db,
                target.name,
                columns,
                location=properties.get("location"),
                table_type=properties.get("table_type"),
                partition_keys=partitions,
            )

    def _rename(self, source: exp.Table, target: exp.Table) -> None:
        database = source.db
        table = self.glue.get_table(database, source.name)
        current = table.as_dict()
        current["Name"] = target.name
        # a rename keeps the table's description (dbt's persist_docs) as Athena does
        keep = (
            "Name",
            "Description",
            "TableType",
            "Parameters",
            "StorageDescriptor",
            "PartitionKeys",
        )
        self.glue.delete_table(database, source.name)
        self.glue.create_table(
            target.db or database, target.name, {k: v for k, v in current.items() if k in keep}
        )

    def result_columns(self, query: exp.Query) -> list[Column]:
        """The columns a query returns; cheaply when its select list names them all
        (dbt's test queries: `select count(*) as failures, ...`)."""
        selects = query.selects
        if selects and all(
            isinstance(s, exp.Alias) and not s.find(exp.Star, exp.Column) for s in selects
        ):
            typed = annotate_types(exp.select(*(s.copy() for s in selects)), dialect=DIALECT)
            return [_column(s.alias_or_name, s.type) for s in typed.selects]
        return self.infer_columns(query)

    def infer_columns(self, query: exp.Query) -> list[Column]:
        """The columns `query` returns, typed as far as sqlglot can tell (else string).

        dbt itself asks for them (incremental merges, contract checks, reading back test
        results, unit-test inputs); the project's own macros read columns from the YAML
        instead, so nothing here can change the SQL they produce."""
        query = query.copy()
        for table in query.find_all(exp.Table):
            table.set("catalog", None)
        schema = self._schema()
        qualified = qualify(
            query,
            schema=schema,
            dialect=DIALECT,
            validate_qualify_columns=False,
            identify=False,
            quote_identifiers=False,
        )
        annotated = annotate_types(qualified, schema=schema, dialect=DIALECT)
        columns = []
        for select in annotated.selects:
            if isinstance(select, exp.Star) or select.alias_or_name == "*":
                raise ValueError("could not expand 'select *': an upstream relation is not in Glue")
            columns.append(_column(select.alias_or_name, select.type))
        return columns

    @staticmethod
    def _rows_for(query: exp.Query, columns: list[Column]) -> list[dict[str, Any]]:
        """One row of zeros and falses for a single-row aggregate query, else none."""
        if not isinstance(query, exp.Select) or query.args.get("group"):
            return []
        if not query.selects or not all(s.find(exp.AggFunc) for s in query.selects):
            return []
        values = []
        for column in columns:
            if column.result_type == "boolean":
                values.append({"VarCharValue": "false"})
            elif column.result_type in (
                "bigint",
                "integer",
                "double",
                "decimal",
                "smallint",
                "tinyint",
                "real",
            ):
                values.append({"VarCharValue": "0"})
            else:
                values.append({})
        return [{"Data": values}]


@contextmanager
def _shared_botocore_models() -> Iterator[None]:
    """Share botocore's parsed service models, and clients, while the gate runs.

    dbt-athena opens a boto3 session per connection and a client per call; each new
    session re-reads and re-parses the (large) Glue, Athena and S3 model JSON. Sharing them
    cuts the gate's run time by more than half; nothing else changes.
    """
    from botocore.loaders import Loader

    names = (
        "list_available_services",
        "determine_latest_version",
        "list_api_versions",
        "load_service_model",
        "load_data_with_path",
    )
    originals = {name: getattr(Loader, name) for name in names}
    cache: dict[tuple[Any, ...], Any] = {}

    def shared(name: str, original: Any) -> Any:
        @functools.wraps(original)
        def method(loader: Any, *args: Any, **kwargs: Any) -> Any:
            key = (name, args, tuple(sorted(kwargs.items())))
            if key not in cache:
                cache[key] = original(loader, *args, **kwargs)
            return cache[key]

        return method

    for name, original in originals.items():
        setattr(Loader, name, shared(name, original))
    # ... and the clients themselves: boto3 clients are thread-safe, and under moto their
    # credentials, retries and endpoints make no difference.
    import boto3.session

    original_client = boto3.session.Session.client
    clients: dict[tuple[Any, ...], Any] = {}

    def client(
        session: Any, service_name: str, region_name: str | None = None, *args: Any, **kwargs: Any
    ) -> Any:
        key = (service_name, region_name or session.region_name)
        if key not in clients:
            clients[key] = original_client(session, service_name, region_name, *args, **kwargs)
        return clients[key]

    boto3.session.Session.client = client  # type: ignore[method-assign]
    # ... and one boto3 session for every dbt connection (dbt-athena builds one per
    # connection, binding its factory as a default argument).
    from dbt.adapters.athena.connections import AthenaConnection

    original_defaults = AthenaConnection.__init__.__defaults__
    sessions: list[Any] = []

    def one_session(connection: Any) -> Any:
        if not sessions:
            sessions.append(original_defaults[0](connection))  # type: ignore[index]
        return sessions[0]

    AthenaConnection.__init__.__defaults__ = (one_session,)
    try:
        yield
    finally:
        AthenaConnection.__init__.__defaults__ = original_defaults
        boto3.session.Session.client = original_client  # type: ignore[method-assign]
        for name, original in originals.items():
            setattr(Loader, name, original)


@functools.lru_cache(maxsize=4096)
def _safe_type(glue_type: str) -> str:
    try:
        exp.DataType.build(glue_type, dialect="hive")
    except SqlglotError:
        return "string"
    return glue_type


def _column(name: str, dtype: exp.DataType | None) -> Column:
    if dtype is None or dtype.this in (exp.DataType.Type.UNKNOWN, exp.DataType.Type.NULL):
        return Column(name, "string", "varchar")
    glue_type = dtype.sql("hive").lower().replace(": ", ":").replace(", ", ",")
    result_type = dtype.sql("trino").lower().split("(")[0]
    return Column(name, glue_type, result_type)


def _properties(tree: exp.Create) -> dict[str, Any]:
    """`with (...)` / `tblproperties (...)` / `location` of a create statement, as Python."""
    found: dict[str, Any] = {}
    props = tree.args.get("properties")
    if props is None:
        return found
    for prop in props.expressions:
        if isinstance(prop, exp.LocationProperty):
            found["location"] = prop.this.name
        elif isinstance(prop, exp.Property):
            key = prop.name.lower()
            value = prop.args.get("value")
            if isinstance(value, exp.Array):
                found[key] = [v.name for v in value.expressions]
            elif value is not None:
                found[key] = value.name
    return found


def node_of(statement: CapturedStatement) -> str:
    return statement.node_id or "(no node)"


def describe(sql: str, width: int = 100) -> str:
    """The first line of a statement, shortened, to name it in a report."""
    first = " ".join(sql.split())
    return first if len(first) <= width else first[: width - 1] + "…"
