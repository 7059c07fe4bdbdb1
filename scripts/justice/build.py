"""`justice build`: write, audit, publish (DESIGN.md section 6).

1. **Before dbt**, locally: `--as-of` must not precede the lake's first extraction; every
   raw partition is checked against the lake contract (justice.lake.check): a broken file
   stops its source, and everything downstream of it is left out of the build, with an
   error naming the file and the column; the person-key salt relation is written.
2. **Write and audit**: `dbt build` (or, with `--retry`, `dbt retry`: only what failed or
   was skipped last time) into the audit area. Every test stores its failing rows.
3. **Publish**, only when every node and test that ran passed: the marts built are
   published in one step (justice.publish). Otherwise nothing is published, and the
   summary says why each node failed (the database's error and the file, or the test,
   its model and its first failing rows). When the contract stopped a source, the marts
   downstream of it are *held* at their last publication (recorded, with the reason,
   in `publication.marts`), the others are published, and the build still exits 1;
   `--hold-all` publishes nothing instead.

SIGINT and SIGTERM stop dbt (it cancels its running queries) and the build ends with one
line, "interrupted"; nothing is published. The summary is read from dbt's results (dbt
already knows what passed; its log is not re-parsed).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import signal
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any

import typer

from justice import dbt
from justice.console import PROJECT_ROOT, JusticeError, LakeOption, Settings, fail, say

if TYPE_CHECKING:
    from justice.lake.loads import LoadPlan

PENDING_FILE = "publication_pending.json"
# Unit tests check SQL logic on fixed inputs: they belong to development and CI, not to
# every daily build (dbt's advice); `justice build --unit-tests` runs them too.
UNIT_TESTS_LEFT_OUT = ["--exclude-resource-type", "unit_test"]


@dataclass
class Summary:
    counts: Counter = field(default_factory=Counter)
    failures: list[tuple[str, str, str]] = field(default_factory=list)  # status, node, message
    warnings: list[tuple[str, str]] = field(default_factory=list)
    elapsed: float = 0.0
    explanations: dict[str, list[str]] = field(default_factory=dict)  # node: why, in lines

    @property
    def ok(self) -> bool:
        return not self.failures

    def render(self) -> str:
        c = self.counts
        lines = [
            f"justice build: {c['passed']} passed, {c['warned']} warned, "
            f"{c['failed']} failed, {c['skipped']} skipped in {self.elapsed:.1f}s"
        ]
        for status, node, message in self.failures:
            first_line = (message or "").strip().splitlines()[:1]
            lines.append(f"  FAILED {node} ({status}): {first_line[0] if first_line else ''}")
            lines += [f"      {line}" for line in self.explanations.get(node, [])]
        for node, message in self.warnings[:20]:
            first_line = (message or "").strip().splitlines()[:1]
            lines.append(f"  warned {node}: {first_line[0] if first_line else ''}")
        if len(self.warnings) > 20:
            lines.append(f"  … and {len(self.warnings) - 20} more warnings")
        return "\n".join(lines)


def summarise(result: dbt.DbtResult) -> Summary:
    """The summary of a dbt run, from its node results (what run_results.json holds)."""
    if not result.results and result.exception is not None:
        raise JusticeError(f"dbt failed before running anything: {result.describe_failure()}")
    summary = Summary(elapsed=result.elapsed)
    for node in result.results:
        if node.status in dbt.PASSED:
            summary.counts["passed"] += 1
        elif node.status in dbt.WARNED:
            summary.counts["warned"] += 1
            summary.warnings.append((node.unique_id, node.message))
        elif node.status in dbt.FAILED:
            summary.counts["failed"] += 1
            summary.failures.append((node.status, node.unique_id, node.message))
        elif node.status in dbt.SKIPPED:
            summary.counts["skipped"] += 1
        else:
            summary.counts[node.status] += 1
    return summary


def with_as_of(vars_: str | None, as_of: str) -> str:
    """dbt --vars with as_of set: `--as-of` wins over an as_of given in --vars."""
    import yaml

    try:
        dt.date.fromisoformat(as_of)
    except ValueError:
        fail(f"--as-of must be a date like 2026-01-05, not {as_of!r}")
    parsed = yaml.safe_load(vars_) if vars_ else {}
    if not isinstance(parsed, dict):
        fail(f"--vars must be a YAML/JSON mapping, not {vars_!r}")
    return json.dumps({**parsed, "as_of": as_of})


# ---------------------------------------------------------------- before dbt


def check_as_of(settings: Settings, as_of: str) -> None:
    """`--as-of` before the lake's first extraction would build empty marts: refuse."""
    from justice.lake.check import first_extraction_date

    first = first_extraction_date(settings.lake_path)
    if first is not None and dt.date.fromisoformat(as_of) < first:
        fail(
            f"--as-of {as_of} is before the first extraction in {settings.lake_path} "
            f"({first.isoformat()}): nothing was known then. Nothing was built or published."
        )


