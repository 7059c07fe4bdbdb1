"""`justice check`: the project's layer, naming, documentation, testing and personal-data
rules (DESIGN.md section 1, STYLE.md), read from dbt's own artefacts.

dbt already knows the graph, so the rules read `manifest.json` (and `catalog.json`, when a
warehouse has been documented, for the columns a model really has) rather than re-parsing
SQL. Every finding names the node, the rule and how to fix it. Exceptions live in one
reviewed file, `check_waivers.yml` beside this module, each with a reason; a waiver that no
longer matches anything is itself a finding, so the file cannot rot.

Rules are plain functions registered with `@rule`; each yields `Finding`s for a `Project`.
"""

from __future__ import annotations

import fnmatch
import json
import re
import subprocess
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml

from justice.settings import PROJECT_ROOT, JusticeError, Settings

WAIVERS_PATH = Path(__file__).with_name("check_waivers.yml")

LAYERS = ("staging", "history", "intermediate", "marts")
STAGING_PREFIXES = ("stg_", "base_")
MART_PREFIXES = ("fct_", "dim_")
# int_<system>__<table>_history (SCD2), and its as-of view int_<system>__<table>_as_of
# (DESIGN.md section 3: the state of a table as known at var('as_of'))
HISTORY_NAME = re.compile(r"^int_[a-z0-9]+(?:_[a-z0-9]+)*__[a-z0-9_]+_(history|as_of)$")

# Column names that hold personal data whatever the system calls them (DESIGN.md section 6).
# Matched against the whole lower-case column name.
PERSONAL_DATA_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (
        "name",
        re.compile(
            r"(^|_)(first|middle|last|second|given|family|full|maiden|preferred|other|"
            r"birth|person|offender|defendant|subject)_?names?$|(^|_)(sur|fore)names?(_|$)"
        ),
    ),
    ("date_of_birth", re.compile(r"(^|_)(dob|date_of_birth|birth_date|birth_dt|birthdate)(_|$)")),
    ("national_identifier", re.compile(r"(^|_)(pnc|cro)(_|$)")),
    (
        "system_identifier",
        re.compile(
            r"(^|_)(crn|noms|prison_number|prisoner_number|offender_id_display|"
            r"booking_no)(_|$)"
        ),
    ),
    ("address", re.compile(r"(^|_)(post_?code|address(_line\d*)?)(_|$)")),
]


def personal_data_category(column_name: str) -> str | None:
    """The personal-data category a column's name suggests, or None. Booleans (`is_`,
    `has_`: STYLE.md column naming) say something about a value, not the value itself."""
    name = column_name.lower()
    if name.startswith(("is_", "has_")):
        return None
    for category, pattern in PERSONAL_DATA_PATTERNS:
        if pattern.search(name):
            return category
    return None


# ---------------------------------------------------------------------------------------
# the project as the rules see it


@dataclass(frozen=True)
class Finding:
    rule: str
    node: str  # unique_id (model.justice.x, source.justice.s.t, exposure.justice.e)
    message: str
    fix: str
    path: str = ""

    @property
    def name(self) -> str:
        """The node's short name: what a person would write in a waiver."""
        parts = self.node.split(".")
        if parts[0] == "source" and len(parts) >= 4:
            return ".".join(parts[2:])
        return parts[-1] if len(parts) > 2 else self.node

    def render(self) -> str:
        where = f"{self.path}: " if self.path else ""
        return f"{where}{self.name} [{self.rule}] {self.message}\n    fix: {self.fix}"

    def as_dict(self) -> dict[str, str]:
        return {
            "rule": self.rule,
            "node": self.node,
            "path": self.path,
            "message": self.message,
            "fix": self.fix,
        }


