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

import bisect
import itertools
import math
import random
from dataclasses import dataclass, field

import numpy as np

from . import noise as nz
from .names import NamePools
from .rates import Rates
from .seeds import Refs

WORLD_YEARS = 6
HORIZON_DAYS = 400
CHUNK_SIZE = 25_000
PBLOCK = 200_000  # person-record ids per chunk
BLOCK = 1_000_000  # other ids per chunk
BIG_BLOCK = 100_000_000  # high-volume event ids per chunk

US_MIN = 60_000_000
US_HOUR = 60 * US_MIN
US_DAY = 24 * US_HOUR

CATEGORIES = ("custody", "suspended_sentence", "community_order", "fine", "discharge")
CATEGORY_P = (0.30, 0.15, 0.20, 0.25, 0.10)
UNMAPPED_CP_DISPOSALS = ("1999", "3118", "9026")
UNMAPPED_OFFENCES = ("XX99001", "CJ03999", "TH68999")
LEGACY_DELIUS_DISPOSAL = "LEG"

INCIDENT_TYPES = ("ASSAULT", "FIGHT", "SELF_HARM", "DISORDER", "DRUGS")
INCIDENT_P = (0.30, 0.20, 0.30, 0.08, 0.12)
PROBATION_ORGS = (
    "North West Probation Region",
    "Yorkshire and the Humber Probation Region",
    "London Probation Region",
    "West Midlands Probation Region",
    "Kent, Surrey and Sussex Probation Region",
    "Wales Probation Region",
    "South West Probation Region",
    "East Midlands Probation Region",
)

# nDelius reference lists: (code_set_name, code_value, code_description)
REFERENCE_CODES: tuple[tuple[str, str, str], ...] = (
    ("GENDER", "M", "Male"),
    ("GENDER", "F", "Female"),
    ("GENDER", "U", "Unknown"),
    ("GENDER", "N", "Not Specified"),
    ("UNITS", "D", "Days"),
    ("UNITS", "W", "Weeks"),
    ("UNITS", "M", "Months"),
    ("UNITS", "Y", "Years"),
    ("TERMINATION REASON", "CMP", "Completed"),
    ("TERMINATION REASON", "REV", "Revoked"),
    ("TERMINATION REASON", "ETG", "Early termination - good progress"),
    ("TERMINATION REASON", "TRF", "Transferred"),
    ("TERMINATION REASON", "DIE", "Died"),
    ("CONTACT TYPE", "COAP", "Office appointment"),
    ("CONTACT TYPE", "CHVS", "Home visit"),
    ("CONTACT TYPE", "CTEL", "Telephone contact"),
    ("CONTACT TYPE", "CURW", "Unpaid work session"),
    ("CONTACT TYPE", "CPRG", "Accredited programme session"),
)
LATE_REFERENCE_CODE = ("CONTACT TYPE", "CVID", "Video appointment")  # added start+3


@dataclass
class Person:
    pid: int
    sex: str
    first: str
    middle: str | None
    last: str
    alt_last: str | None
    dob: int
    pnc: str
    cro: str | None
    pc0: str
    pc1: str | None
    move_day: int
    nomis: list = field(default_factory=list)  # [offender_id, display, rec, ident]
    # [offender_id, crn, rec, ident, n_events, noms_mode, last_noms_kind]
    delius: list = field(default_factory=list)
    em: list = field(default_factory=list)  # [subject_id, rec, ident, noms_mode]

    def postcode(self, day: int) -> str:
        return self.pc1 if self.pc1 is not None and day >= self.move_day else self.pc0


@dataclass
class Ident:
    first: str
    middle: str | None
    last: str
    dob: int | None
    dob_str: str | None
    pnc: str | None
    cro: str | None
    fixed: tuple[str, str] | None  # (first, last) after a later name correction


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


TABLE_NAMES = (
    "nomis.offenders",
    "nomis.offender_bookings",
    "nomis.offender_external_movements",
    "nomis.incident_cases",
    "nomis.incident_case_parties",
    "nomis.agency_locations",
    "delius.offender",
    "delius.event",
    "delius.disposal",
    "delius.contact",
    "delius.r_standard_reference_list",
    "common_platform.cases",
    "common_platform.defendants",
    "common_platform.hearings",
    "em.subjects",
    "em.orders",
    "em.device_events",
)


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


