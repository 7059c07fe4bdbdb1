"""Splink, configured as its own documentation's FEBRL examples configure it, on the same
records, so that our SQL linkage can be compared with it (time and quality).

Settings follow Splink's documented DuckDB examples for febrl3 (deduplication) and febrl4
(link only): the same blocking rules, comparisons, deterministic rules for the prior, u by
random sampling (1e6 pairs), m by EM sessions blocked on date of birth and on postcode,
clusters at match probability 0.99.

Records of the standard columns (`justice linkage evaluate --compare-splink` on a lake or
an --input file) are linked with the settings of Splink's documented deduplication example
of messy historical person records (historical_50k) mapped onto our columns: blocking on
name prefixes, names with date of birth, postcode with a name; name, date-of-birth and
postcode comparisons (term-frequency adjusted names) plus exact PNC; the prior from
deterministic rules at recall 0.7; u by random sampling; m by EM blocked on names and on
date of birth; clusters at 0.95, the threshold our linkage uses.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import duckdb

from justice.console import JusticeError
from justice.linkage.metrics import cluster_quality
from justice.linkage.pipeline import project_var


def titles_pattern() -> str:
    """Leading titles (var linkage_forename_titles), as macros/people/standardise.sql's
    without_title drops them from ours: a regular expression to match in any case."""
    titles = "|".join(str(title) for title in project_var("linkage_forename_titles"))
    return rf"^\s*(({titles})(\.\s*|\s+|\.?$))+"


def _listed_placeholders() -> str:
    """var linkage_placeholder_birth_dates as SQL date literals, comma-separated."""
    return ", ".join(f"date '{d}'" for d in project_var("linkage_placeholder_birth_dates"))


def shared_birth_dates(con: duckdb.DuckDBPyConnection, relation: str) -> list[str]:
    """The dates of birth of `relation` (standard columns) that macro shared_birth_dates
    (macros/people/standardise.sql) finds to be placeholders, by the same rule and vars:
    more surnames than var linkage_placeholder_min_surnames and than
    var linkage_placeholder_surname_factor times the 99th percentile of surnames per
    date, none of them on half the date's records."""
    listed = _listed_placeholders()
    letters = "nullif(regexp_replace(upper(strip_accents(surname)), '[^A-Z]', '', 'g'), '')"
    rows = con.execute(
        f"""
        with date_surnames as (
            select try_cast(birth_date as date) as birth_date, {letters} as surname,
                count(*) as record_count
            from {relation}
            where try_cast(birth_date as date) not in ({listed})
                and try_cast(birth_date as date) <= current_date and {letters} is not null
            group by all
        ),
        dates as (
            select birth_date, count(*) as surname_count, sum(record_count) as record_count,
                max(record_count) as top_surname_record_count
            from date_surnames group by birth_date
        ),
        typical as (select quantile_disc(surname_count, 0.99) as surname_count from dates)
        select strftime(birth_date, '%Y-%m-%d') from dates, typical
        where dates.surname_count > ?
            and dates.surname_count > ? * typical.surname_count
            and 2 * top_surname_record_count < record_count
        order by 1
        """,
        [
            int(project_var("linkage_placeholder_min_surnames")),
            float(project_var("linkage_placeholder_surname_factor")),
        ],
    ).fetchall()
    return [row[0] for row in rows]


def _prepared(name: str) -> list:
    from justice.linkage.benchmarks import _frames

    frames = []
    for _, frame in _frames(name):
        frame = frame.reset_index()
        frame.columns = [column.strip() for column in frame.columns]
        for column in ("date_of_birth", "soc_sec_id", "postcode"):
            frame[column] = frame[column].astype("string").str.strip()
        frame["cluster"] = frame["rec_id"].str.extract(r"^([^-]+-[^-]+)", expand=False)
        frames.append(frame)
    return frames


def _splink():
    """Splink's comparison library, DuckDBAPI, Linker, SettingsCreator and block_on, quiet;
    a clear error when Splink (a dev dependency) is not installed."""
    try:
        import splink.comparison_library as cl
        from splink import DuckDBAPI, Linker, SettingsCreator, block_on
    except ImportError as error:  # pragma: no cover - dev dependency
        raise JusticeError(
            "the Splink comparison needs `splink` (pip install -e '.[dev]')"
        ) from error
    logging.getLogger("splink").setLevel(logging.WARNING)
    return cl, DuckDBAPI, Linker, SettingsCreator, block_on


