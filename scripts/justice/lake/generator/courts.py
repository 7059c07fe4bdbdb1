"""Criminal courts (``common_platform``): cases, hearings and defendants with nested offences."""

from __future__ import annotations

from . import noise as nz
from .chunk import US_DAY, US_HOUR, ChunkBase
from .people import Person
from .seeds import Refs

CATEGORIES = ("custody", "suspended_sentence", "community_order", "fine", "discharge")
CATEGORY_P = (0.30, 0.15, 0.20, 0.25, 0.10)
UNMAPPED_CP_DISPOSALS = ("1999", "3118", "9026")
UNMAPPED_OFFENCES = ("XX99001", "CJ03999", "TH68999")
# Breaches of court orders or licences are in the offence seed (so the marts can tell
# them from new offences: proven reoffending never counts them), but are not simulated.
BREACH_CATEGORY = "breach of court order or licence"


class CourtsMixin(ChunkBase):
    """A court case from receipt to verdict and sentence, as Common Platform records it."""

    def load_court_refs(self, refs: Refs) -> None:
        """Offence codes, magistrates' and Crown courts, disposal codes by category."""
        self.off_codes = [
            o["offence_code"] for o in refs.offences if o["offence_category"] != BREACH_CATEGORY
        ]
        self.off_breach = {
            o["offence_code"] for o in refs.offences if o["offence_category"] == BREACH_CATEGORY
        }
        self.off_indictable = {
            o["offence_code"]: o["is_indictable_only"].lower() == "true" for o in refs.offences
        }
        self.mags = [c for c in refs.courts if c["court_type"] == "magistrates"]
        self.crown = [c for c in refs.courts if c["court_type"] == "crown"]
        self.cp_codes = {c: refs.disposal_codes("common_platform", c) for c in CATEGORIES}

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
            if ident.name_only:  # profile hook: nothing recorded but the name
                pc = None
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
        for o, true_code in zip(offences, codes, strict=True):
            guilty = o["verdict"] == "GUILTY"
            self.truth_offences.append(
                (
                    p.pid,
                    case_id,
                    defendant_id,
                    o["offence_id"],
                    true_code,
                    true_code in self.off_breach,
                    o["offence_date"],
                    convicted_day if guilty else None,
                    sentence_day if guilty else None,
                )
            )
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