@dataclass
class Project:
    """The manifest (and optional catalog) of one dbt project, indexed for the rules."""

    manifest: dict[str, Any]
    catalog: dict[str, Any] | None = None
    accepted_pk_tests: tuple[tuple[str, str], ...] = ()  # (test name, node-name glob)
    project_name: str = ""
    models: dict[str, dict[str, Any]] = field(default_factory=dict)
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)
    tests_by_node: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        meta = self.manifest.get("metadata") or {}
        self.project_name = meta.get("project_name") or self._guess_project_name()
        nodes = self.manifest.get("nodes") or {}
        self.models = {
            uid: node
            for uid, node in nodes.items()
            if node.get("resource_type") == "model"
            and node.get("package_name") == self.project_name
        }
        self.sources = {
            uid: node
            for uid, node in (self.manifest.get("sources") or {}).items()
            if node.get("package_name") == self.project_name
        }
        tests: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for node in nodes.values():
            if node.get("resource_type") != "test":
                continue
            attached = node.get("attached_node")
            if not attached:
                attached = next(iter((node.get("depends_on") or {}).get("nodes") or []), None)
            if attached:
                tests[attached].append(node)
        self.tests_by_node = dict(tests)

    def _guess_project_name(self) -> str:
        for node in (self.manifest.get("nodes") or {}).values():
            if node.get("resource_type") == "model":
                return node.get("package_name", "")
        return ""

    # -- where a node sits

    @staticmethod
    def path_parts(node: dict[str, Any]) -> list[str]:
        return Path(node.get("original_file_path", "")).parts[1:]  # drop "models"

    def layer(self, node: dict[str, Any]) -> str | None:
        parts = self.path_parts(node)
        return parts[0] if len(parts) > 1 and parts[0] in LAYERS else None

    def folder(self, node: dict[str, Any]) -> str | None:
        """The folder under the layer: a staging system, an intermediate area, a mart
        domain; None for a file directly in the layer folder."""
        parts = self.path_parts(node)
        return parts[1] if len(parts) > 2 else None

    def mart_domains(self) -> set[str]:
        return {
            folder
            for node in self.models.values()
            if self.layer(node) == "marts" and (folder := self.folder(node))
        }

    def is_mart(self, uid: str) -> bool:
        node = self.models.get(uid)
        return node is not None and self.layer(node) == "marts"

    # -- the graph

    def parents(self, uid: str) -> list[str]:
        parent_map = self.manifest.get("parent_map")
        if parent_map and uid in parent_map:
            return list(parent_map[uid])
        node = self.models.get(uid) or (self.manifest.get("exposures") or {}).get(uid) or {}
        return list((node.get("depends_on") or {}).get("nodes") or [])

    def children(self, uid: str) -> list[str]:
        child_map = self.manifest.get("child_map")
        if child_map is not None and uid in child_map:
            return list(child_map[uid])
        return [m for m in self.models if uid in self.parents(m)]

    def name_of(self, uid: str) -> str:
        node = self.models.get(uid) or self.sources.get(uid)
        if node and node.get("resource_type") == "source":
            return f"{node['source_name']}.{node['name']}"
        if node:
            return node["name"]
        return uid.split(".", 2)[-1]

    # -- columns

    def columns(self, uid: str) -> dict[str, dict[str, Any]]:
        """Documented columns, plus the columns the built relation has (catalog.json),
        keyed by lower-case name. Undocumented catalog columns carry `_from_catalog`."""
        node = self.models.get(uid) or self.sources.get(uid) or {}
        columns = {name.lower(): dict(col) for name, col in (node.get("columns") or {}).items()}
        if self.catalog:
            section = "sources" if uid.startswith("source.") else "nodes"
            entry = (self.catalog.get(section) or {}).get(uid) or {}
            for name in entry.get("columns") or {}:
                columns.setdefault(name.lower(), {"name": name, "_from_catalog": True})
        return columns

    @staticmethod
    def column_personal_data(column: dict[str, Any]) -> Any:
        meta = column.get("meta") or {}
        config_meta = (column.get("config") or {}).get("meta") or {}
        return meta.get("personal_data") or config_meta.get("personal_data")


RuleFunction = Callable[[Project], Iterable[Finding]]


@dataclass(frozen=True)
class Rule:
    id: str
    summary: str
    function: RuleFunction


RULES: dict[str, Rule] = {}


def rule(rule_id: str, summary: str) -> Callable[[RuleFunction], RuleFunction]:
    def register(function: RuleFunction) -> RuleFunction:
        RULES[rule_id] = Rule(rule_id, summary, function)
        return function

    return register


def _finding(project: Project, rule_id: str, uid: str, message: str, fix: str) -> Finding:
    node = (
        project.models.get(uid)
        or project.sources.get(uid)
        or (project.manifest.get("exposures") or {}).get(uid)
        or {}
    )
    return Finding(rule_id, uid, message, fix, node.get("original_file_path", ""))


# ---------------------------------------------------------------------------------------
# layer rules (DESIGN.md section 1)


