"""Tests for the synthetic raw-lake generator (scripts/justice/lake/generator)."""

from __future__ import annotations

import csv
import datetime as dt
import math
import sys
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

from justice.lake.contract import TABLES  # noqa: E402
from justice.lake.generator.noise import pnc_is_valid  # noqa: E402
from justice.lake.generator.rates import DEFAULT_RATES  # noqa: E402
from justice.lake.land import GeneratorError, generate, land  # noqa: E402

START = dt.date(2026, 1, 1)
PERSON_TABLES = {
    ("nomis", "offenders"): "offender_id",
    ("delius", "offender"): "offender_id",
    ("common_platform", "defendants"): "defendant_id",
    ("em", "subjects"): "subject_id",
}


def read_rows(path: Path) -> list[tuple]:
    """Rows of one raw file as comparable tuples (nested values via repr)."""
    if path.suffix == ".csv":
        with path.open(newline="", encoding="utf-8") as fh:
            return [tuple(r) for r in list(csv.reader(fh))[1:]]
    table = pq.read_table(path)
    return [tuple(repr(v) for v in row.values()) for row in table.to_pylist()]


def lake_files(lake: Path) -> dict[str, Path]:
    return {str(p.relative_to(lake)): p for p in sorted((lake / "raw").rglob("part-*"))}


def lake_rows(lake: Path) -> dict[str, list[tuple]]:
    return {k: sorted(read_rows(p)) for k, p in lake_files(lake).items()}


def read_truth(lake: Path, name: str) -> list[dict]:
    out: list[dict] = []
    for p in sorted((lake / "_truth" / name).glob("*.parquet")):
        out += pq.read_table(p).to_pylist()
    return out


@pytest.fixture(scope="module")
def small_lake(tmp_path_factory) -> Path:
    lake = tmp_path_factory.mktemp("small") / "lake"
    generate(lake, seed=7, people=600, days=5, start=START)
    return lake


@pytest.fixture(scope="module")
def big_lake(tmp_path_factory) -> Path:
    lake = tmp_path_factory.mktemp("big") / "lake"
    generate(lake, seed=11, people=2000, days=14, start=START)
    return lake


# ------------------------------------------------------------------ contract
def test_every_table_written_with_exact_schema(small_lake: Path) -> None:
    for spec in TABLES:
        folder = small_lake / "raw" / spec.system / spec.name
        files = sorted(folder.glob("extraction_date=*/part-*"))
        assert files, f"no files for {spec.system}.{spec.name}"
        assert (folder / f"extraction_date={START.isoformat()}").is_dir(), "full load missing"
        for f in files:
            assert f.suffix == f".{spec.file_format}"
            if spec.file_format == "parquet":
                assert pq.read_schema(f).remove_metadata() == spec.schema, f
            else:
                with f.open(newline="", encoding="utf-8") as fh:
                    rows = list(csv.reader(fh))
                assert rows[0] == spec.column_names, f
                for r in rows[1:]:
                    assert len(r) == len(spec.column_names)
                    assert r[0] in {"I", "U", "D"}
                    dt.datetime.strptime(r[1], "%Y-%m-%d %H:%M:%S")


def test_full_load_is_inserts_and_partitions_are_daily(small_lake: Path) -> None:
    for spec in TABLES:
        folder = small_lake / "raw" / spec.system / spec.name
        for part in folder.iterdir():
            day = dt.date.fromisoformat(part.name.split("=")[1])
            assert START <= day <= START + dt.timedelta(days=5)
            if day == START:
                for f in part.iterdir():
                    assert {r[0].strip("'") for r in read_rows(f)} == {"I"}


def test_em_names_are_surname_comma_forename(small_lake: Path) -> None:
    f = next((small_lake / "raw" / "em" / "subjects").glob("*/part-*.csv"))
    with f.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert rows and all(", " in r["full_name"] for r in rows)


