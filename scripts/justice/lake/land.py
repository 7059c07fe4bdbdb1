"""Land the simulated world in the lake: each chunk's CDC partitions, truth and metadata.

Public interface (used by the ``justice generate`` / ``justice land`` commands):

- :func:`generate` writes the full load and ``days`` daily change partitions of every raw
  table, the ground truth under ``<lake>/_truth/`` and ``<lake>/_meta.json``;
- :func:`land` appends the next ``days`` daily partitions to a generated lake;
- :class:`GeneratorError` is raised with an actionable message for every user error.

Layout: ``<lake>/raw/<system>/<table>/extraction_date=YYYY-MM-DD/part-NNNNN.parquet|csv``,
one part per chunk of ``generator.world.CHUNK_SIZE`` people. Ground truth is written per chunk as
directories of parquet parts: ``<lake>/_truth/<name>/part-NNNNN.parquet`` for ``people``,
``person_records``, ``custody_stays``, ``court_cases``, ``court_disposals``, ``offences``
(true offence and conviction dates, every charged offence), ``supervision_periods`` (one per
Delius disposal: type, true start, expected end, termination), ``probation_appointments``,
``em_orders`` (true end, violations), ``em_violations`` and ``injected`` (read them with
``read_parquet('<lake>/_truth/<name>/*.parquet')``). Truth covers the
whole simulated horizon (``start + generator.world.HORIZON_DAYS``), not just the landed days; filter
by date to compare with what has landed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import json
import math
import multiprocessing
import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from justice.lake.contract import TABLES
from justice.lake.generator import cdc
from justice.lake.generator.names import build_pools
from justice.lake.generator.noise import to_date, to_day
from justice.lake.generator.profiles import PROFILES, profile_rates
from justice.lake.generator.rates import DEFAULT_RATES, Rates
from justice.lake.generator.seeds import load_refs
from justice.lake.generator.world import CHUNK_SIZE, HORIZON_DAYS, Chunk

__all__ = ["GeneratorError", "generate", "land", "GENERATOR_VERSION", "HORIZON_DAYS"]

GENERATOR_VERSION = "1.0.0"
META_FILE = "_meta.json"
MAX_WORKERS = 2  # chunks simulated in parallel (each worker holds one chunk)

Progress = Callable[[str], None] | None


def _refuse_future(last: dt.date) -> None:
    """Raise before writing a partition the lake contract would refuse: one dated more
    than a day after today (justice.lake.check.future_partition)."""
    from justice.lake.check import future_partition

    problem = future_partition(last)
    if problem:
        raise GeneratorError(
            f"the last partition would be {last}: {problem}. The build refuses such "
            "partitions; give an earlier --start or fewer --days."
        )


class GeneratorError(Exception):
    """A problem the user can fix (the message says how)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


