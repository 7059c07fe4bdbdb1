"""The Athena conformance gate: proof, without AWS, that every model, seed, test and
macro-generated statement in the project would run on Athena engine v3 (Trino).

What it does, in order (`run_gate`):

1. `dbt parse --target athena`, with dummy values for every JUSTICE_ATHENA_* variable;
2. every incremental model's partitioning is bounded (`partition_limit_failures`): a merge
   on Athena fails past 100 partitions written in one query, so a model partitioned by
   a time transform (`month(valid_from)`) or any other unbounded column is refused;
3. under moto's `mock_aws`, with the raw Glue databases registered from the lake contract
   (justice.lake.contract) and the AthenaShim capturing and applying every statement:
   `dbt build --target athena` (seeds, models, tests: the first run), then
   `dbt build --resource-type model seed snapshot` again (the second run: incremental
   merges, replaced views and tables);
4. every captured statement checked by justice.athena.sql (sqlglot, athena dialect,
   strictly, plus DuckDB-only constructs and a Trino function allowlist);
5. every compiled model linted by sqlfluff's athena dialect (parse errors, and the
   portability rules in SQLFLUFF_RULES).

`justice athena-gate` (the `command` at the end) runs it and prints the report.

Nothing is listed by hand: whatever models, seeds, tests and macros exist at run time are
what runs. A failure names the node, the statement and the construct.
"""

from __future__ import annotations

import ast
import json
import re
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import typer

from justice import dbt
from justice.athena.mock import ACCOUNT_ID, AthenaShim, Column, describe
from justice.athena.sql import check_statement
from justice.console import PROJECT_ROOT, JusticeError