def test_meta_written(small_lake: Path) -> None:
    import json

    meta = json.loads((small_lake / "_meta.json").read_text())
    assert meta["seed"] == 7 and meta["people"] == 600 and meta["days"] == 5
    assert meta["start"] == START.isoformat() and meta["generator_version"]


# ------------------------------------------------------------------ determinism
def test_same_seed_same_rows_different_seed_different(tmp_path: Path) -> None:
    generate(tmp_path / "a", seed=3, people=300, days=3)
    generate(tmp_path / "b", seed=3, people=300, days=3)
    generate(tmp_path / "c", seed=4, people=300, days=3)
    a, b, c = (lake_rows(tmp_path / x) for x in "abc")
    assert a == b
    assert a != c
    ta = read_truth(tmp_path / "a", "person_records")
    assert ta == read_truth(tmp_path / "b", "person_records")


def test_generate_then_land_equals_generate(tmp_path: Path) -> None:
    generate(tmp_path / "x", seed=5, people=400, days=5)
    summary = land(tmp_path / "x", days=3)
    assert summary["days"] == 8
    generate(tmp_path / "y", seed=5, people=400, days=8)
    x, y = lake_rows(tmp_path / "x"), lake_rows(tmp_path / "y")
    assert x.keys() == y.keys()
    assert x == y


# ------------------------------------------------------------------ errors
def test_refuses_to_overwrite(small_lake: Path, tmp_path: Path) -> None:
    with pytest.raises(GeneratorError, match="not empty"):
        generate(small_lake, people=10, days=1)
    empty = tmp_path / "empty"
    empty.mkdir()
    generate(empty, people=20, days=1)  # an existing empty directory is fine


def test_land_errors(tmp_path: Path) -> None:
    with pytest.raises(GeneratorError, match="generate"):
        land(tmp_path / "nothing")
    generate(tmp_path / "l", people=20, days=1)
    with pytest.raises(GeneratorError, match="horizon|world ends"):
        land(tmp_path / "l", days=10_000)


# ------------------------------------------------------------------ truth
def test_truth_covers_every_person_record(small_lake: Path) -> None:
    truth = {
        (r["system"], r["source_table"], r["source_record_id"])
        for r in read_truth(small_lake, "person_records")
    }
    for (system, table), key in PERSON_TABLES.items():
        for f in (small_lake / "raw" / system / table).glob("*/part-*"):
            if f.suffix == ".csv":
                with f.open(newline="", encoding="utf-8") as fh:
                    keys = {r[key] for r in csv.DictReader(fh)}
            else:
                keys = {
                    str(v)
                    for v in pq.read_table(f, columns=[key]).column(0).to_pylist()
                    if v is not None
                }
            keys.discard("")
            missing = {k for k in keys if (system, table, k) not in truth}
            assert not missing, f"{system}.{table}: {sorted(missing)[:5]}"


def test_truth_people_and_stays(small_lake: Path) -> None:
    people = read_truth(small_lake, "people")
    assert len(people) == 600
    assert all(pnc_is_valid(p["pnc"]) for p in people)
    stays = read_truth(small_lake, "custody_stays")
    assert stays
    for s in stays:
        assert s["start_reason"] in {"ADM", "TRN"}
        assert s["end_reason"] in {"REL", "TRN", None}
        assert (s["stay_end_date"] is None) == (s["end_reason"] is None)
        assert s["agy_loc_id"] == s["agy_loc_id"].strip().upper()
    cases = read_truth(small_lake, "court_cases")
    assert all(
        c["first_hearing_date"] is None or c["first_hearing_date"] >= c["received_date"]
        for c in cases
    )
    disposals = read_truth(small_lake, "court_disposals")
    assert {d["true_disposal_category"] for d in disposals} >= {"custody", "fine"}


