"""What every command shares: where things are (settings), how a command talks to the
person running it (messages, errors) and the options several commands take.

Every path can be moved with an environment variable, so that tests and benchmarks can
build in a temporary directory without touching the developer's own lake:

| variable | default | meaning |
| --- | --- | --- |
| JUSTICE_LAKE_PATH | data/lake | the raw lake (raw/, _truth/, _meta.json) |
| JUSTICE_DUCKDB_PATH | target/justice.duckdb | the local build warehouse: the audit area |
| JUSTICE_PUBLISHED_PATH | <build warehouse>.published.duckdb | the published marts |
| JUSTICE_TARGET | local | the dbt target (local or athena) |
| DBT_TARGET_PATH | target | dbt's artefacts (manifest.json, run_results.json) |

Settings are read from the environment once and passed on; nothing here writes
`os.environ` (justice.dbt hands dbt its environment).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated, NoReturn

import typer

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class JusticeError(Exception):
    """An error the user can act on: printed as one clear message, exit code non-zero."""


def quoted_identifier(name: str) -> str:
    """A column or table name quoted as an SQL identifier (DuckDB and Trino), its double
    quotes doubled."""
    return '"' + name.replace('"', '""') + '"'


def say(message: str) -> None:
    """Progress for the person running the command (stderr, so stdout stays the result)."""
    typer.echo(message, err=True)


def error(message: str) -> None:
    """One clear error message, on stderr."""
    typer.secho(f"error: {message}", err=True, fg=typer.colors.RED)


def fail(message: str) -> NoReturn:
    """Stop the command with one clear message and exit code 1 (a JusticeError, raised
    anywhere, exits 2 with the same kind of message: see justice.cli.main)."""
    error(message)
    raise typer.Exit(1)


def _resolve(value: str | Path) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else (PROJECT_ROOT / path)


@dataclass(frozen=True)
class Settings:
    lake_path: Path
    duckdb_path: Path
    target_path: Path
    target: str
    # the published marts (write-audit-publish); default: beside the build warehouse,
    # `target/justice.duckdb` -> `target/justice.published.duckdb`
    published_path: Path | None = None

    def __post_init__(self) -> None:
        if self.published_path is None:
            from justice.publish import default_published_path

            object.__setattr__(self, "published_path", default_published_path(self.duckdb_path))

    @classmethod
    def from_env(cls, *, lake: Path | None = None) -> Settings:
        """The settings of this run: the environment, with `--lake` (when given) in place
        of JUSTICE_LAKE_PATH."""
        settings = cls(
            lake_path=_resolve(os.environ.get("JUSTICE_LAKE_PATH", "data/lake")),
            duckdb_path=_resolve(os.environ.get("JUSTICE_DUCKDB_PATH", "target/justice.duckdb")),
            target_path=_resolve(os.environ.get("DBT_TARGET_PATH", "target")),
            target=os.environ.get("JUSTICE_TARGET", "local"),
            published_path=(
                _resolve(os.environ["JUSTICE_PUBLISHED_PATH"])
                if os.environ.get("JUSTICE_PUBLISHED_PATH")
                else None
            ),
        )
        if lake is not None:
            settings = replace(settings, lake_path=lake.expanduser().resolve())
        return settings

    def dbt_variables(self) -> dict[str, str]:
        """The variables dbt runs with (justice.dbt sets them for the run only): absolute
        paths, so that views created in the warehouse keep pointing at the lake whatever
        directory they are queried from."""
        return {
            "JUSTICE_LAKE_PATH": str(self.lake_path),
            "JUSTICE_DUCKDB_PATH": str(self.duckdb_path),
            "DBT_TARGET_PATH": str(self.target_path),
            "DBT_PROFILES_DIR": str(PROJECT_ROOT / "profiles"),
            "DBT_PROJECT_DIR": str(PROJECT_ROOT),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            **self.duckdb_resources(),
        }

    def duckdb_resources(self) -> dict[str, str]:
        """DuckDB's memory limit, spill directory and threads for the local warehouse
        (profiles/profiles.yml): JUSTICE_DUCKDB_MEMORY_LIMIT, JUSTICE_DUCKDB_TEMP_DIRECTORY
        and JUSTICE_DUCKDB_THREADS when set, else a quarter of the memory this process may use
        (default_memory_limit), a directory beside the warehouse and every core it may
        run on."""
        return {
            "JUSTICE_DUCKDB_MEMORY_LIMIT": os.environ.get("JUSTICE_DUCKDB_MEMORY_LIMIT")
            or default_memory_limit(),
            "JUSTICE_DUCKDB_TEMP_DIRECTORY": str(
                _resolve(
                    os.environ.get("JUSTICE_DUCKDB_TEMP_DIRECTORY") or f"{self.duckdb_path}.spill"
                )
            ),
            "JUSTICE_DUCKDB_THREADS": os.environ.get("JUSTICE_DUCKDB_THREADS")
            or str(available_cores()),
        }


def available_cores() -> int:
    """The cores this process may run on (a container's or taskset's share, not the
    whole machine's)."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def default_memory_limit(cgroup: Path = Path("/sys/fs/cgroup")) -> str:
    """A quarter of the memory this process may use, as DuckDB reads a size ("5.8GiB"):
    the machine's physical memory, or a container's limit (cgroup v2 `memory.max`, v1
    `memory/memory.limit_in_bytes`) when that is lower."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # pragma: no cover - not Linux/macOS
        return "25%"
    for limit_file in (cgroup / "memory.max", cgroup / "memory" / "memory.limit_in_bytes"):
        try:
            text = limit_file.read_text().strip()
        except OSError:
            continue
        if text.isdigit():  # "max" (v2) means no limit
            total = min(total, int(text))
        break
    return f"{total / 4 / 2**30:.1f}GiB"


# options shared by several commands

LakeOption = Annotated[
    Path | None,
    typer.Option("--lake", help="Lake directory (default: $JUSTICE_LAKE_PATH or data/lake)."),
]
