"""Turn simulated row versions into the raw lake's full load and daily change partitions.

For each table of each chunk:
- the full load (partition ``start``) holds, as op ``I``, every row's state at the end of
  the start day (rows deleted by then are absent);
- each later change is extracted on its business day (``extraction_timestamp`` a few
  minutes after the change), except the injected late rows, which land k days later;
- exact duplicates, re-deliveries and unrecoverable rows are added on top.

Every random draw is made over the whole simulated horizon, before the rows are cut at the
last landed day, so the partitions of day D never depend on how many days were asked for.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from justice.lake.contract import RawTable

from .chunk import US_DAY, US_HOUR, US_MIN, Tab
from .noise import GARBAGE_DATES
from .rates import Rates

EVENT_TABLES = {
    "nomis.offender_external_movements",
    "nomis.incident_cases",
    "nomis.incident_case_parties",
    "delius.contact",
    "common_platform.hearings",
    "em.device_events",
}
LATE_UPDATE_TABLES = {"nomis.offenders", "delius.offender"}
UPDATE_BEFORE_INSERT_TABLES = {
    "nomis.offenders",
    "nomis.offender_bookings",
    "delius.offender",
    "common_platform.cases",
}
REFERENCE_TABLES = {"nomis.agency_locations", "delius.r_standard_reference_list"}
EM_DATE_COLUMNS = {
    "em.subjects": ("dob",),
    "em.orders": ("order_start_date", "order_end_date"),
    "em.device_events": ("event_datetime",),
}
FULL_LOAD_TIME = 23 * US_HOUR + 59 * US_MIN
LATE_UPDATE_MAX_GAP = 3  # the later change is at most this many days after
NEVER = np.iinfo(np.int64).max // 4
US_S = 1_000_000


@dataclass
class Emitted:
    """Delivered rows of one table of one chunk, sorted by extraction time."""

    idx: np.ndarray  # index into the table's versions
    op: np.ndarray  # delivered op
    day: np.ndarray  # extraction date (days since epoch)
    ts: np.ndarray  # extraction timestamp (microseconds since epoch)
    mod: np.ndarray  # 0 as simulated, 1 primary key nulled, 2 garbage date
    garbage: np.ndarray  # index into GARBAGE_DATES (mod == 2)


def _key_str(spec: RawTable, row: tuple) -> str:
    names = [f.name for f in spec.columns]
    return "|".join(str(row[names.index(k)]) for k in spec.key)


def emit(
    spec: RawTable,
    tab: Tab,
    *,
    seed: int,
    chunk: int,
    table_index: int,
    start: int,
    horizon: int,
    rates: Rates,
    injected: list,
) -> Emitted:
    name = f"{spec.system}.{spec.name}"
    n = len(tab.rec)
    rng = np.random.default_rng([seed, chunk, 1000 + table_index])
    if n == 0:
        e = np.zeros(0, np.int64)
        return Emitted(e, np.zeros(0, "<U1"), e, e, e, e)
    rec = np.asarray(tab.rec, np.int64)
    ts = np.asarray(tab.ts, np.int64)
    op = np.asarray(tab.op, "<U1")
    order = np.lexsort((np.arange(n), ts, rec))
    rec_s, ts_s, op_s = rec[order], ts[order], op[order]
    day_s = ts_s // US_DAY
    last = np.r_[rec_s[1:] != rec_s[:-1], True]
    next_day = np.r_[day_s[1:], NEVER]
    next_day[last] = NEVER
    # all draws up front, sized by the horizon only
    u_late, lag_late = rng.random(n), rng.integers(1, 6, n)
    u_lu, k_lu = rng.random(n), rng.integers(1, 4, n)
    u_ubi = rng.random(n)
    off_sec, late_sec = rng.integers(60, 300, n), rng.integers(3600, 6 * 3600, n)
    u_redel, lag_redel = rng.random(n), rng.integers(1, 4, n)

    def log(kind: str, positions: np.ndarray, ext_days: np.ndarray) -> None:
        for pos, ed in zip(positions.tolist(), ext_days.tolist(), strict=True):
            i = int(order[pos])
            injected.append(
                (
                    kind,
                    spec.system,
                    spec.name,
                    _key_str(spec, tab.rows[i]),
                    int(day_s[pos]),
                    int(ed),
                    "",
                )
            )

    # full load: state at the end of the start day
    fl = (day_s <= start) & (next_day > start) & (op_s != "D")
    post = (day_s > start) & (day_s <= horizon)
    lag = np.zeros(n, np.int64)
    if name in EVENT_TABLES:
        late = post & (op_s == "I") & (u_late < rates.late_event) & (day_s + lag_late < next_day)
        lag[late] = lag_late[late]
    ext_day = day_s + lag
    shifted = lag > 0
    nxt_same = ~last
    if name in UPDATE_BEFORE_INSERT_TABLES:
        ubi = (
            post
            & (op_s == "I")
            & nxt_same
            & (next_day > day_s)
            & (u_ubi < rates.update_before_insert)
        )
        pos = np.flatnonzero(ubi)
        ext_day[pos] = ext_day[pos + 1] + 1
        shifted[pos] = True
        log("update_before_insert", pos, ext_day[pos])
    if name in LATE_UPDATE_TABLES:
        lu = (
            post
            & (op_s == "U")
            & nxt_same
            & (next_day > day_s)
            & (next_day - day_s <= LATE_UPDATE_MAX_GAP)
            & ~shifted
            & (u_lu < rates.late_update)
        )
        pos = np.flatnonzero(lu)
        ext_day[pos] = ext_day[pos + 1] + k_lu[pos]
        shifted[pos] = True
        log("late_update", pos, ext_day[pos])
    if name in EVENT_TABLES:
        pos = np.flatnonzero(post & (lag > 0))
        log("late_event", pos, ext_day[pos])
    on_time_ts = np.minimum(ts_s + off_sec * US_S, ext_day * US_DAY + US_DAY - US_S)
    ext_ts = np.where(shifted, ext_day * US_DAY + late_sec * US_S, on_time_ts)
    ext_ts -= ext_ts % US_S
    # re-delivery of the same row image a few days later, while it is still current
    next_ext = np.r_[ext_day[1:], NEVER]
    next_ext[last] = NEVER
    redel_day = ext_day + lag_redel
    redel = post & ~shifted & (u_redel < rates.redelivered_row) & (redel_day < next_ext)
    r_pos = np.flatnonzero(redel)
    log("redelivered_row", r_pos, redel_day[r_pos])
    parts_pos = [np.flatnonzero(fl), np.flatnonzero(post), r_pos]
    d_idx = np.concatenate([order[p] for p in parts_pos])
    d_op = np.concatenate([np.full(len(parts_pos[0]), "I"), op_s[parts_pos[1]], op_s[r_pos]])
    d_day = np.concatenate(
        [np.full(len(parts_pos[0]), start, np.int64), ext_day[parts_pos[1]], redel_day[r_pos]]
    )
    d_ts = np.concatenate(
        [
            np.full(len(parts_pos[0]), start * US_DAY + FULL_LOAD_TIME, np.int64),
            ext_ts[parts_pos[1]],
            redel_day[r_pos] * US_DAY + late_sec[r_pos] * US_S,
        ]
    )
    m = len(d_idx)
    # exact duplicates in the same file
    u_dup = rng.random(m)
    dup = np.flatnonzero(u_dup < rates.duplicate_row)
    for p in dup.tolist():
        injected.append(
            (
                "duplicate_row",
                spec.system,
                spec.name,
                _key_str(spec, tab.rows[int(d_idx[p])]),
                None,
                int(d_day[p]),
                "",
            )
        )
    sel = np.r_[np.arange(m), dup]
    mod = np.zeros(len(sel), np.int64)
    garbage = np.zeros(len(sel), np.int64)
    # unrecoverable rows: a copy with the key nulled (parquet) or a garbage date (em)
    u_bad = rng.random(len(sel))
    g_choice = rng.integers(0, len(GARBAGE_DATES), len(sel))
    if name not in REFERENCE_TABLES:
        bad = np.flatnonzero(u_bad < rates.unrecoverable)
        kind = 2 if spec.file_format == "csv" else 1
        for p in bad.tolist():
            injected.append(
                (
                    "garbage_date" if kind == 2 else "null_key",
                    spec.system,
                    spec.name,
                    _key_str(spec, tab.rows[int(d_idx[sel[p]])]),
                    None,
                    int(d_day[sel[p]]),
                    GARBAGE_DATES[g_choice[p]] if kind == 2 else "",
                )
            )
        sel = np.r_[sel, sel[bad]]
        mod = np.r_[mod, np.full(len(bad), kind)]
        garbage = np.r_[garbage, g_choice[bad]]
    idx, op_o, day_o, ts_o = d_idx[sel], d_op[sel], d_day[sel], d_ts[sel]
    o = np.lexsort((np.arange(len(sel)), ts_o, day_o))
    return Emitted(idx[o], op_o[o], day_o[o], ts_o[o], mod[o], garbage[o])


def write_partitions(
    spec: RawTable,
    tab: Tab,
    em: Emitted,
    *,
    first_day: int,
    last_day: int,
    raw_dir: Path,
    chunk: int,
) -> dict[int, int]:
    """Write partitions ``first_day..last_day``; returns rows written per day."""
    lo, hi = np.searchsorted(em.day, first_day, "left"), np.searchsorted(em.day, last_day, "right")
    if hi <= lo:
        return {}
    idx = em.idx[lo:hi]
    mod, garbage = em.mod[lo:hi], em.garbage[lo:hi]
    schema = spec.schema
    names = [f.name for f in spec.columns]
    key_pos = {names.index(k) for k in spec.key}
    csv = spec.file_format == "csv"
    date_cols = {names.index(c) for c in EM_DATE_COLUMNS.get(f"{spec.system}.{spec.name}", ())}
    rows = tab.rows
    picked = [rows[i] for i in idx.tolist()]
    cols = list(zip(*picked, strict=True))
    arrays = []
    ts_arr = pa.array(em.ts[lo:hi], pa.timestamp("us"))
    if csv:
        arrays.append(pa.array(em.op[lo:hi].tolist(), pa.string()))
        arrays.append(pc.strftime(ts_arr.cast(pa.timestamp("s")), format="%Y-%m-%d %H:%M:%S"))
    else:
        arrays.append(pa.array(em.op[lo:hi].tolist(), pa.string()))
        arrays.append(ts_arr)
    bad_key = np.flatnonzero(mod == 1)
    bad_date = np.flatnonzero(mod == 2)
    for j, field in enumerate(spec.columns):
        col = np.empty(len(picked), dtype=object)
        col[:] = cols[j]
        if j in key_pos and len(bad_key):
            col[bad_key] = None
        if date_cols and len(bad_date):
            first_date = min(date_cols)
            for p in bad_date.tolist():
                col_j = first_date if j == first_date else None
                if col_j is not None:
                    col[p] = GARBAGE_DATES[garbage[p]]
        arrays.append(pa.array(col, type=field.type))
    table = pa.Table.from_arrays(arrays, schema=schema)
    days = em.day[lo:hi]
    counts: dict[int, int] = {}
    ext = "csv" if csv else "parquet"
    for d in np.unique(days).tolist():
        a, b = np.searchsorted(days, d, "left"), np.searchsorted(days, d, "right")
        part = table.slice(a, b - a)
        from .noise import to_date

        out = raw_dir / spec.system / spec.name / f"extraction_date={to_date(d).isoformat()}"
        out.mkdir(parents=True, exist_ok=True)
        path = out / f"part-{chunk:05d}.{ext}"
        if csv:
            pacsv.write_csv(part, path, pacsv.WriteOptions(quoting_style="needed"))
        else:
            pq.write_table(part, path, compression="snappy")
        counts[d] = b - a
    return counts