def check_sources(settings: Settings) -> dict[str, str]:
    """Check every raw partition against the lake contract; print each error and return
    the sources that must not be built (dbt selectors), each with its first error. The
    data of Parquet files the warehouse's load record holds, at the same size and
    checksum, is not read again."""
    from justice.lake.check import check_lake
    from justice.lake.loads import recorded_files

    known = recorded_files(settings.duckdb_path)
    return _report_contract(check_lake(settings.lake_path, known=known), settings)


def check_athena_sources(settings: Settings, variables: dict[str, Any]) -> dict[str, str]:
    """The same check on Athena: the raw Glue tables and their files in S3
    (justice.athena.contract), with the AWS credentials of the environment."""
    from justice.athena.contract import check_athena_lake

    glue, s3 = _aws_clients()
    errors = check_athena_lake(glue, s3, databases=_raw_databases(variables))
    return _report_contract(errors, settings)


def _aws_clients() -> tuple[Any, Any]:
    """boto3 Glue and S3 clients in JUSTICE_ATHENA_REGION, with the environment's
    credentials."""
    import os

    import boto3

    region = os.environ.get("JUSTICE_ATHENA_REGION", "eu-west-2")
    return boto3.client("glue", region_name=region), boto3.client("s3", region_name=region)


def _raw_databases(variables: dict[str, Any]) -> dict[str, str]:
    """The raw Glue database of each system the vars name (raw_schema_<system>)."""
    from justice.lake.contract import TABLES

    return {
        table.system: str(variables[f"raw_schema_{table.system}"])
        for table in TABLES
        if variables.get(f"raw_schema_{table.system}")
    }


def _report_contract(errors: list[Any], settings: Settings) -> dict[str, str]:
    from justice.lake.check import blocked_sources

    if not errors:
        return {}
    from justice.console import error

    error(
        f"{len(errors)} raw file(s) do not match the lake contract "
        "(scripts/justice/lake/contract.py); their sources are not built:"
    )
    for item in errors:
        say(f"  {item.render(settings.lake_path)}")
    blocked = blocked_sources(errors)
    say(
        "not built: everything downstream of "
        + ", ".join(selector.removeprefix("source:") for selector in blocked)
        + " (the rest is built and tested in the audit area; when it passes, the marts "
        "not downstream of them are published and the others keep their last publication)"
    )
    first = {}
    for item in errors:
        first.setdefault(item.source, item.render(settings.lake_path))
    return {selector: first[selector] for selector in blocked}


def plan_partitions(settings: Settings, *, full_refresh: bool) -> bool:
    """Write the load plan (justice.lake.loads) and name the new, late and rewritten
    partitions; True when the build must become a full refresh (a partition was
    rewritten or removed after it was loaded)."""
    from justice.lake.loads import code_fingerprint, plan_loads

    plan = plan_loads(
        settings.duckdb_path,
        settings.lake_path,
        full_refresh=full_refresh,
        code=code_fingerprint(PROJECT_ROOT),
    )
    return _say_plan(plan, full_refresh=full_refresh)


