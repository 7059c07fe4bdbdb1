"""Documentation, tests, contracts and freshness (STYLE.md "YAML")."""

from __future__ import annotations

import fnmatch
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from justice.quality.rules.project import Finding, Project, finding, rule


def _described(node: dict[str, Any]) -> bool:
    return bool((node.get("description") or "").strip())


@rule("model-description", "every model is described")
def _model_description(project: Project) -> Iterator[Finding]:
    for uid, node in project.models.items():
        if not _described(node):
            yield finding(
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
            yield finding(
                project,
                "source-description",
                uid,
                f"source {source_name} has no description.",
                f"add a description to source {source_name} in its _<system>__sources.yml.",
            )
        if not _described(node):
            yield finding(
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
        yield finding(
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
            yield finding(
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
            yield finding(
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
            yield finding(
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
