"""`justice lineage <model>.<column>`: the raw source columns a column comes from, and the
layer-level lineage of a mart, both read from dbt's manifest.

Column lineage walks sqlglot's lineage over each model's compiled SQL, through every
`ref` down to the sources: a column of a model resolves to the columns of the relations
its query reads, and a column of another model resolves again in that model, until a
raw source column (`nomis.offender_external_movements.movement_date`) or a seed column
is reached. A count of rows (`count(*)`) reads no column: it depends on the columns that
decide which rows there are (the joins, filters and groups of its query), marked "rows".

The layer-level lineage (`layer_graph`) collapses what a reviewer does not need to see
twice: a raw table, its base_/stg_ staging pair and its _history/_as_of pair are one
lane; the person-linkage models are one node.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import typer

from justice.console import JusticeError, Settings, say

DIALECT = "duckdb"
# person linkage: collapsed into one node in the layer diagram
LINKAGE_FOLDERS = frozenset({"people", "identity"})


@dataclass(frozen=True, order=True)
class SourceColumn:
    """A raw column (`kind` "source": relation is `<system>.<table>`) or a seed column
    (`kind` "seed"), and how the column depends on it: "value" (its value flows into the
    column) or "rows" (it decides which rows are counted)."""

    kind: str
    relation: str
    column: str
    via: str = "value"

    def render(self) -> str:
        prefix = "raw " if self.kind == "source" else f"{self.kind} "
        suffix = " (rows)" if self.via == "rows" else ""
        return f"{prefix}{self.relation}.{self.column}{suffix}"


def _seed_header(node: dict[str, Any]) -> list[str]:
    """A seed's columns from its CSV header, when its YAML lists none."""
    if node["resource_type"] != "seed":
        return []
    path = Path(node.get("root_path") or ".") / node["original_file_path"]
    try:
        with path.open() as handle:
            return next(csv.reader(handle), [])
    except OSError:
        return []


def _counts_rows(expression: Any) -> bool:
    from sqlglot import exp

    return any(isinstance(count.this, exp.Star) for count in expression.find_all(exp.Count))


def _table_key(table: Any) -> str:
    return ".".join(part.name.lower() for part in table.parts if part.name)


def _relation_key(name: str) -> str:
    return ".".join(part.strip('"').lower() for part in name.split("."))


