"""The one place that runs dbt: in process, through dbt's programmatic runner
(`dbt.cli.main.dbtRunner`), returning what dbt knows (the result of every node, the
manifest) rather than what it printed.

profiles/profiles.yml reads the lake, warehouse and Athena settings with env_var(), so a
run sees the variables of justice.console.Settings.dbt_variables(); that environment is set
only for the run and restored afterwards (`scoped_environment`), and so is the working
directory.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from justice.console import PROJECT_ROOT, JusticeError, Settings

# statuses dbt gives a node, grouped as people read them
PASSED = frozenset({"success", "pass"})
WARNED = frozenset({"warn"})
FAILED = frozenset({"error", "fail", "runtime error"})
SKIPPED = frozenset({"skipped"})
NO_OP = frozenset({"no-op"})  # exposures and other nodes with nothing to run


@dataclass(frozen=True)
class NodeResult:
    """One node of a dbt run, as run_results.json has it."""

    unique_id: str
    status: str  # lower case: success, pass, warn, error, fail, skipped, ...
    message: str

    @property
    def first_line(self) -> str:
        lines = self.message.strip().splitlines()
        return lines[0] if lines else ""


@dataclass
class DbtResult:
    """What one dbt invocation returned: success, dbt's own exception when it stopped
    before or around the nodes, and every node's result (run_results)."""

    args: list[str]
    success: bool
    exception: BaseException | None = None
    results: list[NodeResult] = field(default_factory=list)
    elapsed: float = 0.0
    printed: list[str] = field(default_factory=list)  # what macros print()ed
    output: str = ""  # what dbt wrote, for a quiet run (shown only when it fails)
    manifest: Any = None  # dbt's Manifest object, for a parse

    @property
    def failures(self) -> list[NodeResult]:
        return [r for r in self.results if r.status in FAILED]

    def describe_failure(self) -> str:
        """Why the run failed, in a few lines."""
        if self.exception is not None:
            return str(self.exception).strip()
        lines = [f"{r.unique_id} ({r.status}): {r.first_line}" for r in self.failures[:10]]
        if not lines and self.output.strip():
            lines = [self.output.strip()[-4000:]]
        return "\n".join(lines) or "dbt reported failure (its output above says why)"

    def raise_for_failure(self) -> None:
        if not self.success:
            raise JusticeError(f"dbt {' '.join(self.args[:3])} failed:\n{self.describe_failure()}")


@contextlib.contextmanager
def scoped_environment(
    values: Mapping[str, str], unset: Sequence[str] = (), cwd: Path | None = None
) -> Iterator[None]:
    """Set `values` (and remove `unset`) in os.environ, and optionally change directory,
    for the duration of the block; put everything back afterwards."""
    saved = {key: os.environ.get(key) for key in [*values, *unset]}
    os.environ.update(values)
    for key in unset:
        os.environ.pop(key, None)
    try:
        with contextlib.chdir(cwd) if cwd is not None else contextlib.nullcontext():
            yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _node_results(result: Any) -> tuple[list[NodeResult], float]:
    items = getattr(result, "results", None) or []
    nodes = []
    for item in items:
        status = str(getattr(item.status, "value", item.status)).lower()
        node = getattr(item, "node", None)
        unique_id = getattr(node, "unique_id", None) or getattr(item, "unique_id", "?")
        nodes.append(NodeResult(unique_id, status, str(item.message or "")))
    return nodes, float(getattr(result, "elapsed_time", 0.0) or 0.0)