TRUTH_SCHEMAS: dict[str, pa.Schema] = {
    "people": pa.schema(
        [
            ("person_id", pa.int64()),
            ("first_name", pa.string()),
            ("middle_name", pa.string()),
            ("last_name", pa.string()),
            ("alternative_last_name", pa.string()),
            ("birth_date", pa.date32()),
            ("sex", pa.string()),
            ("pnc", pa.string()),
            ("cro", pa.string()),
            ("postcode", pa.string()),
            ("later_postcode", pa.string()),
            ("first_offence_date", pa.date32()),
        ]
    ),
    "person_records": pa.schema(
        [
            ("system", pa.string()),
            ("source_table", pa.string()),
            ("source_record_id", pa.string()),
            ("person_id", pa.int64()),
            ("created_date", pa.date32()),
        ]
    ),
    "custody_stays": pa.schema(
        [
            ("person_id", pa.int64()),
            ("offender_id", pa.int64()),
            ("offender_book_id", pa.int64()),
            ("agy_loc_id", pa.string()),
            ("stay_start_date", pa.date32()),
            ("stay_end_date", pa.date32()),
            ("start_reason", pa.string()),
            ("end_reason", pa.string()),
        ]
    ),
    "court_cases": pa.schema(
        [
            ("case_id", pa.string()),
            ("person_id", pa.int64()),
            ("court_code", pa.string()),
            ("jurisdiction", pa.string()),
            ("received_date", pa.date32()),
            ("first_hearing_date", pa.date32()),
            ("completion_date", pa.date32()),
        ]
    ),
    "court_disposals": pa.schema(
        [
            ("defendant_id", pa.string()),
            ("case_id", pa.string()),
            ("offence_id", pa.string()),
            ("person_id", pa.int64()),
            ("disposal_code", pa.string()),
            ("conformed_disposal_category", pa.string()),
            ("true_disposal_category", pa.string()),
            ("custodial_days", pa.int32()),
            ("sentence_date", pa.date32()),
        ]
    ),
    "offences": pa.schema(
        [
            ("person_id", pa.int64()),
            ("case_id", pa.string()),
            ("defendant_id", pa.string()),
            ("offence_id", pa.string()),
            ("offence_code", pa.string()),
            ("is_breach", pa.bool_()),
            ("offence_date", pa.date32()),
            ("conviction_date", pa.date32()),
            ("sentence_date", pa.date32()),
        ]
    ),
    "supervision_periods": pa.schema(
        [
            ("person_id", pa.int64()),
            ("offender_id", pa.int64()),
            ("event_id", pa.int64()),
            ("disposal_id", pa.int64()),
            ("supervision_type", pa.string()),
            ("disposal_type_code", pa.string()),
            ("sentence_date", pa.date32()),
            ("supervision_start_date", pa.date32()),
            ("expected_end_date", pa.date32()),
            ("termination_date", pa.date32()),
            ("termination_reason", pa.string()),
        ]
    ),
    "probation_appointments": pa.schema(
        [
            ("contact_id", pa.int64()),
            ("person_id", pa.int64()),
            ("offender_id", pa.int64()),
            ("disposal_id", pa.int64()),
            ("contact_date", pa.date32()),
            ("attended", pa.string()),
            ("complied", pa.string()),
        ]
    ),
    "em_orders": pa.schema(
        [
            ("order_id", pa.string()),
            ("person_id", pa.int64()),
            ("subject_id", pa.string()),
            ("order_type", pa.string()),
            ("order_start_date", pa.date32()),
            ("planned_end_date", pa.date32()),
            ("order_end_date", pa.date32()),
            ("violation_count", pa.int32()),
            ("high_severity_violation_count", pa.int32()),
            ("first_violation_date", pa.date32()),
        ]
    ),
    "em_violations": pa.schema(
        [
            ("event_id", pa.string()),
            ("order_id", pa.string()),
            ("person_id", pa.int64()),
            ("violation_type", pa.string()),
            ("severity", pa.string()),
            ("violation_date", pa.date32()),
        ]
    ),
    "injected": pa.schema(
        [
            ("kind", pa.string()),
            ("system", pa.string()),
            ("source_table", pa.string()),
            ("source_key", pa.string()),
            ("record_date", pa.date32()),
            ("extraction_date", pa.date32()),
            ("detail", pa.string()),
        ]
    ),
}


def _write_truth(truth_dir: Path, name: str, rows: list[tuple], chunk: int) -> None:
    schema = TRUTH_SCHEMAS[name]
    cols = list(zip(*rows, strict=True)) if rows else [() for _ in schema]
    arrays = [pa.array(list(c), type=f.type) for c, f in zip(cols, schema, strict=True)]
    out = truth_dir / name
    out.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_arrays(arrays, schema=schema), out / f"part-{chunk:05d}.parquet")


@contextlib.contextmanager
def _without_gc_pauses():
    """Python's cyclic garbage collector off for one chunk. A chunk holds millions of small
    live objects (versions, rows) and creates few reference cycles, so the collector's
    repeated full passes over them were most of the generate time at a million people; the
    objects are freed by reference counting as usual, and the collector is restored (and
    run once) afterwards. Output does not depend on it."""
    was_enabled = gc.isenabled()
    gc.freeze()  # what exists already (references, name pools) is never scanned again
    gc.disable()
    try:
        yield
    finally:
        gc.unfreeze()
        if was_enabled:
            gc.enable()
        gc.collect()


def _process_chunk(job: dict) -> tuple[int, int, dict[str, int], int]:
    """Simulate one chunk and write its partitions (and truth). Runs in a worker process."""
    with _without_gc_pauses():
        return _simulate_chunk(job)


