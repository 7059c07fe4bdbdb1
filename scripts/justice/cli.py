"""The `justice` command: wiring only. Each command's body lives in the module named after
it (justice.build for `justice build`, justice.quality.check for `justice check`, ...).

Every failure is one clear message on stderr and a non-zero exit code; a stack trace is
shown only with JUSTICE_DEBUG=1.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Annotated, Any

import typer

from justice import bench, build, diff, docs, lineage, marts, query
from justice.athena import gate
from justice.console import JusticeError, error
from justice.lake import commands as lake_commands
from justice.linkage import commands as linkage
from justice.quality import check, lint

app = typer.Typer(
    help="Analytics engineering for criminal-justice data: generate, build, query.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# command name -> (function, click context settings)
COMMANDS: dict[str, tuple[Callable[..., Any], dict[str, Any] | None]] = {
    "generate": (lake_commands.generate, None),
    "land": (lake_commands.land, None),
    "build": (build.command, build.CONTEXT_SETTINGS),
    "query": (query.command, None),
    "lint": (lint.command, None),
    "check": (check.command, None),
    "docs": (docs.command, None),
    "lineage": (lineage.command, None),
    "diff": (diff.command, None),
    "marts": (marts.command, None),
    "bench": (bench.command, None),
    "athena-gate": (gate.command, None),
}
# command groups: name -> typer app
GROUPS: dict[str, typer.Typer] = {
    "linkage": linkage.app,
}


def version_text() -> str:
    from importlib.metadata import version

    return f"justice {version('justice')} (dbt-core {version('dbt-core')})"


def _show_version(value: bool) -> None:
    if value:
        typer.echo(version_text())
        raise typer.Exit()


@app.callback()
def _options(
    version: Annotated[  # noqa: ARG001 - handled eagerly by _show_version
        bool,
        typer.Option(
            "--version", callback=_show_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Analytics engineering for criminal-justice data: generate, build, query."""


for name, (function, context_settings) in COMMANDS.items():
    app.command(name, context_settings=context_settings)(function)
for name, group in GROUPS.items():
    app.add_typer(group, name=name)


def main() -> None:
    try:
        app()
    except JusticeError as problem:
        error(str(problem))
        sys.exit(2)
    except Exception as problem:  # noqa: BLE001 - last line of defence for users
        if os.environ.get("JUSTICE_DEBUG"):
            raise
        error(f"{type(problem).__name__}: {problem} (set JUSTICE_DEBUG=1 for details)")
        sys.exit(1)


if __name__ == "__main__":
    main()