def test_world_reaches_every_system(big_lake: Path) -> None:
    records = read_truth(big_lake, "person_records")
    by_system = Counter()
    for system in ("nomis", "delius", "common_platform", "em"):
        by_system[system] = len({r["person_id"] for r in records if r["system"] == system})
    assert by_system["common_platform"] > 0.9 * 2000
    assert 0.25 * 2000 < by_system["nomis"] < 0.65 * 2000
    assert 0.4 * 2000 < by_system["delius"] < 0.8 * 2000
    assert 0.1 * 2000 < by_system["em"] < 0.35 * 2000


# ------------------------------------------------------------------ realism
ALL_KINDS = {
    "pnc_missing",
    "pnc_mistyped",
    "em_pnc_noise",
    "cro_missing",
    "noms_missing",
    "noms_stale",
    "name_typo",
    "name_correction",
    "nickname",
    "name_swapped",
    "double_barrelled_variant",
    "surname_change",
    "name_case_noise",
    "dob_transposed",
    "dob_off_by_year",
    "dob_missing",
    "dob_format",
    "postcode_noise",
    "duplicate_person_record",
    "code_noise",
    "code_unmapped",
    "late_event",
    "late_update",
    "update_before_insert",
    "duplicate_row",
    "redelivered_row",
    "hard_delete",
    "soft_delete",
    "null_key",
    "garbage_date",
}


def test_every_realism_kind_occurs(big_lake: Path) -> None:
    kinds = Counter(r["kind"] for r in read_truth(big_lake, "injected"))
    assert not ALL_KINDS - set(kinds), sorted(ALL_KINDS - set(kinds))


def _within(observed: int, n: int, rate: float) -> bool:
    sd = math.sqrt(rate * (1 - rate) / n)
    return abs(observed / n - rate) <= 4 * sd + 0.002


def test_person_record_rates(big_lake: Path) -> None:
    injected = read_truth(big_lake, "injected")
    records = Counter(r["system"] for r in read_truth(big_lake, "person_records"))
    per = Counter((r["kind"], r["system"]) for r in injected)
    R = DEFAULT_RATES
    for system, n in records.items():
        assert _within(per[("name_typo", system)], n, R.name_typo), system
        assert _within(per[("name_swapped", system)], n, R.name_swapped), system
        assert _within(per[("pnc_missing", system)], n, 1 - R.pnc_present[system]), system
        assert _within(per[("dob_off_by_year", system)], n, R.dob_off_by_year), system
        if R.dob_missing[system]:
            assert _within(per[("dob_missing", system)], n, R.dob_missing[system]), system


def test_row_level_rates(big_lake: Path) -> None:
    last = START + dt.timedelta(days=14)
    rows = sum(len(read_rows(p)) for p in lake_files(big_lake).values())
    injected = [
        r
        for r in read_truth(big_lake, "injected")
        if r["extraction_date"] is not None and r["extraction_date"] <= last
    ]
    kinds = Counter(r["kind"] for r in injected)
    R = DEFAULT_RATES
    assert _within(kinds["duplicate_row"], rows, R.duplicate_row)
    assert _within(kinds["null_key"] + kinds["garbage_date"], rows, R.unrecoverable)


def test_injected_rows_are_in_the_lake(big_lake: Path) -> None:
    """A null-key row and a duplicate really appear in the landed files."""
    last = START + dt.timedelta(days=14)
    injected = [
        r
        for r in read_truth(big_lake, "injected")
        if r["extraction_date"] is not None and r["extraction_date"] <= last
    ]
    null_tables = {(r["system"], r["source_table"]) for r in injected if r["kind"] == "null_key"}
    system, table = sorted(null_tables)[0]
    spec = next(t for t in TABLES if t.system == system and t.name == table)
    key = spec.key[0]
    nulls = 0
    for f in (big_lake / "raw" / system / table).glob("*/part-*.parquet"):
        nulls += pq.read_table(f, columns=[key]).column(0).null_count
    assert nulls >= 1
    dup_files = 0
    for f in lake_files(big_lake).values():
        rows = read_rows(f)
        dup_files += len(rows) != len(set(rows))
    assert dup_files >= 1


