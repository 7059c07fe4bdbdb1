"""`justice generate` and `justice land`: write a synthetic raw lake, then land more days.

The work is in :mod:`justice.lake.land`; these are the typer commands `cli.py` registers.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import Annotated

import typer

from justice.console import LakeOption, Settings, fail, say


def generate(
    lake: LakeOption = None,
    seed: Annotated[int, typer.Option(help="Random seed: same seed, same lake.")] = 42,
    people: Annotated[int, typer.Option(min=1, help="People in the simulated world.")] = 5000,
    days: Annotated[
        int, typer.Option(min=0, help="Daily change partitions after the full load.")
    ] = 14,
    start: Annotated[str, typer.Option(help="Date of the full load (YYYY-MM-DD).")] = "2026-01-01",
    profile: Annotated[
        str,
        typer.Option(
            help="Noise profile: default, or hard (a messy test bed for person linkage; "
            "rates in scripts/justice/lake/generator/profiles.py)."
        ),
    ] = "default",
    if_missing: Annotated[
        bool, typer.Option("--if-missing", help="Do nothing when a lake already exists.")
    ] = False,
) -> None:
    """Write a synthetic raw lake (all four systems) and its ground truth."""
    from justice.lake import land as landing

    settings = Settings.from_env(lake=lake)
    if if_missing and (settings.lake_path / landing.META_FILE).exists():
        say(f"lake exists at {settings.lake_path}; leaving it (drop --if-missing to rebuild)")
        return
    try:
        start_date = dt.date.fromisoformat(start)
    except ValueError:
        fail(f"--start must be a date like 2026-01-01, not {start!r}")
    started = time.perf_counter()
    summary = landing.generate(
        settings.lake_path,
        seed=seed,
        people=people,
        days=days,
        start=start_date,
        profile=profile,
        progress=say,
    )
    say(f"generated {settings.lake_path} in {time.perf_counter() - started:.1f}s")
    typer.echo(json.dumps(summary, indent=2, default=str))


def land(
    lake: LakeOption = None,
    days: Annotated[int, typer.Option(min=1, help="How many more days to land.")] = 1,
) -> None:
    """Append the next day's change partition(s) to an existing lake."""
    from justice.lake import land as landing

    settings = Settings.from_env(lake=lake)
    summary = landing.land(settings.lake_path, days=days, progress=say)
    typer.echo(json.dumps(summary, indent=2, default=str))