def plan_athena_partitions(
    variables: dict[str, Any], blocked: dict[str, str], *, full_refresh: bool
) -> bool:
    """The same on Athena, against the record kept in S3 (justice.athena.loads); the
    sources the contract check stopped are left out. True when the build must become a
    full refresh."""
    from justice.athena.loads import plan_athena_loads
    from justice.lake.loads import code_fingerprint

    address = _record_address()
    glue, s3 = _aws_clients()
    stopped = set()
    for selector in blocked:  # source:<system>.<table>
        system, _, table = selector.removeprefix("source:").partition(".")
        stopped.add((system, table))
    plan = plan_athena_loads(
        glue,
        s3,
        address,
        databases=_raw_databases(variables),
        blocked=stopped,
        full_refresh=full_refresh,
        code=code_fingerprint(PROJECT_ROOT),
    )
    return _say_plan(plan, full_refresh=full_refresh)


def _record_address() -> tuple[str, str]:
    """Where the Athena build keeps its record (justice.athena.loads.record_address); a
    clear error when JUSTICE_ATHENA_S3_DATA_DIR is not set."""
    from justice.athena.loads import record_address

    try:
        return record_address()
    except ValueError as problem:
        fail(str(problem))


def _say_plan(plan: LoadPlan, *, full_refresh: bool) -> bool:
    """Print the plan; True when it turned the build into a full refresh (and why)."""
    for line in plan.describe():
        say(line)
    if plan.full_refresh and not full_refresh:
        if plan.of("rewritten") or plan.removed:
            why = (
                "a loaded partition was rewritten or removed: its old change rows cannot be "
                "merged away"
            )
        elif plan.code_changed:
            why = (
                "the stored rows were built by other SQL, which an incremental build would mix "
                "with the new"
            )
        else:
            why = "an earlier plan's full refresh is still owed"
        say(
            f"lake: {why}, so this build rebuilds staging and history from the whole lake "
            "(--full-refresh)"
        )
        return True
    return False


def _retry_needs_full_refresh(
    settings: Settings, *, local: bool = True, variables: dict[str, Any] | None = None
) -> bool:
    """True when the failed build's staged partitions were rewritten or removed since
    (justice.lake.loads.pending_changed; on Athena justice.athena.loads'); says so."""
    if local:
        from justice.lake.loads import pending_changed

        changed = pending_changed(settings.duckdb_path, settings.lake_path)
    else:
        from justice.athena import loads

        glue, s3 = _aws_clients()
        changed = loads.pending_changed(
            glue, s3, _record_address(), _raw_databases(variables or {})
        )
    if changed:
        shown = ", ".join(f"{s}.{t} {d.isoformat()}" for s, t, d in changed[:8])
        say(
            f"lake: {len(changed)} partition(s) the failed build staged changed or were "
            f"removed since ({shown}): the retry rebuilds staging and history from the "
            "whole lake (--full-refresh)"
        )
    return bool(changed)


def record_partitions(settings: Settings, result: dbt.DbtResult, *, local: bool = True) -> None:
    """Record as loaded the planned files of every table whose history model was built,
    unless a test of its change log or history failed (those stay pending, and are
    tested again by the next build or `--retry`): in the warehouse locally, in S3 on
    Athena (justice.athena.loads)."""
    from justice.lake.loads import (
        built_history_tables,
        code_fingerprint,
        record_loads,
        tables_with_failed_tests,
    )

    tables = built_history_tables(result.results)
    held = tables_with_failed_tests(result.results, _manifest(settings))
    if ("*", "*") in held:
        return
    if local:
        record_loads(
            settings.duckdb_path,
            tables - held,
            _invocation_id(settings),
            code=code_fingerprint(PROJECT_ROOT),
        )
    else:
        from justice.athena.loads import record_athena_loads

        record_athena_loads(
            _aws_clients()[1],
            _record_address(),
            tables - held,
            _invocation_id(settings),
            code=code_fingerprint(PROJECT_ROOT),
        )