class Chunk:
    """Simulation state for one chunk of people."""

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
        self.injected: list[tuple] = []  # kind, system, table, key, record_date, ext_date, detail
        # reference lookups
        self.off_codes = [o["offence_code"] for o in refs.offences]
        self.off_indictable = {
            o["offence_code"]: o["is_indictable_only"].lower() == "true" for o in refs.offences
        }
        self.mags = [c for c in refs.courts if c["court_type"] == "magistrates"]
        self.crown = [c for c in refs.courts if c["court_type"] == "crown"]
        self.prisons = {
            sex: [p for p in refs.prisons if p["sex_estate"] == estate]
            for sex, estate in (("M", "male"), ("F", "female"))
        }
        self.prison_w = {
            sex: [float(p["operational_capacity"]) for p in self.prisons[sex]] for sex in ("M", "F")
        }
        self.cp_codes = {c: refs.disposal_codes("common_platform", c) for c in CATEGORIES}
        self.de_codes = {c: refs.disposal_codes("delius", c) for c in CATEGORIES}
        self.ref_ids = reference_ids(refs)

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

    # ------------------------------------------------------------------ identity
    def identity(self, p: Person, system: str, table: str, key: object, day: int) -> Ident:
        r, R = self.r, self.R
        log = self.log
        first, last, middle = p.first, p.last, p.middle
        if p.alt_last is not None and r.random() < R.surname_change_record:
            last = p.alt_last
            log("surname_change", system, table, key, day)
        if "-" in last and r.random() < R.double_barrelled_variant:
            last = nz.double_barrelled_variant(last, r)
            log("double_barrelled_variant", system, table, key, day)
        if r.random() < R.nickname:
            nick = nz.nickname(first, r)
            if nick:
                first = nick
                log("nickname", system, table, key, day)
        fixed = None
        if r.random() < R.name_typo:
            good = (first, last)
            if r.random() < 0.5:
                first = nz.typo(first, r)
            else:
                last = nz.typo(last, r)
            log("name_typo", system, table, key, day)
            if system in ("nomis", "delius") and r.random() < R.name_correction:
                fixed = good
                log("name_correction", system, table, key, day)
        if r.random() < R.name_swapped:
            first, last = last, first
            if fixed:
                fixed = (fixed[1], fixed[0])
            log("name_swapped", system, table, key, day)
        if system == "nomis":
            first, last = first.upper(), last.upper()
            middle = middle.upper() if middle else None
            if fixed:
                fixed = (fixed[0].upper(), fixed[1].upper())
        if system != "em" and r.random() < R.name_case_noise:
            if r.random() < 0.5:
                first = nz.case_noise(first, r)
            else:
                last = nz.case_noise(last, r)
            log("name_case_noise", system, table, key, day)
        # date of birth
        dob: int | None = p.dob
        if r.random() < R.dob_transposed:
            t = nz.transpose_dob(p.dob)
            if t is not None:
                dob = t
                log("dob_transposed", system, table, key, day)
        if r.random() < R.dob_off_by_year:
            dob = nz.dob_off_by_year(dob, r)
            log("dob_off_by_year", system, table, key, day)
        if r.random() < R.dob_missing[system]:
            dob = None
            log("dob_missing", system, table, key, day)
        dob_str = None
        if dob is not None and system == "common_platform":
            u, acc, fmt = r.random(), 0.0, "iso"
            for f, w in zip(nz.CP_DOB_FORMATS, R.cp_dob_formats, strict=True):
                acc += w
                if u < acc:
                    fmt = f
                    break
            dob_str = nz.format_dob(dob, fmt)
            if fmt != "iso":
                log("dob_format", system, table, key, day, fmt)
        elif dob is not None and system == "em":
            dob_str = nz.format_dob(dob, "dmy_slash")
        # identifiers
        pnc = None
        if r.random() < R.pnc_present[system]:
            canon = p.pnc
            if r.random() < R.pnc_mistyped:
                canon = nz.mistype_pnc(canon, r)
                log("pnc_mistyped", system, table, key, day)
            pnc, noisy = nz.pnc_for_system(canon, system, r, R.em_pnc_noise)
            if noisy:
                log("em_pnc_noise", system, table, key, day)
        else:
            log("pnc_missing", system, table, key, day)
        cro = None
        if system in ("nomis", "delius") and p.cro is not None:
            if r.random() < R.cro_present:
                cro = p.cro
            else:
                log("cro_missing", system, table, key, day)
        return Ident(first, middle, last, dob, dob_str, pnc, cro, fixed)

    def noms_mode(self) -> str:
        """Per delius/em record: whether its prison number is kept current, missing or stale."""
        u = self.r.random()
        if u < self.R.noms_missing:
            return "missing"
        if u < self.R.noms_missing + self.R.noms_stale:
            return "stale"
        return "good"

    @staticmethod
    def noms_value(p: Person, mode: str) -> tuple[str | None, str | None]:
        """(prison number as recorded, injected kind or None)."""
        if not p.nomis:
            return None, None
        if mode == "missing":
            return None, "noms_missing"
        current = p.nomis[-1][1]
        if mode == "stale":
            if len(p.nomis) > 1:
                return p.nomis[-2][1], "noms_stale:older_record"
            if int(current[1:5]) % 2:
                return current.lower(), "noms_stale:format"
            return f"{current[0]} {current[1:5]} {current[5:]}", "noms_stale:format"
        return current, None

    def noms_logged(
        self,
        p: Person,
        rec: list,
        slot: int,
        mode: str,
        system: str,
        table: str,
        key: object,
        day: int,
    ) -> str | None:
        value, kind = self.noms_value(p, mode)
        if kind is not None and rec[slot] != kind:
            name, _, detail = kind.partition(":")
            self.log(name, system, table, key, day, detail)
        rec[slot] = kind
        return value

    def record(self, system: str, table: str, key: object, pid: int, day: int) -> None:
        self.truth_records.append((system, table, str(key), pid, day))

    # ------------------------------------------------------------------ people
    def make_people(self) -> list[Person]:
        n, g = self.n_people, self.np
        pools = self.pools
        sex = np.where(g.random(n) < 0.85, "M", "F")
        # most people first offend in the few years before start; some inside the horizon
        recent = self.start - g.exponential(600.0, n).astype(np.int64)
        first_day = np.where(
            g.random(n) < 0.85,
            np.maximum(recent, self.world_start),
            g.integers(self.start, self.horizon, n),
        )
        age = np.clip(18 + g.gamma(2.0, 8.0, n), 18, 75)
        dob = (first_day - age * 365.25).astype(np.int64)
        male_i = g.integers(0, len(pools.male), n)
        female_i = g.integers(0, len(pools.female), n)
        mid_male = g.integers(0, len(pools.male), n)
        mid_female = g.integers(0, len(pools.female), n)
        has_mid = g.random(n) < 0.4
        last_i = g.integers(0, len(pools.surnames), n)
        last2_i = g.integers(0, len(pools.surnames), n)
        alt_i = g.integers(0, len(pools.surnames), n)
        dbl = g.random(n) < self.R.double_barrelled
        alt = (g.random(n) < self.R.surname_change) & (sex == "F")
        has_cro = g.random(n) < 0.8
        pc0 = g.integers(0, len(pools.postcodes), n)
        pc1 = g.integers(0, len(pools.postcodes), n)
        moves = g.random(n) < 0.3
        move_day = g.integers(self.world_start, self.horizon, n)
        people = []
        for i in range(n):
            pid = self.first_pid + i
            s = str(sex[i])
            first = pools.male[male_i[i]] if s == "M" else pools.female[female_i[i]]
            middle = None
            if has_mid[i]:
                middle = pools.male[mid_male[i]] if s == "M" else pools.female[mid_female[i]]
                if middle == first:
                    middle = None
            last = pools.surnames[last_i[i]]
            if dbl[i] and pools.surnames[last2_i[i]] != last:
                last = f"{last}-{pools.surnames[last2_i[i]]}"
            alt_last = pools.surnames[alt_i[i]] if alt[i] else None
            year = int(nz.to_date(int(first_day[i])).year)
            serial = f"{nz.scramble(pid, 10_000_000, 48271):07d}"
            pnc = nz.pnc_canonical(year, serial)
            cro = nz.cro_canonical(nz.scramble(pid, 1_000_000, 69621), year) if has_cro[i] else None
            p = Person(
                pid,
                s,
                first,
                middle,
                last,
                alt_last,
                int(dob[i]),
                pnc,
                cro,
                pools.postcodes[pc0[i]],
                pools.postcodes[pc1[i]] if moves[i] else None,
                int(move_day[i]),
            )
            self.truth_people.append(
                (
                    pid,
                    first,
                    middle,
                    last,
                    alt_last,
                    int(dob[i]),
                    s,
                    pnc,
                    cro,
                    p.pc0,
                    p.pc1,
                    int(first_day[i]),
                )
            )
            people.append((p, int(first_day[i])))
        return people

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

    # ------------------------------------------------------------------ courts
    def court_case(self, p: Person, offence_day: int):
        r, R, H = self.r, self.R, self.horizon
        received = offence_day + r.randint(3, 60)
        if received >= H:
            return None
        n_off = 1 + (r.random() < 0.35) + (r.random() < 0.15)
        codes = [r.choice(self.off_codes) for _ in range(n_off)]
        crown = any(self.off_indictable[c] for c in codes) or r.random() < 0.15
        court = r.choice(self.crown if crown else self.mags)
        court_code = court["court_code"]
        case_id = self.uuid()
        defendant_id = self.uuid()
        letters = r.choice(nz.LETTERS) + r.choice(nz.LETTERS)
        urn = f"{r.randint(1, 62):02d}{letters}{r.randint(0, 9_999_999):07d}"
        jurisdiction = "CROWN" if crown else "MAGISTRATES"
        cases, hearings = self.t["common_platform.cases"], self.t["common_platform.hearings"]
        defs = self.t["common_platform.defendants"]
        crec = cases.new()
        cases.add(
            crec,
            received * US_DAY + 10 * US_HOUR,
            "I",
            (case_id, urn, court_code, jurisdiction, received, "ACTIVE"),
        )
        self.record("common_platform", "defendants", defendant_id, p.pid, received)
        ident = self.identity(p, "common_platform", "defendants", defendant_id, received)
        # hearings -------------------------------------------------------------
        first_effective: list[int] = []

        def hearing(listed: int, day: int, htype: str, outcome: str) -> int:
            while r.random() < 0.04:  # listed, then vacated and relisted
                vac = r.randint(listed, max(listed, day - 1))
                self._hearing(case_id, court_code, listed, day, htype, "VACATED", vac)
                listed, day = vac, day + r.randint(7, 28)
            self._hearing(case_id, court_code, listed, day, htype, outcome, day)
            if outcome != "VACATED":
                first_effective.append(day)
            return day

        d_first = hearing(received, received + r.randint(7, 28), "FIRST", "EFFECTIVE")
        plea_day = d_first
        if crown:
            plea_day = hearing(d_first, d_first + r.randint(28, 56), "PLEA", "EFFECTIVE")
        guilty_plea = r.random() < 0.65
        convicted_day = None
        acquitted_day = None
        plea_val = "GUILTY" if guilty_plea else "NOT_GUILTY"
        late_plea_day = None
        if guilty_plea:
            convicted_day = plea_day
        else:
            listed, day = plea_day, plea_day + r.randint(60, 240 if crown else 120)
            while True:
                u = r.random()
                if u < 0.15:
                    hearing(listed, day, "TRIAL", "INEFFECTIVE")
                    listed, day = day, day + r.randint(30, 90)
                    continue
                if u < 0.40:
                    convicted_day = hearing(listed, day, "TRIAL", "CRACKED")
                    late_plea_day = convicted_day
                elif r.random() < 0.7:
                    convicted_day = hearing(listed, day, "TRIAL", "EFFECTIVE")
                else:
                    acquitted_day = hearing(listed, day, "TRIAL", "EFFECTIVE")
                break
        sentence_day = None
        category = None
        if convicted_day is not None:
            same_day = not crown and guilty_plea and r.random() < 0.5
            sd = convicted_day if same_day else convicted_day + r.randint(14, 42)
            sentence_day = hearing(convicted_day, sd, "SENTENCE", "EFFECTIVE")
            serious = any(self.off_indictable[c] for c in codes)
            category = (
                "custody" if serious and r.random() < 0.8 else r.choices(CATEGORIES, CATEGORY_P)[0]
            )
        if r.random() < R.entered_in_error:  # a hearing listed in error, then deleted
            day = d_first + r.randint(1, 30)
            hid = self.uuid()
            rec = hearings.new()
            row = (hid, case_id, court_code, day, r.choice(("PLEA", "TRIAL")), None)
            hearings.add(rec, d_first * US_DAY + 16 * US_HOUR, "I", row)
            del_day = d_first + r.randint(1, 10)
            hearings.add(rec, del_day * US_DAY + 9 * US_HOUR, "D", row)
            self.log("hard_delete", "common_platform", "hearings", hid, del_day)
        # offences and defendant versions ----------------------------------------
        offences = []
        custodial = []
        for i, code in enumerate(codes):
            oc = code
            if r.random() < R.code_unmapped:
                oc = r.choice(UNMAPPED_OFFENCES)
                self.log(
                    "code_unmapped",
                    "common_platform",
                    "defendants",
                    defendant_id,
                    received,
                    f"offence_code={oc}",
                )
            offences.append(
                {
                    "offence_id": self.uuid(),
                    "offence_code": oc,
                    "offence_date": offence_day - (r.randint(0, 3) if i else 0),
                    "plea": None,
                    "verdict": None,
                    "disposal_code": None,
                    "sentence_date": None,
                    "custodial_days": None,
                }
            )
        code_k = self.code_noise_kind("common_platform", "defendants", defendant_id, received)
        pc_noisy = r.random() < R.postcode_noise
        if pc_noisy:
            self.log("postcode_noise", "common_platform", "defendants", defendant_id, received)
        gender = {"M": "MALE", "F": "FEMALE"}[p.sex]

        def emit(day: int, hour: int, op: str = "U") -> None:
            offs = [dict(o) for o in offences]
            for o in offs:
                o["offence_code"] = self.code(o["offence_code"], code_k)
                o["disposal_code"] = self.code(o["disposal_code"], code_k)
            pc = p.postcode(day)
            if pc_noisy:
                pc = pc.lower() if code_k % 2 else pc.replace(" ", "")
            defs.add(
                drec,
                day * US_DAY + hour * US_HOUR + self.r.randrange(3600) * 1_000_000,
                op,
                (
                    defendant_id,
                    case_id,
                    ident.first,
                    ident.last,
                    ident.dob_str,
                    ident.pnc,
                    pc,
                    gender,
                    offs,
                ),
            )

        drec = defs.new()
        emit(received, 10, "I")
        for o in offences:
            o["plea"] = plea_val
        emit(plea_day, 17)
        if p.pc1 is not None and plea_day < p.move_day < (sentence_day or acquitted_day or H):
            emit(p.move_day, 12)
        convicted = []
        if late_plea_day is not None:
            for o in offences:
                o["plea"] = "GUILTY"
        if convicted_day is not None:
            for j, o in enumerate(offences):
                ok = guilty_plea or late_plea_day is not None or j == 0 or r.random() < 0.85
                o["verdict"] = "GUILTY" if ok else "NOT_GUILTY"
                if ok:
                    convicted.append(o)
            if not guilty_plea:
                emit(convicted_day, 17)
        elif acquitted_day is not None:
            for o in offences:
                o["verdict"] = "NOT_GUILTY"
            emit(acquitted_day, 17)
        completion = sentence_day if sentence_day is not None else acquitted_day
        first_h = min(first_effective) if first_effective else None
        self.truth_cases.append(
            (
                case_id,
                p.pid,
                court_code,
                jurisdiction,
                received,
                first_h if first_h is not None and first_h <= H else None,
                completion if completion is not None and completion <= H else None,
            )
        )
        if completion is not None:
            cases.add(
                crec,
                completion * US_DAY + 18 * US_HOUR,
                "U",
                (
                    case_id,
                    urn,
                    court_code,
                    jurisdiction,
                    received,
                    "SENTENCED" if sentence_day is not None else "CLOSED",
                ),
            )
        if sentence_day is None:
            return None, None, 0, None
        main_days = 0
        if category == "custody":
            main_days = int(min(3650, max(14, r.lognormvariate(5.8, 0.9))))
        cat_map = self.refs.disposal_category("common_platform")
        for j, o in enumerate(convicted):
            code = r.choice(self.cp_codes[category])
            if r.random() < R.code_unmapped:
                code = r.choice(UNMAPPED_CP_DISPOSALS)
                self.log(
                    "code_unmapped",
                    "common_platform",
                    "defendants",
                    defendant_id,
                    sentence_day,
                    f"disposal_code={code}",
                )
            days = None
            if category == "custody":
                days = main_days if j == 0 else max(7, int(main_days * r.uniform(0.2, 1.0)))
                custodial.append(days)
            o["disposal_code"], o["sentence_date"], o["custodial_days"] = code, sentence_day, days
            if sentence_day <= H:
                self.truth_disposals.append(
                    (
                        defendant_id,
                        case_id,
                        o["offence_id"],
                        p.pid,
                        code,
                        cat_map.get(code),
                        category,
                        days,
                        sentence_day,
                    )
                )
        emit(sentence_day, 18)
        if sentence_day > H:
            return None
        return (
            category,
            sentence_day,
            max(custodial) if custodial else 0,
            court.get("nomis_agy_loc_id"),
        )

    def _hearing(self, case_id, court_code, listed, day, htype, outcome, outcome_day):
        t = self.t["common_platform.hearings"]
        hid = self.uuid()
        rec = t.new()
        k = self.code_noise_kind("common_platform", "hearings", hid, day)
        ht = self.code(htype, k)
        t.add(
            rec,
            listed * US_DAY + 15 * US_HOUR + self.r.randrange(7200) * 1_000_000,
            "I",
            (hid, case_id, court_code, day, ht, None),
        )
        t.add(
            rec,
            outcome_day * US_DAY + 17 * US_HOUR + self.r.randrange(7200) * 1_000_000,
            "U",
            (hid, case_id, court_code, day, ht, self.code(outcome, k)),
        )

    # ------------------------------------------------------------------ prisons
    def nomis_record(self, p: Person, day: int):
        t = self.t["nomis.offenders"]
        r = self.r
        if p.nomis and r.random() >= self.R.nomis_duplicate:
            rec = p.nomis[-1]
            ts = day * US_DAY + 18 * US_HOUR + r.randrange(3600) * 10**6
            self._offender_version(p, rec, ts)
            self._follow_ups(ts, lambda t: self._offender_version(p, rec, t))
            return rec
        oid = self.next_id("nomis_offender", PBLOCK, 1_000_001)
        display = nz.prison_number(oid)
        if p.nomis:
            self.log("duplicate_person_record", "nomis", "offenders", oid, day)
        self.record("nomis", "offenders", oid, p.pid, day)
        ident = self.identity(p, "nomis", "offenders", oid, day)
        ts = day * US_DAY + 17 * US_HOUR + r.randrange(3600) * 10**6
        rec = [oid, display, t.new(), ident, ts]
        p.nomis.append(rec)
        self._offender_version(p, rec, ts, "I")
        self._follow_ups(ts, lambda t: self._offender_version(p, rec, t))
        if ident.fixed is not None:
            fix_ts = ts + r.randint(1, 60) * US_DAY
            ident.first, ident.last = ident.fixed
            ident.fixed = None
            self._offender_version(p, rec, fix_ts)
        if ident.pnc is None and r.random() < 0.3:  # PNC confirmed by police some days later
            ident.pnc = p.pnc
            pnc_ts = ts + r.randint(1, 120) * US_DAY + r.randrange(3600) * 10**6
            self._offender_version(p, rec, pnc_ts)
        return rec

    def _follow_ups(self, ts: int, version) -> None:
        """Half the time, a record is touched twice more in the following days (reception or
        induction details completed, then checked): two updates a day or three apart."""
        r = self.r
        if r.random() < 0.5:
            t1 = ts + r.randint(1, 2) * US_DAY + r.randrange(3600) * 10**6
            version(t1)
            version(t1 + r.randint(1, 3) * US_DAY)

    def _offender_version(self, p: Person, rec, ts: int, op: str = "U") -> None:
        oid, display, idx, ident, create_ts = rec
        self.t["nomis.offenders"].add(
            idx,
            ts,
            op,
            (
                oid,
                display,
                ident.first,
                ident.middle,
                ident.last,
                ident.dob,
                p.sex if self.r.random() > 0.005 else "U",
                ident.pnc,
                ident.cro,
                create_ts,
                ts,
            ),
        )

    def custody(self, p: Person, s_day: int, custodial_days: int, court_agy: str):
        r, H = self.r, self.horizon
        served = max(1, custodial_days // 2)
        release = s_day + served
        hdc_until = None
        if served > 120 and r.random() < 0.2:
            hdc = r.randint(28, min(135, served // 2))
            hdc_until, release = release, release - hdc
        offender = self.nomis_record(p, s_day)
        oid = offender[0]
        bookings = self.t["nomis.offender_bookings"]
        moves = self.t["nomis.offender_external_movements"]
        bid = self.next_id("booking", BLOCK)
        brec = bookings.new()
        prisons, w = self.prisons[p.sex], self.prison_w[p.sex]
        prison = r.choices(prisons, w)[0]["agy_loc_id"]
        # events during the stay: transfers, court trips, temporary absences
        events = []  # (day, kind, length)
        inside = release - s_day - 1
        if inside > 2:
            n_trn = min(self.poisson(served / 220), 6)
            trn_days = sorted({r.randint(s_day + 1, release - 1) for _ in range(n_trn)})
            busy = set(trn_days)
            events += [(d, "TRN", 0) for d in trn_days]
            for _ in range(min(self.poisson(served / 160), 8)):
                d = r.randint(s_day + 1, release - 1)
                if d not in busy:
                    busy.add(d)
                    events.append((d, "CRT", 0))
            if served > 120:
                for _ in range(min(self.poisson(served / 300), 4)):
                    d = r.randint(s_day + 1, release - 1)
                    ln = r.randint(1, 3)
                    span = set(range(d, d + ln + 1))
                    if d + ln < release and not (span & busy):
                        busy |= span
                        events.append((d, "TAP", ln))
        events.sort()
        seq = 0
        k = self.code_noise_kind("nomis", "offender_bookings", bid, s_day)
        state = {"agy": prison, "io": "IN", "end": None, "active": "Y"}

        def bversion(ts: int, op: str = "U") -> None:
            bookings.add(
                brec,
                ts,
                op,
                (
                    bid,
                    oid,
                    s_day,
                    state["end"],
                    state["active"],
                    state["agy"],
                    self.code(state["io"], k),
                ),
            )

        def move(day: int, hour: int, mtype: str, reason: str, direction: str, frm, to) -> int:
            nonlocal seq
            seq += 1
            ts = day * US_DAY + hour * US_HOUR + r.randrange(3600) * 10**6
            mk = self.code_noise_kind("nomis", "offender_external_movements", f"{bid}|{seq}", day)
            mrec = moves.new()
            moves.add(
                mrec,
                ts,
                "I",
                (
                    bid,
                    seq,
                    day,
                    ts,
                    self.code(mtype, mk),
                    reason,
                    self.code(direction, mk),
                    self.code(frm, mk),
                    self.code(to, mk),
                ),
            )
            return ts

        ts = move(s_day, 17, "ADM", r.choice(("I", "I", "N")), "IN", court_agy, prison)
        bversion(ts + 5 * US_MIN, "I")
        stay_start, start_reason = s_day, "ADM"
        for day, kind, ln in events:
            if day > H:
                break
            cur = state["agy"]
            if kind == "TRN":
                nxt = r.choices(prisons, w)[0]["agy_loc_id"]
                if nxt == cur:
                    continue
                ts = move(day, 9, "TRN", r.choice(("NOTR", "NOTR", "SEC")), "OUT", cur, nxt)
                self.truth_stays.append(
                    (p.pid, oid, bid, cur, stay_start, day, start_reason, "TRN")
                )
                stay_start, start_reason = day, "TRN"
                state["agy"] = nxt
                bversion(ts + 5 * US_MIN)
            elif kind == "CRT":
                court = r.choice(self.mags + self.crown)["nomis_agy_loc_id"]
                ts = move(day, 8, "CRT", "CRT", "OUT", cur, court)
                state["io"] = "OUT"
                bversion(ts + 5 * US_MIN)
                ts = move(day, 18, "CRT", "CRT", "IN", court, cur)
                state["io"] = "IN"
                bversion(ts + 5 * US_MIN)
            else:
                ts = move(day, 9, "TAP", r.choice(("C3", "C5", "RDR")), "OUT", cur, "ABS")
                state["io"] = "OUT"
                bversion(ts + 5 * US_MIN)
                ts = move(day + ln, 18, "TAP", "RDR", "IN", "ABS", cur)
                state["io"] = "IN"
                bversion(ts + 5 * US_MIN)
        # incidents
        self.incidents(p, bid, s_day, min(release, H), events)
        if release > H:
            self.truth_stays.append(
                (p.pid, oid, bid, state["agy"], stay_start, None, start_reason, None)
            )
            return None
        cur = state["agy"]
        ts = move(
            release,
            10,
            "REL",
            "HDC" if hdc_until else r.choice(("CR", "CR", "ECSL")),
            "OUT",
            cur,
            "OUT",
        )
        self.truth_stays.append((p.pid, oid, bid, cur, stay_start, release, start_reason, "REL"))
        state.update(agy="OUT", io="OUT", end=release, active="N")
        bversion(ts + 5 * US_MIN)
        self._offender_version(p, offender, ts + 20 * US_MIN)
        if hdc_until is not None:
            self.em_order(p, "CURFEW", release, hdc_until)
        elif r.random() < 0.18:
            self.em_order(p, r.choice(("GPS", "ALCOHOL")), release, release + r.randint(60, 180))
        return release

    def incidents(self, p: Person, bid: int, s_day: int, end: int, events) -> None:
        r = self.r
        if end <= s_day:
            return
        # where was the person on a given day: replay transfers
        n = self.poisson((end - s_day) / 365 * 2.0)
        cases, parties = self.t["nomis.incident_cases"], self.t["nomis.incident_case_parties"]
        bookings = self.t["nomis.offender_bookings"]
        agy_by_day = self._agy_timeline(bookings, bid)
        for _ in range(n):
            day = r.randint(s_day, end - 1)
            agy = agy_by_day(day)
            iid = self.next_id("incident", BLOCK)
            itype = r.choices(INCIDENT_TYPES, INCIDENT_P)[0]
            ts = day * US_DAY + r.randint(7, 21) * US_HOUR + r.randrange(3600) * 10**6
            k = self.code_noise_kind("nomis", "incident_cases", iid, day)
            rec = cases.new()
            row = (iid, self.code(itype, k), day, ts, agy, r.randint(10_000, 99_999))
            cases.add(rec, ts + US_HOUR, "I", row)
            if r.random() < 0.1:  # reclassified a few days later
                new = "ASSAULT" if itype != "ASSAULT" else "FIGHT"
                cases.add(
                    rec,
                    ts + r.randint(1, 10) * US_DAY,
                    "U",
                    (iid, self.code(new, k), day, ts, agy, row[5]),
                )
            role = (
                "PERP"
                if itype in ("SELF_HARM", "DRUGS")
                else r.choices(("PERP", "VICT", "WIT"), (0.5, 0.3, 0.2))[0]
            )
            prec = parties.new()
            parties.add(prec, ts + US_HOUR, "I", (iid, 1, bid, role))
            if r.random() < self.R.entered_in_error:
                prec2 = parties.new()
                row2 = (iid, 2, bid, "WIT")
                parties.add(prec2, ts + 2 * US_HOUR, "I", row2)
                dd = day + r.randint(1, 10)
                parties.add(prec2, dd * US_DAY + 11 * US_HOUR, "D", row2)
                self.log("hard_delete", "nomis", "incident_case_parties", f"{iid}|2", dd)

    @staticmethod
    def _agy_timeline(bookings: Tab, bid: int):
        """Agency of booking ``bid`` on a day, from its versions recorded so far."""
        hist = []
        for i in range(len(bookings.rows) - 1, -1, -1):
            row = bookings.rows[i]
            if row[0] != bid:
                break
            hist.append((bookings.ts[i] // US_DAY, row[5]))
        hist.reverse()

        def at(day: int) -> str:
            agy = hist[0][1]
            for d, a in hist:
                if d <= day and a != "OUT":
                    agy = a
            return agy

        return at

    # ------------------------------------------------------------------ probation
    def delius_record(self, p: Person, day: int):
        r = self.r
        if p.delius and r.random() >= self.R.delius_duplicate:
            return p.delius[-1], False
        t = self.t["delius.offender"]
        did = self.next_id("delius_offender", PBLOCK)
        if p.delius:
            self.log("duplicate_person_record", "delius", "offender", did, day)
        self.record("delius", "offender", did, p.pid, day)
        ident = self.identity(p, "delius", "offender", did, day)
        mode = self.noms_mode()
        rec = [did, nz.crn(did), t.new(), ident, 0, mode, None]
        p.delius.append(rec)
        return rec, True

    def _delius_version(self, p: Person, rec, ts: int, op: str) -> None:
        did, crn, idx, ident, _, mode, _ = rec
        noms = self.noms_logged(p, rec, 6, mode, "delius", "offender", did, ts // US_DAY)
        gid = self.ref_ids[("GENDER", p.sex)]
        self.t["delius.offender"].add(
            idx,
            ts,
            op,
            (
                did,
                crn,
                ident.first,
                ident.middle,
                ident.last,
                ident.dob,
                gid,
                ident.pnc,
                ident.cro,
                noms,
                0,
                ts,
            ),
        )

    def probation(
        self, p: Person, category: str, s_day: int, custodial_days: int, release: int | None
    ) -> None:
        r, R, H = self.r, self.R, self.horizon
        if category == "custody":
            if release is None:
                return  # still in custody at the horizon: licence not reached
            sup_start, sup_end = release, s_day + custodial_days
            length, units = custodial_days, "D"
        else:
            months = r.randint(6, 24) if category == "suspended_sentence" else r.randint(12, 36)
            length, units = months, "M"
            sup_start, sup_end = s_day, s_day + int(months * 30.4)
        if sup_end <= sup_start:
            sup_end = sup_start + 28
        rec, created = self.delius_record(p, s_day)
        ts = s_day * US_DAY + 19 * US_HOUR + r.randrange(3600) * 10**6
        self._delius_version(p, rec, ts, "I" if created else "U")
        self._follow_ups(ts, lambda t: self._delius_version(p, rec, t, "U"))
        if created and rec[3].fixed is not None:
            rec[3].first, rec[3].last = rec[3].fixed
            rec[3].fixed = None
            self._delius_version(p, rec, ts + r.randint(1, 90) * US_DAY, "U")
        if created and rec[3].pnc is None and r.random() < 0.3:  # PNC added later
            rec[3].pnc = p.pnc[2:]
            self._delius_version(p, rec, ts + r.randint(1, 120) * US_DAY, "U")
        rec[4] += 1
        did = rec[0]
        events, disposals = self.t["delius.event"], self.t["delius.disposal"]
        eid = self.next_id("delius_event", BLOCK)
        erec = events.new()
        events.add(erec, ts + US_MIN, "I", (eid, did, str(rec[4]), s_day, 1, 0))
        # termination
        end, reason = sup_end, "CMP"
        u = r.random()
        if u < 0.08:
            end, reason = r.randint(sup_start, sup_end), "REV"
        elif u < 0.12:
            end, reason = r.randint(sup_start, sup_end), "ETG"
        codes = self.de_codes[category]
        dcode = r.choice(codes)
        if r.random() < R.code_unmapped:
            dcode = LEGACY_DELIUS_DISPOSAL
            self.log("code_unmapped", "delius", "disposal", eid, s_day, f"disposal_type={dcode}")
        dis_id = self.next_id("delius_disposal", BLOCK)
        drec = disposals.new()
        drow = (
            dis_id,
            eid,
            self.ref_ids[("DISPOSAL TYPE", dcode)],
            s_day,
            length,
            self.ref_ids[("UNITS", units)],
            None,
            None,
        )
        disposals.add(drec, ts + 2 * US_MIN, "I", drow)
        end_ts = end * US_DAY + 16 * US_HOUR + r.randrange(3600) * 10**6
        disposals.add(
            drec, end_ts, "U", drow[:6] + (end, self.ref_ids[("TERMINATION REASON", reason)])
        )
        events.add(erec, end_ts + US_MIN, "U", (eid, did, str(rec[4]), s_day, 0, 0))
        if r.random() < R.entered_in_error:  # an event created in error, soft deleted
            eid2 = self.next_id("delius_event", BLOCK)
            erec2 = events.new()
            events.add(erec2, ts + 3 * US_MIN, "I", (eid2, did, str(rec[4] + 1), s_day, 1, 0))
            dd = s_day + r.randint(1, 20)
            events.add(
                erec2, dd * US_DAY + 10 * US_HOUR, "U", (eid2, did, str(rec[4] + 1), s_day, 0, 1)
            )
            self.log("soft_delete", "delius", "event", eid2, dd)
        # contacts
        contacts = self.t["delius.contact"]
        late_code_day = self.start + 3
        d = sup_start + r.randint(1, 10)
        stop = min(end, H)
        while d < stop:
            cid = self.next_id("contact", BIG_BLOCK)
            crec = contacts.new()
            ctype = r.choices(("COAP", "CHVS", "CTEL", "CURW", "CPRG"), (5, 1, 2, 1, 1))[0]
            if d >= late_code_day and r.random() < 0.1:
                ctype = "CVID"
            tid = self.ref_ids[("CONTACT TYPE", ctype)]
            attended = "Y" if r.random() < 0.85 else "N"
            complied = ("Y" if r.random() < 0.9 else "N") if attended == "Y" else None
            if r.random() < 0.4:  # booked ahead, outcome recorded on or after the day
                booked = d - r.randint(1, 7)
                contacts.add(
                    crec, booked * US_DAY + 11 * US_HOUR, "I", (cid, did, d, tid, None, None, 0)
                )
                od = d + (0 if r.random() < 0.6 else r.randint(1, 3))
                contacts.add(
                    crec,
                    od * US_DAY + 17 * US_HOUR + r.randrange(3600) * 10**6,
                    "U",
                    (cid, did, d, tid, attended, complied, 0),
                )
            else:
                contacts.add(
                    crec,
                    d * US_DAY + r.randint(9, 17) * US_HOUR,
                    "I",
                    (cid, did, d, tid, attended, complied, 0),
                )
            if r.random() < R.entered_in_error / 4:  # a contact entered in error
                cid2 = self.next_id("contact", BIG_BLOCK)
                crec2 = contacts.new()
                row = (cid2, did, d, tid, attended, complied, 0)
                contacts.add(crec2, d * US_DAY + 18 * US_HOUR, "I", row)
                dd = d + r.randint(1, 10)
                contacts.add(crec2, dd * US_DAY + 9 * US_HOUR, "U", row[:6] + (1,))
                self.log("soft_delete", "delius", "contact", cid2, dd)
            d += r.randint(14, 42)
        if category != "custody" and r.random() < 0.3:
            st = s_day + r.randint(0, 3)
            self.em_order(p, "CURFEW", st, min(st + r.randint(30, 180), sup_end))

    # ------------------------------------------------------------------ electronic monitoring
    def em_order(self, p: Person, otype: str, o_start: int, o_end: int) -> None:
        r, R = self.r, self.R
        subjects = self.t["em.subjects"]
        created = False
        if not p.em or r.random() < R.em_duplicate:
            sid = f"EMS{self.next_id('em_subject', PBLOCK, 0):08d}"
            if p.em:
                self.log("duplicate_person_record", "em", "subjects", sid, o_start)
            self.record("em", "subjects", sid, p.pid, o_start)
            ident = self.identity(p, "em", "subjects", sid, o_start)
            mode = self.noms_mode()
            crn_ok = r.random() >= R.noms_missing
            pc_noisy = r.random() < R.postcode_noise
            if pc_noisy:
                self.log("postcode_noise", "em", "subjects", sid, o_start)
            rec = [sid, subjects.new(), ident, mode, crn_ok, pc_noisy, None, None]
            p.em.append(rec)
            created = True
        rec = p.em[-1]
        sid, srec, ident, mode, crn_ok, pc_noisy = rec[:6]

        def subject_version(day: int, op: str) -> None:
            full = f"{ident.last.upper()}, {ident.first}"
            noms = self.noms_logged(p, rec, 6, mode, "em", "subjects", sid, day)
            crn_v = p.delius[-1][1] if p.delius and crn_ok else None
            if p.delius and not crn_ok and rec[7] is None:
                rec[7] = "logged"
                self.log("crn_missing", "em", "subjects", sid, day)
            pc = p.postcode(day)
            if pc_noisy:
                pc = pc.lower() if int(sid[3:]) % 2 else pc.replace(" ", "")
            subjects.add(
                srec,
                day * US_DAY + 8 * US_HOUR + r.randrange(3600) * 10**6,
                op,
                (sid, full, ident.dob_str, ident.pnc, noms, crn_v, pc),
            )

        subject_version(o_start, "I" if created else "U")
        if p.pc1 is not None and o_start < p.move_day < o_end:
            subject_version(p.move_day, "U")
        orders, devs = self.t["em.orders"], self.t["em.device_events"]
        oid = f"EMO{self.next_id('em_order', BLOCK, 0):08d}"
        orec = orders.new()
        k = self.code_noise_kind("em", "orders", oid, o_start)
        org = r.choice(PROBATION_ORGS)
        orders.add(
            orec,
            o_start * US_DAY + 9 * US_HOUR,
            "I",
            (oid, sid, self.code(otype, k), nz.em_date(o_start), nz.em_date(o_end), org),
        )
        real_end = o_end
        if r.random() < 0.1 and o_end - o_start > 10:
            real_end = r.randint(o_start + 5, o_end - 1)
            orders.add(
                orec,
                real_end * US_DAY + 15 * US_HOUR,
                "U",
                (oid, sid, self.code(otype, k), nz.em_date(o_start), nz.em_date(real_end), org),
            )

        def dev(day: int, etype: str, sev: str) -> str:
            eid = f"EME{self.next_id('em_event', BIG_BLOCK, 0):010d}"
            ts = day * US_DAY + r.randrange(86400) * 10**6
            ek = self.code_noise_kind("em", "device_events", eid, day)
            drec = devs.new()
            devs.add(
                drec,
                ts + 5 * US_MIN,
                "I",
                (eid, oid, nz.em_datetime(ts), self.code(etype, ek), sev),
            )
            return eid

        dev(o_start + (r.random() < 0.3), "TAG_FITTED", "LOW")
        dur = real_end - o_start
        rates = {
            "CURFEW": (
                ("CURFEW_VIOLATION", 25, "HIGH"),
                ("STRAP_TAMPER", 120, "HIGH"),
                ("BATTERY_LOW", 40, "LOW"),
            ),
            "GPS": (
                ("EXCLUSION_ZONE_ENTRY", 40, "HIGH"),
                ("STRAP_TAMPER", 120, "HIGH"),
                ("BATTERY_LOW", 15, "LOW"),
            ),
            "ALCOHOL": (("STRAP_TAMPER", 90, "HIGH"), ("BATTERY_LOW", 30, "LOW")),
        }[otype]
        evs = []
        for etype, every, sev in rates:
            for _ in range(self.poisson(dur / every)):
                evs.append(
                    (
                        r.randint(o_start + 1, max(o_start + 1, real_end - 1)),
                        etype,
                        sev if r.random() < 0.8 else "MEDIUM",
                    )
                )
        for day, etype, sev in sorted(evs):
            dev(day, etype, sev)
        dev(real_end, "TAG_REMOVED", "LOW")
        if r.random() < R.entered_in_error:
            day = r.randint(o_start, max(o_start, real_end - 1))
            eid = f"EME{self.next_id('em_event', BIG_BLOCK, 0):010d}"
            ts = day * US_DAY + r.randrange(86400) * 10**6
            drec = devs.new()
            row = (eid, oid, nz.em_datetime(ts), "BATTERY_LOW", "LOW")
            devs.add(drec, ts + 5 * US_MIN, "I", row)
            dd = day + r.randint(1, 5)
            devs.add(drec, dd * US_DAY + 10 * US_HOUR, "D", row)
            self.log("hard_delete", "em", "device_events", eid, dd)

    # ------------------------------------------------------------------ reference data
    def reference_tables(self) -> None:
        r = self.r
        ws = self.world_start * US_DAY + 6 * US_HOUR
        agy = self.t["nomis.agency_locations"]
        rows = [(p["agy_loc_id"], p["prison_name"].upper(), "INST", "Y") for p in self.refs.prisons]
        rows.append(("KMI", "HMP KINGSTON (CLOSED)", "INST", "N"))
        rows += [
            (c["nomis_agy_loc_id"], c["court_name"].upper(), "CRT", "Y") for c in self.refs.courts
        ]
        renamed = None
        for i, row in enumerate(rows):
            if r.random() < 0.15:  # descriptions typed by hand
                row = (row[0], nz.case_noise(row[1].title(), r), row[2], row[3])
                self.log("code_noise", "nomis", "agency_locations", row[0], self.world_start)
            rec = agy.new()
            agy.add(rec, ws + i * US_MIN, "I", row)
            if i == 1:
                renamed = (rec, row)
        if renamed:
            rec, row = renamed
            agy.add(
                rec,
                (self.start + 2) * US_DAY + 10 * US_HOUR,
                "U",
                (row[0], row[1] + " & YOI", row[2], row[3]),
            )
        ref = self.t["delius.r_standard_reference_list"]
        for (cs, cv), rid in self.ref_ids.items():
            desc = _REF_DESC.get((cs, cv), cv)
            rec = ref.new()
            day = self.start + 3 if (cs, cv) == LATE_REFERENCE_CODE[:2] else self.world_start
            ref.add(rec, day * US_DAY + 7 * US_HOUR, "I", (rid, cs, cv, desc))
            if (cs, cv) == ("TERMINATION REASON", "ETG"):
                ref.add(
                    rec,
                    (self.start + 5) * US_DAY + 7 * US_HOUR,
                    "U",
                    (rid, cs, cv, "Early termination - good progress (ETG)"),
                )


_REF_DESC: dict[tuple[str, str], str] = {}


def reference_ids(refs: Refs) -> dict[tuple[str, str], int]:
    """Stable ids for every nDelius reference code (also fills descriptions)."""
    codes = list(REFERENCE_CODES)
    for d in refs.disposals:
        if d["source_system"] == "delius":
            codes.append(("DISPOSAL TYPE", d["source_code"], d["source_description"]))
    codes.append(("DISPOSAL TYPE", LEGACY_DELIUS_DISPOSAL, "Legacy order (pre-2005)"))
    codes.append(LATE_REFERENCE_CODE)
    out = {}
    for i, (cs, cv, desc) in enumerate(codes):
        out[(cs, cv)] = 1001 + i
        _REF_DESC[(cs, cv)] = desc
    return out
