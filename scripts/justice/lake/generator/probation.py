"""Probation (``delius``): offender records, events, disposals and contacts."""

from __future__ import annotations

import calendar

from . import noise as nz
from .chunk import BIG_BLOCK, BLOCK, PBLOCK, US_DAY, US_HOUR, US_MIN, ChunkBase
from .courts import CATEGORIES
from .people import Person
from .reference import LEGACY_DELIUS_DISPOSAL
from .seeds import Refs

SUPERVISION_TYPES = {
    "custody": "licence",
    "suspended_sentence": "suspended_sentence_order",
    "community_order": "community_order",
}
TERMINATION_REASONS = {
    "CMP": "completed",
    "REV": "revoked",
    "BRE": "breach",
    "ETG": "early_termination",
}


def add_months(day: int, months: int) -> int:
    """``day`` plus calendar months, the day of the month clamped to the month's length
    (as SQL date arithmetic does: 31 January + 1 month = 28 or 29 February)."""
    date = nz.to_date(day)
    index = date.month - 1 + months
    year, month = date.year + index // 12, index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return nz.to_day(date.replace(year=year, month=month, day=min(date.day, last)))


class ProbationMixin(ChunkBase):
    """Supervision on licence or in the community, as nDelius records it."""

    def load_probation_refs(self, refs: Refs) -> None:
        """nDelius disposal codes by conformed category."""
        self.de_codes = {c: refs.disposal_codes("delius", c) for c in CATEGORIES}

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
        if ident.name_only:  # profile hook: nothing recorded but the name
            noms = None
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
        elif u < 0.17:  # breach of the order or licence conditions: ended by the breach
            end, reason = r.randint(sup_start, sup_end), "BRE"
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
        expected_end = s_day + length if units == "D" else add_months(s_day, length)
        self.truth_supervision.append(
            (
                p.pid,
                did,
                eid,
                dis_id,
                SUPERVISION_TYPES[category],
                dcode,
                s_day,
                sup_start,
                expected_end,
                end,
                TERMINATION_REASONS[reason],
            )
        )
        end_ts = end * US_DAY + 16 * US_HOUR + r.randrange(3600) * 10**6
        # ended on its sentence day: recorded after the disposal was (at 19:00 or later),
        # or the change log would carry the termination before the insert and lose it
        end_ts = max(end_ts, ts + 3 * US_MIN)
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
            self.truth_appointments.append((cid, p.pid, did, dis_id, d, attended, complied))
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