@rule("source-outside-staging", "only staging models read sources")
def _source_outside_staging(project: Project) -> Iterator[Finding]:
    for uid, node in project.models.items():
        if project.layer(node) == "staging":
            continue
        for parent in project.parents(uid):
            if parent.startswith("source."):
                name = project.name_of(parent)
                yield _finding(
                    project,
                    "source-outside-staging",
                    uid,
                    f"reads source {name}; only staging models read sources.",
                    f"ref() the staging model of {name} "
                    f"(stg_{name.replace('.', '__')}) instead of source().",
                )


@rule("source-staging-count", "each source table is read by exactly one staging model")
def _source_staging_count(project: Project) -> Iterator[Finding]:
    for uid in project.sources:
        readers = sorted(
            project.models[child]["name"]
            for child in project.children(uid)
            if child in project.models and project.layer(project.models[child]) == "staging"
        )
        name = project.name_of(uid)
        staging_name = name.replace(".", "__")
        if not readers:
            yield _finding(
                project,
                "source-staging-count",
                uid,
                f"source table {name} is read by no staging model.",
                f"add base_{staging_name} (reads the source) and stg_{staging_name} "
                "(reads the base) under models/staging/, or remove the table from the "
                "sources file.",
            )
        elif len(readers) > 1:
            yield _finding(
                project,
                "source-staging-count",
                uid,
                f"source table {name} is read by {len(readers)} staging models "
                f"({', '.join(readers)}); it must be read by exactly one.",
                f"keep one reader (base_{staging_name}) and make the others ref() it.",
            )


def _suffix(name: str) -> str:
    for prefix in STAGING_PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


@rule("staging-pair", "a base_ model is read by the stg_ model of the same source table")
def _staging_pair(project: Project) -> Iterator[Finding]:
    by_name = {node["name"]: uid for uid, node in project.models.items()}
    for uid, node in project.models.items():
        name = node["name"]
        if project.layer(node) != "staging" or not name.startswith("base_"):
            continue
        partner = "stg_" + _suffix(name)
        partner_uid = by_name.get(partner)
        if partner_uid is None or uid not in project.parents(partner_uid):
            yield _finding(
                project,
                "staging-pair",
                uid,
                f"base model {name} has no {partner} reading it; the staging pair is "
                "base_ (reads the source) + stg_ (reads the base).",
                f"add models/staging/<system>/{partner}.sql that selects from "
                f"ref('{name}') (usually `{{{{ justice.valid_rows(ref('{name}')) }}}}`).",
            )


@rule("staging-reads-model", "staging reads only sources and its own base_ model")
def _staging_reads_model(project: Project) -> Iterator[Finding]:
    for uid, node in project.models.items():
        if project.layer(node) != "staging":
            continue
        name = node["name"]
        for parent in project.parents(uid):
            if not parent.startswith("model."):
                continue  # sources and seeds are what staging is for
            parent_node = project.models.get(parent)
            parent_name = project.name_of(parent)
            is_own_base = (
                parent_node is not None
                and project.layer(parent_node) == "staging"
                and name.startswith("stg_")
                and parent_name == "base_" + _suffix(name)
            )
            if is_own_base:
                continue
            where = project.layer(parent_node) if parent_node else "another project"
            yield _finding(
                project,
                "staging-reads-model",
                uid,
                f"staging model reads {parent_name} ({where}); staging reads only "
                "sources, and stg_<x> reads only base_<x>.",
                "move the logic that needs other models to models/intermediate/ "
                "(int_...), and keep staging a one-source-table lens.",
            )


@rule("mart-reads-staging", "marts never read staging directly (nor sources: see above)")
def _mart_reads_staging(project: Project) -> Iterator[Finding]:
    for uid, node in project.models.items():
        if project.layer(node) != "marts":
            continue
        for parent in project.parents(uid):
            parent_node = project.models.get(parent)
            if parent_node is not None and project.layer(parent_node) == "staging":
                yield _finding(
                    project,
                    "mart-reads-staging",
                    uid,
                    f"mart reads staging model {project.name_of(parent)} directly.",
                    "read the history (int_<system>__<table>_history or _as_of) or an "
                    "intermediate model instead, so the mart sees as-of, linked data.",
                )