# ---------------------------------------------------------------- running dbt


class LayerProgress:
    """Progress by layer while dbt runs: one line when the build reaches a layer's first
    node (seeds, staging, history, intermediate, marts), and one when a node fails, so
    that a long build says where it is even when dbt's own lines scroll past."""

    ORDER = ("reference", "staging", "history", "intermediate", "marts")

    def __init__(self) -> None:
        self.started: set[str] = set()
        self.finished = 0

    @staticmethod
    def layer(unique_id: str) -> str | None:
        kind, _, rest = unique_id.partition(".")
        if kind == "seed":
            return "reference"
        if kind != "model":
            return None
        name = rest.partition(".")[2]
        if name.startswith(("base_", "stg_")):
            return "staging"
        if name.endswith(("_history", "_as_of")):
            return "history"
        if name.startswith("int_"):
            return "intermediate"
        if name.startswith(("fct_", "dim_")):
            return "marts"
        return None

    def __call__(self, event: str, unique_id: str, status: str) -> None:
        if event == "finished":
            self.finished += 1
            if status in dbt.FAILED:
                say(f"justice build: {unique_id} {status} (why: in the summary at the end)")
            return
        layer = self.layer(unique_id)
        if layer is not None and layer not in self.started:
            self.started.add(layer)
            say(f"justice build: {layer} … ({self.finished} nodes done so far)")


class Interruption:
    """Whether SIGINT or SIGTERM arrived while dbt ran. dbt catches the KeyboardInterrupt
    itself to cancel its queries, and what it returns then is not always that interrupt
    (cancelling can end in another error, "Connection already closed"): the signal,
    not dbt's result, says the build was interrupted."""

    def __init__(self) -> None:
        self.received = False
        # how far publication got: "" (not started), "publishing", "published" (the new
        # marts were swapped in; a signal held during the swap arrives just after it)
        self.publication = ""

    def check(self) -> None:
        """Raise KeyboardInterrupt when a signal arrived, whatever dbt made of it."""
        if self.received:
            raise KeyboardInterrupt

    def published(self) -> None:
        self.publication = "published"

    def message(self, *, local: bool) -> str:
        """What an interrupted build tells its user about the published marts."""
        if self.publication == "published":
            return (
                "interrupted after publishing: this build passed and its marts are "
                "published (publication.marts names this build)"
            )
        if self.publication == "publishing" and not local:
            return (
                "interrupted while publishing: the marts renamed into place before the "
                "signal are published, the others are as they were; `justice build "
                "--retry` publishes the rest"
            )
        return "interrupted: nothing published (the published marts are as they were)"


@contextlib.contextmanager
def interruptible() -> Iterator[Interruption]:
    """SIGTERM behaves like Ctrl-C (SIGINT) while dbt runs: dbt cancels its queries and
    stops, and the harness says "interrupted" (check the yielded Interruption after dbt
    returns)."""
    interruption = Interruption()

    def stop(signum: int, frame: Any) -> None:  # noqa: ARG001 - signal handler signature
        interruption.received = True
        raise KeyboardInterrupt

    try:
        previous = {
            signum: signal.signal(signum, stop) for signum in (signal.SIGTERM, signal.SIGINT)
        }
    except ValueError:  # not the main thread (e.g. inside a test runner thread)
        yield interruption
        return
    try:
        yield interruption
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


# ---------------------------------------------------------------- publishing


def _manifest(settings: Settings) -> dict[str, Any]:
    path = settings.target_path / "manifest.json"
    try:
        return json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def _explain(summary: Summary, manifest: dict[str, Any], settings: Settings, local: bool) -> None:
    from justice.audit import explain_failure

    for _, node, message in summary.failures:
        summary.explanations[node] = explain_failure(
            node, message, manifest, settings.duckdb_path if local else None
        )


