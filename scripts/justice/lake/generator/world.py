"""Simulate one chunk of people moving through the justice system.

The world begins ``WORLD_YEARS`` years before ``start`` and runs to ``start + HORIZON_DAYS``
whatever ``days`` is asked for, so a lake generated for 8 days equals one generated for 5
days and landed 3 more. Each chunk of ``CHUNK_SIZE`` people is simulated independently with
its own generators (``random.Random`` for scalar draws and ``numpy.random.default_rng`` for
vectors, both seeded from ``[seed, chunk]``), and identifiers are allocated in per-chunk
blocks, so chunks never collide and can be written one at a time.

The simulation records *versions*: every change of every source row, with its business
timestamp and op (I/U/D). ``cdc.py`` turns versions into the full load and daily change
files. Ground truth is collected alongside.

This module holds the world's constants and one person's path through the systems
(``Chunk.simulate``: court case, then custody and/or probation, perhaps reoffending). What
each system records is made by its mixin (``courts``, ``prisons``, ``probation``,
``monitoring``, ``reference``); people and their recorded identities by ``people``; all on
the shared state and helpers of ``chunk``. The order of random draws is the order of the
calls, so moving code between these modules never changes the lake; reordering calls does.

Conventions (documented for the marts built from this data):
- custody stays are half-open ``[stay_start_date, stay_end_date)``: on a transfer date the
  person counts at the receiving prison; on the release date they are no longer in custody.
  Temporary absences (CRT, TAP) do not end a stay. Remand is not simulated: a booking begins
  at the sentence hearing.
- a court case's ``first_hearing_date`` is the earliest hearing that was not vacated;
  ``completion_date`` is the sentence hearing, or the acquittal date when no offence was
  convicted.
"""

from __future__ import annotations

import numpy as np

from .chunk import TABLE_NAMES, FastRandom, Tab, chunk_seed
from .courts import CourtsMixin
from .monitoring import MonitoringMixin
from .names import NamePools
from .people import PeopleMixin, Person
from .prisons import PrisonsMixin
from .probation import ProbationMixin
from .rates import Rates
from .reference import ReferenceMixin
from .seeds import Refs

WORLD_YEARS = 6
HORIZON_DAYS = 400
CHUNK_SIZE = 25_000


class Chunk(
    PeopleMixin, CourtsMixin, PrisonsMixin, ProbationMixin, MonitoringMixin, ReferenceMixin
):
    """Simulation state for one chunk of people: every system's mixin on one state."""

    def __init__(
        self,
        *,
        seed: int,
        chunk: int,
        n_people: int,
        first_pid: int,
        start_day: int,
        rates: Rates,
        refs: Refs,
        pools: NamePools,
    ) -> None:
        self.seed, self.chunk, self.n_people, self.first_pid = seed, chunk, n_people, first_pid
        self.start = start_day
        self.world_start = start_day - int(WORLD_YEARS * 365.25)
        self.horizon = start_day + HORIZON_DAYS
        self.R, self.refs, self.pools = rates, refs, pools
        self.r = FastRandom(chunk_seed(seed, chunk, 1))
        self.np = np.random.default_rng([seed, chunk, 2])
        self.t: dict[str, Tab] = {name: Tab() for name in TABLE_NAMES}
        self.counters: dict[str, int] = {}
        # truth
        self.truth_people: list[tuple] = []
        self.truth_records: list[tuple] = []
        self.truth_stays: list[tuple] = []
        self.truth_cases: list[tuple] = []
        self.truth_disposals: list[tuple] = []
        self.truth_offences: list[tuple] = []
        self.truth_supervision: list[tuple] = []
        self.truth_appointments: list[tuple] = []
        self.truth_em_orders: list[tuple] = []
        self.truth_em_violations: list[tuple] = []
        self.injected: list[tuple] = []  # kind, system, table, key, record_date, ext_date, detail
        # each system's lookups from the reference seeds
        self.load_court_refs(refs)
        self.load_prison_refs(refs)
        self.load_probation_refs(refs)
        self.load_reference_ids(refs)

    def run(self) -> None:
        for p, first_day in self.make_people():
            self.simulate(p, first_day)
        if self.chunk == 0:
            self.reference_tables()

    def simulate(self, p: Person, offence_day: int) -> None:
        r = self.r
        n_cases = 0
        while offence_day < self.horizon and n_cases < 6:
            n_cases += 1
            out = self.court_case(p, offence_day)
            if out is None:
                return
            category, sentence_day, custodial_days, court_agy = out
            if category is None:
                return  # acquitted or still open at the horizon
            index_day = sentence_day
            if category == "custody":
                release = self.custody(p, sentence_day, custodial_days, court_agy)
                self.probation(p, "custody", sentence_day, custodial_days, release)
                if release is None:
                    return
                index_day = release
            elif category in ("suspended_sentence", "community_order"):
                self.probation(p, category, sentence_day, 0, None)
            if r.random() > 0.45:
                return
            offence_day = index_day + 1 + int(r.expovariate(1 / 200))
