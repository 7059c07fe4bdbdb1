"""The project as `justice check`'s rules see it: the manifest (and optional catalog)
indexed by layer, folder and graph; a `Finding`; and the registry the rules join with
`@rule`."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

LAYERS = ("staging", "history", "intermediate", "marts")
STAGING_PREFIXES = ("stg_", "base_")
MART_PREFIXES = ("fct_", "dim_")
# int_<system>__<table>_history (SCD2), and its as-of view int_<system>__<table>_as_of
# (DESIGN.md section 3: the state of a table as known at var('as_of'))
HISTORY_NAME = re.compile(r"^int_[a-z0-9]+(?:_[a-z0-9]+)*__[a-z0-9_]+_(history|as_of)$")


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


def finding(project: Project, rule_id: str, uid: str, message: str, fix: str) -> Finding:
    node = (
        project.models.get(uid)
        or project.sources.get(uid)
        or (project.manifest.get("exposures") or {}).get(uid)
        or {}
    )
    return Finding(rule_id, uid, message, fix, node.get("original_file_path", ""))