def publish(
    settings: Settings,
    pending: Any,
    manifest: dict[str, Any],
    *,
    target: str | None,
    local: bool,
    invocation_id: str,
    held: dict[str, str] | None = None,
    interruption: Interruption | None = None,
) -> None:
    """Publish the marts a passing build (chain) built, in one step; `held` names the
    marts kept at their last publication (downstream of a stopped source).
    `interruption` hears how far publication got."""
    from justice.publish import marts_in_manifest, publish_duckdb

    marts = marts_in_manifest(manifest)
    chosen = [marts[unique_id] for unique_id in pending.marts if unique_id in marts]
    if not chosen:
        say("no mart was built: nothing to publish (the published marts are as they were)")
        return
    as_of = (pending.vars or {}).get("as_of")
    if interruption is not None:
        interruption.publication = "publishing"
    if local:
        published = publish_duckdb(
            settings.duckdb_path,
            settings.published_path,
            chosen,
            replace_all=pending.all_marts,
            invocation_id=invocation_id,
            as_of=str(as_of) if as_of else None,
            held=held,
            swapped=interruption.published if interruption is not None else None,
        )
        say(
            f"published {len(published)} mart(s) to {settings.published_path}"
            + (f" (as of {as_of})" if as_of else "")
        )
        return
    args = [
        "run-operation",
        "publish_marts",
        "--no-write-json",  # keep the build's manifest and run_results
        "--args",
        json.dumps({"marts": [m.name for m in chosen]}),
    ]
    if target:
        args += ["--target", target]
    result = dbt.invoke(args, settings, quiet=True)
    if not result.success:
        raise JusticeError(
            "the build passed but publishing failed (on Athena each table is swapped in "
            "one rename; those before the failure are published):\n" + result.describe_failure()
        )
    if interruption is not None:
        interruption.published()
    say(f"published {len(chosen)} mart(s)")


