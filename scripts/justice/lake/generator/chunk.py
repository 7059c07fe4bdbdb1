"""The machinery every system's simulation shares: versions tables, ids, random draws.

A chunk of people is simulated with its own generators (``FastRandom`` for scalar draws,
``numpy.random.default_rng`` for vectors, both seeded from ``[seed, chunk]``) and its own
blocks of identifiers. Every change of a source row is recorded as a *version* in the
table's :class:`Tab`; the tables are exactly the raw lake's contract
(:data:`justice.lake.contract.TABLES`), so the generator cannot write a table the contract
does not have. :class:`ChunkBase` holds the chunk's state and the helpers used by every
system's mixin (``people``, ``courts``, ``prisons``, ``probation``, ``monitoring``,
``reference``); ``world.Chunk`` puts them together.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random

import numpy as np

from justice.lake.contract import TABLES

from .names import NamePools
from .rates import Rates
from .seeds import Refs

PBLOCK = 200_000  # person-record ids per chunk
BLOCK = 1_000_000  # other ids per chunk
BIG_BLOCK = 100_000_000  # high-volume event ids per chunk

US_MIN = 60_000_000
US_HOUR = 60 * US_MIN
US_DAY = 24 * US_HOUR


class Tab:
    """Versions of one raw table: record index, business timestamp, op, row tuple."""

    __slots__ = ("rec", "ts", "op", "rows", "n")

    def __init__(self) -> None:
        self.rec: list[int] = []
        self.ts: list[int] = []
        self.op: list[str] = []
        self.rows: list[tuple] = []
        self.n = 0

    def new(self) -> int:
        self.n += 1
        return self.n - 1

    def add(self, rec: int, ts: int, op: str, row: tuple) -> None:
        self.rec.append(rec)
        self.ts.append(ts)
        self.op.append(op)
        self.rows.append(row)


# "<system>.<table>" for every table of the lake's contract, in the contract's order
TABLE_NAMES: tuple[str, ...] = tuple(f"{spec.system}.{spec.name}" for spec in TABLES)


class FastRandom(random.Random):
    """``random.Random`` with cheaper scalar helpers built on ``random()`` (deterministic)."""

    def randint(self, a: int, b: int) -> int:  # type: ignore[override]
        return a + int(self.random() * (b - a + 1))

    def randrange(self, start: int, stop: int | None = None, step: int = 1) -> int:  # type: ignore[override]
        if stop is None:
            return int(self.random() * start)
        return start + int(self.random() * (stop - start))

    def choice(self, seq):  # type: ignore[override]
        return seq[int(self.random() * len(seq))]

    def choices(self, population, weights=None, *, cum_weights=None, k=1):  # type: ignore[override]
        if weights is None and cum_weights is None:
            return [self.choice(population) for _ in range(k)]
        if cum_weights is None:
            cum_weights = list(itertools.accumulate(weights))
        total = cum_weights[-1]
        return [population[bisect.bisect(cum_weights, self.random() * total)] for _ in range(k)]


def chunk_seed(seed: int, chunk: int, salt: int = 0) -> int:
    return int(np.random.SeedSequence([seed, chunk, salt]).generate_state(1, np.uint64)[0])


class ChunkBase:
    """State of one chunk's simulation and the helpers every system uses.

    ``world.Chunk.__init__`` sets the state; the system mixins add the simulation.
    """

    seed: int
    chunk: int
    n_people: int
    first_pid: int
    start: int  # day of the full load (days since 1970-01-01)
    world_start: int
    horizon: int
    R: Rates
    refs: Refs
    pools: NamePools
    r: FastRandom  # scalar draws
    np: np.random.Generator  # vector draws
    t: dict[str, Tab]  # versions per "<system>.<table>"
    counters: dict[str, int]
    truth_people: list[tuple]
    truth_records: list[tuple]
    truth_stays: list[tuple]
    truth_cases: list[tuple]
    truth_disposals: list[tuple]
    truth_offences: list[tuple]
    truth_supervision: list[tuple]
    truth_appointments: list[tuple]
    truth_em_orders: list[tuple]
    truth_em_violations: list[tuple]
    injected: list[tuple]  # kind, system, table, key, record_date, ext_date, detail

    # ------------------------------------------------------------------ helpers
    def next_id(self, name: str, block: int, base: int = 1) -> int:
        n = self.counters.get(name, 0)
        self.counters[name] = n + 1
        if n >= block:
            raise RuntimeError(f"id block exhausted for {name}")
        return base + self.chunk * block + n

    def uuid(self) -> str:
        """A random (version 4 format) uuid from the chunk's generator."""
        h = f"{self.r.getrandbits(128):032x}"
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:32]}"

    def log(
        self, kind: str, system: str, table: str, key: object, day: int | None, detail: str = ""
    ) -> None:
        self.injected.append((kind, system, table, str(key), day, None, detail))

    def poisson(self, lam: float) -> int:
        lam = min(lam, 30.0)
        big_l, k, p = math.exp(-lam), 0, 1.0
        r = self.r.random
        while True:
            p *= r()
            if p < big_l:
                return k
            k += 1

    def code_noise_kind(self, system: str, table: str, key: object, day: int) -> int:
        """Per source row: -1 (clean) or which case/whitespace noise its codes get."""
        if self.r.random() < self.R.code_noise:
            self.log("code_noise", system, table, key, day)
            return self.r.randrange(4)
        return -1

    @staticmethod
    def code(v: str | None, k: int) -> str | None:
        if k < 0 or v is None:
            return v
        if k == 0:
            return f" {v.lower()}"
        if k == 1:
            return v.capitalize() + " "
        if k == 2:
            return v.lower()
        return f"{v} "

    def record(self, system: str, table: str, key: object, pid: int, day: int) -> None:
        self.truth_records.append((system, table, str(key), pid, day))

    def _follow_ups(self, ts: int, version) -> None:
        """Half the time, a record is touched twice more in the following days (reception or
        induction details completed, then checked): two updates a day or three apart."""
        r = self.r
        if r.random() < 0.5:
            t1 = ts + r.randint(1, 2) * US_DAY + r.randrange(3600) * 10**6
            version(t1)
            version(t1 + r.randint(1, 3) * US_DAY)
