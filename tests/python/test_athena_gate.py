"""The Athena conformance gate (issue 6): every model, seed, test and macro-generated
statement must run on Athena engine v3 (Trino), proved offline.

One gate run serves all the slow tests: over a copy of the project with a few fixture
nodes added (a seed, an incremental history model, a contracted mart and one deliberately
DuckDB-only model). Everything the project holds must pass; the DuckDB-only model must
fail, named, with its constructs.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from justice.athena.gate import GateReport, run_gate
from justice.athena.sql import check_statement
from justice.console import PROJECT_ROOT

BAD_MODEL = "model.justice.gate_fixture__duckdb_only"

# Nodes added to the copied project. Names are prefixed so they cannot collide with the
# project's own; they cover the materializations the project is growing into.
FIXTURE_FILES: dict[str, str] = {
    "seeds/gate_fixture__disposal_categories.csv": (
        "disposal_code,disposal_category,is_custodial,valid_from_date\n"
        "IMP,custody,true,2020-01-01\n"
        "CO,community,false,2020-01-01\n"
    ),
    # history folder config: incremental, Iceberg, merge, partitioned by is_current
    "models/history/gate_fixture__offenders_history.sql": """
{{ config(unique_key='history_key') }}

with changes as (

    select * from {{ ref('stg_nomis__offenders') }}
    {% if is_incremental() %}
    where extracted_at > (select max(extracted_at) from {{ this }})
    {% endif %}

),

versions as (

    select
        {{ dbt.hash("cast(offender_id as varchar) || '|' || cast(extracted_at as varchar)") }}
            as history_key,
        offender_id,
        first_name,
        extracted_at,
        extracted_at as valid_from,
        lead(extracted_at) over (
            partition by offender_id order by extracted_at
        ) as valid_to,
        lead(extracted_at) over (
            partition by offender_id order by extracted_at
        ) is null as is_current
    from changes

)

select * from versions
""",
    # marts folder config: an Iceberg table; with an enforced contract
    "models/marts/gate_fixture/gate_fixture__disposals.sql": """
with disposals as (

    select * from {{ ref('gate_fixture__disposal_categories') }}

),

counted as (

    select
        disposal_category,
        count(*) as disposal_count
    from disposals
    group by disposal_category

)

select * from counted
""",
    "models/marts/gate_fixture/_gate_fixture__models.yml": """
version: 2

models:
  - name: gate_fixture__disposals
    description: "Fixture: one row per disposal category, with an enforced contract."
    config:
      contract: {enforced: true}
    columns:
      - name: disposal_category
        data_type: varchar
        data_tests: [not_null, unique]
      - name: disposal_count
        data_type: bigint
""",
    # the deliberately non-portable model
    "models/gate_fixture/gate_fixture__duckdb_only.sql": """
-- Deliberately DuckDB-only: the gate must fail naming this model.
select
    offender_id,
    birth_date::varchar as birth_date_text