def invoke(
    args: Sequence[str],
    settings: Settings | None = None,
    *,
    project_dir: Path = PROJECT_ROOT,
    env: Mapping[str, str] | None = None,
    quiet: bool = False,
    progress: Callable[[str, str, str], None] | None = None,
    manifest: Any = None,
) -> DbtResult:
    """Run `dbt <args>` in `project_dir`, in process, and return its result.

    A `quiet` run keeps dbt's output (in the result) instead of printing it. With
    `settings`, dbt runs in their environment (lake, warehouse, target path, the
    project's profiles), plus `env`; without, in the current environment plus `env`.
    `progress(event, unique_id, status)` hears each node start ("started") and finish
    ("finished", with its status), from dbt's events. With `manifest` (dbt's Manifest
    object, the `manifest` of a `parse` result), dbt does not parse the project again:
    several commands in one process pay the parse once."""
    from dbt.cli.main import dbtRunner

    values = dict(env or {})
    if settings is not None:
        values = {**settings.dbt_variables(), **values}
    command = [
        *args,
        "--project-dir",
        str(project_dir),
        "--profiles-dir",
        str(project_dir / "profiles"),
    ]
    if quiet:
        command.append("--quiet")
    captured = io.StringIO()
    printed: list[str] = []

    def on_event(event: Any) -> None:
        name = event.info.name
        if name == "PrintEvent":
            printed.append(event.data.msg)
        elif progress is not None and name in ("NodeStart", "NodeFinished"):
            node = event.data.node_info
            if name == "NodeStart":
                progress("started", node.unique_id, "")
            else:
                progress("finished", node.unique_id, str(node.node_status).lower())

    values.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    # the harness started this run: the load plan in the warehouse is its own (a plain
    # `dbt build` on a warehouse the harness loads is refused: load_plan_relation)
    values.setdefault("JUSTICE_HARNESS", "1")
    if settings is not None and _writes_local_warehouse(args, settings):
        from justice.salt import write_salt_relation

        write_salt_relation(settings.duckdb_path)
    # a quiet run's output is kept, not shown: stdout stays the command's result
    keep = contextlib.redirect_stdout(captured) if quiet else contextlib.nullcontext()
    with scoped_environment(values, cwd=project_dir), keep:
        try:
            outcome = dbtRunner(manifest=manifest, callbacks=[on_event]).invoke(command)
        finally:
            _release_duckdb()
    if isinstance(outcome.exception, KeyboardInterrupt):
        raise outcome.exception
    results, elapsed = _node_results(outcome.result)
    parsed = outcome.result if args and args[0] == "parse" and outcome.success else None
    return DbtResult(
        list(args),
        bool(outcome.success),
        outcome.exception,
        results,
        elapsed,
        printed,
        captured.getvalue(),
        parsed,
    )


_RUNS_MODELS = frozenset({"build", "run", "retry", "test", "seed", "compile", "show"})


def _writes_local_warehouse(args: Sequence[str], settings: Settings) -> bool:
    """Whether the run builds or queries models in the local DuckDB warehouse, which
    then needs the person-key salt relation (justice.salt) before dbt opens it."""
    if not args or args[0] not in _RUNS_MODELS:
        return False
    target = settings.target
    for flag, value in zip(args, args[1:], strict=False):
        if flag in ("--target", "-t"):
            target = value
    return target == "local"


def _release_duckdb() -> None:
    """Close the DuckDB file dbt-duckdb keeps open for the life of the process, so that
    the harness (or the next dbt run, with other settings) can open it after a run."""
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:  # pragma: no cover - dbt-duckdb is a dependency
        return
    environment = DuckDBConnectionManager._ENV
    if environment is not None:
        environment.close()
        DuckDBConnectionManager.close_all_connections()


def run(
    args: Sequence[str],
    settings: Settings,
    *,
    quiet: bool = True,
    env: Mapping[str, str] | None = None,
    manifest: Any = None,
) -> DbtResult:
    """Run dbt and raise JusticeError (with dbt's reason) when it fails."""
    result = invoke(args, settings, quiet=quiet, env=env, manifest=manifest)
    result.raise_for_failure()
    return result


def run_operation(
    macro: str,
    settings: Settings,
    *,
    env: Mapping[str, str] | None = None,
    manifest: Any = None,
    extra: Sequence[str] = (),
) -> list[str]:
    """Run a macro with `dbt run-operation` and return what it print()ed (dbt's PrintEvent
    messages, caught as events: nothing is scraped from the terminal)."""
    return run(["run-operation", macro, *extra], settings, env=env, manifest=manifest).printed


def preload() -> None:
    """Import dbt's runner and the DuckDB adapter now, so that a timed step measures
    dbt's work and not Python importing it (a comparison with Splink times Splink after
    its import, too)."""
    import dbt.adapters.duckdb  # noqa: F401
    from dbt.cli.main import dbtRunner  # noqa: F401


def load_manifest(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise JusticeError(f"{path} not found: run `dbt parse` (or `justice check`).") from None
    except json.JSONDecodeError as error:
        raise JusticeError(f"{path} is not valid JSON: {error}") from None


def parse(
    settings: Settings, *, extra: Sequence[str] = (), env: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """`dbt parse` (no warehouse or lake needed); return the manifest."""
    result = invoke(["parse", *extra], settings, quiet=True, env=env)
    manifest = settings.target_path / "manifest.json"
    if not result.success or not manifest.exists():
        raise JusticeError(f"`dbt parse` failed:\n{result.describe_failure()}")
    return load_manifest(manifest)


def compile_project(
    settings: Settings, *, extra: Sequence[str] = (), env: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """`dbt compile` of every node; return the manifest, with each node's compiled_code."""
    result = invoke(["compile", *extra], settings, quiet=True, env=env)
    manifest = settings.target_path / "manifest.json"
    if not result.success or not manifest.exists():
        raise JusticeError(f"`dbt compile` failed:\n{result.describe_failure()}")
    return load_manifest(manifest)
