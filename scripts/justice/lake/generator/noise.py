"""Realism: identifiers, and the errors each system makes when it records a person.

Scalar helpers take a ``random.Random`` seeded per chunk (never the global one). Every
helper that injects an error returns what it did so the caller can log it to
``_truth/injected``.
"""

from __future__ import annotations

import datetime as dt
import random

from .names import NICKNAMES

PNC_CHECK = "ZABCDEFGHJKLMNPQRTUVWXY"
EPOCH = dt.date(1970, 1, 1)
MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


# ------------------------------------------------------------------ identifiers
def pnc_check(year: int, serial: str) -> str:
    return PNC_CHECK[int(f"{year % 100:02d}{serial}") % 23]


def pnc_canonical(year: int, serial: str) -> str:
    """`YYYY/NNNNNNNC`."""
    return f"{year:04d}/{serial}{pnc_check(year, serial)}"


def pnc_is_valid(canonical: str) -> bool:
    year, rest = canonical.split("/")
    return pnc_check(int(year), rest[:7]) == rest[7]


def cro_canonical(serial: int, year: int) -> str:
    """`NNNNNN/YYC`."""
    s = f"{serial:06d}"
    return f"{s}/{year % 100:02d}{PNC_CHECK[int(f'{year % 100:02d}{s}') % 23]}"


def scramble(g: int, modulus: int, mult: int = 2654435761, add: int = 7919) -> int:
    """A bijection of [0, modulus) that looks random (``mult`` coprime with ``modulus``)."""
    return (g * mult + add) % modulus


def prison_number(g: int) -> str:
    """NOMIS prison number `A1234BC` for global record index ``g``."""
    x = scramble(g, 26 * 10000 * 676, 2654435761)
    digits = (x // 676) % 10000
    return f"{LETTERS[x // 6760000]}{digits:04d}{LETTERS[(x // 26) % 26]}{LETTERS[x % 26]}"


def crn(g: int) -> str:
    """nDelius case reference number `X123456`."""
    x = scramble(g, 26 * 1_000_000, 2654435761)
    return f"{LETTERS[x // 1_000_000]}{x % 1_000_000:06d}"


def mistype_pnc(canonical: str, r: random.Random) -> str:
    """Change one digit of the serial or transpose two adjacent digits; keep the check letter."""
    year, rest = canonical.split("/")
    serial, check = list(rest[:7]), rest[7]
    for _ in range(10):
        s = serial[:]
        if r.random() < 0.5:
            i = r.randrange(7)
            s[i] = str((int(s[i]) + r.randrange(1, 10)) % 10)
        else:
            i = r.randrange(6)
            s[i], s[i + 1] = s[i + 1], s[i]
        if s != serial and pnc_check(int(year), "".join(s)) != check:
            return f"{year}/{''.join(s)}{check}"
    return f"{year}/{''.join(serial)}{PNC_CHECK[(PNC_CHECK.index(check) + 1) % 23]}"


def pnc_for_system(
    canonical: str, system: str, r: random.Random, em_noise: float = 0.3
) -> tuple[str, bool]:
    """Deliver a PNC as ``system`` does. Returns (value, em_noise_applied)."""
    year, rest = canonical.split("/")
    if system == "nomis":
        return canonical, False
    if system == "delius":
        return f"{year[2:]}/{rest}", False
    if system == "common_platform":
        return f"{year}{rest}", False
    # em: one of the formats, sometimes with case / whitespace noise
    v = r.choice((canonical, f"{year[2:]}/{rest}", f"{year}{rest}"))
    if r.random() < em_noise:
        v = r.choice((v.lower(), f" {v}", f"{v}  ", f" {v.lower()} "))
        return v, True
    return v, False


# ------------------------------------------------------------------ names
def typo(s: str, r: random.Random) -> str:
    """One or two character edits (substitute, delete, insert, transpose)."""
    if len(s) < 3:
        return s + r.choice("aeiou")
    out = list(s)
    for _ in range(1 if r.random() < 0.7 else 2):
        kind = r.randrange(4)
        i = r.randrange(1, len(out) - 1) if len(out) > 2 else 0
        if kind == 0:
            out[i] = r.choice("abcdefghijklmnoprstuvwy")
        elif kind == 1 and len(out) > 3:
            del out[i]
        elif kind == 2:
            out.insert(i, r.choice("aeiounrst"))
        else:
            out[i - 1], out[i] = out[i], out[i - 1]
    v = "".join(out)
    if v.lower() == s.lower():
        v = s + r.choice("aeiou")
    return v


def nickname(first: str, r: random.Random) -> str | None:
    shorts = NICKNAMES.get(first)
    return r.choice(shorts) if shorts else None


def case_noise(s: str, r: random.Random) -> str:
    k = r.randrange(4)
    if k == 0:
        return f" {s.upper()}  "
    if k == 1:
        return s.lower()
    if k == 2:
        return s.upper() + " "
    return s[:1].lower() + s[1:].upper()


def double_barrelled_variant(last: str, r: random.Random) -> str:
    a, b = last.split("-", 1)
    return r.choice((f"{a} {b}", f"{a}{b}", a))


# ------------------------------------------------------------------ dates
def to_date(d: int) -> dt.date:
    return EPOCH + dt.timedelta(days=d)


def to_day(d: dt.date) -> int:
    return (d - EPOCH).days


def transpose_dob(d: int) -> int | None:
    x = to_date(d)
    if x.day > 12 or x.day == x.month:
        return None
    return to_day(dt.date(x.year, x.day, x.month))


def dob_off_by_year(d: int, r: random.Random) -> int:
    x = to_date(d)
    y = x.year + r.choice((-1, 1))
    day = min(x.day, 28) if x.month == 2 else x.day
    return to_day(dt.date(y, x.month, day))


CP_DOB_FORMATS = ("iso", "dmy_slash", "compact", "dmon")


def format_dob(d: int, fmt: str) -> str:
    x = to_date(d)
    if fmt == "iso":
        return x.isoformat()
    if fmt == "dmy_slash":
        return f"{x.day:02d}/{x.month:02d}/{x.year:04d}"
    if fmt == "compact":
        return f"{x.year:04d}{x.month:02d}{x.day:02d}"
    return f"{x.day:02d}-{MONTHS[x.month - 1]}-{x.year:04d}"


def em_date(d: int | None) -> str | None:
    return None if d is None else format_dob(d, "dmy_slash")


def em_datetime(us: int) -> str:
    return (dt.datetime(1970, 1, 1) + dt.timedelta(microseconds=us)).strftime("%Y-%m-%d %H:%M:%S")


GARBAGE_DATES = ("31/02/2024", "N/A", "unknown", "00/00/0000", "30/02/2025")


# ------------------------------------------------------------------ codes, postcodes
def code_noise(v: str, r: random.Random) -> str:
    k = r.randrange(4)
    if k == 0:
        return f" {v.lower()}"
    if k == 1:
        return v.capitalize() + " "
    if k == 2:
        return v.lower()
    return f"{v} "


def postcode_noise(pc: str, r: random.Random) -> str:
    return pc.lower() if r.random() < 0.5 else pc.replace(" ", "")