@rule(
    "mart-reads-other-domain-intermediate",
    "a mart may read another domain's marts, never its intermediates",
)
def _mart_reads_other_domain(project: Project) -> Iterator[Finding]:
    domains = project.mart_domains()
    for uid, node in project.models.items():
        if project.layer(node) != "marts":
            continue
        domain = project.folder(node)
        for parent in project.parents(uid):
            parent_node = project.models.get(parent)
            if parent_node is None or project.layer(parent_node) not in ("intermediate",):
                continue
            area = project.folder(parent_node)
            if area in domains and area != domain:
                yield _finding(
                    project,
                    "mart-reads-other-domain-intermediate",
                    uid,
                    f"mart of domain '{domain}' reads {project.name_of(parent)}, an "
                    f"intermediate of domain '{area}'.",
                    f"read the '{area}' domain's marts (its fct_/dim_ models) instead, or "
                    "move the shared intermediate to a folder of models/intermediate/ "
                    "that is not a mart domain.",
                )


_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
_COMMENT = re.compile(r"--[^\n]*|/\*.*?\*/", re.DOTALL)
_STRING = re.compile(r"'(?:[^']|'')*'")
_IDENT = r'(?:"[^"]+"|[a-z_][a-z0-9_$]*)'
_RELATION = re.compile(
    rf"\b(from|join)\s+({_IDENT}(?:\s*\.\s*{_IDENT}){{1,2}})(?!\s*\()", re.IGNORECASE
)
_FILE_READ = re.compile(
    r"\b(read_parquet|read_csv|read_csv_auto|read_json|read_json_auto|parquet_scan|"
    r"iceberg_scan|delta_scan)\s*\(",
    re.IGNORECASE,
)
# words before "(" that open a subquery rather than call a function
_SUBQUERY_OPENERS = {
    "",
    "in",
    "exists",
    "from",
    "join",
    "as",
    "lateral",
    "any",
    "all",
    "some",
    "select",
    "union",
    "where",
    "and",
    "or",
    "not",
    "on",
    "with",
    "intersect",
    "except",
    "by",
}


def _hard_coded_relations(raw_code: str) -> list[str]:
    """Relations named literally (`from schema.table`, `join db.schema.table`) or files
    read directly, outside Jinja, comments and string literals."""
    text = _JINJA.sub(" __jinja__ ", raw_code)
    text = _COMMENT.sub(" ", text)
    file_reads = [f"{m.group(1)}(...)" for m in _FILE_READ.finditer(_STRING.sub("''", text))]
    text = _STRING.sub("''", text)
    found: list[str] = []
    for match in _RELATION.finditer(text):
        if _inside_function_call(text, match.start()):
            continue  # extract(year from table.column), trim(both from x.y), ...
        found.append(re.sub(r"\s+", "", match.group(2)))
    return found + file_reads


def _inside_function_call(text: str, position: int) -> bool:
    depth = 0
    for index in range(position - 1, -1, -1):
        char = text[index]
        if char == ")":
            depth += 1
        elif char == "(":
            if depth == 0:
                before = re.search(r"([a-z_][a-z0-9_]*)?\s*$", text[:index], re.IGNORECASE)
                word = (before.group(1) or "") if before else ""
                return word.lower() not in _SUBQUERY_OPENERS
            depth -= 1
    return False


@rule("hard-coded-relation", "no model reads a table by a hard-coded name")
def _hard_coded_relation(project: Project) -> Iterator[Finding]:
    for uid, node in project.models.items():
        for relation in _hard_coded_relations(node.get("raw_code") or ""):
            yield _finding(
                project,
                "hard-coded-relation",
                uid,
                f"reads {relation} by a hard-coded name, so dbt cannot see the "
                "dependency or move it between targets.",
                "use {{ ref('model') }} for models and {{ source('system', 'table') }} "
                "for raw tables (declare new raw tables in _<system>__sources.yml).",
            )


# ---------------------------------------------------------------------------------------
# naming and folders (STYLE.md "Folders tell the architecture")


@rule("model-folder", "every model lives in a layer folder (and marts in a domain folder)")
def _model_folder(project: Project) -> Iterator[Finding]:
    for uid, node in project.models.items():
        layer = project.layer(node)
        if layer is None:
            yield _finding(
                project,
                "model-folder",
                uid,
                f"model is in {node.get('original_file_path')}, outside the layer folders.",
                "move it under models/staging/<system>/, models/history/, "
                "models/intermediate/<area>/ or models/marts/<domain>/.",
            )
        elif layer == "marts" and project.folder(node) is None:
            yield _finding(
                project,
                "model-folder",
                uid,
                "mart is directly in models/marts/, not in a domain folder.",
                "move it to models/marts/<domain>/ (people, courts, prisons, ...).",
            )


