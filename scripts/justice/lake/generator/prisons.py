"""Prisons (``nomis``): offender records, bookings, external movements and incidents."""

from __future__ import annotations

from . import noise as nz
from .chunk import BLOCK, PBLOCK, US_DAY, US_HOUR, US_MIN, ChunkBase, Tab
from .people import Person
from .seeds import Refs

INCIDENT_TYPES = ("ASSAULT", "FIGHT", "SELF_HARM", "DISORDER", "DRUGS")
INCIDENT_P = (0.30, 0.20, 0.30, 0.08, 0.12)


class PrisonsMixin(ChunkBase):
    """Custody from reception to release, as NOMIS records it."""

    def load_prison_refs(self, refs: Refs) -> None:
        """Prisons of each sex's estate, weighted by operational capacity."""
        self.prisons = {
            sex: [p for p in refs.prisons if p["sex_estate"] == estate]
            for sex, estate in (("M", "male"), ("F", "female"))
        }
        self.prison_w = {
            sex: [float(p["operational_capacity"]) for p in self.prisons[sex]] for sex in ("M", "F")
        }

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
