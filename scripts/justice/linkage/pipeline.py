"""Driving the linkage models through dbt: training m/u on the comparison vectors, and
linking an arbitrary file of standard columns with exactly the project's SQL.

A file is linked by building int_person_records and everything after it into a
throw-away DuckDB warehouse with the var `linkage_input_path`: the records come from the
file instead of the four systems, and the m/u parameters are trained on it in the same
dbt run (int_person_linkage_parameters_trained).
"""

from __future__ import annotations

import csv
import fcntl
import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TextIO

import duckdb
import numpy as np
import yaml

from justice import dbt
from justice.console import PROJECT_ROOT, JusticeError, Settings, quoted_identifier
from justice.linkage import em

SEED_PATH = PROJECT_ROOT / "seeds" / "person_linkage_parameters.csv"
NICKNAMES_PATH = PROJECT_ROOT / "seeds" / "nicknames.csv"
SEED_COLUMNS = [
    "comparison",
    "comparison_level",
    "level_description",
    "m_probability",
    "u_probability",
]

# The raw standard columns int_person_records standardises (macros/people/standardise.sql).
RAW_COLUMNS = [
    "system",
    "source_table",
    "source_record_id",
    "forename",
    "surname",
    "birth_date",
    "sex",
    "postcode",
    "pnc_number",
    "cro_number",
    "prison_number",
    "crn",
    "address",
    "locality",
]
# Rounds of label propagation a linked file gets first, and the rounds it is linked
# again with when clusters_are_converged says those were too few (each at least the
# project's var linkage_cluster_rounds, so raising the var raises both). Rounds run over
# the contracted pairs (macros/people/linkage_clustering.sql), at every split threshold;
# on the register benchmark (43,886 records, 1.3 M matching pairs, components final
# after 5 rounds over the original pairs) 40 rounds over the original pairs took 4.8 s
# of clustering, 12 took 2.3 s, and 12 over the contracted pairs 0.8 s. A file that
# needs more (long chains of records each matching only the next) pays one more dbt
# run, said as it happens.
FILE_CLUSTER_ROUNDS = 12
FILE_CLUSTER_ROUNDS_AGAIN = 60
# dedupe_and_link: pairs within and across systems; link_only: across systems only
LINK_TYPES = ("dedupe_and_link", "link_only")

# The models that exist only when a file is linked (var linkage_input_path).
EVALUATION_MODELS = ["int_person_comparison_levels", "int_person_linkage_parameters_trained"]
LINKAGE_MODELS = [
    "int_person_records",
    "int_person_pairs_blocked",
    "int_person_pairs_compared",
    "int_person_pairs_scored",
    "int_person_clusters",
]

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


@dataclass
class Timings:
    steps: dict[str, float] = field(default_factory=dict)

    def measure(self, name: str, started: float) -> None:
        self.steps[name] = round(time.perf_counter() - started, 2)


def run_dbt(args: list[str], settings: Settings, manifest: object = None) -> list[str]:
    """Run dbt (justice.dbt) with `settings`' paths, its log beside the target unless
    DBT_LOG_PATH says otherwise; raise with dbt's reason on failure; return what the run
    print()ed. With `manifest` (the `manifest` of a `dbt parse` result), dbt does
    not parse the project again."""
    # no manifest.json or run_results.json: nothing reads them, and writing the
    # manifest takes most of a second
    return dbt.run(
        [*args, "--no-write-json"], settings, env=_log_env(settings), manifest=manifest
    ).printed


def _log_env(settings: Settings) -> dict[str, str]:
    if os.environ.get("DBT_LOG_PATH"):
        return {}
    return {"DBT_LOG_PATH": str(settings.target_path / "logs")}


def _printed(settings: Settings, manifest: object, extra: list[str]) -> list[str]:
    return dbt.run_operation(
        "linkage_comparison_catalogue",
        settings,
        env=_log_env(settings),
        manifest=manifest,
        extra=extra,
    )


def _printed_json(printed: list[str], prefix: str) -> list:
    for line in printed:
        if line.startswith(prefix + " "):
            return json.loads(line.removeprefix(prefix + " "))
    raise JusticeError(f"dbt printed no {prefix}")


def comparison_catalogue(
    settings: Settings, manifest: object = None, extra: list[str] | None = None
) -> list[dict]:
    """Every comparison level with its description, from the macros themselves (the macro
    prints it as one JSON line)."""
    return _printed_json(_printed(settings, manifest, extra or []), "LINKAGE_CATALOGUE")


def blocking_rule_names(
    settings: Settings, manifest: object = None, extra: list[str] | None = None
) -> list[str]:
    """The blocking rules' names in the order they are tried."""
    return _printed_json(_printed(settings, manifest, extra or []), "LINKAGE_RULES")


