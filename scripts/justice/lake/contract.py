"""The raw lake's contract: every system, table, column and type the generator writes.

This module is the single source of truth shared by the generator (which writes these
columns) and the dbt sources (which read them). DESIGN.md section 2 describes the tables;
the types here are how each source system actually delivers them, and each column carries
its description and, for personal data, its category (`meta.personal_data` in dbt).

The dbt sources YAML (`models/staging/<system>/_<system>__sources.yml`) is rendered from
this module by `python -m justice.lake.sources_yaml`; tests/python/test_contract_models.py
fails when the committed files, or stg_quarantine's list of tables, disagree with it.

The generator keeps no table list of its own: its tables are ``TABLES``
(``generator/chunk.py``), and test_contract.py checks that it writes exactly these columns.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

# Every raw row carries the CDC envelope before the table's own columns. Their
# descriptions are the doc blocks raw_op and raw_extraction_timestamp
# (models/staging/_staging__docs.md), shared by every source table.
CDC_FIELDS = [
    pa.field("op", pa.string()),  # I insert, U update, D delete (full load rows are I)
    pa.field("extraction_timestamp", pa.timestamp("us")),  # UTC, naive
]

# One line per system: what it is and how it is delivered (the dbt source's description).
SYSTEM_DESCRIPTIONS: dict[str, str] = {
    "nomis": (
        "NOMIS, the prison case management system: offenders, bookings, movements, "
        "incidents. Delivered daily as Parquet by change data capture."
    ),
    "delius": (
        "nDelius, the probation case management system: offenders, events, disposals, "
        "contacts and its reference lists. Delivered daily as Parquet by change data capture."
    ),
    "common_platform": (
        "Common Platform, the criminal courts' case system: cases, defendants (with their "
        "offences nested as the API delivers them) and hearings. Delivered daily as Parquet."
    ),
    "em": (
        "The electronic monitoring supplier's feed: subjects, orders and device events. "
        "Delivered daily as CSV over SFTP, every field a string."
    ),
}

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
        """The Arrow schema of the files, without the documentation metadata."""
        envelope = CDC_FIELDS
        if self.file_format == "csv":  # CSV over SFTP: every field a string
            envelope = [pa.field(f.name, pa.string()) for f in CDC_FIELDS]
        return pa.schema([*envelope, *(f.remove_metadata() for f in self.columns)])

    @property
    def column_names(self) -> list[str]:
        return [f.name for f in self.schema]


def description(column: pa.Field) -> str:
    """A table column's description, as written in its contract entry."""
    return (column.metadata or {}).get(b"description", b"").decode()


def personal_data(column: pa.Field) -> str | None:
    """A table column's personal-data category (name, date_of_birth, ...), or None."""
    value = (column.metadata or {}).get(b"personal_data")
    return value.decode() if value else None


def _c(name: str, typ: pa.DataType, doc: str, *, pii: str | None = None) -> pa.Field:
    """A column: name, type as delivered, description and personal-data category."""
    metadata = {"description": doc} | ({"personal_data": pii} if pii else {})
    return pa.field(name, typ, metadata=metadata)


S, I64, I32, D, TS = pa.string(), pa.int64(), pa.int32(), pa.date32(), pa.timestamp("us")
OFFENCES = pa.list_(OFFENCE_STRUCT)

