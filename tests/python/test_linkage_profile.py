"""The `hard` noise profile (generator/profiles.py): a messy test bed for person linkage.

The profile's injections are logged to _truth/injected like every other error, so the
rates can be checked against what was written; the default profile must not change."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from justice.lake import land as generator
from justice.lake.generator.profiles import PROFILES, profile_rates
from justice.lake.generator.rates import DEFAULT_RATES


@pytest.fixture(scope="module")
def hard_lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    lake = tmp_path_factory.mktemp("hard") / "lake"
    generator.generate(lake, seed=5, people=2000, days=2, profile="hard")
    return lake


def _share(con: duckdb.DuckDBPyConnection, lake: Path, kind: str) -> float:
    injected = f"read_parquet('{lake}/_truth/injected/*.parquet')"
    records = f"read_parquet('{lake}/_truth/person_records/*.parquet')"
    hits = con.execute(f"select count(*) from {injected} where kind = ?", [kind]).fetchone()[0]
    return hits / con.execute(f"select count(*) from {records}").fetchone()[0]


def test_default_profile_is_the_default_rates() -> None:
    assert profile_rates("default") == DEFAULT_RATES
    assert not DEFAULT_RATES.identity.active
    with pytest.raises(ValueError, match="unknown noise profile"):
        profile_rates("nightmare")


def test_hard_profile_injects_its_documented_rates(hard_lake: Path) -> None:
    noise = PROFILES["hard"][1]
    with duckdb.connect() as con:
        for kind, rate in (
            ("title", noise.title),
            ("name_only", noise.name_only),
            ("dob_missing", 0.2),
        ):
            assert rate * 0.7 < _share(con, hard_lake, kind) < rate * 1.4, kind
        people = f"read_parquet('{hard_lake}/_truth/people/*.parquet')"
        # families: many people share a surname and a first address; twins share a dob too
        sharing = con.execute(
            f"select count(*) from (select last_name, postcode from {people} "
            "group by all having count(*) > 1)"
        ).fetchone()[0]
        assert sharing > 100
        twins = con.execute(
            f"select count(*) from (select last_name, postcode, birth_date from {people} "
            "group by all having count(*) > 1)"
        ).fetchone()[0]
        assert twins > 20


def test_hard_profile_records_carry_the_noise(hard_lake: Path) -> None:
    with duckdb.connect() as con:
        subjects = f"read_csv('{hard_lake}/raw/em/subjects/*/*.csv', all_varchar=true)"
        titled = con.execute(
            f"select count(*) from {subjects} "
            "where regexp_matches(full_name, ', (Mr|Mrs|Ms|Miss|Dr|MR|MRS) ')"
        ).fetchone()[0]
        placeholder = con.execute(
            f"select count(*) from {subjects} where dob in ('01/01/1900', '01/01/1901', "
            "'01/01/1970')"
        ).fetchone()[0]
        assert titled > 0 and placeholder > 0
    meta = (hard_lake / generator.META_FILE).read_text()
    assert '"profile": "hard"' in meta
