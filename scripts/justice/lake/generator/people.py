"""People and their identities: who the world's people are, and how each system records them.

``make_people`` draws the chunk's true people (ground truth); ``identity`` is what one source
person record holds for a person, with the name, date-of-birth and identifier errors of
``rates.py`` injected and logged.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import noise as nz
from . import profiles
from .chunk import ChunkBase


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
    name_only: bool = False  # profiles: nothing recorded but the name


class PeopleMixin(ChunkBase):
    """The chunk's people and the identities systems record for them."""

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
        if self.R.identity.family > 0:  # profile hook: families share surname and address
            head, twin = profiles.family_groups(
                np.random.default_rng([self.seed, self.chunk, 3]), self.R.identity, n
            )
            last_i, last2_i, dbl, pc0 = last_i[head], last2_i[head], dbl[head], pc0[head]
            dob = np.where(twin, dob[head], dob)
            for i in np.flatnonzero(head != np.arange(n)):
                kind = "twin" if twin[i] else "family_member"
                self.log(kind, "world", "people", self.first_pid + int(i), None, str(head[i]))
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
        name_only = False
        if R.identity.active:  # profile hook: titles, placeholder dates, name-only records
            first, dob, name_only = self.disguise_identity(p, first, dob, system, table, key, day)
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
        if name_only:
            pass
        elif r.random() < R.pnc_present[system]:
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
        if system in ("nomis", "delius") and p.cro is not None and not name_only:
            if r.random() < R.cro_present:
                cro = p.cro
            else:
                log("cro_missing", system, table, key, day)
        return Ident(first, middle, last, dob, dob_str, pnc, cro, fixed, name_only)

    def disguise_identity(
        self, p: Person, first: str, dob: int | None, system: str, table: str, key: object, day: int
    ) -> tuple[str, int | None, bool]:
        """The hard profile's identity noise (profiles.py): a title in the forename field, a
        placeholder date of birth, or a record with nothing but the name."""
        r, noise = self.r, self.R.identity
        if r.random() < noise.title:
            first = f"{profiles.title_for(p.sex, r.random())} {first}"
            self.log("title", system, table, key, day)
        if r.random() < noise.name_only:
            self.log("name_only", system, table, key, day)
            return first, None, True
        if dob is not None and r.random() < noise.dob_placeholder:
            placeholder = profiles.placeholder_date(r.random())
            dob = nz.to_day(nz.dt.date.fromisoformat(placeholder))
            self.log("dob_placeholder", system, table, key, day, placeholder)
        return first, dob, False

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
