"""`justice docs`: the lineage and documentation site, generated (and served) by dbt."""

from __future__ import annotations

from typing import Annotated

import typer

from justice import dbt
from justice.console import JusticeError, Settings


def command(
    serve: Annotated[
        bool, typer.Option("--serve", help="Serve the site on localhost after generating it.")
    ] = False,
    port: Annotated[int, typer.Option(help="Port for --serve.")] = 8080,
) -> None:
    """Generate the dbt docs site (lineage, descriptions, tests) into the target folder."""
    settings = Settings.from_env()
    if not settings.duckdb_path.exists():
        raise JusticeError(
            f"no warehouse at {settings.duckdb_path}: run `justice build` first, so the docs "
            "can show every column's type."
        )
    if not dbt.invoke(["docs", "generate"], settings).success:
        raise JusticeError("dbt docs generate failed; its output above says why.")
    index = settings.target_path / "index.html"
    typer.echo(f"docs written to {index}")
    if serve:
        typer.echo(f"serving http://127.0.0.1:{port}/ (Ctrl-C to stop)")
        try:
            served = dbt.invoke(
                ["docs", "serve", "--port", str(port), "--host", "127.0.0.1", "--no-browser"],
                settings,
            )
        except KeyboardInterrupt:
            typer.echo("stopped")
            return
        if not served.success:
            raise JusticeError(f"dbt docs serve failed: {served.describe_failure()}")
