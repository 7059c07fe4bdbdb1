"""Each `justice check` rule fires on a small broken project, and only that rule.

The projects are synthetic manifest.json dicts (the shape dbt writes), so these tests do
not depend on which models the real project has and run in milliseconds. A clean project
in the style of DESIGN.md (source -> base/stg pair -> history -> intermediate -> marts ->
exposure) gives no finding; each case breaks one thing in it.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from justice.cli import app
from justice.quality import check
from justice.quality.check import RULES, Waivers, run_checks
from justice.quality.rules.personal_data import personal_data_category
from justice.quality.rules.relations import hard_coded_relations

Manifest = dict[str, Any]
PROJECT = "justice"


def _columns(*specs: tuple[str, str] | tuple[str, str, str]) -> dict[str, Any]:
    columns = {}
    for spec in specs:
        name, description = spec[0], spec[1]
        meta = {"personal_data": spec[2]} if len(spec) > 2 else {}
        columns[name] = {"name": name, "description": description, "meta": meta}
    return columns


def _model(
    name: str,
    folder: str,
    parents: list[str],
    columns: dict[str, Any] | None = None,
    *,
    contract: bool = False,
    raw_code: str | None = None,
) -> dict[str, Any]:
    refs = " ".join(f"{{{{ ref('{p.split('.')[-1]}') }}}}" for p in parents)
    return {
        "unique_id": f"model.{PROJECT}.{name}",
        "resource_type": "model",
        "package_name": PROJECT,
        "name": name,
        "original_file_path": f"models/{folder}/{name}.sql",
        "description": f"One row per {name}.",
        "columns": columns or _columns(("id", "The key.")),
        "config": {"contract": {"enforced": contract}, "meta": {}},
        "depends_on": {"nodes": list(parents), "macros": []},
        "raw_code": raw_code or f"with imported as (select * from {refs})\nselect * from imported",
    }


def _source(table: str, columns: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "unique_id": f"source.{PROJECT}.nomis.{table}",
        "resource_type": "source",
        "package_name": PROJECT,
        "source_name": "nomis",
        "name": table,
        "original_file_path": "models/staging/nomis/_nomis__sources.yml",
        "source_description": "NOMIS, the prison system.",
        "description": f"One row per {table} change.",
        "columns": columns or _columns(("id", "The key.")),
        "loaded_at_field": "extraction_timestamp",
        "freshness": {"warn_after": {"count": 2, "period": "day"}, "error_after": {}},
        "config": {},
    }


def _pk_tests(model_id: str, column: str = "id") -> dict[str, Any]:
    tests = {}
    for test in ("unique", "not_null"):
        uid = f"test.{PROJECT}.{test}_{model_id.split('.')[-1]}_{column}"
        tests[uid] = {
            "unique_id": uid,
            "resource_type": "test",
            "package_name": PROJECT,
            "test_metadata": {"name": test, "kwargs": {"column_name": column}},
            "column_name": column,
            "attached_node": model_id,
            "depends_on": {"nodes": [model_id]},
        }
    return tests


def add_model(manifest: Manifest, model: dict[str, Any], *, tested: bool = True) -> str:
    manifest["nodes"][model["unique_id"]] = model
    if tested:
        manifest["nodes"].update(_pk_tests(model["unique_id"]))
    return model["unique_id"]


def finish(manifest: Manifest) -> Manifest:
    """Derive parent_map and child_map from depends_on, as dbt does."""
    parent_map: dict[str, list[str]] = {}
    child_map: dict[str, list[str]] = {uid: [] for uid in manifest["sources"]}
    for uid, node in [*manifest["nodes"].items(), *manifest["exposures"].items()]:
        parents = list(node.get("depends_on", {}).get("nodes", []))
        parent_map[uid] = parents
        child_map.setdefault(uid, [])
        for parent in parents:
            child_map.setdefault(parent, []).append(uid)
    manifest["parent_map"], manifest["child_map"] = parent_map, child_map
    return manifest


def m(name: str) -> str:
    return f"model.{PROJECT}.{name}"


def clean_manifest() -> Manifest:
    manifest: Manifest = {
        "metadata": {"project_name": PROJECT},
        "nodes": {},
        "sources": {},
        "exposures": {},
    }
    person_columns = _columns(
        ("id", "The key."),
        ("first_name", "Forename.", "name"),
        ("birth_date", "Date of birth.", "date_of_birth"),
    )
    source = _source("offenders", person_columns)
    manifest["sources"][source["unique_id"]] = source
    add_model(
        manifest,
        _model(
            "base_nomis__offenders",
            "staging/nomis/base",
            [source["unique_id"]],
            person_columns,
            raw_code="with source as (select * from {{ source('nomis', 'offenders') }})\n"
            "select * from source",
        ),
    )
    add_model(
        manifest,
        _model(
            "stg_nomis__offenders", "staging/nomis", [m("base_nomis__offenders")], person_columns
        ),
    )
    add_model(
        manifest,
        _model(
            "int_nomis__offenders_history",
            "history/nomis",
            [m("stg_nomis__offenders")],
            person_columns,
        ),
    )
    add_model(
        manifest,
        _model(
            "int_person_records",
            "intermediate/linkage",
            [m("int_nomis__offenders_history")],
            person_columns,
        ),
    )
    add_model(
        manifest,
        _model(
            "int_custody_episodes_derived",
            "intermediate/prisons",
            [m("int_nomis__offenders_history")],
        ),
    )
    mart_columns = _columns(
        ("id", "The key."), ("person_key", "Pseudonymous person."), ("birth_year", "Year of birth.")
    )
    add_model(
        manifest,
        _model(
            "dim_person", "marts/people", [m("int_person_records")], mart_columns, contract=True
        ),
    )
    add_model(
        manifest,
        _model(
            "fct_custody_episodes",
            "marts/prisons",
            [m("int_custody_episodes_derived"), m("dim_person")],
            mart_columns,
            contract=True,
        ),
    )
    manifest["exposures"][f"exposure.{PROJECT}.prison_population"] = {
        "unique_id": f"exposure.{PROJECT}.prison_population",
        "resource_type": "exposure",
        "package_name": PROJECT,
        "name": "prison_population",
        "original_file_path": "models/marts/prisons/_prisons__exposures.yml",
        "depends_on": {"nodes": [m("fct_custody_episodes")]},
    }
    return finish(manifest)


def rules_found(manifest: Manifest, **kwargs: Any) -> set[str]:
    return {finding.rule for finding in run_checks(manifest, **kwargs).findings}


def test_clean_project_has_no_findings() -> None:
    report = run_checks(clean_manifest())
    assert report.findings == [], report.render()


# ---------------------------------------------------------------------------------------
# one broken project per rule


def _source_read_by_intermediate(mf: Manifest) -> None:
    mf["nodes"][m("int_person_records")]["depends_on"]["nodes"].append(
        f"source.{PROJECT}.nomis.offenders"
    )


def _unread_source_table(mf: Manifest) -> None:
    source = _source("offender_bookings")
    mf["sources"][source["unique_id"]] = source


def _source_read_twice(mf: Manifest) -> None:
    add_model(
        mf,
        _model(
            "stg_nomis__offenders_again", "staging/nomis", [f"source.{PROJECT}.nomis.offenders"]
        ),
    )


def _base_without_stg(mf: Manifest) -> None:
    source = _source("offender_bookings")
    mf["sources"][source["unique_id"]] = source
    add_model(
        mf, _model("base_nomis__offender_bookings", "staging/nomis/base", [source["unique_id"]])
    )


def _staging_reads_intermediate(mf: Manifest) -> None:
    mf["nodes"][m("stg_nomis__offenders")]["depends_on"]["nodes"].append(
        m("int_custody_episodes_derived")
    )


def _mart_reads_staging(mf: Manifest) -> None:
    mf["nodes"][m("dim_person")]["depends_on"]["nodes"].append(m("stg_nomis__offenders"))


def _mart_reads_other_domain_intermediate(mf: Manifest) -> None:
    mf["nodes"][m("dim_person")]["depends_on"]["nodes"].append(m("int_custody_episodes_derived"))


def _intermediate_reads_mart(mf: Manifest) -> None:
    mf["nodes"][m("int_custody_episodes_derived")]["depends_on"]["nodes"].append(m("dim_person"))


def _hard_coded_table(mf: Manifest) -> None:
    mf["nodes"][m("int_person_records")]["raw_code"] = (
        "with history as (select * from {{ ref('int_nomis__offenders_history') }}),\n"
        "bookings as (select * from staging.stg_nomis__offender_bookings)\n"
        "select * from history"
    )


def _hard_coded_file(mf: Manifest) -> None:
    mf["nodes"][m("int_person_records")]["raw_code"] = (
        "with raw as (select * from read_parquet('data/lake/raw/nomis/offenders/*/*'))\n"
        "select * from raw"
    )


def _model_outside_layers(mf: Manifest) -> None:
    add_model(mf, _model("int_helpers", "utilities", [m("int_person_records")]))


def _mart_outside_domain(mf: Manifest) -> None:
    add_model(mf, _model("fct_loose", "marts", [m("dim_person")], contract=True))


def _intermediate_without_prefix(mf: Manifest) -> None:
    mf["nodes"][m("int_person_records")]["name"] = "person_records"


def _mart_without_prefix(mf: Manifest) -> None:
    mf["nodes"][m("dim_person")]["name"] = "people"


def _history_badly_named(mf: Manifest) -> None:
    mf["nodes"][m("int_nomis__offenders_history")]["name"] = "int_offenders_scd2"


def _staging_of_other_system(mf: Manifest) -> None:
    source = _source("offender_bookings")
    mf["sources"][source["unique_id"]] = source
    add_model(mf, _model("stg_delius__offender_bookings", "staging/nomis", [source["unique_id"]]))


def _model_undescribed(mf: Manifest) -> None:
    mf["nodes"][m("int_custody_episodes_derived")]["description"] = " "


def _source_table_undescribed(mf: Manifest) -> None:
    mf["sources"][f"source.{PROJECT}.nomis.offenders"]["description"] = ""


def _source_undescribed(mf: Manifest) -> None:
    mf["sources"][f"source.{PROJECT}.nomis.offenders"]["source_description"] = ""


def _model_without_pk_test(mf: Manifest) -> None:
    for uid in [u for u, n in mf["nodes"].items() if n.get("attached_node") == m("dim_person")]:
        del mf["nodes"][uid]


def _pk_tests_on_different_columns(mf: Manifest) -> None:
    _model_without_pk_test(mf)
    tests = _pk_tests(m("dim_person"), "id") | _pk_tests(m("dim_person"), "person_key")
    mf["nodes"].update({u: t for u, t in tests.items() if ("unique_" in u) == ("_id" in u)})


def _mart_without_contract(mf: Manifest) -> None:
    mf["nodes"][m("fct_custody_episodes")]["config"]["contract"]["enforced"] = False


def _mart_column_undescribed(mf: Manifest) -> None:
    mf["nodes"][m("dim_person")]["columns"]["birth_year"]["description"] = ""


def _source_without_freshness(mf: Manifest) -> None:
    mf["sources"][f"source.{PROJECT}.nomis.offenders"]["freshness"] = {
        "warn_after": {"count": None, "period": None},
        "error_after": {},
    }


def _source_without_loaded_at(mf: Manifest) -> None:
    mf["sources"][f"source.{PROJECT}.nomis.offenders"]["loaded_at_field"] = None


def _personal_column_unmarked(mf: Manifest) -> None:
    mf["nodes"][m("int_nomis__offenders_history")]["columns"]["first_name"] = {
        "name": "first_name",
        "description": "Forename.",
        "meta": {},
    }


def _personal_source_column_unmarked(mf: Manifest) -> None:
    columns = mf["sources"][f"source.{PROJECT}.nomis.offenders"]["columns"]
    columns["pnc_number"] = {"name": "pnc_number", "description": "PNC.", "meta": {}}


def _mart_with_personal_column(mf: Manifest) -> None:
    mf["nodes"][m("dim_person")]["columns"]["postcode"] = {
        "name": "postcode",
        "description": "Home postcode.",
        "meta": {},
    }


def _mart_with_marked_column(mf: Manifest) -> None:
    mf["nodes"][m("dim_person")]["columns"]["home_town"] = {
        "name": "home_town",
        "description": "Town.",
        "meta": {"personal_data": "address"},
    }


def _exposure_reads_intermediate(mf: Manifest) -> None:
    exposure = mf["exposures"][f"exposure.{PROJECT}.prison_population"]
    exposure["depends_on"]["nodes"].append(m("int_custody_episodes_derived"))


BROKEN: list[tuple[str, Callable[[Manifest], None]]] = [
    ("source-outside-staging", _source_read_by_intermediate),
    ("source-staging-count", _unread_source_table),
    ("source-staging-count", _source_read_twice),
    ("staging-pair", _base_without_stg),
    ("staging-reads-model", _staging_reads_intermediate),
    ("mart-reads-staging", _mart_reads_staging),
    ("mart-reads-other-domain-intermediate", _mart_reads_other_domain_intermediate),
    ("reads-later-layer", _intermediate_reads_mart),
    ("hard-coded-relation", _hard_coded_table),
    ("hard-coded-relation", _hard_coded_file),
    ("model-folder", _model_outside_layers),
    ("model-folder", _mart_outside_domain),
    ("naming-by-folder", _intermediate_without_prefix),
    ("naming-by-folder", _mart_without_prefix),
    ("naming-by-folder", _history_badly_named),
    ("naming-by-folder", _staging_of_other_system),
    ("model-description", _model_undescribed),
    ("source-description", _source_table_undescribed),
    ("source-description", _source_undescribed),
    ("primary-key-test", _model_without_pk_test),
    ("primary-key-test", _pk_tests_on_different_columns),
    ("mart-contract", _mart_without_contract),
    ("mart-column-description", _mart_column_undescribed),
    ("source-freshness", _source_without_freshness),
    ("source-freshness", _source_without_loaded_at),
    ("personal-data-meta", _personal_column_unmarked),
    ("personal-data-meta", _personal_source_column_unmarked),
    ("personal-data-in-mart", _mart_with_personal_column),
    ("personal-data-in-mart", _mart_with_marked_column),
    ("exposure-reads-non-mart", _exposure_reads_intermediate),
]


@pytest.mark.parametrize(
    ("rule_id", "breakage"), BROKEN, ids=[f"{r}:{b.__name__.strip('_')}" for r, b in BROKEN]
)
def test_rule_fires_alone(rule_id: str, breakage: Callable[[Manifest], None]) -> None:
    manifest = copy.deepcopy(clean_manifest())
    breakage(manifest)
    report = run_checks(finish(manifest))
    assert {f.rule for f in report.findings} == {rule_id}, report.render()
    for finding in report.findings:
        assert finding.message and finding.fix, finding
        assert rule_id in finding.render() and finding.name in finding.render()


def test_every_rule_has_a_breaking_case() -> None:
    assert {rule_id for rule_id, _ in BROKEN} == set(RULES)


def test_catalog_columns_count_for_marts_and_personal_data() -> None:
    """Columns the built relation has but the YAML does not document still count."""
    catalog = {
        "nodes": {
            m("dim_person"): {"columns": {"EXTRA": {"name": "EXTRA", "type": "INTEGER"}}},
            m("int_person_records"): {"columns": {"surname": {"name": "surname"}}},
        },
        "sources": {},
    }
    assert rules_found(clean_manifest(), catalog=catalog) == {
        "mart-column-description",
        "personal-data-meta",
    }


# ---------------------------------------------------------------------------------------
# waivers


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_waiver_silences_its_rule_on_its_node(tmp_path: Path) -> None:
    manifest = clean_manifest()
    _model_undescribed(manifest)
    waivers = Waivers.load(
        _write(
            tmp_path / "w.yml",
            (
                "waivers:\n"
                "  - rule: model-description\n"
                "    node: int_custody_*\n"
                "    reason: described in the domain docs\n"
            ),
        )
    )
    report = run_checks(manifest, waivers=waivers)
    assert report.findings == [] and len(report.waived) == 1


def test_unused_waiver_is_a_finding(tmp_path: Path) -> None:
    waivers = Waivers.load(
        _write(
            tmp_path / "w.yml",
            (
                "waivers:\n"
                "  - rule: model-description\n"
                "    node: int_gone\n"
                "    reason: the model was removed\n"
            ),
        )
    )
    assert rules_found(clean_manifest(), waivers=waivers) == {"waiver-unused"}


@pytest.mark.parametrize(
    "entry",
    [
        "  - rule: model-description\n    node: int_x\n",  # no reason
        "  - rule: no-such-rule\n    node: int_x\n    reason: because\n",
    ],
)
def test_invalid_waivers_are_refused(tmp_path: Path, entry: str) -> None:
    with pytest.raises(check.JusticeError):
        Waivers.load(_write(tmp_path / "w.yml", "waivers:\n" + entry))


def test_accepted_primary_key_test_applies_only_to_its_nodes(tmp_path: Path) -> None:
    manifest = clean_manifest()
    for name in ("dim_person", "stg_nomis__offenders"):
        for uid in [u for u, n in manifest["nodes"].items() if n.get("attached_node") == m(name)]:
            del manifest["nodes"][uid]
        uid = f"test.{PROJECT}.no_exact_duplicates_{name}"
        manifest["nodes"][uid] = {
            "unique_id": uid,
            "resource_type": "test",
            "package_name": PROJECT,
            "test_metadata": {"name": "no_exact_duplicates", "kwargs": {}},
            "attached_node": m(name),
            "depends_on": {"nodes": [m(name)]},
        }
    waivers = Waivers.load(
        _write(
            tmp_path / "w.yml",
            (
                "accepted_primary_key_tests:\n"
                "  - test: no_exact_duplicates\n    nodes: stg_*\n    reason: CDC grain\n"
            ),
        )
    )
    findings = run_checks(manifest, waivers=waivers).findings
    assert [(f.rule, f.name) for f in findings] == [("primary-key-test", "dim_person")]


def test_project_waivers_file_is_valid() -> None:
    waivers = Waivers.load(check.WAIVERS_PATH)
    assert all(w.reason.strip() for w in waivers.waivers)


# ---------------------------------------------------------------------------------------
# the detectors behind the rules


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("select * from raw_nomis.offenders", ["raw_nomis.offenders"]),
        ('select * from "justice"."staging"."stg_x" as x', ['"justice"."staging"."stg_x"']),
        (
            "select a.x from {{ ref('a') }} as a\nleft join marts.dim_person as p on 1=1",
            ["marts.dim_person"],
        ),
        ("select extract(year from episodes.started_at) from episodes", []),
        ("select trim(both ' ' from people.name) from people", []),
        ("select * from {{ ref('a') }} -- from old.table\n", []),
        ("select 'from staging.x' as note from {{ source('s', 't') }}", []),
        ("select * from (select * from raw.t) as sub", ["raw.t"]),
        ("select * from x where id in (select id from raw.t)", ["raw.t"]),
        ("select * from unnest(defendants.offences) as offence", []),
        ("{# from staging.x #} select * from cte", []),
        ("select * from read_csv('x.csv')", ["read_csv(...)"]),
    ],
)
def test_hard_coded_relations(sql: str, expected: list[str]) -> None:
    assert hard_coded_relations(sql) == expected


@pytest.mark.parametrize(
    ("column", "category"),
    [
        ("first_name", "name"),
        ("surname", "name"),
        ("full_name", "name"),
        ("second_name", "name"),
        ("forename_std", "name"),
        ("birth_date", "date_of_birth"),
        ("dob", "date_of_birth"),
        ("date_of_birth_date", "date_of_birth"),
        ("pnc_number", "national_identifier"),
        ("pnc", "national_identifier"),
        ("cro_number", "national_identifier"),
        ("crn", "system_identifier"),
        ("noms_number", "system_identifier"),
        ("prison_number", "system_identifier"),
        ("offender_id_display", "system_identifier"),
        ("postcode", "address"),
        ("address_postcode", "address"),
        ("person_key", None),
        ("birth_year", None),
        ("age_band", None),
        ("court_name", None),
        ("code_description", None),
        ("is_birth_date_unreadable", None),
        ("crown_court_code", None),
        ("process_date", None),
        ("micro_id", None),
    ],
)
def test_personal_data_heuristics(column: str, category: str | None) -> None:
    assert personal_data_category(column) == category


# ---------------------------------------------------------------------------------------
# the command


def test_command_reports_rule_node_and_fix_and_exits_1(tmp_path: Path) -> None:
    manifest = clean_manifest()
    _mart_without_contract(manifest)
    path = _write(tmp_path / "manifest.json", json.dumps(manifest))
    empty = _write(tmp_path / "w.yml", "waivers: []\n")
    result = CliRunner().invoke(app, ["check", "--manifest", str(path), "--waivers", str(empty)])
    assert result.exit_code == 1
    assert "fct_custody_episodes [mart-contract]" in result.output
    assert "fix: set `+contract: {enforced: true}`" in result.output


def test_command_passes_on_clean_project(tmp_path: Path) -> None:
    path = _write(tmp_path / "manifest.json", json.dumps(clean_manifest()))
    empty = _write(tmp_path / "w.yml", "waivers: []\n")
    result = CliRunner().invoke(
        app, ["check", "--manifest", str(path), "--waivers", str(empty), "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == []
