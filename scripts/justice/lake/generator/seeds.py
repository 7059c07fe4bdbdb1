"""Load the reference seeds (``seeds/*.csv``) the generator shares with the dbt project."""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

from justice.console import PROJECT_ROOT

SEEDS_ENV = "JUSTICE_SEEDS_DIR"


def default_seeds_dir() -> Path:
    """``$JUSTICE_SEEDS_DIR`` if set, else the repository's ``seeds/``."""
    env = os.environ.get(SEEDS_ENV)
    if env:
        return Path(env)
    return PROJECT_ROOT / "seeds"


def read_seed(name: str, seeds_dir: Path | None = None) -> list[dict[str, str]]:
    path = (seeds_dir or default_seeds_dir()) / f"{name}.csv"
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@dataclass(frozen=True)
class Refs:
    offences: tuple[dict[str, str], ...]
    disposals: tuple[dict[str, str], ...]
    prisons: tuple[dict[str, str], ...]
    courts: tuple[dict[str, str], ...]

    def disposal_codes(self, system: str, category: str) -> list[str]:
        return [
            d["source_code"]
            for d in self.disposals
            if d["source_system"] == system and d["conformed_disposal_category"] == category
        ]

    def disposal_category(self, system: str) -> dict[str, str]:
        return {
            d["source_code"]: d["conformed_disposal_category"]
            for d in self.disposals
            if d["source_system"] == system
        }


def load_refs(seeds_dir: Path | None = None) -> Refs:
    return Refs(
        offences=tuple(read_seed("offence_codes", seeds_dir)),
        disposals=tuple(read_seed("disposal_type_map", seeds_dir)),
        prisons=tuple(read_seed("prison_establishments", seeds_dir)),
        courts=tuple(read_seed("courts", seeds_dir)),
    )