@rule("naming-by-folder", "model names carry their layer's prefix")
def _naming_by_folder(project: Project) -> Iterator[Finding]:
    for uid, node in project.models.items():
        name, layer = node["name"], project.layer(node)
        problem = fix = None
        if layer == "staging":
            system = project.folder(node)
            prefixes = (
                tuple(f"{p}{system}__" for p in STAGING_PREFIXES) if system else STAGING_PREFIXES
            )
            if not name.startswith(prefixes):
                problem = f"staging model name must start with {' or '.join(prefixes)}."
                fix = (
                    f"rename the file to stg_{system}__<table>.sql (or base_{system}__"
                    "<table>.sql for the source-reading half of the pair)."
                    if system
                    else "rename the file to stg_<system>__<table>.sql."
                )
        elif layer == "history":
            if not HISTORY_NAME.match(name):
                problem = (
                    "history model name must be int_<system>__<table>_history "
                    "(or int_<system>__<table>_as_of for its as-of view)."
                )
                fix = (
                    "rename the file after the staging model it historises, e.g. "
                    "stg_nomis__offenders -> int_nomis__offenders_history.sql."
                )
        elif layer == "intermediate":
            if not name.startswith("int_"):
                problem = "intermediate model name must start with int_."
                fix = "rename the file int_<entity>_<verb>.sql (e.g. int_person_pairs_scored)."
        elif layer == "marts" and not name.startswith(MART_PREFIXES):
            problem = "mart name must start with fct_ (events) or dim_ (entities)."
            fix = "rename the file fct_<events>.sql or dim_<entity>.sql."
        if problem and fix:
            yield _finding(project, "naming-by-folder", uid, problem, fix)


# ---------------------------------------------------------------------------------------
# documentation, tests, contracts, freshness (STYLE.md "YAML")


def _described(node: dict[str, Any]) -> bool:
    return bool((node.get("description") or "").strip())


@rule("model-description", "every model is described")
def _model_description(project: Project) -> Iterator[Finding]:
    for uid, node in project.models.items():
        if not _described(node):
            yield _finding(
                project,
                "model-description",
                uid,
                "model has no description.",
                f"describe {node['name']} in the folder's _<folder>__models.yml, grain "
                'first ("One row per ...").',
            )


@rule("source-description", "every source and source table is described")
def _source_description(project: Project) -> Iterator[Finding]:
    reported: set[str] = set()
    for uid, node in project.sources.items():
        source_name = node.get("source_name", "")
        if not (node.get("source_description") or "").strip() and source_name not in reported:
            reported.add(source_name)
            yield _finding(
                project,
                "source-description",
                uid,
                f"source {source_name} has no description.",
                f"add a description to source {source_name} in its _<system>__sources.yml.",
            )
        if not _described(node):
            yield _finding(
                project,
                "source-description",
                uid,
                f"source table {project.name_of(uid)} has no description.",
                "describe the table (grain and primary key) in its _<system>__sources.yml.",
            )


def _column_tests(project: Project, uid: str) -> dict[str, set[str]]:
    tests: dict[str, set[str]] = defaultdict(set)
    for test in project.tests_by_node.get(uid, []):
        meta = test.get("test_metadata") or {}
        column = test.get("column_name") or (meta.get("kwargs") or {}).get("column_name")
        if column:
            tests[column.lower()].add(meta.get("name", ""))
    return tests


@rule("primary-key-test", "every model has a primary-key test")
def _primary_key_test(project: Project) -> Iterator[Finding]:
    for uid, node in project.models.items():
        column_tests = _column_tests(project, uid)
        if any({"unique", "not_null"} <= names for names in column_tests.values()):
            continue
        model_level = {"unique_combination", "unique_combination_of_columns"} | {
            test
            for test, glob in project.accepted_pk_tests
            if fnmatch.fnmatchcase(node["name"], glob)
        }
        tests = project.tests_by_node.get(uid, [])
        if {(t.get("test_metadata") or {}).get("name") for t in tests} & model_level:
            continue
        yield _finding(
            project,
            "primary-key-test",
            uid,
            "model has no primary-key test (unique + not_null on one column, or "
            "unique_combination on the key columns).",
            f"in {node['name']}'s YAML add `data_tests: [unique, not_null]` to its key "
            "column, or a model-level `unique_combination` test with "
            "`arguments: {columns: [...]}` for a composite key.",
        )


