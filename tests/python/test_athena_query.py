"""`justice query --target athena`: pyathena, configured from the profile's variables."""

from __future__ import annotations

import pytest
from moto import mock_aws
from typer.testing import CliRunner

from justice.cli import app
from justice.console import JusticeError
from justice.query import AthenaSettings, ensure_read_only
from justice.query import run_athena_query as run_query

REGION = "eu-west-2"
ENV = {
    "JUSTICE_ATHENA_REGION": REGION,
    "JUSTICE_ATHENA_S3_STAGING_DIR": "s3://justice-query-results/",
    "JUSTICE_ATHENA_S3_DATA_DIR": "s3://justice-data/",
    "JUSTICE_ATHENA_WORKGROUP": "primary",
    "JUSTICE_ATHENA_SCHEMA_PREFIX": "prod",
    "JUSTICE_ATHENA_CATALOG": "awsdatacatalog",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
}


@pytest.fixture
def athena_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in ENV.items():
        monkeypatch.setenv(key, value)


def _queue_result(columns: list[str], rows: list[list[str]]) -> None:
    from moto.athena.models import QueryResults, athena_backends

    backend = athena_backends["123456789012"][REGION]
    header = {"Data": [{"VarCharValue": c} for c in columns]}
    backend.query_results_queue.append(
        QueryResults(
            rows=[header, *({"Data": [{"VarCharValue": v} for v in row]} for row in rows)],
            column_info=[
                {
                    "Name": c,
                    "Label": c,
                    "Type": "varchar",
                    "Precision": 0,
                    "Scale": 0,
                    "Nullable": "UNKNOWN",
                }
                for c in columns
            ],
        )
    )


def test_settings_come_from_the_profile_variables(athena_env: None) -> None:
    settings = AthenaSettings.from_env()
    assert settings.region == REGION
    assert settings.s3_staging_dir == "s3://justice-query-results/"
    assert settings.default_schema == "prod_marts"


def test_missing_staging_dir_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JUSTICE_ATHENA_S3_STAGING_DIR", raising=False)
    with pytest.raises(JusticeError, match="JUSTICE_ATHENA_S3_STAGING_DIR"):
        AthenaSettings.from_env()


@pytest.mark.parametrize("sql", ["drop table marts.dim_person", "insert into t select 1"])
def test_only_read_only_queries_run(sql: str) -> None:
    with pytest.raises(JusticeError, match="read-only"):
        ensure_read_only(sql)


@mock_aws
def test_query_runs_through_pyathena(athena_env: None) -> None:
    _queue_result(["sex", "people"], [["F", "12"], ["M", "30"]])
    columns, rows = run_query("select sex, count(*) as people from dim_person group by sex")
    assert columns == ["sex", "people"]
    assert rows == [("F", "12"), ("M", "30")]


@mock_aws
def test_cli_query_target_athena(athena_env: None) -> None:
    _queue_result(["answer"], [["42"]])
    args = ["query", "--target", "athena", "--csv", "select 42 as answer"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["answer", "42"]


def test_cli_lists_the_gate() -> None:
    result = CliRunner().invoke(app, ["athena-gate", "--help"])
    assert result.exit_code == 0
    assert "Athena" in result.output
