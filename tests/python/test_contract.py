"""The generator writes exactly the lake's contract (justice.lake.contract): every table,
no other, and in each every column with its type, no other."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from justice.lake.contract import SYSTEMS, TABLES
from justice.lake.generator import cdc
from justice.lake.generator.names import build_pools
from justice.lake.generator.noise import to_day
from justice.lake.generator.rates import DEFAULT_RATES
from justice.lake.generator.seeds import load_refs
from justice.lake.generator.world import Chunk
from justice.lake.land import generate

START = dt.date(2026, 1, 1)
CONTRACT = {f"{spec.system}.{spec.name}": spec for spec in TABLES}


@pytest.fixture(scope="module")
def tiny_lake(tmp_path_factory: pytest.TempPathFactory) -> Path:
    lake = tmp_path_factory.mktemp("contract") / "lake"
    generate(lake, seed=3, people=300, days=2, start=START)
    return lake


@pytest.fixture(scope="module")
def chunk() -> Chunk:
    """One simulated chunk (chunk 0, so the reference tables are written too)."""
    simulated = Chunk(
        seed=3,
        chunk=0,
        n_people=300,
        first_pid=1,
        start_day=to_day(START),
        rates=DEFAULT_RATES,
        refs=load_refs(),
        pools=build_pools(3),
    )
    simulated.run()
    return simulated


def test_lake_holds_the_contract_tables_and_no_others(tiny_lake: Path) -> None:
    raw = tiny_lake / "raw"
    assert sorted(p.name for p in raw.iterdir()) == sorted(SYSTEMS)
    on_disk = {f"{s.name}.{t.name}" for s in raw.iterdir() for t in s.iterdir()}
    assert on_disk == set(CONTRACT)


def test_every_partition_has_the_contract_schema(tiny_lake: Path) -> None:
    for name, spec in CONTRACT.items():
        files = sorted((tiny_lake / "raw" / spec.system / spec.name).glob("*/part-*"))
        assert files, f"{name}: no partitions"
        for f in files:
            assert f.parent.name.startswith("extraction_date="), f
            assert f.suffix == f".{spec.file_format}", f
            if spec.file_format == "parquet":
                assert pq.read_schema(f).remove_metadata() == spec.schema, f
            else:  # CSV: the header is the contract's columns, every field a string
                options = pacsv.ConvertOptions(
                    column_types={c: pa.string() for c in spec.column_names}
                )
                table = pacsv.read_csv(f, convert_options=options)
                assert table.schema == spec.schema, f


def test_generator_tables_are_the_contract(chunk: Chunk) -> None:
    assert list(chunk.t) == list(CONTRACT)
    assert all(chunk.t[name].rows for name in CONTRACT), (
        "a contract table the generator never fills"
    )


def test_generator_rows_have_the_contract_columns_and_types(chunk: Chunk) -> None:
    """Each version row has one value per contract column, of the column's type (a value
    the contract has no column for would otherwise be dropped silently when written)."""
    for name, spec in CONTRACT.items():
        rows = chunk.t[name].rows
        widths = {len(row) for row in rows}
        assert widths == {len(spec.columns)}, f"{name}: row widths {widths}"
        for j, field in enumerate(spec.columns):
            pa.array([row[j] for row in rows], type=field.type)  # raises on a wrong type


def test_cdc_rules_name_contract_tables() -> None:
    for names in (
        cdc.EVENT_TABLES,
        cdc.LATE_UPDATE_TABLES,
        cdc.UPDATE_BEFORE_INSERT_TABLES,
        cdc.REFERENCE_TABLES,
        set(cdc.EM_DATE_COLUMNS),
    ):
        assert names <= set(CONTRACT), names - set(CONTRACT)
    for name, columns in cdc.EM_DATE_COLUMNS.items():
        assert set(columns) <= set(CONTRACT[name].column_names), name