@dataclass
class ColumnLineage:
    """Column lineage over a manifest whose models carry compiled_code."""

    manifest: dict[str, Any]
    _by_relation: dict[str, str] = field(default_factory=dict)
    _by_name: dict[str, str] = field(default_factory=dict)
    _schema: dict[str, Any] = field(default_factory=dict)
    _model_lineage: dict[str, dict[str, set[tuple[str, str, str]]]] = field(default_factory=dict)
    _resolved: dict[tuple[str, str], frozenset[SourceColumn]] = field(default_factory=dict)
    _in_progress: set[tuple[str, str]] = field(default_factory=set)

    def __post_init__(self) -> None:
        from justice.salt import SALT_SCHEMA, SALT_TABLE

        # the person-key salt relation: written by the harness, not a dbt node
        self._schema.setdefault("justice", {}).setdefault(SALT_SCHEMA, {})[SALT_TABLE] = {
            "salt": "text"
        }
        for uid, node in {**self.manifest["nodes"], **self.manifest["sources"]}.items():
            if node["resource_type"] not in ("model", "seed", "source"):
                continue
            if node["resource_type"] == "source":
                database, schema, table = "raw", f"raw_{node['source_name']}", node["name"]
                columns = [*node["columns"], "extraction_date"]
            else:
                if not node.get("relation_name"):
                    continue
                database, schema, table = _relation_key(node["relation_name"]).split(".")
                columns = list(node["columns"]) or _seed_header(node)
                self._by_name[node["name"]] = uid
            if not columns:
                continue
            self._by_relation[f"{database}.{schema}.{table}"] = uid
            self._schema.setdefault(database, {}).setdefault(schema, {})[table] = {
                column.lower(): "text" for column in dict.fromkeys(columns)
            }

    # ------------------------------------------------------------------ one model

    def _sql(self, node: dict[str, Any]) -> str:
        sql = node.get("compiled_code")
        if not sql:
            raise JusticeError(
                f"{node['name']} has no compiled SQL in the manifest: run `justice build` "
                "(or `dbt compile`) first."
            )
        for source in self.manifest["sources"].values():
            relation = source.get("relation_name")
            if relation and relation in sql:
                sql = sql.replace(
                    relation, f'"raw"."raw_{source["source_name"]}"."{source["name"]}"'
                )
        return sql

    def model_lineage(self, uid: str) -> dict[str, set[tuple[str, str, str]]]:
        """For each output column of a model: the (relation, column, via) it reads."""
        if uid in self._model_lineage:
            return self._model_lineage[uid]
        from sqlglot import exp, maybe_parse
        from sqlglot.errors import SqlglotError
        from sqlglot.lineage import lineage
        from sqlglot.optimizer.qualify import qualify
        from sqlglot.optimizer.scope import build_scope

        node = self.manifest["nodes"][uid]
        result: dict[str, set[tuple[str, str, str]]] = {}
        try:
            query = qualify(
                maybe_parse(self._sql(node), dialect=DIALECT),
                dialect=DIALECT,
                schema=self._schema,
                validate_qualify_columns=False,
                identify=False,
            )
            root = build_scope(query)
            graphs = lineage(None, query, schema=self._schema, dialect=DIALECT, scope=root)
        except SqlglotError as problem:
            say(f"lineage: cannot read {node['name']}'s SQL ({problem}); its columns stop there")
            root, graphs = None, {}
        for name, graph in graphs.items():
            found: set[tuple[str, str, str]] = set()
            for item in graph.walk():
                if item.downstream:
                    continue
                if isinstance(item.source, exp.Table):
                    found.add((_table_key(item.source), item.name.split(".")[-1].lower(), "value"))
                elif root is not None and _counts_rows(item.expression):
                    found |= self._row_columns(root, item.name.split(".")[-1])
            result[name.lower()] = found
        self._model_lineage[uid] = result
        return result

    def _row_columns(self, root: Any, column: str) -> set[tuple[str, str, str]]:
        """The columns deciding which rows are counted in the select naming `column`
        `count(*)`: the joins, filters and groups of that select and of every select it
        reads, resolved to the relations the query reads."""
        from sqlglot import exp
        from sqlglot.lineage import lineage

        pending = [
            scope
            for scope in root.traverse()
            if any(
                select.alias_or_name == column and _counts_rows(select)
                for select in getattr(scope.expression, "selects", [])
            )
        ]
        found: set[tuple[str, str, str]] = set()
        seen: set[int] = set()
        while pending:
            scope = pending.pop()
            if id(scope) in seen:
                continue
            seen.add(id(scope))
            pending += [
                source for source in scope.sources.values() if not isinstance(source, exp.Table)
            ]
            for clause in ("joins", "where", "group", "having", "qualify"):
                parts = scope.expression.args.get(clause) or []
                for part in parts if isinstance(parts, list) else [parts]:
                    for used in part.find_all(exp.Column):
                        source = scope.sources.get(used.table)
                        if isinstance(source, exp.Table):
                            found.add((_table_key(source), used.name.lower(), "rows"))
                        elif source is not None:
                            try:
                                graph = lineage(
                                    used.name,
                                    source.expression,
                                    schema=self._schema,
                                    dialect=DIALECT,
                                    scope=source,
                                )
                            except Exception:  # noqa: BLE001 - a column sqlglot cannot follow
                                continue
                            for item in graph.walk():
                                if isinstance(item.source, exp.Table) and not item.downstream:
                                    found.add(
                                        (
                                            _table_key(item.source),
                                            item.name.split(".")[-1].lower(),
                                            "rows",
                                        )
                                    )
        return found

    # ------------------------------------------------------------------ across models

    def resolve(self, model: str, column: str) -> frozenset[SourceColumn]:
        """The raw source (and seed) columns `model.column` comes from."""
        uid = self._by_name.get(model)
        if uid is None or self.manifest["nodes"][uid]["resource_type"] != "model":
            raise JusticeError(f"no model named {model!r} in the manifest")
        columns = list(
            dict.fromkeys([*self.model_lineage(uid), *self.manifest["nodes"][uid]["columns"]])
        )
        if column.lower() not in columns:
            raise JusticeError(
                f"{model} has no column {column!r} (its columns: {', '.join(columns)})"
            )
        return self._resolve(uid, column.lower(), "value")

    def _resolve(self, uid: str, column: str, via: str) -> frozenset[SourceColumn]:
        key = (uid, column)
        if key in self._resolved:
            return frozenset(
                SourceColumn(s.kind, s.relation, s.column, "rows" if via == "rows" else s.via)
                for s in self._resolved[key]
            )
        if key in self._in_progress:  # an incremental model reading itself
            return frozenset()
        self._in_progress.add(key)
        found: set[SourceColumn] = set()
        for relation, upstream_column, how in self.model_lineage(uid).get(column, set()):
            upstream = self._by_relation.get(relation)
            if upstream is None:
                continue
            node = self.manifest["nodes"].get(upstream) or self.manifest["sources"][upstream]
            if node["resource_type"] == "source":
                found.add(
                    SourceColumn(
                        "source", f"{node['source_name']}.{node['name']}", upstream_column, how
                    )
                )
            elif node["resource_type"] == "seed":
                found.add(SourceColumn("seed", node["name"], upstream_column, how))
            elif upstream != uid:
                found |= self._resolve(upstream, upstream_column, how)
        self._in_progress.discard(key)
        self._resolved[key] = frozenset(found)
        return self._resolve(uid, column, via)

    def mart_columns(self, uid: str) -> dict[str, frozenset[SourceColumn]]:
        node = self.manifest["nodes"][uid]
        return {column: self.resolve(node["name"], column) for column in node["columns"]}