@rule("mart-contract", "every mart has an enforced contract")
def _mart_contract(project: Project) -> Iterator[Finding]:
    for uid, node in project.models.items():
        if project.layer(node) != "marts":
            continue
        contract = (node.get("config") or {}).get("contract") or node.get("contract") or {}
        if not contract.get("enforced"):
            yield _finding(
                project,
                "mart-contract",
                uid,
                "mart has no enforced contract.",
                "set `+contract: {enforced: true}` for models/marts in dbt_project.yml (or "
                "`config: {contract: {enforced: true}}` on the model) and give every "
                "column a data_type.",
            )


@rule("mart-column-description", "every mart column is described")
def _mart_column_description(project: Project) -> Iterator[Finding]:
    for uid, node in project.models.items():
        if project.layer(node) != "marts":
            continue
        missing = sorted(
            col.get("name", key)
            for key, col in project.columns(uid).items()
            if not (col.get("description") or "").strip()
        )
        if missing:
            yield _finding(
                project,
                "mart-column-description",
                uid,
                f"mart columns without a description: {', '.join(missing)}.",
                f"describe each column under {node['name']} in the domain's "
                "_<domain>__models.yml (a doc block for text used more than once).",
            )


@rule("source-freshness", "every source table has loaded_at_field and freshness")
def _source_freshness(project: Project) -> Iterator[Finding]:
    for uid, node in project.sources.items():
        config = node.get("config") or {}
        freshness = node.get("freshness") or config.get("freshness") or {}
        has_threshold = any(
            (freshness.get(level) or {}).get("count") for level in ("warn_after", "error_after")
        )
        loaded_at = (
            node.get("loaded_at_field")
            or config.get("loaded_at_field")
            or node.get("loaded_at_query")
            or config.get("loaded_at_query")
        )
        if not (has_threshold and loaded_at):
            yield _finding(
                project,
                "source-freshness",
                uid,
                f"source table {project.name_of(uid)} has no "
                + ("freshness threshold" if not has_threshold else "loaded_at_field")
                + ".",
                "under the source's `config:` set `loaded_at_field: extraction_timestamp` "
                "and `freshness: {warn_after: {count: 2, period: day}, error_after: "
                "{count: 7, period: day}}`.",
            )


# ---------------------------------------------------------------------------------------
# personal data (DESIGN.md section 6)


@rule("personal-data-meta", "personal columns upstream of marts carry meta.personal_data")
def _personal_data_meta(project: Project) -> Iterator[Finding]:
    candidates = list(project.sources) + [
        uid for uid, node in project.models.items() if project.layer(node) != "marts"
    ]
    for uid in candidates:
        unmarked = []
        for key, column in project.columns(uid).items():
            category = personal_data_category(key)
            if category and not project.column_personal_data(column):
                unmarked.append(f"{column.get('name', key)} ({category})")
        if unmarked:
            yield _finding(
                project,
                "personal-data-meta",
                uid,
                f"columns that look personal have no meta.personal_data: "
                f"{', '.join(sorted(unmarked))}.",
                "document each column with `meta: {personal_data: <category>}` (name, "
                "date_of_birth, national_identifier, system_identifier, address), or waive "
                "it in scripts/justice/check_waivers.yml if the name misleads.",
            )


@rule("personal-data-in-mart", "marts hold no personal-data column")
def _personal_data_in_mart(project: Project) -> Iterator[Finding]:
    for uid, node in project.models.items():
        if project.layer(node) != "marts":
            continue
        personal = []
        for key, column in project.columns(uid).items():
            category = project.column_personal_data(column) or personal_data_category(key)
            if category:
                personal.append(f"{column.get('name', key)} ({category})")
        if personal:
            yield _finding(
                project,
                "personal-data-in-mart",
                uid,
                f"mart holds personal-data columns: {', '.join(sorted(personal))}.",
                "drop them: people appear in marts only as person_key, birth_year and "
                "age band (DESIGN.md section 6).",
            )


# ---------------------------------------------------------------------------------------
# exposures