REGION = "eu-west-2"
# Dummy settings for every variable profiles/profiles.yml reads on the athena target.
GATE_ENV: dict[str, str] = {
    "JUSTICE_ATHENA_REGION": REGION,
    "JUSTICE_ATHENA_S3_STAGING_DIR": "s3://justice-gate-query-results/",
    "JUSTICE_ATHENA_S3_DATA_DIR": "s3://justice-gate-data/",
    "JUSTICE_ATHENA_WORKGROUP": "primary",
    "JUSTICE_ATHENA_SCHEMA_PREFIX": "justice",
    "JUSTICE_ATHENA_CATALOG": "awsdatacatalog",
    "JUSTICE_ATHENA_THREADS": "1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
}
_UNSET = ("AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "JUSTICE_TARGET")

# sqlfluff: parse errors always fail; of its rules, only those about portability run here
# (CV02: coalesce, not ifnull/nvl; CV11: cast(), not '::' or convert()). Style is `justice
# lint`'s business.
SQLFLUFF_RULES = "CV02,CV11"

Progress = Callable[[str], None]


@dataclass(frozen=True)
class GateFailure:
    node: str  # dbt unique_id, or "(project)"
    construct: str  # what is not portable, or which step failed
    detail: str
    statement: str = ""  # the first line of the offending statement

    def render(self) -> str:
        text = f"{self.node}: {self.construct}: {self.detail}"
        return text + (f"\n      in: {self.statement}" if self.statement else "")


@dataclass
class GateReport:
    failures: list[GateFailure] = field(default_factory=list)
    statements: int = 0
    nodes: set[str] = field(default_factory=set)
    models_linted: int = 0
    elapsed: float = 0.0
    statement_kinds: dict[str, int] = field(default_factory=dict)
    captured: list[tuple[str, str]] = field(default_factory=list)  # (node, statement)
    # Lake Formation column tags in place after the runs: (database, table, column) -> value
    lf_column_tags: dict[tuple[str, str, str], str] = field(default_factory=dict)
    # Glue descriptions after the runs (persist_docs): (database, table) -> (table
    # description, {column: comment})
    glue_comments: dict[tuple[str, str], tuple[str, dict[str, str]]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failures

    def failing_nodes(self) -> set[str]:
        return {f.node for f in self.failures}

    def render(self) -> str:
        kinds = ", ".join(f"{n} {k}" for k, n in sorted(self.statement_kinds.items()))
        head = (
            f"athena gate: {self.statements} statements from {len(self.nodes)} nodes "
            f"({kinds}); {self.models_linted} compiled models linted; "
            f"{len(self.failures)} failures in {self.elapsed:.1f}s"
        )
        return "\n".join([head, *("  FAIL " + f.render() for f in self.failures)])


def _publish(
    manifest: dict[str, Any], project_dir: Path, target_path: Path, phase: str
) -> list[GateFailure]:
    """Publish every mart from the audit schema (write-audit-publish: Iceberg renames)."""
    from justice.publish import marts_in_manifest

    names = sorted(mart.name for mart in marts_in_manifest(manifest).values())
    # --no-write-json: keep the build's manifest (with compiled code) for the lint step
    args = [
        "run-operation",
        "publish_marts",
        "--no-write-json",
        "--args",
        json.dumps({"marts": names}),
    ]
    result = _dbt(args, project_dir, target_path)
    failures = _run_failures(result, phase)
    if not result.success and not failures:
        failures.append(GateFailure("(project)", f"dbt {phase}", result.describe_failure()))
    return failures


def _dbt(args: list[str], project_dir: Path, target_path: Path) -> dbt.DbtResult:
    command, rest = args[0], args[1:]
    return dbt.invoke(
        [
            command,
            "--target-path",
            str(target_path),
            "--log-path",
            str(target_path / "logs"),
            "--target",
            "athena",
            "--quiet",
            "--threads",
            "1",
            *rest,
        ],
        project_dir=project_dir,
    )


def _raw_columns(source: dict[str, Any]) -> list[Column]:
    """A source table's columns as the lake contract types them (every source is in the
    contract: tests/python/test_contract_models.py)."""
    from justice.lake import contract as lake_schema
    from justice.lake.check import glue_type as lake_glue_type

    try:
        schema = lake_schema.table(source["source_name"], source["name"]).schema
    except KeyError:
        raise JusticeError(
            f"source {source['source_name']}.{source['name']} is not in the lake contract "
            "(scripts/justice/lake/contract.py): add it there and render the sources YAML "
            "with `python -m justice.lake.sources_yaml`."
        ) from None
    columns = []
    for arrow_field in schema:
        glue_type = lake_glue_type(arrow_field.type)
        columns.append(Column(arrow_field.name, glue_type, glue_type))
    return columns


def _prepare_aws(shim: AthenaShim, manifest: dict[str, Any]) -> None:
    """Buckets, the raw Glue databases the sources point at, the salt relation and the LF
    tags in use."""
    import boto3

    s3 = boto3.client("s3", region_name=REGION)
    for key in ("JUSTICE_ATHENA_S3_STAGING_DIR", "JUSTICE_ATHENA_S3_DATA_DIR"):
        bucket = GATE_ENV[key].removeprefix("s3://").split("/")[0]
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    for source in manifest.get("sources", {}).values():
        shim.register(
            source["schema"],
            source["identifier"],
            _raw_columns(source),
            location=f"s3://justice-gate-raw/{source['source_name']}/{source['name']}/",
            table_type="hive",
            partition_keys=[Column("extraction_date", "string", "varchar")],
        )
    # the person-key salt relation, which the operator creates on Athena (README)
    shim.register(
        f"{GATE_ENV['JUSTICE_ATHENA_SCHEMA_PREFIX']}_private",
        "person_key_salt",
        [Column("salt", "string", "varchar")],
        location="s3://justice-gate-raw/private/person_key_salt/",
        table_type="hive",
    )
    categories = {
        str(column.get("meta", {}).get("personal_data"))
        for node in [*manifest.get("nodes", {}).values(), *manifest.get("sources", {}).values()]
        for column in node.get("columns", {}).values()
        if column.get("meta", {}).get("personal_data")
    }
    if categories:
        lakeformation = boto3.client("lakeformation", region_name=REGION)
        lakeformation.create_lf_tag(TagKey="personal_data", TagValues=sorted(categories))


def _lf_column_tags() -> dict[tuple[str, str, str], str]:
    from moto.lakeformation.models import lakeformation_backends

    backend = lakeformation_backends[ACCOUNT_ID][REGION]
    return {
        (database, table, column): tag["TagValues"][0]
        for (_catalog, database, table, column), tags in backend.lf_columns_tags.items()
        for tag in tags
        if tag.get("TagKey") == "personal_data" and tag.get("TagValues")
    }


def _glue_comments(shim: AthenaShim) -> dict[tuple[str, str], tuple[str, dict[str, str]]]:
    comments = {}
    for database_name, database in shim.glue.databases.items():
        for table_name, table in database.tables.items():
            described = table.as_dict()
            columns = described.get("StorageDescriptor", {}).get("Columns", [])
            comments[(database_name, table_name)] = (
                described.get("Description", ""),
                {c["Name"]: c.get("Comment", "") for c in columns},
            )
    return comments


def _run_failures(result: dbt.DbtResult, phase: str) -> list[GateFailure]:
    failures = []
    if result.exception is not None:
        failures.append(GateFailure("(project)", f"dbt {phase}", str(result.exception)))
    for item in result.results:
        # exposures (and other nodes with nothing to run) report no-op
        if item.status not in dbt.PASSED | dbt.SKIPPED | dbt.NO_OP:
            failures.append(
                GateFailure(
                    item.unique_id,
                    f"dbt {phase} {item.status}",
                    item.first_line or "(no message)",
                )
            )
    return failures


def _lint_models(manifest: dict[str, Any]) -> tuple[int, list[GateFailure]]:
    from sqlfluff.core import FluffConfig, Linter

    config = FluffConfig(
        configs={
            "core": {"dialect": "athena", "rules": SQLFLUFF_RULES, "templater": "raw"},
            "rules": {"convention.casting_style": {"preferred_type_casting_style": "cast"}},
        },
    )
    linter = Linter(config=config)
    failures: list[GateFailure] = []
    models = [
        node
        for node in manifest.get("nodes", {}).values()
        if node.get("resource_type") in ("model", "snapshot") and node.get("compiled_code")
    ]
    for node in models:
        linted = linter.lint_string(node["compiled_code"].strip() + "\n")
        for violation in linted.get_violations():
            code = violation.rule_code()
            failures.append(
                GateFailure(
                    node["unique_id"],
                    f"sqlfluff {code}" + (" (parse error)" if code == "PRS" else ""),
                    f"line {violation.line_no}: {violation.desc()}",
                )
            )
    return len(models), failures


def run_gate(
    project_dir: Path = PROJECT_ROOT,
    *,
    work_dir: Path | None = None,
    progress: Progress | None = None,
) -> GateReport:
    """Run the whole gate over the dbt project in `project_dir`; never raises for a
    finding, only reports it."""
    say = progress or (lambda _message: None)
    started = time.perf_counter()
    report = GateReport()
    owned = work_dir is None
    target_path = Path(work_dir or tempfile.mkdtemp(prefix="justice-athena-gate-"))
    try:
        with dbt.scoped_environment(GATE_ENV, unset=_UNSET):
            _gate(project_dir.resolve(), target_path, report, say)
    finally:
        if owned:
            shutil.rmtree(target_path, ignore_errors=True)
    report.elapsed = time.perf_counter() - started
    return report


def _gate(project_dir: Path, target_path: Path, report: GateReport, say: Progress) -> None:
    from moto import mock_aws

    say("athena gate: dbt parse --target athena")
    parsed = _dbt(["parse"], project_dir, target_path)
    if not parsed.success:
        report.failures += _run_failures(parsed, "parse") or [
            GateFailure("(project)", "dbt parse --target athena", "failed")
        ]
        return
    manifest = json.loads((target_path / "manifest.json").read_text())
    report.failures += partition_limit_failures(manifest)

    shim = AthenaShim(region=REGION)
    with mock_aws(), shim.installed():
        _prepare_aws(shim, manifest)
        say("athena gate: first run (dbt build: seeds, models, tests)")
        report.failures += _run_failures(_dbt(["build"], project_dir, target_path), "build")
        report.failures += _publish(manifest, project_dir, target_path, "publish")
        say("athena gate: second run (incremental merges, replaced views and tables)")
        second = _dbt(
            [
                "build",
                "--resource-type",
                "model",
                "--resource-type",
                "seed",
                "--resource-type",
                "snapshot",
            ],
            project_dir,
            target_path,
        )
        report.failures += _run_failures(second, "second build")
        # the second publication renames the first aside, then drops it
        report.failures += _publish(manifest, project_dir, target_path, "second publish")
        report.lf_column_tags = _lf_column_tags()
        report.glue_comments = _glue_comments(shim)

    say(f"athena gate: checking {len(shim.statements)} statements with sqlglot (athena)")
    for statement in shim.statements:
        node = statement.node_id or "(adapter)"
        report.nodes.add(node)
        report.captured.append((node, statement.sql))
        kind = statement.sql.split(None, 1)[0].lower() if statement.sql else "?"
        report.statement_kinds[kind] = report.statement_kinds.get(kind, 0) + 1
        for finding in check_statement(statement.sql):
            report.failures.append(
                GateFailure(
                    node,
                    finding.construct,
                    finding.detail + (f" (line {finding.line})" if finding.line else ""),
                    describe(statement.sql),
                )
            )
    report.statements = len(shim.statements)
    for problem in shim.problems:
        report.failures.append(
            GateFailure(
                problem.node_id or "(adapter)",
                "catalog shim",
                problem.message,
                describe(problem.sql),
            )
        )

    built = target_path / "manifest.json"
    compiled = json.loads(built.read_text()) if built.exists() else manifest
    say("athena gate: linting compiled models with sqlfluff (athena)")
    report.models_linted, lint_failures = _lint_models(compiled)
    report.failures += lint_failures
    report.failures = _dedupe(report.failures)


# Athena writes at most this many partitions in one query (INSERT, CTAS, MERGE).
PARTITIONS_PER_WRITE = 100
_BUCKET = re.compile(r"^\s*bucket\s*\(\s*(\d+)\s*,\s*\"?(\w+)\"?\s*\)\s*$", re.IGNORECASE)
_COLUMN = re.compile(r"^\s*\"?(\w+)\"?\s*$")


def _partition_entries(value: Any) -> list[str]:
    if isinstance(value, str):
        try:
            value = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            value = [value]
    return [str(entry) for entry in (value or [])] if not isinstance(value, str) else [value]


def partition_limit_failures(manifest: dict[str, Any]) -> list[GateFailure]:
    """Incremental models whose Athena partitioning can exceed PARTITIONS_PER_WRITE in one
    write: only boolean columns (2 values each; declared boolean, or named is_/has_) and
    `bucket(n, column)` (n values) are bounded, and their product must stay within the
    limit. Tables (CTAS) are left to dbt-athena, which batches them."""
    failures = []
    for unique_id, node in sorted(manifest.get("nodes", {}).items()):
        config = node.get("config") or {}
        if node.get("resource_type") != "model" or config.get("materialized") != "incremental":
            continue
        entries = _partition_entries(config.get("partitioned_by"))
        types = {
            name.lower(): str(column.get("data_type") or "").lower()
            for name, column in (node.get("columns") or {}).items()
        }
        bound, unbounded = 1, []
        for entry in entries:
            bucket, column = _BUCKET.match(entry), _COLUMN.match(entry)
            if bucket:
                bound *= int(bucket.group(1))
            elif column and (
                types.get(column.group(1).lower()) == "boolean"
                or column.group(1).lower().startswith(("is_", "has_"))
            ):
                bound *= 2
            else:
                unbounded.append(entry)
        if unbounded or bound > PARTITIONS_PER_WRITE:
            why = (
                ", ".join(unbounded) + " is unbounded" if unbounded else f"up to {bound} partitions"
            )
            failures.append(
                GateFailure(
                    unique_id,
                    "partitions per write",
                    f"partitioned_by {entries}: {why}; an incremental write on Athena fails "
                    f"past {PARTITIONS_PER_WRITE} partitions in one query. Partition by "
                    "boolean columns and bucket(n, column) with at most "
                    f"{PARTITIONS_PER_WRITE} partitions in all, or not at all",
                )
            )
    return failures


def _dedupe(failures: list[GateFailure]) -> list[GateFailure]:
    seen: set[tuple[str, str, str]] = set()
    kept = []
    for failure in failures:
        key = (failure.node, failure.construct, failure.detail)
        if key not in seen:
            seen.add(key)
            kept.append(failure)
    return kept


# ---------------------------------------------------------------------------------------
# the command


def command(
    keep: Annotated[
        Path | None,
        typer.Option(
            "--keep",
            help="Keep dbt's artefacts (compiled SQL, logs) in this "
            "directory instead of a temporary one.",
        ),
    ] = None,
) -> None:
    """Prove offline that every model, seed and test would run on Athena (Trino):
    dbt runs twice against mocked Athena/Glue, and every statement is checked."""
    if keep is not None:
        shutil.rmtree(keep, ignore_errors=True)
        keep.mkdir(parents=True)
    report = run_gate(work_dir=keep, progress=lambda message: typer.echo(message, err=True))
    typer.echo(report.render())
    if not report.ok:
        raise typer.Exit(1)