def _names_and_birth_date(cl, forename: str, surname: str, birth_date: str, date_format: str):
    """Splink's documented person comparisons: term-frequency adjusted names and a date of
    birth read as a string in `date_format` (unreadable dates as missing)."""
    return [
        cl.NameComparison(forename).configure(term_frequency_adjustments=True),
        cl.NameComparison(surname).configure(term_frequency_adjustments=True),
        cl.DateOfBirthComparison(
            birth_date,
            input_is_string=True,
            datetime_format=date_format,
            invalid_dates_as_null=True,
        ),
    ]


def run(name: str) -> dict:
    """Link benchmark `name` with Splink; return seconds and cluster quality."""
    cl, DuckDBAPI, Linker, SettingsCreator, block_on = _splink()
    frames = _prepared(name)
    started = time.perf_counter()
    if name in ("febrl1", "febrl2", "febrl3"):  # the febrl3 example: deduplication
        blocking = [
            block_on("soc_sec_id"),
            block_on("given_name"),
            block_on("surname"),
            block_on("date_of_birth"),
            block_on("postcode"),
        ]
        comparisons = [
            cl.NameComparison("given_name"),
            cl.NameComparison("surname"),
            cl.DateOfBirthComparison(
                "date_of_birth", input_is_string=True, datetime_format="%Y%m%d"
            ),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [2]),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.ExactMatch("postcode").configure(term_frequency_adjustments=True),
        ]
        deterministic = [
            block_on("soc_sec_id"),
            block_on("given_name", "surname", "date_of_birth"),
            "l.given_name = r.surname and l.surname = r.given_name "
            "and l.date_of_birth = r.date_of_birth",
        ]
        recall, link_type = 0.9, "dedupe_only"
    elif name == "febrl4":
        blocking = [
            block_on("given_name", "surname"),
            "l.given_name = r.surname and l.surname = r.given_name",
            block_on("date_of_birth"),
            block_on("soc_sec_id"),
            block_on("state", "address_1"),
            block_on("street_number", "address_1"),
            block_on("postcode"),
        ]
        comparisons = [
            *_names_and_birth_date(cl, "given_name", "surname", "date_of_birth", "%Y%m%d"),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]).configure(
                term_frequency_adjustments=True
            ),
        ]
        deterministic = [block_on("soc_sec_id"), block_on("given_name", "surname", "date_of_birth")]
        recall, link_type = 0.8, "link_only"
    else:
        raise JusticeError(f"no Splink example settings for {name!r}")

    settings = SettingsCreator(
        unique_id_column_name="rec_id",
        link_type=link_type,
        blocking_rules_to_generate_predictions=blocking,
        comparisons=comparisons,
    )
    con = duckdb.connect()
    db_api = DuckDBAPI(connection=con)
    linker = Linker([db_api.register(frame) for frame in frames], settings)
    linker.training.estimate_probability_two_random_records_match(deterministic, recall=recall)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=2)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("date_of_birth"), estimate_without_term_frequencies=True
    )
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("postcode"), estimate_without_term_frequencies=True
    )
    predictions = linker.inference.predict(threshold_match_probability=0.2)
    pairs = predictions.as_duckdbpyrelation().count("*").fetchall()[0][0]
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=0.99
    )
    seconds = time.perf_counter() - started
    table = clusters.as_duckdbpyrelation().arrow()
    if hasattr(table, "read_all"):  # DuckDB 2 returns a record batch reader
        table = table.read_all()
    con.register("splink_clusters", table)
    con.execute(
        "create temp view assignments as select rec_id as record_id, "
        "cast(cluster_id as varchar) as cluster_id, cluster as entity_id from splink_clusters"
    )
    return {
        "data": name,
        "engine": "splink",
        "seconds": round(seconds, 2),
        "scored_pairs": int(pairs),
        **cluster_quality(con, "assignments").as_dict(),
    }