def gamma_patterns(
    con: duckdb.DuckDBPyConnection, relation: str
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The distinct comparison vectors of the candidate pairs and how often each occurs."""
    columns = [row[0] for row in con.execute(f"describe {relation}").fetchall()]
    gammas = [c for c in columns if c.startswith("gamma_")]
    if not gammas:
        raise JusticeError(f"{relation} has no gamma_ columns")
    rows = con.execute(
        f"select {', '.join(gammas)}, count(*) from {relation} group by all"
    ).fetchall()
    data = np.array(rows, dtype=np.int64).reshape(-1, len(gammas) + 1)
    return [g.removeprefix("gamma_") for g in gammas], data[:, :-1], data[:, -1]


def write_nicknames(path: Path) -> int:
    """Write the nickname seed: every name of a nickname group (formal names and their
    short forms, groups joined where they share a short form, e.g. Catherine, Katherine
    and Kate) with the group's first formal name, upper case letters only, so that
    folding a forename through the seed gives every name of a group one form."""
    from justice.lake.generator.names import NICKNAMES

    parent: dict[str, str] = {}

    def find(name: str) -> str:
        while parent.setdefault(name, name) != name:
            name = parent[name]
        return name

    def key(name: str) -> str:
        return "".join(ch for ch in name.upper() if "A" <= ch <= "Z")

    for formal, shorts in NICKNAMES.items():
        for short in shorts:
            a, b = find(key(formal)), find(key(short))
            if a != b:
                parent[max(a, b)] = min(a, b)
    formals = {key(formal) for formal in NICKNAMES}
    groups: dict[str, set[str]] = {}
    for name in list(parent):
        groups.setdefault(find(name), set()).add(name)
    rows = []
    for members in groups.values():
        folded = min(members & formals)
        rows += [(name, folded) for name in sorted(members) if name != folded]
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["nickname", "formal_name"])
        writer.writerows(sorted(rows))
    return len(rows)


# Unambiguous ways a file may write a date of birth besides ISO 8601 (`1985-03-01`,
# which a cast reads, as it does `1985/03/01`, a DATE or TIMESTAMP column): compact
# (`19850301`, as FEBRL), year first with dots, and with the month's name in any case
# (`1 Mar 1985`, `1 March 1985`, `01-MAR-1985`, `March 1, 1985`). Day-first or
# month-first numbers (`01/03/1985`) are ambiguous one by one: a file's column is read
# day-first when some of its values have a first number above 12 and none a second
# (`25/03/1985`), month-first the other way round (numeric_date_order), and otherwise
# they stay unreadable (counted and shown by prepare_input).
BIRTH_DATE_FORMATS = (
    "%Y%m%d",
    "%Y.%m.%d",
    "%d %b %Y",
    "%d %B %Y",
    "%d-%b-%Y",  # Oracle's DD-MON-YYYY (`01-MAR-1985`), as NOMIS exports dates
    "%d-%B-%Y",
    "%b %d, %Y",
    "%B %d, %Y",
)


# a date of numbers, day and month in some order, then a four-digit year
NUMERIC_DATE = r"^(\d{1,2})([/.-])(\d{1,2})[/.-]\d{4}$"
NUMERIC_DATE_FORMATS = {
    "day-first": ("%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y"),
    "month-first": ("%m/%d/%Y", "%m.%d.%Y", "%m-%d-%Y"),
}


def _birth_date_expression(column: str, order: str | None = None) -> str:
    """SQL reading `column` as a date: a cast, then BIRTH_DATE_FORMATS, then (given the
    column's `order` of numeric dates, numeric_date_order) day-first or month-first."""
    text = f"trim(cast({column} as varchar))"
    patterns = [*BIRTH_DATE_FORMATS, *NUMERIC_DATE_FORMATS.get(order or "", ())]
    parsed = [f"try_cast({column} as date)"] + [
        f"cast(try_strptime({text}, '{pattern}') as date)" for pattern in patterns
    ]
    return f"coalesce({', '.join(parsed)})"


def numeric_date_order(con: duckdb.DuckDBPyConnection, relation: str, column: str) -> str:
    """How a column writes dates of numbers (`01/03/1985`): "day-first" when some values
    have a first number above 12 and none a second above 12, "month-first" the other way
    round, "mixed" when both occur, "ambiguous" when neither does (every such value
    could be either), "" when it has none."""
    pattern = NUMERIC_DATE.replace("'", "''")
    numbers, firsts, seconds = con.execute(
        f"""
        with values_ as (
            select trim(cast({column} as varchar)) as value from {relation}
        ),
        parts as (
            select
                cast(regexp_extract(value, '{pattern}', 1) as integer) as first,
                cast(regexp_extract(value, '{pattern}', 3) as integer) as second
            from values_
            where regexp_matches(value, '{pattern}')
        )
        select count(*), count(*) filter (where first > 12 and second <= 12),
            count(*) filter (where second > 12 and first <= 12)
        from parts
        """
    ).fetchone()
    if not numbers:
        return ""
    if firsts and seconds:
        return "mixed"
    if firsts:
        return "day-first"
    if seconds:
        return "month-first"
    return "ambiguous"


def possible_pairs(con: duckdb.DuckDBPyConnection, records: str, link_type: str) -> int:
    """How many pairs the records make: all of them, or only those across systems."""
    sizes = [
        row[0] for row in con.execute(f"select count(*) from {records} group by system").fetchall()
    ]
    total = sum(sizes)
    if link_type == "link_only":
        return (total * total - sum(n * n for n in sizes)) // 2
    return total * (total - 1) // 2


def train_parameters(
    con: duckdb.DuckDBPyConnection,
    *,
    candidates: str = "intermediate.int_person_pairs_compared",
    sampled: str = "intermediate.int_person_pairs_sampled",
    records: str = "intermediate.int_person_records",
    link_type: str = "dedupe_and_link",
) -> em.Parameters:
    """Fellegi-Sunter parameters for all pairs of records, as Splink estimates them:
    u from pairs drawn at random (nearly all non-matches); m by EM over the candidate
    pairs with u held there, then m measured on the pairs a deterministic rule confirms
    where there are enough (confirm_m: an identifier for names, date of birth and the
    rest; names and date of birth for the identifiers);
    the prior EM's, checked against an estimate from two deterministic rules
    (capture_recapture_matches) where the records have identifiers and replaced by it when
    the two differ by more than PRIOR_CHECK_FACTOR; scaled from the candidate pairs to all
    pairs and kept as matching pairs per record (what the seed stores: it does not change
    with the number of records). Both estimates are kept in prior_check."""
    names, patterns, counts = gamma_patterns(con, candidates)
    sampled_names, sampled_patterns, sampled_counts = gamma_patterns(con, sampled)
    if sampled_names != names:
        raise JusticeError("candidate and sampled pairs have different comparisons")
    levels = [
        sorted({int(v) for v in np.concatenate([patterns[:, k], sampled_patterns[:, k]]) if v >= 0})
        for k in range(len(names))
    ]
    u = em.level_shares(sampled_patterns, sampled_counts, levels)
    parameters = em.estimate(names, patterns, counts, levels=levels, fixed_u=u)
    confirm_m(parameters, patterns, counts)
    em_matches = parameters.prior * float(counts.sum())
    check = capture_recapture_matches(names, patterns, counts)
    matches, parameters.prior_source = checked_matches(em_matches, check)
    parameters.prior = max(matches / possible_pairs(con, records, link_type), 1e-12)
    record_count = max(con.execute(f"select count(*) from {records}").fetchone()[0], 1)
    parameters.matching_pairs_per_record = matches / record_count
    parameters.prior_check = {
        "em_matching_pairs_per_record": em_matches / record_count,
        "capture_recapture_matching_pairs_per_record": (
            None if check.matches is None else check.matches / record_count
        ),
        "identifier_pairs": check.identifier_pairs,
        "name_and_birth_date_pairs": check.rule_pairs,
        "both": check.both,
    }
    return parameters


# An exact match on one of these (comparison, level) is taken as a true match when m is
# measured on confirmed pairs: a shared PNC with a valid check letter, prison number, CRN
# or CRO number.
IDENTIFIER_LEVELS = {"pnc_number": 3, "prison_number": 1, "crn": 1, "cro_number": 1}
# Fewer confirmed pairs than this (where the comparison can be made) leave EM's m.
MIN_CONFIRMED_PAIRS = 200


def confirm_m(parameters: em.Parameters, patterns: np.ndarray, counts: np.ndarray) -> list[str]:
    """Replace EM's m of every comparison by its level shares among the candidate pairs
    that a deterministic rule not using it confirms, where there are enough of them: an
    identifier confirms pairs for the names, date of birth and the rest; the same names
    and date of birth confirm pairs for the identifiers.

    EM's match class absorbs the pairs that look alike without being one person (family
    members sharing a surname and an address, twins), so its m puts too much weight on
    disagreeing levels: a different forename or date of birth then costs too little. At
    scale it fails outright: with a million people, 19 in 20 candidate pairs are
    non-matches agreeing on a blocking key, and EM put all of them in the match class
    (its m of agreeing on a CRN was 0.02, against 0.76 on the confirmed pairs). Pairs
    a rule confirms are one person, so how often they disagree is the real m. Returns the
    comparisons whose m was replaced."""
    names = parameters.comparisons
    identified = _confirmed_by_identifiers(names, patterns)
    by_name = _confirmed_by_name_and_birth_date(names, patterns)
    replaced = []
    for k, name in enumerate(names):
        if not parameters.levels[k]:
            continue
        confirmed = by_name if name in IDENTIFIER_LEVELS else identified
        column = patterns[confirmed, k]
        if counts[confirmed][column >= 0].sum() < MIN_CONFIRMED_PAIRS:
            continue
        shares = em.level_shares(
            patterns[confirmed][:, [k]], counts[confirmed], [parameters.levels[k]]
        )[0]
        parameters.m[k] = np.maximum(shares, em.FLOOR)
        replaced.append(name)
    return replaced


def _confirmed_by_identifiers(names: list[str], patterns: np.ndarray) -> np.ndarray:
    """Per comparison vector: does it agree exactly on an identifier (IDENTIFIER_LEVELS)?"""
    confirmed = np.zeros(len(patterns), dtype=bool)
    for name, level in IDENTIFIER_LEVELS.items():
        if name in names:
            confirmed |= patterns[:, names.index(name)] == level
    return confirmed


# EM's prior stands unless the capture-recapture estimate differs from it by more than
# this factor either way. Each has its own bias, of well under this: EM's match class takes
# in look-alikes (its prior was 1.11 times the truth on the default lake and 1.29 times on
# the hard profile), and capture-recapture counts too few matches when the two rules find
# the same easy pairs (0.99 and 0.81 times). What the check catches is EM gone wrong: on
# a million people's 45 M candidate pairs, 19 in 20 of them non-matches that agree on a
# blocking key, EM put every candidate pair in the match class (19 times the truth),
# while capture-recapture was within 1 %.
PRIOR_CHECK_FACTOR = 2.0

# The second deterministic rule of the prior's capture-recapture: forename (exact or the
# same after folding nicknames), surname and date of birth all agree exactly.
NAME_AND_BIRTH_DATE_LEVELS = {"forename": 5, "surname": 5, "birth_date": 5}


def _confirmed_by_name_and_birth_date(names: list[str], patterns: np.ndarray) -> np.ndarray:
    """Per comparison vector: does it agree exactly on names and date of birth
    (NAME_AND_BIRTH_DATE_LEVELS)? None do when a comparison is missing."""
    confirmed = np.ones(len(patterns), dtype=bool)
    for name, level in NAME_AND_BIRTH_DATE_LEVELS.items():
        if name not in names:
            return np.zeros(len(patterns), dtype=bool)
        confirmed &= patterns[:, names.index(name)] >= level
    return confirmed


@dataclass
class CaptureRecapture:
    identifier_pairs: int  # candidate pairs an identifier confirms
    rule_pairs: int  # candidate pairs agreeing exactly on names and date of birth
    both: int
    matches: float | None  # estimated matching pairs; None when too few are in both


def capture_recapture_matches(
    names: list[str], patterns: np.ndarray, counts: np.ndarray
) -> CaptureRecapture:
    """How many pairs match, estimated from two deterministic rules that each find true
    matches with next to no false ones: a shared identifier, and the same names and date
    of birth. If whether a matching pair shares an identifier does not depend on whether
    its names and date of birth were recorded alike (different systems hold identifiers;
    typing errors hit names), the share of identifier pairs that the name rule also finds
    is that rule's recall, and matches = name-rule pairs / recall (Lincoln-Petersen, in
    Chapman's unbiased form). This checks EM, whose match class also takes in pairs that
    look alike without being one person (relatives sharing a surname, an address and
    nearly a date of birth); see PRIOR_CHECK_FACTOR for how far each was from the truth.
    Returns matches None when fewer than MIN_CONFIRMED_PAIRS pairs meet both rules (no
    identifiers, as FEBRL, or too few records): the prior is then EM's."""
    identified = _confirmed_by_identifiers(names, patterns)
    by_name = _confirmed_by_name_and_birth_date(names, patterns)
    a = int(counts[identified].sum())
    b = int(counts[by_name].sum())
    both = int(counts[identified & by_name].sum())
    if both < MIN_CONFIRMED_PAIRS:
        return CaptureRecapture(a, b, both, None)
    return CaptureRecapture(a, b, both, (a + 1) * (b + 1) / (both + 1) - 1)


def checked_matches(em_matches: float, check: CaptureRecapture) -> tuple[float, str]:
    """The number of matching pairs to take, and by what: EM's, unless capture-recapture
    gives an estimate more than PRIOR_CHECK_FACTOR times away from it either way."""
    if check.matches is None:
        return em_matches, "EM"
    ratio = em_matches / max(check.matches, 1.0)
    if 1 / PRIOR_CHECK_FACTOR <= ratio <= PRIOR_CHECK_FACTOR:
        return em_matches, "EM"
    return check.matches, "capture-recapture"


def describe_prior_check(parameters: em.Parameters) -> str:
    """One line: the prior by EM and by capture-recapture, and the rules' pair counts."""
    check = parameters.prior_check
    em_estimate = check["em_matching_pairs_per_record"]
    counted = (
        f"{check['identifier_pairs']:,} pairs share an identifier, "
        f"{check['name_and_birth_date_pairs']:,} agree on names and date of birth, "
        f"{check['both']:,} both"
    )
    recaptured = check["capture_recapture_matching_pairs_per_record"]
    if recaptured is None:
        return (
            f"prior check: EM {em_estimate:.4f} matching pairs per record, unchecked: "
            f"{counted} (fewer than {MIN_CONFIRMED_PAIRS} in both)"
        )
    verdict = (
        f"more than {PRIOR_CHECK_FACTOR:g} times apart: the prior is capture-recapture's"
        if parameters.prior_source == "capture-recapture"
        else f"within {PRIOR_CHECK_FACTOR:g} times: the prior is EM's"
    )
    return (
        f"prior check: EM {em_estimate:.4f} matching pairs per record, capture-recapture "
        f"{recaptured:.4f} (EM {em_estimate / recaptured:.2f} times that), {verdict}; "
        f"{counted}"
    )


def parameter_rows(parameters: em.Parameters, catalogue: list[dict]) -> list[tuple]:
    """The seed's rows (SEED_COLUMNS): the prior as matching pairs per record
    (m_probability; u_probability empty), then a row per catalogued level (unseen levels
    get m = u: weight 0)."""
    probabilities = parameters.probabilities()
    rows: list[tuple] = [
        (
            em.PRIOR,
            1,
            f"prior: matching pairs per record, by {parameters.prior_source} (share of "
            "all pairs that match = this x records / possible pairs; computed where "
            "pairs are scored)",
            float(f"{parameters.matching_pairs_per_record:.10g}"),
            None,
        )
    ]
    for entry in sorted(catalogue, key=lambda e: (e["comparison"], -e["comparison_level"])):
        key = (entry["comparison"], entry["comparison_level"])
        m, u = probabilities.get(key, (em.FLOOR, em.FLOOR))
        rows.append(
            (
                entry["comparison"],
                entry["comparison_level"],
                entry["level_description"],
                float(f"{m:.10g}"),
                float(f"{u:.10g}"),
            )
        )
    return rows


def write_parameters(parameters: em.Parameters, catalogue: list[dict], path: Path) -> None:
    """Write the seed (parameter_rows)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(SEED_COLUMNS)
        for row in parameter_rows(parameters, catalogue):
            writer.writerow([_csv_value(value) for value in row])


def _csv_value(value: object) -> object:
    if value is None:
        return ""
    return f"{value:.10g}" if isinstance(value, float) else value


# What a linked file needs: at least one of these, or nothing can be compared (the
# ids are made up when absent, and sex alone links nobody).
COMPARED_COLUMNS = tuple(
    c for c in RAW_COLUMNS if c not in ("system", "source_table", "source_record_id", "sex")
)


@dataclass
class PreparedInput:
    """What prepare_input made of a file: how many records, which standard column came
    from which input column, which were absent (null), which input columns were left
    out, and dates of birth that could not be read (null in the prepared file)."""

    records: int
    used: dict[str, str]
    absent: list[str]
    ignored: list[str]
    unreadable_birth_dates: int = 0
    unreadable_examples: list[str] = field(default_factory=list)
    given_birth_dates: int = 0
    # how the file writes dates of numbers (numeric_date_order), "" when it has none
    numeric_dates: str = ""

    def describe(self) -> list[str]:
        mapped = ", ".join(
            standard if source == standard else f"{standard} <- {source}"
            for standard, source in self.used.items()
        )
        lines = [f"columns used: {mapped}"]
        if self.absent:
            lines.append(f"not in the file (null): {', '.join(self.absent)}")
        if self.ignored:
            lines.append(
                f"ignored (map one with --column STANDARD=COLUMN): {', '.join(self.ignored)}"
            )
        if self.numeric_dates in NUMERIC_DATE_FORMATS:
            lines.append(
                f"dates of birth of numbers (01/03/1985) read {self.numeric_dates}: some have "
                f"{'a day' if self.numeric_dates == 'day-first' else 'a month'} first that "
                "only a day can be (above 12), and none the other way round"
            )
        elif self.numeric_dates:
            why = (
                "some are day-first and some month-first"
                if self.numeric_dates == "mixed"
                else "none has a number above 12 that would say which comes first"
            )
            lines.append(
                f"dates of birth of numbers (01/03/1985) are not read: {why} "
                "(write them as YYYY-MM-DD)"
            )
        if self.unreadable_birth_dates:
            lines.append(
                f"{self.unreadable_birth_dates} of {self.given_birth_dates} dates of birth "
                "given are in no form it reads (YYYY-MM-DD, 19850301, 1 Mar 1985, ...) "
                "and are taken as missing, for example "
                f"{', '.join(repr(v) for v in self.unreadable_examples)}"
            )
        return lines


def parse_column_mapping(pairs: list[str] | None) -> dict[str, str]:
    """`--column STANDARD=COLUMN` options as {standard: column}."""
    mapping: dict[str, str] = {}
    for pair in pairs or []:
        standard, sep, column = pair.partition("=")
        standard, column = standard.strip(), column.strip()
        if not sep or not standard or not column:
            raise JusticeError(
                f"--column {pair!r}: write STANDARD=COLUMN, e.g. forename=first_name"
            )
        if standard not in RAW_COLUMNS:
            raise JusticeError(
                f"--column {pair!r}: {standard!r} is not a standard column; "
                f"choose from {', '.join(RAW_COLUMNS)}"
            )
        if standard in mapping:
            raise JusticeError(f"--column: {standard!r} is mapped twice")
        mapping[standard] = column
    return mapping


def prepare_input(
    source: Path,
    target: Path,
    entity_column: str,
    columns: dict[str, str] | None = None,
) -> PreparedInput:
    """Write `source` (Parquet, or CSV read as text) as a Parquet file of the raw
    standard columns plus entity_id. A standard column is read from the input column
    `columns` maps it to ({standard: input column}), else from one of its own name (in
    any case) that no mapping claims; `source_record_id` falls back to `record_id`, else
    to row numbers. Standard columns found nowhere are null, and the result says which
    (PreparedInput.describe). Raises JusticeError for a mapped column the file lacks,
    one input column read as two, the true entity column read as a compared one,
    record ids that are missing or repeated, or a file with nothing to compare."""
    if not source.exists():
        raise JusticeError(f"no input file at {source}")
    mapping = dict(columns or {})
    reader = (
        "read_csv({path}, all_varchar = true)"  # ids keep leading zeros; dates parsed below
        if source.suffix.lower() == ".csv"
        else "read_parquet({path})"
    )
    with duckdb.connect() as con:
        quoted = "'" + str(source).replace("'", "''") + "'"
        con.execute(f"create view input as select * from {reader.format(path=quoted)}")
        present = [row[0] for row in con.execute("describe input").fetchall()]
        listed = ", ".join(present)
        if entity_column not in present:
            raise JusticeError(
                f"{source} has no column {entity_column!r} (the true entity); columns: {listed}"
            )
        missing = {s: c for s, c in mapping.items() if c not in present}
        if missing:
            wanted = ", ".join(f"{s}={c}" for s, c in missing.items())
            raise JusticeError(f"{source} has no column for --column {wanted}; columns: {listed}")
        twice = sorted({c for c in mapping.values() if list(mapping.values()).count(c) > 1})
        if twice:
            raise JusticeError(f"--column reads {', '.join(twice)} as two standard columns")
        used = _standard_sources(mapping, present, entity_column)
        leaked = [s for s, c in used.items() if c == entity_column]
        if leaked:
            raise JusticeError(
                f"{entity_column!r} is the true entity and cannot also be read as "
                f"{', '.join(leaked)}: the linkage would compare the answer"
            )
        if not any(s in used for s in COMPARED_COLUMNS):
            raise JusticeError(
                f"{source} has none of the columns the linkage compares "
                f"({', '.join(COMPARED_COLUMNS)}); columns: {listed}. "
                "Map yours with --column STANDARD=COLUMN (e.g. --column forename=first_name)"
            )

        def column(name: str) -> str:
            return quoted_identifier(used[name])

        order = (
            numeric_date_order(con, "input", column("birth_date")) if "birth_date" in used else ""
        )
        select = []
        for standard in RAW_COLUMNS:
            if standard in used:
                expression = (
                    _birth_date_expression(column(standard), order)
                    if standard == "birth_date"
                    else f"cast({column(standard)} as varchar)"
                )
            elif standard in ("system", "source_table"):
                expression = "'input'"
            elif standard == "source_record_id":
                expression = "cast(row_number() over () as varchar)"
            else:
                expression = (
                    "cast(null as date)" if standard == "birth_date" else "cast(null as varchar)"
                )
            select.append(f"{expression} as {standard}")
        select.append(f"cast({quoted_identifier(entity_column)} as varchar) as entity_id")
        con.execute(f"create temp table prepared as select {', '.join(select)} from input")
        records, ids, without = con.execute(
            "select count(*), count(distinct (system, source_record_id)), "
            "count(*) - count(source_record_id) from prepared"
        ).fetchone()
        if without or ids != records:
            raise JusticeError(
                f"{source}: record ids ({used.get('source_record_id')}) must be present and "
                f"unique: {without} missing, {records - without - ids} repeated"
            )
        con.execute(f"copy prepared to '{target}' (format parquet)")
        unreadable, dated, examples = 0, 0, []
        if "birth_date" in used:
            raw = column("birth_date")
            given = f"from input where nullif(trim(cast({raw} as varchar)), '') is not null"
            bad = f"{given} and {_birth_date_expression(raw, order)} is null"
            dated = int(con.execute(f"select count(*) {given}").fetchone()[0])
            unreadable = int(con.execute(f"select count(*) {bad}").fetchone()[0])
            examples = [
                str(row[0])
                for row in con.execute(
                    f"select distinct cast({raw} as varchar) {bad} order by 1 limit 3"
                ).fetchall()
            ]
    ignored = [c for c in present if c not in used.values() and c != entity_column]
    generated = ("system", "source_table", "source_record_id")  # made up when absent
    absent = [s for s in RAW_COLUMNS if s not in used and s not in generated]
    return PreparedInput(records, used, absent, ignored, unreadable, examples, dated, order)


def _standard_sources(
    mapping: dict[str, str], present: list[str], entity_column: str
) -> dict[str, str]:
    """{standard column: input column}: the mapped ones, then each standard column's
    namesake (any case) that no mapping claims and that is not the true entity, then
    record_id for source_record_id."""
    claimed = {*mapping.values(), entity_column}
    by_lower = {c.lower(): c for c in reversed(present)}  # the first of clashing cases
    used: dict[str, str] = {}
    for standard in RAW_COLUMNS:
        if standard in mapping:
            used[standard] = mapping[standard]
        elif standard in present and standard not in claimed:
            used[standard] = standard
        elif by_lower.get(standard) and by_lower[standard] not in claimed:
            used[standard] = by_lower[standard]
    record_id = by_lower.get("record_id")
    if "source_record_id" not in used and record_id and record_id not in claimed:
        used["source_record_id"] = record_id
    return used


@dataclass
class LinkResult:
    records: int
    seconds: Timings
    quality: dict
    matching_pairs_per_record: float


def link_file(
    prepared: Path,
    workdir: Path,
    *,
    link_type: str = "dedupe_and_link",
    threshold: float | None = None,
    extra_vars: dict[str, object] | None = None,
    progress: Progress = _quiet,
) -> LinkResult:
    """Link a prepared file (see prepare_input) with the project's linkage models in a
    warehouse under `workdir` (made anew); train m/u on it first; measure against its
    entity_id. `extra_vars` overrides other dbt vars of the project (a run with others
    keeps its own partial-parse state). Raises JusticeError when the clusters are not
    final (more rounds of label propagation needed).

    Wall time is mostly dbt's fixed costs, so they are paid once: one dbt run builds
    everything, training included (int_person_linkage_parameters_trained, a Python
    model), and `workdir` keeps dbt's partial-parse state between runs, one per link type
    and threshold: every path and var is the same on every run (the records are copied
    to workdir/input.parquet), so a later run re-parses only what changed. One run at a
    time uses a workdir (a lock file)."""
    from justice.linkage.metrics import warehouse_quality

    check_link_types([link_type])
    with _lock_workdir(workdir):  # one run at a time links in a workdir
        settings = _file_settings(workdir, link_type, threshold, extra_vars)
        for stale in (settings.duckdb_path, workdir / "linkage.duckdb.wal"):
            stale.unlink(missing_ok=True)
        timings = Timings()
        records_path = workdir / "input.parquet"
        if prepared.resolve() != records_path.resolve():
            shutil.copyfile(prepared, records_path)
        prepared = records_path
        rounds = _file_cluster_rounds(extra_vars)

        started = time.perf_counter()
        progress("linking: standardising, blocking, comparing, training, scoring, clustering")
        for attempt, attempt_rounds in enumerate(rounds):
            variables = _file_vars(workdir, link_type, threshold, extra_vars, attempt_rounds)
            with_vars = ["--vars", json.dumps(variables, sort_keys=True)]
            # a second run's other var keeps its own partial-parse state
            built = _build_linkage(
                settings
                if attempt == 0
                else replace(
                    settings, target_path=Path(f"{settings.target_path}-{attempt_rounds}")
                ),
                with_vars,
            )
            # the convergence test is recognised by its node, not by words in dbt's message
            # (a test that failed, not one whose SQL erred: that is another fault)
            unconverged = [
                r
                for r in built.failures
                if r.status == "fail" and _is_convergence_test(r.unique_id)
            ]
            if not unconverged:
                break
            if attempt + 1 < len(rounds):
                progress(
                    f"linking: {attempt_rounds} rounds of label propagation did not finish the "
                    f"clusters; linking again with {rounds[attempt + 1]}"
                )
                continue
            asked = bool(extra_vars and "linkage_cluster_rounds" in extra_vars)
            advice = (
                "the run was given these rounds (var linkage_cluster_rounds): give more"
                if asked
                else "raise var linkage_cluster_rounds in dbt_project.yml (a linked file gets "
                f"at least {FILE_CLUSTER_ROUNDS}, then at least {FILE_CLUSTER_ROUNDS_AGAIN} "
                "when those are too few)"
            )
            raise JusticeError(
                f"{unconverged[0].unique_id} ({unconverged[0].status}): "
                f"{unconverged[0].first_line}\nthe clusters are not final: some records are "
                f"more matching pairs away from their cluster's smallest record than the "
                f"{attempt_rounds} rounds of label propagation allow; {advice}"
            )
        built.raise_for_failure()
        timings.measure("dbt", started)
        started = time.perf_counter()
        rules = _printed_json(built.printed, "LINKAGE_RULES")

        with duckdb.connect(str(settings.duckdb_path), read_only=True) as con:
            prior = con.execute(
                "select m_probability from intermediate.int_person_linkage_parameters_trained "
                "where comparison = ?",
                [em.PRIOR],
            ).fetchone()[0]
            progress(f"linking: trained on the file: {prior:.4f} matching pairs per record")
            con.execute(
                "create temp view truth as select system || ':' || source_record_id as record_id, "
                f"entity_id from read_parquet('{prepared}')"
            )
            quality = warehouse_quality(con, "truth", rules)
        # measuring against the truth is not linking: a step of its own
        timings.measure("evaluate", started)
        return LinkResult(quality["records"], timings, quality, prior)


def check_link_types(link_types: Sequence[str]) -> None:
    """Raise JusticeError on a link type the linkage does not know, before dbt parses."""
    unknown = sorted(set(link_types) - set(LINK_TYPES))
    if unknown:
        raise JusticeError(f"unknown link type {', '.join(unknown)}: {' or '.join(LINK_TYPES)}")


def _lock_workdir(workdir: Path) -> TextIO:
    """Create `workdir` and lock its lock file, released when the returned file closes
    (use it in a `with`): one run at a time links in a workdir."""
    workdir.mkdir(parents=True, exist_ok=True)
    lock = (workdir / ".lock").open("w")
    fcntl.flock(lock, fcntl.LOCK_EX)
    return lock


def _file_settings(
    workdir: Path, link_type: str, threshold: float | None, extra_vars: dict[str, object] | None
) -> Settings:
    """Where a file is linked in `workdir`. dbt's partial-parse state is kept per link
    type, threshold and other vars: a changed var re-parses everything (10-15 s), so
    alternating FEBRL3 (dedupe) and FEBRL4 (link only) in one target would re-parse on
    every run."""
    state = f"{link_type}-{'default' if threshold is None else threshold}"
    if extra_vars:
        state += (
            "-" + hashlib.sha256(json.dumps(extra_vars, sort_keys=True).encode()).hexdigest()[:8]
        )
    return Settings(
        lake_path=workdir / "no-lake",
        duckdb_path=workdir / "linkage.duckdb",
        target_path=workdir / "target" / state,
        target="local",
    )


def _file_vars(
    workdir: Path,
    link_type: str,
    threshold: float | None,
    extra_vars: dict[str, object] | None,
    rounds: int,
) -> dict[str, object]:
    """The dbt vars of linking the file at workdir/input.parquet: only what differs
    from the project's defaults, so that runs alike parse alike."""
    variables: dict[str, object] = {"linkage_input_path": str(workdir / "input.parquet")}
    if link_type != "dedupe_and_link":
        variables["linkage_link_type"] = link_type
    if threshold is not None:
        variables["linkage_match_threshold"] = threshold
    variables.update(extra_vars or {})
    variables.pop("linkage_cluster_rounds", None)
    if rounds != project_var("linkage_cluster_rounds"):
        variables["linkage_cluster_rounds"] = rounds
    return variables


def prepare_file_linking(
    workdir: Path, link_types: tuple[str, ...] = LINK_TYPES
) -> dict[str, float]:
    """Parse the project ahead for linking files in `workdir` (as link_file's first run
    of each link type would, default threshold and vars), so that the first file linked
    there does not pay dbt's whole parse: dbt keeps the parse in the run's target
    (partial_parse.msgpack), and a later run re-parses only the files changed since.
    Returns the seconds each link type's parse took."""
    check_link_types(link_types)
    seconds = {}
    with _lock_workdir(workdir):
        for link_type in link_types:
            settings = _file_settings(workdir, link_type, None, None)
            rounds = _file_cluster_rounds(None)[0]
            variables = _file_vars(workdir, link_type, None, None, rounds)
            started = time.perf_counter()
            dbt.run(
                ["parse", "--vars", json.dumps(variables, sort_keys=True), "--no-write-json"],
                settings,
                env=_log_env(settings),
            )
            seconds[link_type] = round(time.perf_counter() - started, 2)
    return seconds


def _file_cluster_rounds(extra_vars: dict[str, object] | None) -> list[int]:
    """The rounds of label propagation a linked file's runs get, in order: the rounds
    asked for in `extra_vars` (one run), or FILE_CLUSTER_ROUNDS then
    FILE_CLUSTER_ROUNDS_AGAIN, each at least the project's var linkage_cluster_rounds."""
    if extra_vars and "linkage_cluster_rounds" in extra_vars:
        return [int(extra_vars["linkage_cluster_rounds"])]  # as asked: no second run
    project = int(project_var("linkage_cluster_rounds"))
    first = max(FILE_CLUSTER_ROUNDS, project)
    again = max(FILE_CLUSTER_ROUNDS_AGAIN, project)
    return [first, again] if again > first else [first]


def project_var(name: str) -> object:
    """A var's default as dbt_project.yml sets it."""
    project = yaml.safe_load((PROJECT_ROOT / "dbt_project.yml").read_text())
    return project["vars"][name]


def _is_convergence_test(unique_id: str) -> bool:
    """Whether a node is a clusters_are_converged test (test.<project>.<name>.<hash>)."""
    parts = unique_id.split(".")
    return parts[0] == "test" and len(parts) > 2 and parts[2].startswith("clusters_are_converged")


def _build_linkage(settings: Settings, with_vars: list[str]) -> dbt.DbtResult:
    """One dbt run: the seed, the models up to the comparison vectors, the parameters
    trained on them (a Python model), scoring and clustering, so dbt's fixed costs
    (start-up, parse) are paid once. Of their tests only the one that proves the clusters
    are final: too few rounds of label propagation (var linkage_cluster_rounds) would
    otherwise split clusters without a word. Returns the run's result, failed or not."""
    return dbt.invoke(
        [
            "build",
            "--select",
            "nicknames",
            *LINKAGE_MODELS,
            "int_person_pairs_sampled",
            *EVALUATION_MODELS,
            "test_name:clusters_are_converged",
            "--indirect-selection",
            "empty",
            "--exclude-resource-type",
            "unit_test",
            # a new warehouse every run: nothing to list in advance (0.1-0.3 s)
            "--no-populate-cache",
            *with_vars,
            "--no-write-json",
        ],
        settings,
        quiet=True,
        env=_log_env(settings),
    )
