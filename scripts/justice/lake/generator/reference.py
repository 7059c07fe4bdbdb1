"""Reference data the systems hold: NOMIS agency locations and nDelius reference lists."""

from __future__ import annotations

from . import noise as nz
from .chunk import US_DAY, US_HOUR, US_MIN, ChunkBase
from .seeds import Refs

LEGACY_DELIUS_DISPOSAL = "LEG"

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
BREACH_REFERENCE_CODE = ("TERMINATION REASON", "BRE", "Breach")


class ReferenceMixin(ChunkBase):
    """Reference tables, written once (by chunk 0)."""

    def load_reference_ids(self, refs: Refs) -> None:
        """The nDelius reference list ids every system's rows point at."""
        self.ref_ids = reference_ids(refs)

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
    codes.append(BREACH_REFERENCE_CODE)  # after every older code: their ids do not move
    out = {}
    for i, (cs, cv, desc) in enumerate(codes):
        out[(cs, cv)] = 1001 + i
        _REF_DESC[(cs, cv)] = desc
    return out