@rule("exposure-reads-non-mart", "exposures depend only on marts")
def _exposure_reads_non_mart(project: Project) -> Iterator[Finding]:
    for uid, exposure in (project.manifest.get("exposures") or {}).items():
        if exposure.get("package_name") not in (None, project.project_name):
            continue
        parents = list((exposure.get("depends_on") or {}).get("nodes") or [])
        bad = [project.name_of(p) for p in parents if not project.is_mart(p)]
        if bad:
            yield _finding(
                project,
                "exposure-reads-non-mart",
                uid,
                f"exposure depends on {', '.join(sorted(bad))}, which "
                + ("is not a mart." if len(bad) == 1 else "are not marts."),
                "publish from marts only: add the figures to a fct_/dim_ model under "
                "models/marts/<domain>/ and depend on that with ref().",
            )


# ---------------------------------------------------------------------------------------
# waivers and the report


@dataclass(frozen=True)
class Waiver:
    rule: str
    node: str  # a node name or glob: stg_quarantine, base_*, nomis.offenders
    reason: str

    def matches(self, finding: Finding) -> bool:
        return fnmatch.fnmatchcase(finding.rule, self.rule) and (
            fnmatch.fnmatchcase(finding.name, self.node)
            or fnmatch.fnmatchcase(finding.node, self.node)
        )


@dataclass(frozen=True)
class Waivers:
    waivers: tuple[Waiver, ...] = ()
    accepted_pk_tests: tuple[tuple[str, str], ...] = ()  # (test name, node-name glob)

    @classmethod
    def load(cls, path: Path | None) -> Waivers:
        if path is None or not path.exists():
            return cls()
        try:
            data = yaml.safe_load(path.read_text()) or {}
        except yaml.YAMLError as error:
            raise JusticeError(f"{path} is not valid YAML: {error}") from None
        waivers, tests = [], []
        for index, entry in enumerate(data.get("waivers") or [], start=1):
            if not isinstance(entry, dict):
                raise JusticeError(f"{path}: waiver {index} must be a mapping.")
            missing = [
                key for key in ("rule", "node", "reason") if not str(entry.get(key) or "").strip()
            ]
            if missing:
                raise JusticeError(
                    f"{path}: waiver {index} ({entry.get('rule')}, {entry.get('node')}) lacks "
                    f"{', '.join(missing)}; every waiver names a rule, a node and the reason."
                )
            if not any(fnmatch.fnmatchcase(rule_id, entry["rule"]) for rule_id in RULES):
                raise JusticeError(
                    f"{path}: waiver {index} names unknown rule {entry['rule']!r}; "
                    f"rules: {', '.join(sorted(RULES))}."
                )
            waivers.append(Waiver(str(entry["rule"]), str(entry["node"]), str(entry["reason"])))
        for index, entry in enumerate(data.get("accepted_primary_key_tests") or [], start=1):
            if not isinstance(entry, dict) or not all(
                str(entry.get(key) or "").strip() for key in ("test", "nodes", "reason")
            ):
                raise JusticeError(
                    f"{path}: accepted_primary_key_tests entry {index} needs `test`, "
                    "`nodes` (a model-name glob) and `reason`."
                )
            tests.append((str(entry["test"]), str(entry["nodes"])))
        return cls(tuple(waivers), tuple(tests))


@dataclass
class Report:
    findings: list[Finding]
    waived: list[tuple[Finding, Waiver]]
    rules_run: list[str]

    @property
    def ok(self) -> bool:
        return not self.findings

    def render(self) -> str:
        lines = [finding.render() for finding in self.findings]
        by_rule = defaultdict(int)
        for finding in self.findings:
            by_rule[finding.rule] += 1
        summary = (
            f"justice check: {len(self.findings)} finding(s), {len(self.waived)} waived, "
            f"{len(self.rules_run)} rules"
        )
        if by_rule:
            summary += " (" + ", ".join(f"{r}: {n}" for r, n in sorted(by_rule.items())) + ")"
        return "\n".join([*lines, summary])


