"""`justice athena-gate`: the offline Athena conformance gate, as a command."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Annotated

import typer


def athena_gate(
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
    from justice.athena_gate import run_gate

    if keep is not None:
        shutil.rmtree(keep, ignore_errors=True)
        keep.mkdir(parents=True)
    report = run_gate(work_dir=keep, progress=lambda message: typer.echo(message, err=True))
    typer.echo(report.render())
    if not report.ok:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("athena-gate")(athena_gate)
