# ruff: noqa: E501  (the rate table below is markdown and cannot wrap)
"""Realism rates: how often the generator injects each error or quirk.

Every rate below is a field of :class:`Rates`; the generator reads nothing else, and every
injection is logged to ``_truth/injected/`` with the ``kind`` shown in the first column, so
tests (and linkage evaluation) can measure what was injected. "Per record" means per source
person record (nomis offender, delius offender, common_platform defendant, em subject);
"per row" means per CDC row delivered; "per version" means per change of a source row.

| kind | field | default | unit / denominator | systems |
|---|---|---|---|---|
| `pnc_missing` | `pnc_present[system]` | nomis 0.85, delius 0.75, cp 0.60, em 0.45 present | per record | all |
| `pnc_mistyped` | `pnc_mistyped` | 0.02 | per record with a PNC (one digit changed or two transposed; check letter kept, so it fails) | all |
| `pnc_format` | (systemic) | 1.0 | nomis `YYYY/NNNNNNNC`, delius `YY/NNNNNNNC`, cp `YYYYNNNNNNNC`, em any of those with case/space noise (`em_pnc_noise` 0.30 logged) | all |
| `cro_missing` | `cro_present` | 0.60 present | per nomis/delius record | nomis, delius |
| `noms_missing` | `noms_missing` | 0.30 | per delius/em record of a person who has a NOMIS record | delius, em |
| `crn_missing` | `noms_missing` | 0.30 | per em record of a person who has a delius record (crn not recorded) | em |
| `noms_stale` | `noms_stale` | 0.10 | per delius/em record with a noms_number: an older duplicate record's number, or a different format (`a1234bc`, `A 1234 BC`) | delius, em |
| `name_typo` | `name_typo` | 0.04 | per record (one or two character edits in forename or surname) | all |
| `name_correction` | `name_correction` | 0.40 | per nomis/delius record with a typo: corrected by a later update | nomis, delius |
| `nickname` | `nickname` | 0.08 | per record whose forename has a nickname (`names.NICKNAMES`) | all |
| `name_swapped` | `name_swapped` | 0.01 | per record (forename and surname swapped) | all |
| `double_barrelled_variant` | `double_barrelled` (people) 0.04; variant | 0.50 | per record of a double-barrelled person: `Smith Jones`, `SmithJones` or `Smith` instead of `Smith-Jones` | all |
| `surname_change` | `surname_change` (people) 0.05 of women; per record | 0.50 | per record of a person with a married surname: the other surname is used | all |
| `name_case_noise` | `name_case_noise` | 0.05 | per record (` JOHN  `, `john`, `jOHN`) | nomis, delius, cp |
| `em_name_format` | (systemic) | 1.0 | em `full_name` is always `SURNAME, Forename` | em |
| `dob_transposed` | `dob_transposed` | 0.02 | per record whose day <= 12 and day != month | all |
| `dob_off_by_year` | `dob_off_by_year` | 0.01 | per record | all |
| `dob_missing` | `dob_missing[system]` | nomis 0, delius 0.01, cp 0.03, em 0.02 | per record | delius, cp, em |
| `dob_format` | `cp_dob_formats` | ISO 0.55, `DD/MM/YYYY` 0.2, `YYYYMMDD` 0.15, `DD-MON-YYYY` 0.10 | per cp record (logged when not ISO) | cp |
| `postcode_noise` | `postcode_noise` | 0.05 | per record (lower case or no space) | cp, em |
| `duplicate_person_record` | `nomis_duplicate` 0.10, `delius_duplicate` 0.03, `em_duplicate` 0.03 | | per later booking / later event / later order: recorded against a new record | nomis, delius, em |
| `code_noise` | `code_noise` | 0.01 | per source row (code columns: lower case and/or padded, e.g. ` adm`, `Rel `) | all event tables |
| `code_unmapped` | `code_unmapped` | 0.005 | per offence (offence code not in seeds) and per disposal (code not in seeds) | cp, delius |
| `late_event` | `late_event` | 0.03 | per event insert after the full load: extracted k=1..5 days after its business date | movements, contacts, hearings, device events, incidents |
| `late_update` | `late_update` | 0.30 | per update of nomis.offenders / delius.offender followed within 3 days by another change of the same key: extracted 1..3 days after that later change (modify_datetime / last_updated_datetime give the true order) | nomis, delius |
| `update_before_insert` | `update_before_insert` | 0.02 | per insert with a later-day update: the insert is extracted a day after the update | offenders, bookings, delius offender, cases |
| `duplicate_row` | `duplicate_row` | 0.005 | per delivered row: an exact duplicate in the same file | all |
| `redelivered_row` | `redelivered_row` | 0.003 | per delivered daily row: the same row image again 1..3 days later with a later extraction_timestamp | all |
| `hard_delete` | `entered_in_error` | 0.02 | per incident / case / EM order: a spurious incident party (WIT), hearing or BATTERY_LOW device event inserted and later deleted (op D with the full row image) | nomis, cp, em |
| `soft_delete` | `entered_in_error` | 0.02 per event, 0.005 per contact | a spurious delius event or contact inserted and later soft deleted (op U, soft_deleted=1) | delius |
| `null_key` | `unrecoverable` | 0.001 | per delivered row (parquet): a copy of a row with its primary key null | nomis, delius, cp |
| `garbage_date` | `unrecoverable` | 0.001 | per delivered em row: a copy of a row with a date field `31/02/2024`, `N/A` or `unknown` | em |

Noise profiles (`justice generate --profile hard`) override some of these rates and add
identity noise (titles, placeholder dates, name-only records, families, twins): see
``profiles.py``.

Ordinary updates (not logged, they are the world): name corrections, a PNC confirmed
1..120 days after a record is created (30% of records created without one), booking status
and location changes on every movement, case status at completion, plea / verdict /
sentence on the defendant's nested offences, postcode moves, contact outcomes recorded after
a booked appointment, incident reclassification, early ends of EM orders, a prison renamed
on start+2 and a reference code added on start+3.

Not errors but documented behaviour of the world (constants in ``world.py``): the world
begins ``WORLD_YEARS`` (6) years before ``start`` and is simulated to ``HORIZON_DAYS`` (400)
days after it; a transfer date counts at the receiving prison (stays are half-open
``[stay_start_date, stay_end_date)``); released bookings carry ``agy_loc_id = 'OUT'``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .profiles import NO_IDENTITY_NOISE, IdentityNoise


def _pnc_present() -> dict[str, float]:
    return {"nomis": 0.85, "delius": 0.75, "common_platform": 0.60, "em": 0.45}


def _dob_missing() -> dict[str, float]:
    return {"nomis": 0.0, "delius": 0.01, "common_platform": 0.03, "em": 0.02}


@dataclass(frozen=True)
class Rates:
    """Injection rates; see the module docstring for the table of kinds and denominators."""

    # identifiers
    pnc_present: dict[str, float] = field(default_factory=_pnc_present)
    pnc_mistyped: float = 0.02
    em_pnc_noise: float = 0.30
    cro_present: float = 0.60
    noms_missing: float = 0.30
    noms_stale: float = 0.10
    # names
    name_typo: float = 0.04
    name_correction: float = 0.40
    nickname: float = 0.08
    name_swapped: float = 0.01
    double_barrelled: float = 0.04  # of people
    double_barrelled_variant: float = 0.50  # of their records
    surname_change: float = 0.05  # of women
    surname_change_record: float = 0.50  # of their records
    name_case_noise: float = 0.05
    # dates of birth
    dob_transposed: float = 0.02
    dob_off_by_year: float = 0.01
    dob_missing: dict[str, float] = field(default_factory=_dob_missing)
    cp_dob_formats: tuple[float, float, float, float] = (0.55, 0.20, 0.15, 0.10)
    postcode_noise: float = 0.05
    # duplicate person records
    nomis_duplicate: float = 0.10
    delius_duplicate: float = 0.03
    em_duplicate: float = 0.03
    # codes
    code_noise: float = 0.01
    code_unmapped: float = 0.005
    # CDC
    late_event: float = 0.03
    late_update: float = 0.30
    update_before_insert: float = 0.02
    duplicate_row: float = 0.005
    redelivered_row: float = 0.003
    entered_in_error: float = 0.02
    unrecoverable: float = 0.001
    # noise profiles (profiles.py): titles, placeholder dates, name-only records, families
    identity: IdentityNoise = NO_IDENTITY_NOISE


DEFAULT_RATES = Rates()
