"""Electronic monitoring (``em``): subjects, orders and device events, as the supplier's CSV."""

from __future__ import annotations

from . import noise as nz
from .chunk import BIG_BLOCK, BLOCK, PBLOCK, US_DAY, US_HOUR, US_MIN, ChunkBase
from .people import Person

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


# device events that violate the order (not fitting, removal or low battery)
EM_VIOLATIONS = ("CURFEW_VIOLATION", "EXCLUSION_ZONE_ENTRY", "STRAP_TAMPER")


class MonitoringMixin(ChunkBase):
    """An electronic monitoring order and its device events."""

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
            if ident.name_only:  # profile hook: nothing recorded but the name
                noms, crn_v, pc = None, None, None
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
        violations = []
        for day, etype, sev in sorted(evs):
            eid = dev(day, etype, sev)
            if etype in EM_VIOLATIONS:
                violations.append((day, sev))
                self.truth_em_violations.append((eid, oid, p.pid, etype, sev, day))
        self.truth_em_orders.append(
            (
                oid,
                p.pid,
                sid,
                otype,
                o_start,
                o_end,
                real_end,
                len(violations),
                sum(1 for _, sev in violations if sev == "HIGH"),
                min(day for day, _ in violations) if violations else None,
            )
        )
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