def command(
    ctx: typer.Context,
    target: Annotated[str | None, typer.Option("--target", "-t", help="dbt target.")] = None,
    select: Annotated[
        list[str] | None, typer.Option("--select", "-s", help="dbt node selection.")
    ] = None,
    exclude: Annotated[
        list[str] | None, typer.Option("--exclude", help="Nodes to leave out.")
    ] = None,
    vars_: Annotated[
        str | None,
        typer.Option("--vars", help="dbt vars as YAML/JSON, e.g. '{as_of: 2026-01-05}'."),
    ] = None,
    full_refresh: Annotated[
        bool, typer.Option("--full-refresh", help="Rebuild incrementals.")
    ] = False,
    as_of: Annotated[
        str | None,
        typer.Option("--as-of", help="Build as known on this date (YYYY-MM-DD): sets var as_of."),
    ] = None,
    fail_fast: Annotated[
        bool, typer.Option("--fail-fast", help="Stop at the first failure.")
    ] = False,
    retry: Annotated[
        bool,
        typer.Option(
            "--retry",
            help="Resume the last failed build: re-run only what failed or was skipped "
            "(dbt retry), then publish if everything has passed.",
        ),
    ] = False,
    unit_tests: Annotated[
        bool,
        typer.Option(
            "--unit-tests",
            help="Run the dbt unit tests too. They test SQL logic on fixed inputs, so a "
            "daily build leaves them out (dbt's advice); CI runs them (`make test`).",
        ),
    ] = False,
    hold_all: Annotated[
        bool,
        typer.Option(
            "--hold-all",
            help="When the lake contract stops a source, publish nothing (by default the "
            "marts not downstream of it are published and the others are held).",
        ),
    ] = False,
    lake: LakeOption = None,
) -> None:
    """Build into the audit area, test there, and publish the marts only when everything
    passed. Extra arguments after `--` go to dbt unchanged."""
    from justice.publish import PendingPublication

    settings = Settings.from_env(lake=lake)
    local = (target or settings.target) == "local"
    pending_path = settings.target_path / PENDING_FILE
    if as_of is not None:  # a malformed date is reported before anything else
        vars_ = with_as_of(vars_, as_of)
    if local and not (settings.lake_path / "raw").exists():
        fail(
            f"no raw lake at {settings.lake_path}: run `justice generate` first "
            "(or set JUSTICE_LAKE_PATH)."
        )
    previous = PendingPublication.load(pending_path)
    from justice.lake.loads import shared_checksums

    if retry:
        if (
            select
            or exclude
            or vars_
            or full_refresh
            or as_of
            or hold_all
            or unit_tests
            or ctx.args
        ):
            fail("--retry re-runs the last build with its own options: give it no others")
        if previous is None:
            fail("nothing to retry: the last build passed (or none has run); run `justice build`")
        if previous.blocked_sources:
            fail(
                "the last build stopped at the source contract ("
                + ", ".join(previous.blocked_sources)
                + "): repair the files and run `justice build` (a retry would leave them out)"
            )
        # the check, the staged partitions' check and a plan read each checksum once
        with shared_checksums():
            if local and check_sources(settings):
                fail("repair the raw files above, then run `justice build`")
            args = ["retry"]
            if target:
                args += ["--target", target]
            pending = previous
            if _retry_needs_full_refresh(settings, local=local, variables=previous.vars or {}):
                # the failed build staged partitions that changed since: re-running only what
                # failed would test and publish their old rows
                args = ["build", "--full-refresh", *UNIT_TESTS_LEFT_OUT]
                if target:
                    args += ["--target", target]
                if previous.vars:
                    args += ["--vars", json.dumps(previous.vars)]
                if local:
                    plan_partitions(settings, full_refresh=True)
                else:
                    plan_athena_partitions(previous.vars or {}, {}, full_refresh=True)
                pending = PendingPublication(vars=previous.vars)
                retry = False
    else:
        args = ["build"]
        if target:
            args += ["--target", target]
        for item in select or []:
            args += ["--select", item]
        for item in exclude or []:
            args += ["--exclude", item]
        if as_of is not None and local:
            check_as_of(settings, as_of)
        if vars_:
            args += ["--vars", vars_]
        if full_refresh:
            args.append("--full-refresh")
        if fail_fast:
            args.append("--fail-fast")
        if not unit_tests:
            args += UNIT_TESTS_LEFT_OUT
        args += list(ctx.args)
        import yaml

        variables = (yaml.safe_load(vars_) if vars_ else {}) or {}
        with shared_checksums():  # the check and the plan read each file's checksum once
            blocked = (
                check_sources(settings) if local else check_athena_sources(settings, variables)
            )
            for selector in blocked:
                args += ["--exclude", f"{selector}+"]
            rebuild = (
                plan_partitions(settings, full_refresh=full_refresh)
                if local
                else plan_athena_partitions(variables, blocked, full_refresh=full_refresh)
            )
        if rebuild:
            if select or exclude:
                # tables outside the selection would keep the old rows, and marts built
                # on them would be published
                fail(
                    "staging and history must be rebuilt from the whole lake (above: a "
                    "loaded partition rewritten or removed, or their SQL changed): run "
                    "`justice build --full-refresh` without --select/--exclude"
                )
            args.append("--full-refresh")
        pending = PendingPublication(
            vars=variables,
            blocked_sources=list(blocked),
            blocked_reasons=blocked,
        )
    interruption = Interruption()
    try:
        with interruptible() as interruption:
            result = dbt.invoke(args, settings, progress=LayerProgress())
            interruption.check()
            record_partitions(settings, result, local=local)
            _finish(
                result,
                settings,
                pending,
                pending_path,
                target=target,
                retry=retry,
                hold_all=hold_all,
                interruption=interruption,
            )
    except KeyboardInterrupt:
        typer.secho(interruption.message(local=local), err=True, fg=typer.colors.RED)
        raise typer.Exit(130) from None