def run_checks(
    manifest: dict[str, Any],
    catalog: dict[str, Any] | None = None,
    waivers: Waivers | None = None,
    rules: Iterable[str] | None = None,
) -> Report:
    """Run the rules (all by default) on a manifest; apply the waivers."""
    waivers = waivers or Waivers()
    project = Project(manifest, catalog, accepted_pk_tests=waivers.accepted_pk_tests)
    selected = list(rules) if rules is not None else list(RULES)
    unknown = [r for r in selected if r not in RULES]
    if unknown:
        raise JusticeError(f"unknown rule(s) {', '.join(unknown)}; rules: {', '.join(RULES)}.")
    raw = [finding for rule_id in selected for finding in RULES[rule_id].function(project)]
    findings, waived, used = [], [], set()
    for finding in raw:
        waiver = next((w for w in waivers.waivers if w.matches(finding)), None)
        if waiver is None:
            findings.append(finding)
        else:
            waived.append((finding, waiver))
            used.add(waiver)
    if rules is None:
        for waiver in waivers.waivers:
            if waiver not in used:
                findings.append(
                    Finding(
                        "waiver-unused",
                        f"waiver.{waiver.rule}.{waiver.node}",
                        f"waiver for rule {waiver.rule} on {waiver.node} matches no finding.",
                        "delete it from scripts/justice/check_waivers.yml: the exception "
                        "it allowed is gone.",
                        "scripts/justice/check_waivers.yml",
                    )
                )
    return Report(findings, waived, selected)


# ---------------------------------------------------------------------------------------
# the command


def parse_project(settings: Settings) -> Path:
    """Run `dbt parse` (no warehouse or lake needed) and return the manifest path."""
    from justice.dbt_runner import dbt_executable

    completed = subprocess.run(
        [dbt_executable(), "parse", "--quiet"],
        cwd=PROJECT_ROOT,
        env=settings.dbt_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    manifest = settings.target_path / "manifest.json"
    if completed.returncode != 0 or not manifest.exists():
        output = (completed.stdout + completed.stderr).strip()
        raise JusticeError(f"`dbt parse` failed, so there is nothing to check:\n{output}")
    return manifest


def load_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise JusticeError(f"{path} not found: run `dbt parse` (or `justice check`).") from None
    except json.JSONDecodeError as error:
        raise JusticeError(f"{path} is not valid JSON: {error}") from None


def check_project(
    settings: Settings,
    manifest_path: Path | None = None,
    catalog_path: Path | None = None,
    waivers_path: Path | None = WAIVERS_PATH,
    rules: Iterable[str] | None = None,
) -> Report:
    manifest_path = manifest_path or parse_project(settings)
    if catalog_path is None:
        default_catalog = settings.target_path / "catalog.json"
        catalog_path = default_catalog if default_catalog.exists() else None
    catalog = load_json(catalog_path) if catalog_path else None
    return run_checks(load_json(manifest_path), catalog, Waivers.load(waivers_path), rules)


def command(
    manifest: Annotated[
        Path | None,
        typer.Option(help="Check this manifest.json instead of running `dbt parse`."),
    ] = None,
    catalog: Annotated[
        Path | None,
        typer.Option(
            help="catalog.json with built columns (default: target/catalog.json when it exists)."
        ),
    ] = None,
    waivers: Annotated[Path, typer.Option(help="The reviewed waivers file.")] = WAIVERS_PATH,
    rule_ids: Annotated[
        list[str] | None, typer.Option("--rule", help="Run only this rule (repeatable).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print findings as JSON.")] = False,
    list_rules: Annotated[bool, typer.Option("--list", help="List the rules and exit.")] = False,
    data: Annotated[
        bool,
        typer.Option(
            "--data",
            help="Also scan the built marts for upstream personal-data values (justice pii-scan).",
        ),
    ] = False,
) -> None:
    """Check the project against the layer, naming, documentation, test and personal-data
    rules (DESIGN.md, STYLE.md); exit 1 when anything is found."""
    if list_rules:
        for item in RULES.values():
            typer.echo(f"{item.id:40} {item.summary}")
        return
    settings = Settings.from_env()
    if manifest is None:
        typer.echo("justice check: dbt parse ...", err=True)
    report = check_project(settings, manifest, catalog, waivers, rule_ids or None)
    if as_json:
        typer.echo(json.dumps([f.as_dict() for f in report.findings], indent=2))
    else:
        typer.echo(report.render())
    scanned_ok = True
    if data:
        from justice.pii_scan import scan

        typer.echo("justice check: scanning the built marts for personal data ...", err=True)
        scanned = scan(settings)
        typer.echo(scanned.render())
        scanned_ok = scanned.ok
    if not report.ok or not scanned_ok:
        raise typer.Exit(1)