from {{ ref('stg_nomis__offenders') }}
qualify row_number() over (partition by offender_id order by extracted_at desc) = 1
""",
}


def _copy_project(destination: Path) -> Path:
    ignore = shutil.ignore_patterns(
        ".venv",
        ".git",
        "target",
        "logs",
        "data",
        "dbt_packages",
        "__pycache__",
        "*.egg-info",
        ".pytest_cache",
        ".ruff_cache",
        "*.duckdb*",
    )
    project = destination / "project"
    shutil.copytree(PROJECT_ROOT, project, ignore=ignore)
    for relative, text in FIXTURE_FILES.items():
        path = project / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.lstrip())
    return project


@pytest.fixture(scope="module")
def gate(tmp_path_factory: pytest.TempPathFactory) -> tuple[GateReport, dict]:
    workspace = tmp_path_factory.mktemp("athena_gate")
    project = _copy_project(workspace)
    report = run_gate(project, work_dir=workspace / "target")
    manifest = json.loads((workspace / "target" / "manifest.json").read_text())
    return report, manifest


# --------------------------------------------------------------------------- the gate
def test_every_project_node_passes_the_gate(gate: tuple[GateReport, dict]) -> None:
    report, _ = gate
    others = [f.render() for f in report.failures if f.node != BAD_MODEL]
    assert not others, "not portable to Athena:\n" + "\n".join(others)


def test_gate_fails_naming_the_duckdb_only_model(gate: tuple[GateReport, dict]) -> None:
    report, _ = gate
    assert not report.ok
    constructs = {f.construct for f in report.failures if f.node == BAD_MODEL}
    assert "qualify" in constructs
    assert "'::' cast" in constructs
    assert any(c.startswith("sqlfluff PRS") for c in constructs)
    rendered = report.render()
    assert BAD_MODEL in rendered and "create or replace view" in rendered


def test_gate_runs_every_node_that_exists(gate: tuple[GateReport, dict]) -> None:
    """Nothing is listed by hand: every model, seed and data test in the manifest sent at
    least one statement to (mock) Athena."""
    report, manifest = gate
    expected = {
        unique_id
        for unique_id, node in manifest["nodes"].items()
        if node["resource_type"] in ("model", "seed", "test")
        and node["config"].get("materialized") != "ephemeral"
        and unique_id != BAD_MODEL
    }
    missing = expected - report.nodes
    assert not missing, f"never ran on Athena: {sorted(missing)}"
    models = [n for n in manifest["nodes"].values() if n["resource_type"] == "model"]
    assert report.models_linted == len(models)


def test_gate_exercises_every_materialization(gate: tuple[GateReport, dict]) -> None:
    report, _ = gate

    def statements(node: str) -> list[str]:
        return [" ".join(sql.lower().split()) for n, sql in report.captured if n == node]

    history = statements("model.justice.gate_fixture__offenders_history")
    assert any("table_type='iceberg'" in s and "is_current" in s for s in history)
    assert any(s.startswith("merge into") for s in history), "second run did not merge"
    mart = statements("model.justice.gate_fixture__disposals")
    assert any("table_type='iceberg'" in s for s in mart)
    assert any("where false limit 0" in s for s in mart), "contract was not checked"
    seed = statements("seed.justice.gate_fixture__disposal_categories")
    assert any(s.startswith("create external table") for s in seed)
    assert any("table_type='iceberg'" in s for s in seed), "seeds are not Iceberg tables"
    assert any(
        s.startswith("create or replace view")
        for s in statements("model.justice.stg_nomis__offenders")
    )


def test_personal_data_columns_carry_lake_formation_tags(
    gate: tuple[GateReport, dict],
) -> None:
    report, manifest = gate
    expected = {
        (node["schema"], node["alias"], column["name"]): column["meta"]["personal_data"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["fqn"][1] in ("staging", "intermediate")
        for column in node["columns"].values()
        if column.get("meta", {}).get("personal_data")
    }
    assert expected, "no personal-data columns found in staging"
    tagged = {key: report.lf_column_tags.get(key) for key in expected}
    assert tagged == expected


def test_descriptions_are_persisted_to_glue(gate: tuple[GateReport, dict]) -> None:
    """persist_docs: every model's description, and its columns', are Glue comments (the
    Athena console shows them), and a published mart keeps them through the rename."""
    report, manifest = gate
    mart = manifest["nodes"]["model.justice.gate_fixture__disposals"]
    published = [
        comments
        for (database, table), comments in report.glue_comments.items()
        if table == "gate_fixture__disposals" and database.endswith("_marts")
    ]
    assert published, f"not published: {sorted(report.glue_comments)}"
    description, columns = published[0]
    assert description == mart["description"]
    stg = manifest["nodes"]["model.justice.stg_nomis__offenders"]
    description, columns = report.glue_comments[(stg["schema"], stg["alias"])]
    assert description.startswith(stg["description"][:40])
    expected = {name: column["description"] for name, column in stg["columns"].items()}
    assert all(columns.get(name) for name in expected), columns


# --------------------------------------------------------------------------- the checker
@pytest.mark.parametrize(
    ("sql", "construct"),
    [
        ("select a from t qualify row_number() over (order by a) = 1", "qualify"),
        ("select a::int from t", "'::' cast"),
        ("select a from t where a ilike 'x%'", "ilike"),
        ("select a, count(*) from t group by all", "group by all"),
        ("select * exclude (a) from t", "select * exclude"),
        ("select [x + 1 for x in xs] from t", "list comprehension"),
        ("select list_transform(xs, lambda x: x + 1) from t", "lambda x: ..."),
        ("select list_transform(xs, x -> x + 1) from t", "function list_transform()"),
        ("select struct_pack(a := 1)", "function struct_pack()"),
        ("select {'a': 1}", "{...} struct literal"),
        ("select strptime(a, '%Y') from t", "function strptime()"),
        ("select levenshtein(a, b) from t", "function levenshtein()"),
        ("show partitions db.t", "unparsed statement"),
    ],
)
def test_checker_names_duckdb_only_constructs(sql: str, construct: str) -> None:
    assert construct in {f.construct for f in check_statement(sql)}


@pytest.mark.parametrize(
    "sql",
    [
        "select try(date_parse(trim(x), '%d/%m/%Y')), levenshtein_distance(a, b) from t",
        "select transform(xs, x -> cast(row(x.a) as row(a varchar))) as ys from t",
        "select listagg(a, ',') within group (order by a), count(*) filter (where b) from t",
        "select cast(a as decimal(10, 2)), cast(b as timestamp(6)) from t where c in (1, 2)",
        """create table "db"."t" with (table_type='iceberg',
           partitioning=array['month(valid_from)']) as select 1 as a""",
        "merge into db.t as target using db.s as src on (target.k = src.k) "
        "when matched then update set a = src.a "
        "when not matched then insert (k, a) values (src.k, src.a)",
        "alter table `db`.`t` set tblproperties ('classification' = 'parquet')",
    ],
)
def test_checker_accepts_trino(sql: str) -> None:
    assert check_statement(sql) == []


def test_every_macro_is_documented(gate: tuple[GateReport, dict]) -> None:
    """Every macro is described (in its folder's _<folder>__macros.yml), dispatched
    implementations included."""
    _, manifest = gate
    undocumented = sorted(
        macro["name"]
        for macro in manifest["macros"].values()
        if macro["package_name"] == "justice" and not macro.get("description")
    )
    assert not undocumented, f"add to the _<folder>__macros.yml beside them: {undocumented}"


def test_publication_swaps_back_to_back(gate: tuple[GateReport, dict]) -> None:
    """The second publication (every mart already published once) renames each mart
    aside and the audit table in, all the renames back to back: no check, drop or other
    statement between the first and the last rename (the window in which marts of two
    builds are visible)."""
    report, _ = gate
    statements = [sql.strip().lower() for _, sql in report.captured]
    renames = [i for i, sql in enumerate(statements) if " rename to " in sql]
    assert renames, "no publication renames captured"
    # the last publication: its renames are the last 2 × (number of marts) renames
    last_publication = [i for i in renames if "__previous" in statements[i]]
    first = min(i for i in renames if i >= last_publication[0])
    last = renames[-1]
    between = statements[first : last + 1]
    assert all(" rename to " in sql for sql in between), [
        sql[:80] for sql in between if " rename to " not in sql
    ]
    # (the replaced tables are dropped through the Glue API, not a captured statement)
    assert not any("__previous" in sql and " rename to " not in sql for sql in between)


def test_gate_refuses_partitioning_past_the_athena_limit() -> None:
    """An incremental model partitioned by month(valid_from) (decades of changes: more
    than 100 partitions in one merge) fails the gate, named; is_current and small
    buckets pass; the project's own models pass (the gate run above)."""
    from justice.athena.gate import partition_limit_failures

    def node(partitioned_by: object) -> dict:
        return {
            "resource_type": "model",
            "config": {"materialized": "incremental", "partitioned_by": partitioned_by},
            "columns": {"is_current": {"data_type": None}},
        }

    manifest = {
        "nodes": {
            "model.justice.by_month": node(["month(valid_from)"]),
            "model.justice.by_current": node(["is_current"]),
            "model.justice.by_bucket": node(["is_current", "bucket(50, source_key)"]),
            "model.justice.too_many_buckets": node(["is_current", "bucket(64, source_key)"]),
            "model.justice.unpartitioned": node(None),
        }
    }
    failures = {f.node: f.render() for f in partition_limit_failures(manifest)}
    assert set(failures) == {"model.justice.by_month", "model.justice.too_many_buckets"}
    assert "month(valid_from) is unbounded" in failures["model.justice.by_month"]
