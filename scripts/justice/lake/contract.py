"""The raw lake's contract: every system, table, column and type the generator writes.

This module is the single source of truth shared by the generator (which writes these
columns) and the dbt sources (which read them). DESIGN.md section 2 describes the tables;
the types here are how each source system actually delivers them. The generator keeps no
table list of its own: its tables are ``TABLES`` (``generator/chunk.py``), and
``tests/python/test_contract.py`` checks that it writes exactly these columns.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

# Every raw row carries the CDC envelope before the table's own columns.
CDC_FIELDS = [
    pa.field("op", pa.string()),  # I insert, U update, D delete (full load rows are I)
    pa.field("extraction_timestamp", pa.timestamp("us")),  # UTC, naive
]

OFFENCE_STRUCT = pa.struct(
    [
        pa.field("offence_id", pa.string()),
        pa.field("offence_code", pa.string()),
        pa.field("offence_date", pa.date32()),
        pa.field("plea", pa.string()),
        pa.field("verdict", pa.string()),
        pa.field("disposal_code", pa.string()),
        pa.field("sentence_date", pa.date32()),
        pa.field("custodial_days", pa.int32()),
    ]
)


@dataclass(frozen=True)
class RawTable:
    system: str
    name: str
    file_format: str  # "parquet" or "csv"
    key: tuple[str, ...]  # the source system's primary key
    columns: tuple[pa.Field, ...]
    description: str

    @property
    def schema(self) -> pa.Schema:
        envelope = CDC_FIELDS
        if self.file_format == "csv":  # CSV over SFTP: every field a string
            envelope = [pa.field(f.name, pa.string()) for f in CDC_FIELDS]
        return pa.schema([*envelope, *self.columns])

    @property
    def column_names(self) -> list[str]:
        return [f.name for f in self.schema]


def _f(name: str, typ: pa.DataType = pa.string()) -> pa.Field:  # noqa: B008 - immutable
    return pa.field(name, typ)


S, I64, I32, D, TS = pa.string(), pa.int64(), pa.int32(), pa.date32(), pa.timestamp("us")

# One table per block, columns packed as the systems list them: easier to read against
# DESIGN.md section 2 than one column per line, so the formatter leaves it alone.
# fmt: off
TABLES: tuple[RawTable, ...] = (
    # ---------------------------------------------------------------- nomis (prisons)
    RawTable(
        "nomis", "offenders", "parquet", ("offender_id",),
        (
            _f("offender_id", I64), _f("offender_id_display"), _f("first_name"),
            _f("middle_name"), _f("last_name"), _f("birth_date", D), _f("sex_code"),
            _f("pnc_number"), _f("cro_number"), _f("create_datetime", TS),
            _f("modify_datetime", TS),
        ),
        "One row per offender record change in NOMIS, the prison case management system.",
    ),
    RawTable(
        "nomis", "offender_bookings", "parquet", ("offender_book_id",),
        (
            _f("offender_book_id", I64), _f("offender_id", I64),
            _f("booking_begin_date", D), _f("booking_end_date", D), _f("active_flag"),
            _f("agy_loc_id"), _f("in_out_status"),
        ),
        "One row per booking (a period in prison custody) change in NOMIS.",
    ),
    RawTable(
        "nomis", "offender_external_movements", "parquet",
        ("offender_book_id", "movement_seq"),
        (
            _f("offender_book_id", I64), _f("movement_seq", I32), _f("movement_date", D),
            _f("movement_time", TS), _f("movement_type"), _f("movement_reason_code"),
            _f("direction_code"), _f("from_agy_loc_id"), _f("to_agy_loc_id"),
        ),
        "One row per external movement change (admission, release, transfer, court, "
        "temporary absence) in NOMIS.",
    ),
    RawTable(
        "nomis", "incident_cases", "parquet", ("incident_case_id",),
        (
            _f("incident_case_id", I64), _f("incident_type"), _f("incident_date", D),
            _f("incident_time", TS), _f("agy_loc_id"), _f("reported_staff_id", I64),
        ),
        "One row per incident case change in NOMIS.",
    ),
    RawTable(
        "nomis", "incident_case_parties", "parquet", ("incident_case_id", "party_seq"),
        (
            _f("incident_case_id", I64), _f("party_seq", I32), _f("offender_book_id", I64),
            _f("participation_role"),
        ),
        "One row per party to an incident (perpetrator, victim, witness) change in NOMIS.",
    ),
    RawTable(
        "nomis", "agency_locations", "parquet", ("agy_loc_id",),
        (
            _f("agy_loc_id"), _f("description"), _f("agency_location_type"),
            _f("active_flag"),
        ),
        "One row per agency location (prison or court) change in NOMIS.",
    ),
    # ---------------------------------------------------------------- delius (probation)
    RawTable(
        "delius", "offender", "parquet", ("offender_id",),
        (
            _f("offender_id", I64), _f("crn"), _f("first_name"), _f("second_name"),
            _f("surname"), _f("date_of_birth_date", D), _f("gender_id", I64),
            _f("pnc_number"), _f("cro_number"), _f("noms_number"), _f("soft_deleted", I32),
            _f("last_updated_datetime", TS),
        ),
        "One row per offender record change in nDelius, the probation case management "
        "system.",
    ),
    RawTable(
        "delius", "event", "parquet", ("event_id",),
        (
            _f("event_id", I64), _f("offender_id", I64), _f("event_number"),
            _f("referral_date", D), _f("active_flag", I32), _f("soft_deleted", I32),
        ),
        "One row per event (a conviction being managed by probation) change in nDelius.",
    ),
    RawTable(
        "delius", "disposal", "parquet", ("disposal_id",),
        (
            _f("disposal_id", I64), _f("event_id", I64), _f("disposal_type_id", I64),
            _f("disposal_date", D), _f("length", I32), _f("length_units", I64),
            _f("termination_date", D), _f("termination_reason_id", I64),
        ),
        "One row per disposal (sentence or order supervised by probation) change in "
        "nDelius.",
    ),
    RawTable(
        "delius", "contact", "parquet", ("contact_id",),
        (
            _f("contact_id", I64), _f("offender_id", I64), _f("contact_date", D),
            _f("contact_type_id", I64), _f("attended"), _f("complied"),
            _f("soft_deleted", I32),
        ),
        "One row per contact (appointment) change in nDelius.",
    ),
    RawTable(
        "delius", "r_standard_reference_list", "parquet", ("standard_reference_list_id",),
        (
            _f("standard_reference_list_id", I64), _f("code_set_name"), _f("code_value"),
            _f("code_description"),
        ),
        "One row per reference-list code change in nDelius (gender, disposal type, "
        "length units, termination reason, contact type).",
    ),
    # ---------------------------------------------------------------- common_platform
    RawTable(
        "common_platform", "cases", "parquet", ("case_id",),
        (
            _f("case_id"), _f("case_urn"), _f("court_code"), _f("jurisdiction"),
            _f("received_date", D), _f("case_status"),
        ),
        "One row per criminal court case change in Common Platform.",
    ),
    RawTable(
        "common_platform", "defendants", "parquet", ("defendant_id",),
        (
            _f("defendant_id"), _f("case_id"), _f("first_name"), _f("last_name"),
            _f("date_of_birth"), _f("pnc_id"), _f("address_postcode"), _f("gender"),
            pa.field("offences", pa.list_(OFFENCE_STRUCT)),
        ),
        "One row per defendant change in Common Platform, with the defendant's offences "
        "nested as the API delivers them.",
    ),
    RawTable(
        "common_platform", "hearings", "parquet", ("hearing_id",),
        (
            _f("hearing_id"), _f("case_id"), _f("court_code"), _f("hearing_date", D),
            _f("hearing_type"), _f("hearing_outcome"),
        ),
        "One row per court hearing change in Common Platform.",
    ),
    # ---------------------------------------------------------------- em (CSV, strings)
    RawTable(
        "em", "subjects", "csv", ("subject_id",),
        (
            _f("subject_id"), _f("full_name"), _f("dob"), _f("pnc"), _f("noms_number"),
            _f("crn"), _f("postcode"),
        ),
        "One row per monitored subject change from the electronic monitoring supplier.",
    ),
    RawTable(
        "em", "orders", "csv", ("order_id",),
        (
            _f("order_id"), _f("subject_id"), _f("order_type"), _f("order_start_date"),
            _f("order_end_date"), _f("responsible_organisation"),
        ),
        "One row per electronic monitoring order change from the supplier.",
    ),
    RawTable(
        "em", "device_events", "csv", ("event_id",),
        (
            _f("event_id"), _f("order_id"), _f("event_datetime"), _f("event_type"),
            _f("severity"),
        ),
        "One row per device event (tag fitted, tamper, violation, …) from the supplier.",
    ),
)

# fmt: on

SYSTEMS: tuple[str, ...] = ("nomis", "delius", "common_platform", "em")


def table(system: str, name: str) -> RawTable:
    for t in TABLES:
        if t.system == system and t.name == name:
            return t
    raise KeyError(f"no raw table {system}.{name}")