def _simulate_chunk(job: dict) -> tuple[int, int, dict[str, int], int]:
    c, lake, rates = job["chunk"], job["lake"], job["rates"]
    start_day, horizon = job["start_day"], job["start_day"] + HORIZON_DAYS
    chunk = Chunk(
        seed=job["seed"],
        chunk=c,
        n_people=job["n"],
        first_pid=c * CHUNK_SIZE + 1,
        start_day=start_day,
        rates=rates,
        refs=job["refs"],
        pools=job["pools"],
    )
    chunk.run()
    injected = list(chunk.injected)
    rows: dict[str, int] = {}
    files = 0
    for ti, spec in enumerate(TABLES):
        name = f"{spec.system}.{spec.name}"
        tab = chunk.t[name]
        emitted = cdc.emit(
            spec,
            tab,
            seed=job["seed"],
            chunk=c,
            table_index=ti,
            start=start_day,
            horizon=horizon,
            rates=rates,
            injected=injected,
        )
        counts = cdc.write_partitions(
            spec,
            tab,
            emitted,
            first_day=job["first_day"],
            last_day=job["last_day"],
            raw_dir=lake / "raw",
            chunk=c,
        )
        rows[name] = int(sum(counts.values()))
        files += len(counts)
        chunk.t[name] = None  # type: ignore[assignment]  # free memory as we go
    if job["write_truth"]:
        truth = lake / "_truth"
        _write_truth(truth, "people", chunk.truth_people, c)
        _write_truth(truth, "person_records", chunk.truth_records, c)
        _write_truth(truth, "custody_stays", chunk.truth_stays, c)
        _write_truth(truth, "court_cases", chunk.truth_cases, c)
        _write_truth(truth, "court_disposals", chunk.truth_disposals, c)
        _write_truth(truth, "offences", chunk.truth_offences, c)
        _write_truth(truth, "supervision_periods", chunk.truth_supervision, c)
        _write_truth(truth, "probation_appointments", chunk.truth_appointments, c)
        _write_truth(truth, "em_orders", chunk.truth_em_orders, c)
        _write_truth(truth, "em_violations", chunk.truth_em_violations, c)
        _write_truth(truth, "injected", injected, c)
    return c, job["n"], rows, files


def _simulate_and_write(
    lake: Path,
    *,
    seed: int,
    people: int,
    start: dt.date,
    first_day: int,
    last_day: int,
    write_truth: bool,
    progress: Progress,
    rates: Rates = DEFAULT_RATES,
    workers: int | None = None,
) -> dict:
    t0 = time.perf_counter()
    refs = load_refs()
    pools = build_pools(seed)
    n_chunks = max(1, math.ceil(people / CHUNK_SIZE))
    jobs = [
        {
            "chunk": c,
            "n": min(CHUNK_SIZE, people - c * CHUNK_SIZE),
            "lake": lake,
            "rates": rates,
            "seed": seed,
            "start_day": to_day(start),
            "first_day": first_day,
            "last_day": last_day,
            "write_truth": write_truth,
            "refs": refs,
            "pools": pools,
        }
        for c in range(n_chunks)
    ]
    if workers is None:
        workers = min(n_chunks, os.cpu_count() or 1, MAX_WORKERS)
    rows: dict[str, int] = {}
    files = 0
    if workers > 1:
        ctx = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
            results = pool.map(_process_chunk, jobs)
            for c, n, chunk_rows, chunk_files in results:
                _tally(rows, chunk_rows)
                files += chunk_files
                _report(progress, c, n_chunks, n, t0)
    else:
        for job in jobs:
            c, n, chunk_rows, chunk_files = _process_chunk(job)
            _tally(rows, chunk_rows)
            files += chunk_files
            _report(progress, c, n_chunks, n, t0)
    return {"rows": rows, "files": files, "seconds": round(time.perf_counter() - t0, 2)}


def _tally(total: dict[str, int], part: dict[str, int]) -> None:
    for k, v in part.items():
        total[k] = total.get(k, 0) + v


def _report(progress: Progress, c: int, n_chunks: int, n: int, t0: float) -> None:
    if progress:
        progress(
            f"chunk {c + 1}/{n_chunks}: {n} people simulated and written "
            f"({time.perf_counter() - t0:.1f}s)"
        )


def _d(day: int | None) -> dt.date | None:
    return None if day is None else to_date(day)