def summarise(sources: Iterable[SourceColumn]) -> list[str]:
    """A column's sources as lines: `raw nomis.offenders: birth_date, sex_code`, the
    columns deciding rows marked `(rows)`."""
    grouped: dict[tuple[str, str], list[str]] = {}
    best: dict[tuple[str, str, str], str] = {}
    for item in sources:
        key = (item.kind, item.relation, item.column)
        if best.get(key) != "value":
            best[key] = item.via
    for (kind, relation, column), via in sorted(best.items()):
        label = f"{column} (rows)" if via == "rows" else column
        grouped.setdefault((kind, relation), []).append(label)
    return [
        f"{'raw' if kind == 'source' else kind} {relation}: {', '.join(columns)}"
        for (kind, relation), columns in sorted(grouped.items())
    ]


# ---------------------------------------------------------------- layer lineage


@dataclass
class LayerNode:
    key: str
    label: str
    layer: str  # raw, reference, staging, history, intermediate, marts
    note: str = ""


def collapse(node: dict[str, Any]) -> tuple[str, str, str, str]:
    """(key, label, layer, note) of a node in the layer diagram."""
    kind = node["resource_type"]
    if kind == "source":
        name = f"{node['source_name']}.{node['name']}"
        return f"raw:{name}", name, "raw", ""
    if kind == "seed":
        return f"seed:{node['name']}", node["name"], "raw", "reference (seed)"
    name = node["name"]
    layer = node["fqn"][1] if len(node["fqn"]) > 2 else "other"
    if layer == "staging":
        match = re.fullmatch(r"(?:base|stg)_(\w+?)__(\w+)", name)
        if match:
            return f"stg:{match[1]}.{match[2]}", "stg", "staging", ""
        return f"model:{name}", name, "staging", ""
    if layer == "history":
        match = re.fullmatch(r"int_(\w+?)__(\w+?)_(?:history|as_of)", name)
        if match:
            return f"hist:{match[1]}.{match[2]}", "history", "history", ""
    if layer == "intermediate" and node["fqn"][2] in LINKAGE_FOLDERS:
        return (
            "linkage",
            "person linkage",
            "intermediate",
            "person_key, sex and age from all four systems",
        )
    note = ""
    if name.endswith("reporting_period_derived"):
        note = "last day the data covers"
    return f"model:{name}", name, layer, note


def layer_graph(
    manifest: dict[str, Any], uid: str
) -> tuple[dict[str, LayerNode], set[tuple[str, str]]]:
    """The collapsed upstream graph of a model: nodes by key and edges (from, to)."""
    everything = {**manifest["nodes"], **manifest["sources"]}
    nodes: dict[str, LayerNode] = {}
    edges: set[tuple[str, str]] = set()
    seen: set[str] = set()
    pending = [uid]
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        node = everything[current]
        key, label, layer, note = collapse(node)
        nodes.setdefault(key, LayerNode(key, label, layer, note))
        for parent in node.get("depends_on", {}).get("nodes", []):
            if parent not in everything or everything[parent]["resource_type"] not in (
                "model",
                "seed",
                "source",
            ):
                continue
            parent_key = collapse(everything[parent])[0]
            if parent_key != key:
                edges.add((parent_key, key))
            pending.append(parent)
    return nodes, edges


# ---------------------------------------------------------------- the command


def load_compiled_manifest(settings: Settings) -> dict[str, Any]:
    """target/manifest.json when its models are compiled (a build or docs run leaves
    them so), else `dbt compile` first."""
    from justice import dbt

    path = settings.target_path / "manifest.json"
    if path.exists():
        manifest = dbt.load_manifest(path)
        models = [n for n in manifest["nodes"].values() if n["resource_type"] == "model"]
        if models and all(n.get("compiled_code") for n in models):
            return manifest
    say("compiling the project (dbt compile) to read each model's SQL …")
    return dbt.compile_project(settings)


def command(
    column: Annotated[
        str,
        typer.Argument(
            help="A model's column: <model>.<column>, e.g. fct_em_orders.days_monitored."
        ),
    ],
) -> None:
    """Print the raw source columns a model's column comes from (through every ref)."""
    model, _, name = column.partition(".")
    if not name:
        raise JusticeError(f"give a column as <model>.<column>, not {column!r}")
    settings = Settings.from_env()
    lineage = ColumnLineage(load_compiled_manifest(settings))
    sources = lineage.resolve(model, name)
    if not sources:
        typer.echo(f"{model}.{name}: no source column (a constant or a generated value)")
        return
    typer.echo(f"{model}.{name} comes from:")
    for line in summarise(sources):
        typer.echo(f"  {line}")