def run_records(prepared: Path, threshold: float = 0.95) -> dict:
    """Link a prepared file of standard columns (pipeline.prepare_input: system,
    source_record_id, forename, surname, birth_date, sex, postcode, pnc_number, ...,
    entity_id) with Splink's historical-records example settings; return seconds and
    cluster quality against entity_id."""
    cl, DuckDBAPI, Linker, SettingsCreator, block_on = _splink()
    con = duckdb.connect()
    # the same cleaning ours gets before comparing (macros/people/standardise.sql):
    # titles off the forename, placeholder and future dates of birth missing, listed
    # or found (shared_birth_dates)
    placeholders = _listed_placeholders()
    con.execute(f"create temp view prepared as select * from read_parquet('{prepared}')")
    found = ", ".join(f"date '{d}'" for d in shared_birth_dates(con, "prepared")) or "null"
    frame = con.execute(
        "with records as (select * replace (case when try_cast(birth_date as date) "
        f"in ({found}) then null else birth_date end as birth_date), "
        "upper(regexp_replace(postcode, '\\s', '', 'g')) as postcode_compact "
        "from prepared) "
        "select system || ':' || source_record_id as unique_id, entity_id, "
        f"nullif(upper(trim(regexp_replace(forename, '{titles_pattern()}', '', 'i'))), '') "
        "as forename, "
        "nullif(upper(trim(surname)), '') as surname, "
        "strftime(case when try_cast(birth_date as date) not in "
        f"({placeholders}) and try_cast(birth_date as date) <= current_date "
        "then try_cast(birth_date as date) end, '%Y-%m-%d') as birth_date, "
        # 'OUTWARD INWARD': Splink's PostcodeComparison reads the sector with a pattern
        # that needs the space
        "nullif(case when length(postcode_compact) >= 5 then "
        "substr(postcode_compact, 1, length(postcode_compact) - 3) || ' ' || "
        "right(postcode_compact, 3) else postcode_compact end, '') as postcode, "
        "nullif(upper(trim(locality)), '') as birth_place, "
        "nullif(upper(trim(pnc_number)), '') as pnc_number "
        "from records"
    ).df()
    started = time.perf_counter()
    settings = SettingsCreator(
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=[
            block_on("substr(forename, 1, 3)", "substr(surname, 1, 4)"),
            block_on("surname", "birth_date"),
            block_on("forename", "birth_date"),
            block_on("postcode", "forename"),
            block_on("postcode", "surname"),
            block_on("substr(postcode, 1, 3)", "birth_date"),
            block_on("birth_date", "birth_place"),
            block_on("pnc_number"),
        ],
        comparisons=[
            *_names_and_birth_date(cl, "forename", "surname", "birth_date", "%Y-%m-%d"),
            cl.PostcodeComparison("postcode"),
            cl.ExactMatch("birth_place").configure(term_frequency_adjustments=True),
            cl.ExactMatch("pnc_number"),
        ],
    )
    db_api = DuckDBAPI(connection=con)
    linker = Linker(db_api.register(frame), settings)
    linker.training.estimate_probability_two_random_records_match(
        [
            block_on("forename", "surname", "birth_date"),
            block_on("substr(forename, 1, 2)", "surname", "substr(postcode, 1, 2)"),
            block_on("birth_date", "postcode"),
        ],
        recall=0.7,
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=2)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("forename", "surname"), estimate_without_term_frequencies=True
    )
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("birth_date"), estimate_without_term_frequencies=True
    )
    predictions = linker.inference.predict(threshold_match_probability=0.5)
    pairs = predictions.as_duckdbpyrelation().count("*").fetchall()[0][0]
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=threshold
    )
    seconds = time.perf_counter() - started
    table = clusters.as_duckdbpyrelation().arrow()
    if hasattr(table, "read_all"):
        table = table.read_all()
    con.register("splink_clusters", table)
    con.execute(
        "create temp view assignments as select unique_id as record_id, "
        "cast(cluster_id as varchar) as cluster_id, entity_id from splink_clusters"
    )
    return {
        "data": str(prepared),
        "engine": "splink",
        "seconds": round(seconds, 2),
        "scored_pairs": int(pairs),
        **cluster_quality(con, "assignments").as_dict(),
    }