def _finish(
    result: dbt.DbtResult,
    settings: Settings,
    pending: Any,
    pending_path: Any,
    *,
    target: str | None,
    retry: bool,
    hold_all: bool = False,
    interruption: Interruption | None = None,
) -> None:
    """Summarise the run; publish when everything passed, else say why and keep what
    the build chain built for `--retry`."""
    from justice.publish import marts_in_manifest

    local = (target or settings.target) == "local"
    summary = summarise(result)
    manifest = _manifest(settings)
    if not result.results and result.success and not retry:
        pending_path.unlink(missing_ok=True)
        if pending.blocked_sources:
            fail("every model depends on a source stopped by the contract: nothing was built")
        fail(
            "the selection matches nothing: no model, test or seed was built "
            "(check --select/--exclude; `dbt ls -s ...` lists what a selector picks)"
        )
    marts = marts_in_manifest(manifest)
    built = [r.unique_id for r in result.results if r.unique_id in marts and r.status == "success"]
    pending.marts = list(dict.fromkeys([*pending.marts, *built]))
    if not retry:
        selected = {r.unique_id for r in result.results}
        pending.all_marts = bool(marts) and set(marts) <= selected
    passed = result.success and summary.ok and summary.counts["skipped"] == 0
    if not passed:
        _explain(summary, manifest, settings, local)
    typer.echo(summary.render())
    if passed and not pending.blocked_sources:
        publish(
            settings,
            pending,
            manifest,
            target=target,
            local=local,
            invocation_id=_invocation_id(settings),
            interruption=interruption,
        )
        pending_path.unlink(missing_ok=True)
        return
    if passed and not hold_all:
        _publish_unaffected(
            settings,
            pending,
            pending_path,
            manifest,
            target=target,
            local=local,
            interruption=interruption,
        )
    pending.save(pending_path)
    say(
        "nothing published: the published marts are as they were. "
        + (
            "Repair the raw files named above, then run `justice build`."
            if pending.blocked_sources
            else "Fix the cause, then `justice build --retry` re-runs what failed or was skipped."
        )
    )
    raise typer.Exit(1)


def _publish_unaffected(
    settings: Settings,
    pending: Any,
    pending_path: Any,
    manifest: dict[str, Any],
    *,
    target: str | None,
    local: bool,
    interruption: Interruption | None = None,
) -> None:
    """A source was stopped by the contract and everything else passed: publish the
    marts not downstream of it, record the others as held, and exit 1 (the lake still
    needs repairing)."""
    from justice.publish import held_marts

    reasons = pending.blocked_reasons or dict.fromkeys(pending.blocked_sources, "")
    held = held_marts(manifest, reasons)
    pending.marts = [
        unique_id
        for unique_id in pending.marts
        if unique_id in manifest.get("nodes", {})
        and manifest["nodes"][unique_id].get("alias", manifest["nodes"][unique_id]["name"])
        not in held
    ]
    publish(
        settings,
        pending,
        manifest,
        target=target,
        local=local,
        invocation_id=_invocation_id(settings),
        held=held,
        interruption=interruption,
    )
    pending_path.unlink(missing_ok=True)
    say(
        f"held at their last publication ({len(held)}, downstream of a stopped source): "
        + ", ".join(held)
        + ". Repair the raw files named above, then run `justice build`."
    )
    raise typer.Exit(1)


def _run_results(settings: Settings) -> dict[str, Any]:
    try:
        return json.loads((settings.target_path / "run_results.json").read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def _invocation_id(settings: Settings) -> str:
    return str(_run_results(settings).get("metadata", {}).get("invocation_id", ""))


# extra arguments after `--` go to dbt
CONTEXT_SETTINGS = {"allow_extra_args": True, "ignore_unknown_options": True}
