# ruff: noqa: E501  (the rate table below is markdown and cannot wrap)
"""A register-shaped test bed for person linkage: few people, many records each.

The lake's people have a handful of records each (one per system and case). Public
registers of persons are shaped otherwise: a few thousand people with tens of thousands of
records, most people with a few and some with several hundred, many records holding
little more than a name. This writes such a file (standard columns and entity_id, as
`justice linkage evaluate --input` reads it), deterministic per seed, from the lake
generator's name pools and noise functions; nothing in it was tuned on a benchmark.

| what | rate | unit |
|---|---|---|
| records per person | 1 + round(3 x Pareto(1.3)), at most `max_records` (450) | per person: mean about 9, a few hundred for the largest |
| family | 0.30 | per person: takes the surname and birth place of one of the 30 people before, and is born 1-8 years after them (another month and day) |
| twin | 0.15 | per family member: born the same day as the one it follows (another forename) |
| namesake | 0.03 | per person not in a family: the forename and surname of one of the 30 people before, born within 5 years of them |
| sex | 0.70 male | per person |
| date of birth | uniform over 1700-1989 | per person |
| forename typo / nickname / initial only | 0.10 / 0.08 / 0.04 | per record (one of them at most) |
| surname typo | 0.08 | per record |
| title before the forename | 0.10 | per record: Sir, Dr, Lord, Mr, Rev / Lady, Mrs, Miss, Dr, Dame |
| forename / surname missing | 0.04 / 0.02 | per record |
| name only | 0.15 | per record: no date of birth, postcode or birth place |
| date of birth missing / placeholder / year off 1-2 / other day / wholly wrong | 0.25 / 0.04 / 0.08 / 0.04 / 0.02 | per record (one of them at most) |
| postcode missing / another postcode | 0.50 / 0.075 | per record not name-only |
| birth place missing | 0.30 | per record not name-only |
| sex missing / the other sex | 0.10 / 0.01 | per record |
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from justice.lake.generator import noise
from justice.lake.generator.names import build_pools

_TOWN_STARTS = ("North", "South", "East", "West", "Upper", "Lower", "Great", "Little", "Old", "New")
_TOWN_ENDS = (
    "ham",
    "ton",
    "bury",
    "ford",
    "field",
    "wick",
    "by",
    "stow",
    "worth",
    "ley",
    "mouth",
    "bridge",
    "chester",
    "minster",
    "thorpe",
)
_TITLES = {"M": ("Sir", "Dr", "Lord", "Mr", "Rev"), "F": ("Lady", "Mrs", "Miss", "Dr", "Dame")}
# one placeholder the project lists (var linkage_placeholder_birth_dates) and one it
# must find in the data (macro shared_birth_dates): another register's "unknown"
_PLACEHOLDERS = ("1900-01-01", "1800-01-01")


def records_per_person(rng: np.random.Generator, people: int, max_records: int) -> np.ndarray:
    """Heavy-tailed: most people a few records, some several hundred."""
    drawn = np.round(rng.pareto(1.3, people) * 3 + 1)
    return np.clip(drawn, 1, max_records).astype(int)


def write_registers(
    path: Path, *, people: int = 5000, seed: int = 1, max_records: int = 450
) -> dict:
    """Write the register file to `path` (Parquet); return its records, people, largest
    cluster and true matching pairs."""
    r = random.Random(seed)
    rng = np.random.default_rng(seed)
    pools = build_pools(seed)
    towns = [start + end for start in _TOWN_STARTS for end in _TOWN_ENDS]
    counts = records_per_person(rng, people, max_records)
    persons: list[dict] = []
    for _ in range(people):
        sex = "M" if r.random() < 0.7 else "F"
        person = {
            "sex": sex,
            "forename": r.choice(pools.male if sex == "M" else pools.female),
            "surname": r.choice(pools.surnames),
            "town": r.choice(towns),
            "birth_date": dt.date(1700, 1, 1) + dt.timedelta(days=r.randrange(290 * 365)),
            "postcode": r.choice(pools.postcodes),
        }
        if persons and r.random() < 0.3:  # a family: surname, birth place, a few years on
            head = persons[max(0, len(persons) - r.randint(1, 30))]
            person["surname"], person["town"] = head["surname"], head["town"]
            person["birth_date"] = (
                head["birth_date"]
                if r.random() < 0.15
                else dt.date(
                    head["birth_date"].year + r.randint(1, 8), r.randint(1, 12), r.randint(1, 28)
                )
            )
        elif persons and r.random() < 0.03:  # a namesake born within five years
            other = persons[max(0, len(persons) - r.randint(1, 30))]
            person["sex"], person["forename"] = other["sex"], other["forename"]
            person["surname"] = other["surname"]
            person["birth_date"] = other["birth_date"] + dt.timedelta(days=r.randint(-1826, 1826))
        persons.append(person)
    columns: dict[str, list] = {
        key: []
        for key in (
            "source_record_id",
            "forename",
            "surname",
            "birth_date",
            "sex",
            "postcode",
            "locality",
            "entity_id",
        )
    }
    for number, (person, count) in enumerate(zip(persons, counts, strict=True)):
        for _ in range(int(count)):
            forename, surname = _name(person, r)
            name_only = r.random() < 0.15
            columns["source_record_id"].append(str(len(columns["source_record_id"]) + 1))
            columns["forename"].append(forename)
            columns["surname"].append(surname)
            columns["birth_date"].append(
                None if name_only else _birth_date(person["birth_date"], r)
            )
            columns["sex"].append(_sex(person["sex"], r))
            columns["postcode"].append(None if name_only else _postcode(person, pools, r))
            columns["locality"].append(None if name_only or r.random() < 0.3 else person["town"])
            columns["entity_id"].append(f"P{number}")
    pq.write_table(pa.table(columns), path)
    return {
        "records": len(columns["entity_id"]),
        "people": people,
        "largest_cluster": int(counts.max()),
        "true_pairs": int((counts * (counts - 1) // 2).sum()),
    }


def _name(person: dict, r: random.Random) -> tuple[str | None, str | None]:
    forename, surname = person["forename"], person["surname"]
    u = r.random()
    if u < 0.10:
        forename = noise.typo(forename, r)
    elif u < 0.18:
        forename = noise.nickname(forename, r) or forename
    elif u < 0.22:
        forename = forename[0]
    if r.random() < 0.08:
        surname = noise.typo(surname, r)
    if r.random() < 0.10:
        forename = f"{r.choice(_TITLES[person['sex']])} {forename}"
    return (None if r.random() < 0.04 else forename), (None if r.random() < 0.02 else surname)


def _birth_date(true: dt.date, r: random.Random) -> str | None:
    u = r.random()
    if u < 0.25:
        return None
    if u < 0.29:
        return r.choice(_PLACEHOLDERS)
    if u < 0.37 and not (true.month == 2 and true.day == 29):
        return true.replace(year=true.year + r.choice((-2, -1, 1, 2))).isoformat()
    if u < 0.41:
        return true.replace(day=r.randint(1, 28)).isoformat()
    if u < 0.43:
        return (dt.date(1700, 1, 1) + dt.timedelta(days=r.randrange(290 * 365))).isoformat()
    return true.isoformat()


def _sex(true: str, r: random.Random) -> str | None:
    u = r.random()
    if u < 0.10:
        return None
    return {"M": "F", "F": "M"}[true] if u < 0.11 else true


def _postcode(person: dict, pools, r: random.Random) -> str | None:
    if r.random() < 0.5:
        return None
    return person["postcode"] if r.random() < 0.85 else r.choice(pools.postcodes)
