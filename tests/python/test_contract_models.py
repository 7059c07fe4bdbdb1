"""The lake contract (justice.lake.contract) is the one description of the raw lake that
everything follows (issue 10): the dbt sources YAML is rendered from it, stg_quarantine
unions every table it lists, and every table has its staging, history and as-of models.
None of these tests needs a lake or a warehouse.
"""

from __future__ import annotations

import re

import pytest
import yaml

from justice.console import PROJECT_ROOT
from justice.lake import contract as lake_schema
from justice.lake import sources_yaml

MODELS = PROJECT_ROOT / "models"
CONTRACT_TABLES = {(t.system, t.name): t for t in lake_schema.TABLES}


def _sources(system: str) -> dict:
    return yaml.safe_load(sources_yaml.sources_path(system).read_text())["sources"][0]


@pytest.mark.parametrize("system", lake_schema.SYSTEMS)
def test_sources_yaml_is_the_rendered_contract(system: str) -> None:
    path = sources_yaml.sources_path(system)
    assert path.read_text() == sources_yaml.render(system), (
        f"{path.relative_to(PROJECT_ROOT)} differs from the lake contract: run "
        "`.venv/bin/python -m justice.lake.sources_yaml` after changing "
        "scripts/justice/lake/contract.py"
    )


@pytest.mark.parametrize("system", lake_schema.SYSTEMS)
def test_sources_yaml_tables_and_columns_are_the_contracts(system: str) -> None:
    source = _sources(system)
    declared = {t["name"]: [c["name"] for c in t.get("columns", [])] for t in source["tables"]}
    expected = {t.name: t.column_names for t in lake_schema.TABLES if t.system == system}
    assert declared == expected


def test_every_system_and_table_in_the_contract_is_a_source() -> None:
    systems = {path.parent.name for path in MODELS.glob("staging/*/_*__sources.yml")}
    assert systems == set(lake_schema.SYSTEMS)
    assert set(lake_schema.SYSTEM_DESCRIPTIONS) == set(lake_schema.SYSTEMS)
    assert {t.system for t in lake_schema.TABLES} == set(lake_schema.SYSTEMS)


def test_every_contract_column_is_described() -> None:
    undescribed = [
        f"{t.system}.{t.name}.{c.name}"
        for t in lake_schema.TABLES
        for c in t.columns
        if not lake_schema.description(c).strip()
    ]
    assert not undescribed


def test_quarantine_unions_every_contract_table() -> None:
    sql = (MODELS / "staging" / "stg_quarantine.sql").read_text()
    listed = re.findall(r"\(\s*'(\w+)'\s*,\s*'(\w+)'\s*\)", sql)
    assert len(listed) == len(set(listed)), "a table is listed twice in stg_quarantine.sql"
    assert set(listed) == set(CONTRACT_TABLES), (
        "stg_quarantine.sql must list exactly the lake contract's tables; "
        f"missing {sorted(set(CONTRACT_TABLES) - set(listed))}, "
        f"not in the contract {sorted(set(listed) - set(CONTRACT_TABLES))}"
    )


@pytest.mark.parametrize("system,name", sorted(CONTRACT_TABLES))
def test_every_contract_table_has_its_models(system: str, name: str) -> None:
    expected = [
        MODELS / "staging" / system / "base" / f"base_{system}__{name}.sql",
        MODELS / "staging" / system / f"stg_{system}__{name}.sql",
        MODELS / "history" / system / f"int_{system}__{name}_history.sql",
        MODELS / "history" / system / f"int_{system}__{name}_as_of.sql",
    ]
    missing = [str(p.relative_to(PROJECT_ROOT)) for p in expected if not p.exists()]
    assert not missing