def test_chunks_are_independent_of_worker_count(tmp_path: Path, monkeypatch) -> None:
    """Several chunks (small chunk size) give the same lake serially and in parallel, and
    identifiers never collide across chunks."""
    import justice.lake.land as gen

    monkeypatch.setattr(gen, "CHUNK_SIZE", 150)
    monkeypatch.setattr(gen, "MAX_WORKERS", 1)
    generate(tmp_path / "serial", seed=9, people=400, days=2)
    monkeypatch.setattr(gen, "MAX_WORKERS", 2)
    generate(tmp_path / "parallel", seed=9, people=400, days=2)
    serial, parallel = lake_rows(tmp_path / "serial"), lake_rows(tmp_path / "parallel")
    assert serial == parallel
    assert any("part-00002" in k for k in serial)
    records = read_truth(tmp_path / "serial", "person_records")
    keys = [(r["system"], r["source_record_id"]) for r in records]
    assert len(keys) == len(set(keys))
    assert sorted(r["person_id"] for r in read_truth(tmp_path / "serial", "people")) == list(
        range(1, 401)
    )


def test_custody_truth_matches_raw_movements(big_lake: Path) -> None:
    """People in custody by prison on a landed day, derived from the raw movements, equal
    the truth (half-open stays; a transfer counts at the receiving prison)."""
    import duckdb

    day = (START + dt.timedelta(days=7)).isoformat()
    raw = big_lake / "raw" / "nomis" / "offender_external_movements" / "*" / "*.parquet"
    truth = big_lake / "_truth" / "custody_stays" / "*.parquet"
    con = duckdb.connect()
    from_raw = con.sql(f"""
        with moves as (
            select distinct offender_book_id, movement_seq, movement_date,
                upper(trim(movement_type)) as movement_type,
                upper(trim(to_agy_loc_id)) as to_agy
            from read_parquet('{raw}')
            where offender_book_id is not null and op <> 'D'
        ),
        latest as (
            select offender_book_id,
                arg_max(movement_type, movement_seq) as movement_type,
                arg_max(to_agy, case when movement_type in ('ADM', 'TRN')
                    then movement_seq end) as agy
            from moves where movement_date <= date '{day}' group by 1
        )
        select agy, count(*) from latest where movement_type <> 'REL' group by 1 order by 1
    """).fetchall()
    from_truth = con.sql(f"""
        select agy_loc_id, count(*) from read_parquet('{truth}')
        where stay_start_date <= date '{day}'
            and (stay_end_date is null or stay_end_date > date '{day}')
        group by 1 order by 1
    """).fetchall()
    assert from_raw and from_raw == from_truth


def test_every_termination_reaches_the_change_log(tmp_path: Path) -> None:
    """Every supervision period the truth ends by the last partition is ended in the
    raw Delius disposal rows too. Seed 41 (1,500 people) holds a breach on the sentence
    day itself, whose update was once stamped before the disposal's insert (16:00 against
    19:00) and so lost from the full load: the mart could not see a termination the
    truth had."""
    lake = tmp_path / "lake"
    generate(lake, seed=41, people=1500, days=5, start=START)
    last = START + dt.timedelta(days=5)
    periods = read_truth(lake, "supervision_periods")
    ended = {
        p["disposal_id"]: p["termination_date"]
        for p in periods
        if p["termination_date"] is not None and p["termination_date"] <= last
    }
    same_day = [p for p in periods if p["termination_date"] == p["sentence_date"]]
    assert same_day, "the case this test is for is not in the lake"
    terminated = set()
    for path in (lake / "raw" / "delius" / "disposal").glob("*/part-*.parquet"):
        columns = ["disposal_id", "termination_date"]
        for row in pq.read_table(path, columns=columns).to_pylist():
            if row["termination_date"] is not None:
                terminated.add((row["disposal_id"], row["termination_date"]))
    missing = {key: day for key, day in ended.items() if (key, day) not in terminated}
    assert not missing, sorted(missing.items())[:5]
