"""Hard-coded relations: a model reads every table through ref() or source(), so that dbt
sees the dependency and can move it between targets.

The SQL judged is dbt's compiled code from the manifest (a node's `compiled_code`) when
the manifest has it, else the model's raw code with its Jinja blanked out. sqlglot parses
it; a table it reads is hard-coded unless it is a CTE, or the relation of one of the
node's refs or sources (their `relation_name` in the manifest), or the node itself
(`{{ this }}`). Files read directly (read_parquet(...), read_csv(...)) are hard-coded too.
Unqualified names in raw code are taken for CTEs or aliases defined elsewhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from justice.quality.rules.project import Finding, Project, finding, rule

DIALECT = "duckdb"
_PLACEHOLDER = "__jinja__"
_JINJA_EXPRESSION = re.compile(r"\{\{.*?\}\}", re.DOTALL)
_JINJA_STATEMENT = re.compile(r"\{%.*?%\}|\{#.*?#\}", re.DOTALL)
FILE_READERS = frozenset(
    {
        "read_parquet",
        "read_csv",
        "read_csv_auto",
        "read_json",
        "read_json_auto",
        "parquet_scan",
        "iceberg_scan",
        "delta_scan",
    }
)


def _normalise(name: str) -> str:
    return re.sub(r"\s+", "", name.replace('"', "").replace("`", "")).lower()


def _parts(name: str) -> tuple[str, ...]:
    return tuple(_normalise(name).split("."))


def _function_name(function: exp.Expression) -> str:
    return function.sql(DIALECT).split("(", 1)[0].strip().lower()


def hard_coded_relations(
    sql: str, allowed: Iterable[str] = (), *, compiled: bool = False
) -> list[str]:
    """The relations `sql` reads by a hard-coded name (as written), then the files it
    reads directly (`read_csv(...)`). `allowed` holds the relation names of the node's
    refs and sources; with `compiled`, an unqualified name that is not a CTE counts too."""
    if not compiled:
        sql = _JINJA_STATEMENT.sub(" ", _JINJA_EXPRESSION.sub(f" {_PLACEHOLDER} ", sql))
    try:
        statements = [s for s in sqlglot.parse(sql, read=DIALECT) if s is not None]
    except SqlglotError as error:
        return [f"(unparseable SQL: {str(error).splitlines()[0]})"]
    allowed_parts = [_parts(name) for name in allowed]
    allowed_text = {_normalise(name) for name in allowed}

    def is_allowed(parts: tuple[str, ...]) -> bool:
        return any(
            full[-len(parts) :] == parts for full in allowed_parts if len(full) >= len(parts)
        )

    relations: list[str] = []
    files: list[str] = []
    for statement in statements:
        ctes = {cte.alias_or_name.lower() for cte in statement.find_all(exp.CTE)}
        for table in statement.find_all(exp.Table):
            if isinstance(table.this, exp.Identifier):
                parts = tuple(part.name.lower() for part in table.parts)
                if parts == (_PLACEHOLDER,) or is_allowed(parts):
                    continue
                if len(parts) == 1 and (not compiled or parts[0] in ctes):
                    continue
                relations.append(".".join(part.sql(DIALECT) for part in table.parts))
        for function in statement.find_all(exp.Func):
            name = _function_name(function)
            if name in FILE_READERS and _normalise(function.sql(DIALECT)) not in allowed_text:
                files.append(f"{name}(...)")
    return relations + files


def _allowed_relations(project: Project, uid: str) -> list[str]:
    nodes = {
        **(project.manifest.get("nodes") or {}),
        **(project.manifest.get("sources") or {}),
    }
    allowed = []
    for parent in [uid, *project.parents(uid)]:
        relation = (nodes.get(parent) or {}).get("relation_name")
        if relation:
            allowed.append(relation)
    return allowed


@rule("hard-coded-relation", "no model reads a table by a hard-coded name")
def _hard_coded_relation(project: Project) -> Iterator[Finding]:
    for uid, node in project.models.items():
        compiled = node.get("compiled_code")
        sql = compiled or node.get("raw_code") or ""
        allowed = _allowed_relations(project, uid)
        for relation in hard_coded_relations(sql, allowed, compiled=bool(compiled)):
            yield finding(
                project,
                "hard-coded-relation",
                uid,
                f"reads {relation} by a hard-coded name, so dbt cannot see the "
                "dependency or move it between targets.",
                "use {{ ref('model') }} for models and {{ source('system', 'table') }} "
                "for raw tables (declare new raw tables in _<system>__sources.yml).",
            )
