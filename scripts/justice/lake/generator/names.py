"""Name reference data: nickname pairs (importable by the linkage code) and Faker name pools.

``NICKNAMES`` maps a formal forename to its common short forms. ``nickname_groups`` gives,
for any name, the set of names that may stand for the same person, which is what a
linkage comparison needs.
"""

from __future__ import annotations

from dataclasses import dataclass

NICKNAMES: dict[str, tuple[str, ...]] = {
    "William": ("Bill", "Will", "Billy"),
    "Robert": ("Bob", "Rob", "Bobby"),
    "Richard": ("Dick", "Rick", "Rich"),
    "James": ("Jim", "Jimmy", "Jamie"),
    "John": ("Jack", "Johnny"),
    "Michael": ("Mike", "Mick"),
    "Thomas": ("Tom", "Tommy"),
    "Anthony": ("Tony",),
    "Christopher": ("Chris",),
    "Daniel": ("Dan", "Danny"),
    "David": ("Dave", "Davey"),
    "Edward": ("Ed", "Eddie", "Ted"),
    "Joseph": ("Joe",),
    "Matthew": ("Matt",),
    "Nicholas": ("Nick",),
    "Samuel": ("Sam",),
    "Stephen": ("Steve",),
    "Steven": ("Steve",),
    "Andrew": ("Andy", "Drew"),
    "Benjamin": ("Ben",),
    "Charles": ("Charlie", "Chas"),
    "Alexander": ("Alex", "Sandy"),
    "Jonathan": ("Jon",),
    "Kenneth": ("Ken", "Kenny"),
    "Lawrence": ("Larry",),
    "Peter": ("Pete",),
    "Philip": ("Phil",),
    "Timothy": ("Tim",),
    "Gregory": ("Greg",),
    "Patrick": ("Pat", "Paddy"),
    "Raymond": ("Ray",),
    "Ronald": ("Ron", "Ronnie"),
    "Terence": ("Terry",),
    "Elizabeth": ("Liz", "Beth", "Lizzie", "Betty"),
    "Margaret": ("Maggie", "Peggy", "Meg"),
    "Catherine": ("Kate", "Cathy"),
    "Katherine": ("Kate", "Kathy", "Katie"),
    "Jennifer": ("Jenny", "Jen"),
    "Rebecca": ("Becky", "Becca"),
    "Victoria": ("Vicky", "Tori"),
    "Samantha": ("Sam",),
    "Susan": ("Sue", "Susie"),
    "Deborah": ("Debbie", "Deb"),
    "Patricia": ("Pat", "Trish"),
    "Jessica": ("Jess",),
    "Alexandra": ("Alex",),
    "Christine": ("Chris",),
    "Jacqueline": ("Jackie",),
    "Kimberley": ("Kim",),
    "Natalie": ("Nat",),
    "Abigail": ("Abbie", "Abby"),
    "Eleanor": ("Ellie",),
    "Josephine": ("Jo", "Josie"),
    "Amanda": ("Mandy",),
}


def nickname_groups() -> dict[str, frozenset[str]]:
    """Every name (formal or short) -> the set of names that may be the same forename."""
    groups: dict[str, set[str]] = {}
    for formal, shorts in NICKNAMES.items():
        members = {formal, *shorts}
        for name in members:
            groups.setdefault(name, set()).update(members)
    return {k: frozenset(v) for k, v in groups.items()}


@dataclass(frozen=True)
class NamePools:
    male: tuple[str, ...]
    female: tuple[str, ...]
    surnames: tuple[str, ...]
    postcodes: tuple[str, ...]


POSTCODE_AREAS = (
    "LS",
    "BD",
    "WF",
    "HU",
    "DN",
    "S",
    "M",
    "L",
    "WA",
    "B",
    "CV",
    "NG",
    "LE",
    "E",
    "N",
    "SE",
    "SW",
    "NW",
    "W",
    "BN",
    "BS",
    "EX",
    "PL",
    "CF",
    "SA",
    "NE",
    "DH",
    "SR",
    "TS",
    "OL",
)
_POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"


def build_pools(seed: int, n_postcodes: int = 4000) -> NamePools:
    """Name and postcode pools built once per run, then sampled with numpy.

    Names come from Faker's en_GB person provider lists (in Faker's order, so the pools do
    not depend on Faker's random state); postcodes are UK-shaped codes drawn with numpy.
    The formal names of ``NICKNAMES`` are always included so nicknames occur.
    """
    import numpy as np
    from faker import Faker

    fake = Faker("en_GB")
    person = next(p for p in fake.providers if type(p).__module__.endswith("person.en_GB"))

    def names(source, extra: list[str]) -> tuple[str, ...]:
        out = list(extra)
        seen = set(out)
        for n in source:
            if n not in seen and n.isalpha():
                seen.add(n)
                out.append(n)
        return tuple(out)

    male = names(person.first_names_male, [n for n in NICKNAMES if n not in _FEMALE_FORMAL])
    female = names(person.first_names_female, [n for n in NICKNAMES if n in _FEMALE_FORMAL])
    us = Faker("en_US")
    us_person = next(p for p in us.providers if type(p).__module__.endswith("person.en_US"))
    surnames = names([*person.last_names, *us_person.last_names], [])
    rng = np.random.default_rng([seed, 999_999])
    area = rng.integers(0, len(POSTCODE_AREAS), n_postcodes)
    district = rng.integers(1, 30, n_postcodes)
    sector = rng.integers(0, 10, n_postcodes)
    l1 = rng.integers(0, len(_POSTCODE_LETTERS), n_postcodes)
    l2 = rng.integers(0, len(_POSTCODE_LETTERS), n_postcodes)
    postcodes = tuple(
        dict.fromkeys(
            f"{POSTCODE_AREAS[a]}{d} {s}{_POSTCODE_LETTERS[x]}{_POSTCODE_LETTERS[y]}"
            for a, d, s, x, y in zip(area, district, sector, l1, l2, strict=True)
        )
    )
    return NamePools(male, female, surnames, postcodes)


_FEMALE_FORMAL = {
    "Elizabeth",
    "Margaret",
    "Catherine",
    "Katherine",
    "Jennifer",
    "Rebecca",
    "Victoria",
    "Samantha",
    "Susan",
    "Deborah",
    "Patricia",
    "Jessica",
    "Alexandra",
    "Christine",
    "Jacqueline",
    "Kimberley",
    "Natalie",
    "Abigail",
    "Eleanor",
    "Josephine",
    "Amanda",
}
