"""`justice lint`: sqlfluff (dbt templater, local profile) on SQL, yamllint on YAML, ruff
(lint and format) on Python, configured to STYLE.md.

SQL is rendered by dbt itself (sqlfluff's dbt templater), so what is linted is what dbt
runs. Rendering needs no lake and no built warehouse: models are only compiled, and the
one thing compilation asks the warehouse for, the columns of a relation
(`adapter.get_columns_in_relation`, used by `star_except`), is answered by a stub
warehouse made here: an empty DuckDB file in which every model is an empty table with the
columns its YAML documents. The stub lives under `<target>/lint/` and never touches the
real warehouse, so lint also runs while a build holds it.

Configuration: `[tool.sqlfluff.*]` and `[tool.ruff]` in pyproject.toml, yamllint in
`yamllint.yml` beside this module.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from justice.settings import PROJECT_ROOT, JusticeError, Settings

YAMLLINT_CONFIG = Path(__file__).with_name("yamllint.yml")

# what each tool looks at, relative to the project root
SQL_ROOTS = ("models", "tests/dbt", "analyses", "snapshots")
SQL_EXCLUDED = ("tests/dbt/generic/",)  # generic tests are macros: dbt cannot render them
PYTHON_ROOTS = ("scripts", "tests/python")
YAML_SUFFIXES = (".yml", ".yaml")
STUB_PLACEHOLDER_COLUMN = "lint_placeholder"


def _say(message: str) -> None:
    typer.echo(message, err=True)


def _tool(name: str) -> str:
    candidate = Path(sys.executable).with_name(name)
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if found is None:
        raise JusticeError(
            f"{name} is not installed; run `make venv` (dev dependencies include it)."
        )
    return found


# ---------------------------------------------------------------------------------------
# which files


def _git(*args: str) -> list[str]:
    completed = subprocess.run(
        ["git", *args], cwd=PROJECT_ROOT, capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        raise JusticeError(f"git {' '.join(args)} failed: {completed.stderr.strip()}")
    return [line for line in completed.stdout.splitlines() if line.strip()]


def default_base() -> str:
    """The branch `--changed` compares with: $JUSTICE_LINT_BASE, else origin/main or main
    when they exist, else HEAD (only uncommitted changes)."""
    if os.environ.get("JUSTICE_LINT_BASE"):
        return os.environ["JUSTICE_LINT_BASE"]
    for candidate in ("origin/main", "main"):
        probe = subprocess.run(
            ["git", "rev-parse", "--verify", "--quiet", candidate],
            cwd=PROJECT_ROOT,
            capture_output=True,
            check=False,
        )
        if probe.returncode == 0:
            return candidate
    return "HEAD"


def project_files() -> list[str]:
    """Every file git knows or would add (tracked plus untracked, minus ignored)."""
    files = _git("ls-files", "--cached", "--others", "--exclude-standard")
    return sorted({f for f in files if (PROJECT_ROOT / f).is_file()})


def changed_files(base: str) -> list[str]:
    """Files changed since the merge-base with `base`: committed on this branch, staged,
    unstaged and untracked; deleted files left out."""
    merge_base = _git("merge-base", "HEAD", base)[0]
    changed = _git("diff", "--name-only", "--diff-filter=ACMR", merge_base)
    changed += _git("ls-files", "--others", "--exclude-standard")
    return sorted({f for f in changed if (PROJECT_ROOT / f).is_file()})


def _under(path: str, roots: Iterable[str]) -> bool:
    return any(path == root or path.startswith(root.rstrip("/") + "/") for root in roots)


def select_files(files: Sequence[str]) -> dict[str, list[str]]:
    return {
        "sql": [
            f
            for f in files
            if f.endswith(".sql") and _under(f, SQL_ROOTS) and not _under(f, SQL_EXCLUDED)
        ],
        "yaml": [f for f in files if f.endswith(YAML_SUFFIXES)],
        "python": [f for f in files if f.endswith(".py") and _under(f, PYTHON_ROOTS)],
    }


# ---------------------------------------------------------------------------------------
# the stub warehouse that lets dbt render every model without a lake


def sql_environment(settings: Settings) -> dict[str, str]:
    """Environment for sqlfluff's dbt templater: the local target, pointed at a stub
    warehouse under <target>/lint/ (built here from a fresh `dbt parse`)."""
    from justice.dbt_runner import dbt_executable

    lint_dir = settings.target_path / "lint"
    lint_dir.mkdir(parents=True, exist_ok=True)
    env = settings.dbt_env()
    env.update(
        JUSTICE_TARGET="local",
        JUSTICE_DUCKDB_PATH=str(lint_dir / "justice.duckdb"),
        DBT_TARGET_PATH=str(lint_dir / "target"),
        DBT_LOG_PATH=str(lint_dir / "logs"),
    )
    completed = subprocess.run(
        [dbt_executable(), "parse", "--quiet", "--target", "local"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    manifest_path = lint_dir / "target" / "manifest.json"
    if completed.returncode != 0 or not manifest_path.exists():
        output = (completed.stdout + completed.stderr).strip()
        raise JusticeError(f"`dbt parse` failed, so SQL cannot be rendered:\n{output}")
    write_stub_warehouse(json.loads(manifest_path.read_text()), Path(env["JUSTICE_DUCKDB_PATH"]))
    return env


def write_stub_warehouse(manifest: dict, path: Path) -> int:
    """Create (afresh) a DuckDB file in which every model of the manifest is an empty
    table with its documented columns; return how many tables were made."""
    import duckdb

    for stale in (path, path.with_name(path.name + ".wal")):
        stale.unlink(missing_ok=True)

    def quote(identifier: str) -> str:
        return '"' + identifier.replace('"', '""') + '"'

    made = 0
    with duckdb.connect(str(path)) as connection:
        for node in manifest.get("nodes", {}).values():
            if node.get("resource_type") not in ("model", "seed", "snapshot"):
                continue
            columns = [c.get("name") for c in (node.get("columns") or {}).values()]
            columns = [c for c in columns if c] or [STUB_PLACEHOLDER_COLUMN]
            schema = quote(node["schema"])
            name = quote(node.get("alias") or node["name"])
            column_list = ", ".join(f"{quote(c)} varchar" for c in dict.fromkeys(columns))
            connection.execute(f"create schema if not exists {schema}")
            connection.execute(f"create or replace table {schema}.{name} ({column_list})")
            made += 1
    return made


# ---------------------------------------------------------------------------------------
# the tools


@dataclass
class Step:
    name: str
    command: list[str]
    env: dict[str, str] | None = None
    # output that means failure even when the tool exits 0 (sqlfluff skips files that
    # dbt cannot render with only a warning)
    failure_marker: str | None = None


@dataclass
class StepResult:
    name: str
    ok: bool
    seconds: float
    output: str


def run_step(step: Step) -> StepResult:
    started = time.perf_counter()
    completed = subprocess.run(
        step.command,
        cwd=PROJECT_ROOT,
        env=step.env,
        capture_output=True,
        text=True,
        check=False,
    )
    output = (completed.stdout + completed.stderr).strip()
    ok = completed.returncode == 0 and not (step.failure_marker and step.failure_marker in output)
    return StepResult(step.name, ok, time.perf_counter() - started, output)


def plan(files: dict[str, list[str]], *, fix: bool, settings: Settings) -> list[Step]:
    steps: list[Step] = []
    python, yaml_files, sql = files["python"], files["yaml"], files["sql"]
    if python:
        ruff = _tool("ruff")
        check = [ruff, "check", "--output-format", "concise", "--no-cache"]
        steps.append(Step("ruff check", [*check, *(["--fix"] if fix else []), *python]))
        steps.append(Step("ruff format", [ruff, "format", *([] if fix else ["--check"]), *python]))
    if yaml_files:
        steps.append(
            Step(
                "yamllint",
                [
                    _tool("yamllint"),
                    "--strict",
                    "-f",
                    "parsable",
                    "-c",
                    str(YAMLLINT_CONFIG),
                    *yaml_files,
                ],
            )
        )
    if sql:
        _say(f"justice lint: rendering {len(sql)} SQL file(s) with dbt (stub warehouse) ...")
        env = sql_environment(settings)
        sqlfluff = _tool("sqlfluff")
        if fix:
            steps.append(
                Step("sqlfluff fix", [sqlfluff, "fix", "--quiet", *sql], env, "Skipped file")
            )
        steps.append(
            Step("sqlfluff lint", [sqlfluff, "lint", "--nocolor", *sql], env, "Skipped file")
        )
    return steps


def given_files(paths: Sequence[str]) -> list[str]:
    """The project files at or under the given paths, relative to the project root."""
    known = project_files()
    wanted = []
    for raw in paths:
        path = Path(raw)
        path = (path if path.is_absolute() else Path.cwd() / path).resolve()
        try:
            relative = path.relative_to(PROJECT_ROOT).as_posix()
        except ValueError:
            raise JusticeError(f"{raw} is outside the project ({PROJECT_ROOT}).") from None
        wanted += [f for f in known if relative in (".", f) or _under(f, [relative])]
    return sorted(set(wanted))


def lint(
    *,
    fix: bool = False,
    changed: bool = False,
    base: str | None = None,
    paths: Sequence[str] = (),
) -> bool:
    """Run every linter on the project (or on the given paths, or on the files changed
    since `base`); print what each found; True when all passed."""
    settings = Settings.from_env()
    if paths:
        files = select_files(given_files(paths))
        scope = "the given paths"
    elif changed:
        base = base or default_base()
        files = select_files(changed_files(base))
        scope = f"files changed since merge-base with {base}"
    else:
        files = select_files(project_files())
        scope = "the whole project"
    counts = ", ".join(f"{len(v)} {k}" for k, v in files.items())
    _say(f"justice lint: {scope} ({counts})")
    results = []
    for step in plan(files, fix=fix, settings=settings):
        result = run_step(step)
        results.append(result)
        status = "ok" if result.ok else "FAILED"
        _say(f"  {result.name}: {status} ({result.seconds:.1f}s)")
        shown = _indent(result.output)
        if shown.strip() and (not result.ok or fix):
            typer.echo(shown)
    failed = [r.name for r in results if not r.ok]
    if failed:
        hint = "" if fix else " (`justice lint --fix` applies what can be fixed)"
        _say(f"justice lint: {len(failed)} of {len(results)} failed: {', '.join(failed)}{hint}")
    else:
        _say(f"justice lint: all {len(results)} passed")
    return not failed


_NOISE = ("=== [dbt templater]", "All Finished")


def _indent(text: str) -> str:
    lines = [line for line in text.splitlines() if not line.startswith(_NOISE)]
    return "\n".join("    " + line for line in lines)


def command(
    paths: Annotated[
        list[str] | None,
        typer.Argument(help="Files or folders to lint (default: the whole project)."),
    ] = None,
    fix: Annotated[bool, typer.Option("--fix", help="Apply the fixes the tools can make.")] = False,
    changed: Annotated[
        bool,
        typer.Option("--changed", help="Only files changed since the merge-base with --base."),
    ] = False,
    base: Annotated[
        str | None,
        typer.Option(help="Branch --changed compares with (default: origin/main, main, HEAD)."),
    ] = None,
) -> None:
    """Lint SQL (sqlfluff, dbt templater), YAML (yamllint) and Python (ruff) to
    STYLE.md; exit 1 when anything is left to fix."""
    if not lint(fix=fix, changed=changed, base=base, paths=paths or ()):
        raise typer.Exit(1)