# One table per block, one column per line in the order the system delivers them:
# name, type, description, personal-data category. The formatter leaves it alone.
# fmt: off
TABLES: tuple[RawTable, ...] = (
    # ---------------------------------------------------------------- nomis
    RawTable(
        "nomis", "offenders", "parquet", ("offender_id",),
        (
            _c("offender_id", I64, "The source system's internal offender identifier."),
            _c("offender_id_display", S, "Prison number, e.g. A1234BC.", pii="system_identifier"),
            _c("first_name", S, "Forename as recorded.", pii="name"),
            _c("middle_name", S, "Middle name as recorded.", pii="name"),
            _c("last_name", S, "Surname as recorded.", pii="name"),
            _c("birth_date", D, "Date of birth as recorded.", pii="date_of_birth"),
            _c("sex_code", S, "Sex code (M, F, U), case and white space not guaranteed."),
            _c(
                "pnc_number", S,
                "Police National Computer number, when known; format varies by system.",
                pii="national_identifier",
            ),
            _c(
                "cro_number", S,
                "Criminal Records Office number, when known.",
                pii="national_identifier",
            ),
            _c("create_datetime", TS, "When the record was created in the source."),
            _c("modify_datetime", TS, "When the record was last changed in the source."),
        ),
        "One row per offender record change in NOMIS, the prison case management system.",
    ),
    RawTable(
        "nomis", "offender_bookings", "parquet", ("offender_book_id",),
        (
            _c("offender_book_id", I64, "Booking identifier: one booking per period in custody."),
            _c("offender_id", I64, "The source system's internal offender identifier."),
            _c("booking_begin_date", D, "Date the booking began."),
            _c("booking_end_date", D, "Date the booking ended; null while active."),
            _c("active_flag", S, "Whether the record is active (Y/N or 1/0)."),
            _c("agy_loc_id", S, "Agency location code (prison or court)."),
            _c("in_out_status", S, "IN when the prisoner is inside, OUT otherwise."),
        ),
        "One row per booking (a period in prison custody) change in NOMIS.",
    ),
    RawTable(
        "nomis", "offender_external_movements", "parquet", ("offender_book_id", "movement_seq"),
        (
            _c("offender_book_id", I64, "Booking identifier: one booking per period in custody."),
            _c("movement_seq", I32, "Sequence of the movement within the booking."),
            _c("movement_date", D, "Date of the movement."),
            _c("movement_time", TS, "Date and time of the movement."),
            _c(
                "movement_type", S,
                "ADM admission, REL release, TRN transfer, CRT court, TAP temporary absence.",
            ),
            _c("movement_reason_code", S, "Reason for the movement."),
            _c("direction_code", S, "IN or OUT."),
            _c("from_agy_loc_id", S, "Agency the movement left."),
            _c("to_agy_loc_id", S, "Agency the movement arrived at."),
        ),
        "One row per external movement change (admission, release, transfer, court, temporary "
        "absence) in NOMIS.",
    ),
    RawTable(
        "nomis", "incident_cases", "parquet", ("incident_case_id",),
        (
            _c("incident_case_id", I64, "Incident identifier."),
            _c("incident_type", S, "ASSAULT, FIGHT, SELF_HARM, DISORDER or DRUGS."),
            _c("incident_date", D, "Date of the incident."),
            _c("incident_time", TS, "Date and time of the incident."),
            _c("agy_loc_id", S, "Agency location code (prison or court)."),
            _c("reported_staff_id", I64, "Staff member who reported the incident."),
        ),
        "One row per incident case change in NOMIS.",
    ),
    RawTable(
        "nomis", "incident_case_parties", "parquet", ("incident_case_id", "party_seq"),
        (
            _c("incident_case_id", I64, "Incident identifier."),
            _c("party_seq", I32, "Sequence of the party within the incident."),
            _c("offender_book_id", I64, "Booking identifier: one booking per period in custody."),
            _c("participation_role", S, "PERP perpetrator, VICT victim, WIT witness."),
        ),
        "One row per party to an incident (perpetrator, victim, witness) change in NOMIS.",
    ),
    RawTable(
        "nomis", "agency_locations", "parquet", ("agy_loc_id",),
        (
            _c("agy_loc_id", S, "Agency location code (prison or court)."),
            _c("description", S, "Name of the agency location."),
            _c("agency_location_type", S, "INST for prisons, CRT for courts."),
            _c("active_flag", S, "Whether the record is active (Y/N or 1/0)."),
        ),
        "One row per agency location (prison or court) change in NOMIS.",
    ),
    # ---------------------------------------------------------------- delius
    RawTable(
        "delius", "offender", "parquet", ("offender_id",),
        (
            _c("offender_id", I64, "The source system's internal offender identifier."),
            _c("crn", S, "Case reference number, e.g. X123456.", pii="system_identifier"),
            _c("first_name", S, "Forename as recorded.", pii="name"),
            _c("second_name", S, "Second forename as recorded.", pii="name"),
            _c("surname", S, "Surname as recorded.", pii="name"),
            _c("date_of_birth_date", D, "Date of birth as recorded.", pii="date_of_birth"),
            _c("gender_id", I64, "Gender, a reference-list id (code set GENDER)."),
            _c(
                "pnc_number", S,
                "Police National Computer number, when known; format varies by system.",
                pii="national_identifier",
            ),
            _c(
                "cro_number", S,
                "Criminal Records Office number, when known.",
                pii="national_identifier",
            ),
            _c(
                "noms_number", S,
                "Prison number as known to this system; often missing or stale.",
                pii="system_identifier",
            ),
            _c("soft_deleted", I32, "1 when the record has been soft-deleted, else 0."),
            _c("last_updated_datetime", TS, "When the record was last changed in the source."),
        ),
        "One row per offender record change in nDelius, the probation case management system.",
    ),
    RawTable(
        "delius", "event", "parquet", ("event_id",),
        (
            _c("event_id", I64, "Event identifier."),
            _c("offender_id", I64, "The source system's internal offender identifier."),
            _c("event_number", S, "Event number within the offender."),
            _c("referral_date", D, "Date of referral."),
            _c("active_flag", I32, "Whether the record is active (Y/N or 1/0)."),
            _c("soft_deleted", I32, "1 when the record has been soft-deleted, else 0."),
        ),
        "One row per event (a conviction being managed by probation) change in nDelius.",
    ),
    RawTable(
        "delius", "disposal", "parquet", ("disposal_id",),
        (
            _c("disposal_id", I64, "Disposal identifier."),
            _c("event_id", I64, "Event identifier."),
            _c(
                "disposal_type_id", I64,
                "Disposal type, a reference-list id (code set DISPOSAL TYPE).",
            ),
            _c("disposal_date", D, "Date of the disposal (sentence)."),
            _c("length", I32, "Length of the disposal in length_units."),
            _c("length_units", I64, "Units of the length, a reference-list id (code set UNITS)."),
            _c("termination_date", D, "Date the disposal terminated."),
            _c("termination_reason_id", I64, "Termination reason, a reference-list id."),
        ),
        "One row per disposal (sentence or order supervised by probation) change in nDelius.",
    ),
    RawTable(
        "delius", "contact", "parquet", ("contact_id",),
        (
            _c("contact_id", I64, "Contact identifier."),
            _c("offender_id", I64, "The source system's internal offender identifier."),
            _c("contact_date", D, "Date of the contact."),
            _c("contact_type_id", I64, "Contact type, a reference-list id."),
            _c("attended", S, "Y/N whether the person attended; null when not recorded."),
            _c("complied", S, "Y/N whether the person complied; null when not recorded."),
            _c("soft_deleted", I32, "1 when the record has been soft-deleted, else 0."),
        ),
        "One row per contact (appointment) change in nDelius.",
    ),
    RawTable(
        "delius", "r_standard_reference_list", "parquet", ("standard_reference_list_id",),
        (
            _c("standard_reference_list_id", I64, "Reference list entry identifier."),
            _c("code_set_name", S, "Name of the code set."),
            _c("code_value", S, "Code."),
            _c("code_description", S, "Description of the code."),
        ),
        "One row per reference-list code change in nDelius (gender, disposal type, length units, "
        "termination reason, contact type).",
    ),
    # ---------------------------------------------------------------- common_platform
    RawTable(
        "common_platform", "cases", "parquet", ("case_id",),
        (
            _c("case_id", S, "Case identifier (uuid)."),
            _c("case_urn", S, "Unique reference number of the case."),
            _c("court_code", S, "Court code."),
            _c("jurisdiction", S, "MAGISTRATES or CROWN."),
            _c("received_date", D, "Date the case was received by the court."),
            _c("case_status", S, "Status of the case."),
        ),
        "One row per criminal court case change in Common Platform.",
    ),
    RawTable(
        "common_platform", "defendants", "parquet", ("defendant_id",),
        (
            _c("defendant_id", S, "Defendant identifier (uuid), one per defendant per case."),
            _c("case_id", S, "Case identifier (uuid)."),
            _c("first_name", S, "Forename as recorded.", pii="name"),
            _c("last_name", S, "Surname as recorded.", pii="name"),
            _c(
                "date_of_birth", S,
                "Date of birth as a string in mixed formats (ISO, DD/MM/YYYY, YYYYMMDD, DD-MON-"
                "YYYY).",
                pii="date_of_birth",
            ),
            _c(
                "pnc_id", S,
                "Police National Computer number without the slash, when known.",
                pii="national_identifier",
            ),
            _c("address_postcode", S, "Postcode of the defendant's address.", pii="address"),
            _c("gender", S, "Gender as recorded by the court."),
            _c(
                "offences", OFFENCES,
                "The defendant's offences: list of structs (offence_id, offence_code, "
                "offence_date, plea, verdict, disposal_code, sentence_date, custodial_days).",
            ),
        ),
        "One row per defendant change in Common Platform, with the defendant's offences nested as "
        "the API delivers them.",
    ),
    RawTable(
        "common_platform", "hearings", "parquet", ("hearing_id",),
        (
            _c("hearing_id", S, "Hearing identifier."),
            _c("case_id", S, "Case identifier (uuid)."),
            _c("court_code", S, "Court code."),
            _c("hearing_date", D, "Date of the hearing."),
            _c("hearing_type", S, "FIRST, PLEA, TRIAL or SENTENCE."),
            _c("hearing_outcome", S, "EFFECTIVE, CRACKED, INEFFECTIVE or VACATED."),
        ),
        "One row per court hearing change in Common Platform.",
    ),
    # ---------------------------------------------------------------- em
    RawTable(
        "em", "subjects", "csv", ("subject_id",),
        (
            _c("subject_id", S, "The supplier's subject identifier."),
            _c("full_name", S, "Name as 'SURNAME, Forename'.", pii="name"),
            _c("dob", S, "Date of birth as DD/MM/YYYY.", pii="date_of_birth"),
            _c(
                "pnc", S,
                "Police National Computer number as typed by the supplier.",
                pii="national_identifier",
            ),
            _c(
                "noms_number", S,
                "Prison number as known to this system; often missing or stale.",
                pii="system_identifier",
            ),
            _c("crn", S, "Case reference number, e.g. X123456.", pii="system_identifier"),
            _c("postcode", S, "Postcode of the monitored address.", pii="address"),
        ),
        "One row per monitored subject change from the electronic monitoring supplier.",
    ),
    RawTable(
        "em", "orders", "csv", ("order_id",),
        (
            _c("order_id", S, "Order identifier."),
            _c("subject_id", S, "The supplier's subject identifier."),
            _c("order_type", S, "CURFEW, GPS or ALCOHOL."),
            _c("order_start_date", S, "Order start date, DD/MM/YYYY."),
            _c("order_end_date", S, "Order end date, DD/MM/YYYY."),
            _c("responsible_organisation", S, "Organisation responsible for the subject."),
        ),
        "One row per electronic monitoring order change from the supplier.",
    ),
    RawTable(
        "em", "device_events", "csv", ("event_id",),
        (
            _c("event_id", S, "Event identifier."),
            _c("order_id", S, "Order identifier."),
            _c("event_datetime", S, "When the device event happened, DD/MM/YYYY HH:MM:SS."),
            _c(
                "event_type", S,
                "TAG_FITTED, STRAP_TAMPER, CURFEW_VIOLATION, EXCLUSION_ZONE_ENTRY, BATTERY_LOW or "
                "TAG_REMOVED."
            ),
            _c("severity", S, "Severity given by the supplier."),
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
