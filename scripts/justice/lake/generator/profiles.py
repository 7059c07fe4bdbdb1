# ruff: noqa: E501  (the rate table below is markdown and cannot wrap)
"""Noise profiles: named sets of injection rates (``justice generate --profile NAME``).

``default`` is :data:`rates.DEFAULT_RATES`, the lake every test and benchmark is built on.
``hard`` is a test bed for person linkage that nobody tuned for: the characteristics of a
messy administrative register (heavy missingness, placeholder dates, titles in name fields,
records with nothing but a name, large families sharing a surname and an address, twins).
It changes only how people and their identities are recorded, never the world's events, and
it draws from its own random stream, so the default lake is unchanged by it.

The identity noise below is zero in the default profile; the generator reads it through
three hooks: ``people.PeopleMixin.make_people`` (families and twins, ``family_groups``),
``people.PeopleMixin.identity`` (titles, placeholder dates, name-only records,
``disguise_identity``) and the courts/EM/probation writers, which leave out the postcode and
prison number of a name-only record (``Ident.name_only``). Every injection is logged to
``_truth/injected`` with the kind in the first column.

| kind | field | hard | unit / denominator |
|---|---|---|---|
| `dob_missing` | `Rates.dob_missing[system]` | nomis 0.15, delius 0.25, cp 0.30, em 0.30 (default 0 / 0.01 / 0.03 / 0.02) | per record |
| `dob_placeholder` | `IdentityNoise.dob_placeholder` | 0.06 | per record still holding a date of birth: `1900-01-01`, `1901-01-01` or `1970-01-01` instead (a date that parses, so staging keeps the record; the value carries no information) |
| `title` | `IdentityNoise.title` | 0.10 | per record: `Mr`/`Mrs`/`Ms`/`Miss`/`Dr` (by sex) before the forename, in the forename field (EM: `SURNAME, Mr Forename`) |
| `name_only` | `IdentityNoise.name_only` | 0.12 | per record: nothing but forename and surname (and sex where the system always records it): no date of birth, PNC, CRO, postcode or prison number |
| `family_member` | `IdentityNoise.family` | 0.35 | per person: joins the family of an earlier person of the chunk (same surname, same first address); families hold up to `family_size` (8) people |
| `twin` | `IdentityNoise.twin` | 0.15 | per family member: shares the date of birth of the family's first person (different forename) |
| `name_typo` | `Rates.name_typo` | 0.08 (default 0.04) | per record |
| `nickname` | `Rates.nickname` | 0.15 (default 0.08) | per record whose forename has a nickname |
| `pnc_missing` | `Rates.pnc_present[system]` | nomis 0.55, delius 0.45, cp 0.30, em 0.20 present | per record |
| `cro_missing` | `Rates.cro_present` | 0.35 present | per nomis/delius record |
| `noms_missing` | `Rates.noms_missing` | 0.50 | per delius/em record of a person with a NOMIS record |

Not reproduced here: clusters of several hundred records of one person; the largest true
cluster stays bounded by the number of cases a person can have in the simulated horizon.
That shape is a file of its own, not a lake: ``justice.linkage.registers``
(``justice linkage evaluate --benchmark registers``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

PLACEHOLDER_DATES = ("1900-01-01", "1901-01-01", "1970-01-01")
TITLES = {"M": ("Mr", "MR", "Dr"), "F": ("Mrs", "Ms", "Miss", "MRS", "Dr")}


@dataclass(frozen=True)
class IdentityNoise:
    """Identity noise beyond :class:`rates.Rates`; all zero in the default profile."""

    title: float = 0.0
    dob_placeholder: float = 0.0
    name_only: float = 0.0
    family: float = 0.0
    family_size: int = 8
    twin: float = 0.0

    @property
    def active(self) -> bool:
        return any((self.title, self.dob_placeholder, self.name_only, self.family, self.twin))


NO_IDENTITY_NOISE = IdentityNoise()

# Each profile: overrides of rates.Rates fields, and its identity noise.
PROFILES: dict[str, tuple[dict, IdentityNoise]] = {
    "default": ({}, NO_IDENTITY_NOISE),
    "hard": (
        {
            "dob_missing": {"nomis": 0.15, "delius": 0.25, "common_platform": 0.30, "em": 0.30},
            "name_typo": 0.08,
            "nickname": 0.15,
            "pnc_present": {"nomis": 0.55, "delius": 0.45, "common_platform": 0.30, "em": 0.20},
            "cro_present": 0.35,
            "noms_missing": 0.50,
        },
        IdentityNoise(
            title=0.10, dob_placeholder=0.06, name_only=0.12, family=0.35, family_size=8, twin=0.15
        ),
    ),
}


def profile_rates(name: str):  # -> rates.Rates (imported here: rates imports this module)
    """The :class:`rates.Rates` of profile ``name``."""
    from .rates import DEFAULT_RATES

    if name not in PROFILES:
        raise ValueError(f"unknown noise profile {name!r}; choose one of {', '.join(PROFILES)}")
    overrides, identity = PROFILES[name]
    return dataclasses.replace(DEFAULT_RATES, **overrides, identity=identity)


def family_groups(
    rng: np.random.Generator, noise: IdentityNoise, n: int
) -> tuple[np.ndarray, np.ndarray]:
    """Per person of a chunk: the index of the family's first person (itself when alone or
    first), and whether it is a twin of that first person. Drawn from ``rng`` only."""
    head = np.arange(n)
    twin = np.zeros(n, dtype=bool)
    if noise.family <= 0 or n < 2:
        return head, twin
    joins = rng.random(n) < noise.family
    size = np.ones(n, dtype=np.int64)
    # people join a family among the 50 people before them, in order, so heads are earlier
    back = rng.integers(1, 51, n)
    is_twin = rng.random(n) < noise.twin
    for i in range(1, n):
        if not joins[i]:
            continue
        h = head[max(0, i - int(back[i]))]
        if size[h] >= noise.family_size:
            continue
        head[i] = h
        size[h] += 1
        twin[i] = bool(is_twin[i])
    return head, twin


def placeholder_date(u: float) -> str:
    return PLACEHOLDER_DATES[int(u * len(PLACEHOLDER_DATES)) % len(PLACEHOLDER_DATES)]


def title_for(sex: str, u: float) -> str:
    titles = TITLES.get(sex, TITLES["M"])
    return titles[int(u * len(titles)) % len(titles)]
