"""`justice lint`: sqlfluff (dbt templater, local profile) on SQL, yamllint on YAML, ruff
(lint and format) on Python, configured to STYLE.md.

SQL is rendered by dbt itself (sqlfluff's dbt templater), so what is linted is what dbt
runs. Rendering needs no lake and no built warehouse: models are only compiled, against
an empty scratch warehouse (justice.quality.scratch_warehouse); macros that need a model's
columns read them from its YAML.

Configuration: `[tool.sqlfluff.*]` and `[tool.ruff]` in pyproject.toml, yamllint in
`yamllint.yml` beside this module; the project's own SQL rule is the sqlfluff plugin in
justice.quality.sqlfluff_plugin.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from justice.console import PROJECT_ROOT, JusticeError, Settings, say
from justice.quality.scratch_warehouse import scratch_environment

YAMLLINT_CONFIG = Path(__file__).with_name("yamllint.yml")

# what each tool looks at, relative to the project root
SQL_ROOTS = ("models", "tests/dbt", "analyses", "snapshots")
SQL_EXCLUDED = ("tests/dbt/generic/",)  # generic tests are macros: dbt cannot render them
PYTHON_ROOTS = ("scripts", "tests/python", "models")  # models: dbt Python models
YAML_SUFFIXES = (".yml", ".yaml")


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
# the tools


@dataclass
class Step:
    name: str
    command: list[str]
    env: dict[str, str] | None = None
    # output that means failure even when the tool exits 0 (sqlfluff skips files that
    # dbt cannot render with only a warning)
    failure_marker: str | None = None
    files: int = 0  # files the tool reports one by one (progress), when it does


@dataclass
class StepResult:
    name: str
    ok: bool
    seconds: float
    output: str


_FILE_DONE = re.compile(r"^== \[(?P<file>[^\]]+)\] (?P<status>PASS|FAIL|SKIP)")


def run_step(step: Step) -> StepResult:
    """Run one tool; sqlfluff's per-file verdicts are shown as they come (it takes
    minutes on the whole project), the rest of its output at the end."""
    started = time.perf_counter()
    lines: list[str] = []
    with subprocess.Popen(
        step.command,
        cwd=PROJECT_ROOT,
        env=step.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as process:
        assert process.stdout is not None
        done = 0
        for line in process.stdout:
            lines.append(line)
            match = _FILE_DONE.match(line)
            if match and step.files:
                done += 1
                say(f"  {step.name} [{done}/{step.files}] {match['file']}: {match['status']}")
        returncode = process.wait()
    output = "".join(lines).strip()
    ok = returncode == 0 and not (step.failure_marker and step.failure_marker in output)
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
        say(
            f"justice lint: rendering {len(sql)} SQL file(s) with dbt (empty scratch warehouse) ..."
        )
        env = scratch_environment(settings)
        sqlfluff = _tool("sqlfluff")
        if fix:
            steps.append(
                Step("sqlfluff fix", [sqlfluff, "fix", "--quiet", *sql], env, "Skipped file")
            )
        steps.append(
            Step(
                "sqlfluff lint",
                # -v: a "== [file] PASS" line per file, shown as progress
                [sqlfluff, "lint", "--nocolor", "-v", *sql],
                env,
                "Skipped file",
                files=len(sql),
            )
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
    say(f"justice lint: {scope} ({counts})")
    results = []
    for step in plan(files, fix=fix, settings=settings):
        result = run_step(step)
        results.append(result)
        status = "ok" if result.ok else "FAILED"
        say(f"  {result.name}: {status} ({result.seconds:.1f}s)")
        shown = _indent(result.output)
        if shown.strip() and (not result.ok or fix):
            typer.echo(shown)
    failed = [r.name for r in results if not r.ok]
    if failed:
        hint = "" if fix else " (`justice lint --fix` applies what can be fixed)"
        say(f"justice lint: {len(failed)} of {len(results)} failed: {', '.join(failed)}{hint}")
    else:
        say(f"justice lint: all {len(results)} passed")
    return not failed


_NOISE = (
    "=== [dbt templater]",
    "All Finished",
    # sqlfluff -v's header and summary (the verdicts were shown as progress)
    "====",
    "sqlfluff:",
    "implementation:",
    "dialect:",
    "dbt:",
    "rules:",
    "violations:",
)


def _indent(text: str) -> str:
    lines = [
        line
        for line in text.splitlines()
        if not line.startswith(_NOISE) and not line.endswith("] PASS")
    ]
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
