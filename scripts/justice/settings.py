"""Where things are: the project, the lake, the local warehouse, and the dbt profile.

Every path can be moved with an environment variable, so that tests and benchmarks can
build in a temporary directory without touching the developer's own lake:

| variable | default | meaning |
| --- | --- | --- |
| JUSTICE_LAKE_PATH | data/lake | the raw lake (raw/, _truth/, _meta.json) |
| JUSTICE_DUCKDB_PATH | target/justice.duckdb | the local warehouse file |
| JUSTICE_TARGET | local | the dbt target (local or athena) |
| DBT_TARGET_PATH | target | dbt's artefacts (manifest.json, run_results.json) |
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class JusticeError(Exception):
    """An error the user can act on: printed as one clear message, exit code non-zero."""


def _resolve(value: str) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else (PROJECT_ROOT / path)


@dataclass(frozen=True)
class Settings:
    lake_path: Path
    duckdb_path: Path
    target_path: Path
    target: str

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            lake_path=_resolve(os.environ.get("JUSTICE_LAKE_PATH", "data/lake")),
            duckdb_path=_resolve(os.environ.get("JUSTICE_DUCKDB_PATH", "target/justice.duckdb")),
            target_path=_resolve(os.environ.get("DBT_TARGET_PATH", "target")),
            target=os.environ.get("JUSTICE_TARGET", "local"),
        )

    def dbt_env(self) -> dict[str, str]:
        """The environment for a dbt subprocess: absolute paths, so that views created in
        the warehouse keep pointing at the lake whatever directory they are queried from."""
        env = dict(os.environ)
        env.update(
            JUSTICE_LAKE_PATH=str(self.lake_path),
            JUSTICE_DUCKDB_PATH=str(self.duckdb_path),
            DBT_TARGET_PATH=str(self.target_path),
            DBT_PROFILES_DIR=str(PROJECT_ROOT / "profiles"),
            DBT_PROJECT_DIR=str(PROJECT_ROOT),
            DBT_SEND_ANONYMOUS_USAGE_STATS="false",
        )
        return env