def generate(
    lake: Path,
    *,
    seed: int = 42,
    people: int = 5000,
    days: int = 14,
    start: dt.date = dt.date(2026, 1, 1),
    profile: str = "default",
    progress: Progress = None,
) -> dict:
    """Write a new lake: full load at ``start`` plus ``days`` daily change partitions, with
    the noise of ``profile`` (generator/profiles.py)."""
    lake = Path(lake)
    if profile not in PROFILES:
        raise GeneratorError(f"--profile must be one of {', '.join(PROFILES)} (got {profile!r}).")
    if people < 1:
        raise GeneratorError(f"--people must be at least 1 (got {people}).")
    if days < 0 or days > HORIZON_DAYS:
        raise GeneratorError(
            f"--days must be between 0 and {HORIZON_DAYS} (the simulated horizon); got {days}."
        )
    _refuse_future(start + dt.timedelta(days=days))
    if lake.exists() and not lake.is_dir():
        raise GeneratorError(f"{lake} exists and is not a directory; choose another --lake path.")
    if lake.exists() and any(lake.iterdir()):
        raise GeneratorError(
            f"{lake} is not empty; refusing to overwrite an existing lake. Delete it "
            f"(rm -rf {lake}) or choose an empty --lake directory, or use `justice land` "
            "to append days to it."
        )
    lake.mkdir(parents=True, exist_ok=True)
    start_day = to_day(start)
    summary = _simulate_and_write(
        lake,
        seed=seed,
        people=people,
        start=start,
        first_day=start_day,
        last_day=start_day + days,
        write_truth=True,
        progress=progress,
        rates=profile_rates(profile),
    )
    _write_meta(lake, seed=seed, people=people, start=start, days=days, profile=profile)
    summary.update(
        seed=seed,
        people=people,
        profile=profile,
        start=start.isoformat(),
        days=days,
        first_partition=start.isoformat(),
        last_partition=to_date(start_day + days).isoformat(),
    )
    return summary


def land(lake: Path, *, days: int = 1, progress: Progress = None) -> dict:
    """Append the next ``days`` daily change partitions to a lake made by :func:`generate`."""
    lake = Path(lake)
    meta_path = lake / META_FILE
    if not meta_path.is_file():
        raise GeneratorError(
            f"{meta_path} not found: {lake} is not a generated lake. Run `justice generate` first."
        )
    meta = json.loads(meta_path.read_text())
    if meta.get("generator_version") != GENERATOR_VERSION:
        raise GeneratorError(
            f"{lake} was made by generator version {meta.get('generator_version')}, this is "
            f"{GENERATOR_VERSION}; regenerate the lake to land more days."
        )
    if days < 1:
        raise GeneratorError(f"--days must be at least 1 (got {days}).")
    landed = int(meta["days"])
    if landed + days > HORIZON_DAYS:
        raise GeneratorError(
            f"cannot land {days} more day(s): {landed} landed and the simulated world ends "
            f"{HORIZON_DAYS} days after the start ({meta['start']}). Regenerate the lake."
        )
    start = dt.date.fromisoformat(meta["start"])
    _refuse_future(start + dt.timedelta(days=landed + days))
    start_day = to_day(start)
    profile = meta.get("profile", "default")  # lakes written before profiles existed
    summary = _simulate_and_write(
        lake,
        seed=int(meta["seed"]),
        people=int(meta["people"]),
        start=start,
        first_day=start_day + landed + 1,
        last_day=start_day + landed + days,
        write_truth=False,
        progress=progress,
        rates=profile_rates(profile),
    )
    _write_meta(
        lake,
        seed=int(meta["seed"]),
        people=int(meta["people"]),
        start=start,
        days=landed + days,
        profile=profile,
    )
    summary.update(
        days=landed + days,
        first_partition=to_date(start_day + landed + 1).isoformat(),
        last_partition=to_date(start_day + landed + days).isoformat(),
    )
    return summary


def _write_meta(
    lake: Path, *, seed: int, people: int, start: dt.date, days: int, profile: str
) -> None:
    meta = {
        "seed": seed,
        "people": people,
        "profile": profile,
        "start": start.isoformat(),
        "days": days,
        "horizon_days": HORIZON_DAYS,
        "chunk_size": CHUNK_SIZE,
        "generator_version": GENERATOR_VERSION,
    }
    (lake / META_FILE).write_text(json.dumps(meta, indent=2) + "\n")
