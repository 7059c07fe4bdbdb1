"""Domain marts (people, calendar, courts, prisons) against the generator's ground truth.

One warehouse serves the module: a small lake is generated and built with `justice build`.
The marts' figures are compared with what the simulated world says they should be
(`<lake>/_truth/`), filtered to what has landed (the last landed date L = start + days):

- exact wherever linkage does not enter: people in custody at each month end by prison,
  custody episodes (start, release, prisons, transfers), court case dates and durations,
  disposals by category, the violence rate's population denominator;
- where linkage enters (counting *people* rather than records), exact given the measured
  linkage error: for any set of source records, distinct person_keys - distinct true
  people = records' clusters split off a true person - true people merged into a cluster,
  and the difference is bounded by that measured error.

Events inserted after the full load may be extracted up to 5 days late (rates.py,
`late_event`), so figures that depend on movements or hearings are compared up to
L - 5 days; later ones may legitimately still be missing.
"""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import pytest

from conftest import Warehouse, make_lake

LATE_EVENT_MAX_DAYS = 5
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Warehouse:
    root = tmp_path_factory.mktemp("marts")
    warehouse = Warehouse(lake=make_lake(root / "lake"), root=root)
    warehouse.build()
    return warehouse


@pytest.fixture(scope="module")
def landed(built: Warehouse) -> dt.date:
    meta = json.loads((built.lake / "_meta.json").read_text())
    return dt.date.fromisoformat(meta["start"]) + dt.timedelta(days=meta["days"])


@pytest.fixture(scope="module")
def settled(landed: dt.date) -> dt.date:
    """The last date whose events have certainly been extracted."""
    return landed - dt.timedelta(days=LATE_EVENT_MAX_DAYS)


def truth(warehouse: Warehouse, name: str) -> str:
    return f"read_parquet('{warehouse.lake / '_truth' / name}/*.parquet')"


def _delivered_after(warehouse: Warehouse, source_table: str, landed: dt.date) -> set[str]:
    """Keys of rows whose insert the generator delivers only after the landed data (an
    update before its insert, rates.py `update_before_insert`): not in the lake yet."""
    with duckdb.connect() as con:
        return {
            key
            for (key,) in con.execute(
                f"select source_key from {truth(warehouse, 'injected')} "
                "where kind = 'update_before_insert' and source_table = ? "
                "and extraction_date > ?",
                [source_table, landed],
            ).fetchall()
        }


# ------------------------------------------------------------------ calendar


def test_reporting_period_is_the_last_landed_day(built: Warehouse, landed: dt.date) -> None:
    reporting_date = built.scalar(
        "select reporting_date from intermediate.int_reporting_period_derived"
    )
    assert reporting_date == landed


def test_dim_date_financial_year(built: Warehouse) -> None:
    rows = built.query(
        "select date_day, financial_year, financial_quarter, month_end_date, days_in_month "
        "from marts.dim_date where date_day in "
        "(date '2025-03-31', date '2025-04-01', date '2024-02-10')"
    )
    assert sorted(rows) == [
        (dt.date(2024, 2, 10), "2023-24", 4, dt.date(2024, 2, 29), 29),
        (dt.date(2025, 3, 31), "2024-25", 4, dt.date(2025, 3, 31), 31),
        (dt.date(2025, 4, 1), "2025-26", 1, dt.date(2025, 4, 30), 30),
    ]


# ------------------------------------------------------------------ prisons


def test_population_at_each_month_end_by_prison_equals_truth(
    built: Warehouse, landed: dt.date, settled: dt.date
) -> None:
    marts = dict(
        ((month_end, prison), count)
        for month_end, prison, count in built.query(
            "select month_end_date, prison_code, sum(prisoner_count) "
            "from marts.fct_prison_population_monthly "
            f"where month_end_date <= date '{settled}' group by 1, 2"
        )
    )
    month_ends = [
        row[0]
        for row in built.query(
            "select date_day from marts.dim_date where is_month_end and date_day <= "
            f"date '{settled}' and date_day >= (select min(month_end_date) "
            "from marts.fct_prison_population_monthly)"
        )
    ]
    assert len(month_ends) > 24  # the full load carries years of custody history
    expected = {}
    with duckdb.connect() as con:
        con.execute(f"create view stays as select * from {truth(built, 'custody_stays')}")
        con.execute(
            "create table month_ends as select unnest(?::date[]) as month_end_date",
            [month_ends],
        )
        for month_end, prison, count in con.execute(
            "select month_end_date, agy_loc_id, count(*) from month_ends join stays "
            "on stay_start_date <= month_end_date "
            "and (stay_end_date is null or stay_end_date > month_end_date) group by 1, 2"
        ).fetchall():
            expected[(month_end, prison)] = count
    assert sum(expected.values()) > 100
    assert marts == expected
    # no month end beyond what has landed
    assert (
        built.scalar("select max(month_end_date) from marts.fct_prison_population_monthly")
        <= landed
    )


def test_custody_episodes_equal_truth(built: Warehouse, landed: dt.date, settled: dt.date) -> None:
    """Per booking: start, release, first and last prison, transfers: exact. Bookings
    with a movement in the last few landed days (perhaps not extracted yet) are left out."""
    marts = {
        int(episode_id.split("-")[0]): tuple(rest)
        for episode_id, *rest in built.query(
            "select custody_episode_id, episode_start_date, release_date, "
            "reception_prison_code, last_prison_code, transfer_count "
            "from marts.fct_custody_episodes"
        )
    }
    with duckdb.connect() as con:
        rows = con.execute(
            "select offender_book_id, min(stay_start_date), "
            f"max(case when end_reason = 'REL' and stay_end_date <= date '{landed}' "
            "then stay_end_date end), "
            "arg_min(agy_loc_id, stay_start_date), arg_max(agy_loc_id, stay_start_date), "
            "count(*) - 1, "
            f"bool_or(stay_start_date > date '{settled}' "
            f"or stay_end_date between date '{settled}' + 1 and date '{landed}') "
            f"from {truth(built, 'custody_stays')} "
            f"where stay_start_date <= date '{landed}' group by 1"
        ).fetchall()
    expected = {booking: tuple(rest) for booking, *rest, recent in rows if not recent}
    recent = {booking for booking, *_, is_recent in rows if is_recent}
    assert len(expected) > 100
    assert len(recent) < 0.05 * len(rows)
    assert {k: v for k, v in marts.items() if k not in recent} == expected
    assert (
        built.scalar(
            "select count(*) from marts.fct_custody_episodes where not is_reception_recorded"
        )
        == 0
    )  # the generator always records a reception


def test_violence_rate_uses_the_average_daily_population(
    built: Warehouse, settled: dt.date
) -> None:
    """The denominator equals the mean over the month's days of the true number in
    custody at the prison; the numerator the assaults and fights in fct_prison_incidents."""
    month_end = built.scalar(
        "select max(month_end_date) from marts.fct_prison_violence_monthly "
        f"where month_end_date <= date '{settled}'"
    )
    marts = {
        prison: (average, violent, rate)
        for prison, average, violent, rate in built.query(
            "select prison_code, average_population, violent_incident_count, "
            "violent_incidents_per_1000_prisoners from marts.fct_prison_violence_monthly "
            f"where month_end_date = date '{month_end}'"
        )
    }
    incidents = dict(
        built.query(
            "select prison_code, count(*) from marts.fct_prison_incidents where is_violent "
            f"and incident_date between date_trunc('month', date '{month_end}') "
            f"and date '{month_end}' group by 1"
        )
    )
    with duckdb.connect() as con:
        daily = con.execute(
            "select agy_loc_id, count(*) / extract(day from ?::date) "
            f"from {truth(built, 'custody_stays')} join range(date_trunc('month', ?::date), "
            "?::date + 1, interval 1 day) as days(day) "
            "on stay_start_date <= day and (stay_end_date is null or stay_end_date > day) "
            "group by 1",
            [month_end, month_end, month_end],
        ).fetchall()
    assert len(daily) > 5
    for prison, average in daily:
        got_average, violent, rate = marts[prison]
        assert got_average == pytest.approx(average, rel=1e-12)
        assert violent == incidents.get(prison, 0)
        assert rate == pytest.approx(1000 * violent / average, rel=1e-12)


# ------------------------------------------------------------------ courts


def test_court_case_dates_and_durations_equal_truth(
    built: Warehouse, landed: dt.date, settled: dt.date
) -> None:
    def known(day: dt.date | None) -> dt.date | None:
        return day if day is not None and day <= landed else None

    def comparable(*days: dt.date | None) -> bool:
        # a hearing in the last few days may not have been extracted yet
        return all(day is None or day <= settled or day > landed for day in days)

    late_cases = _delivered_after(built, "cases", landed)
    with duckdb.connect() as con:
        expected = {
            case_id: (received, known(first), known(completion))
            for case_id, received, first, completion in con.execute(
                "select case_id, received_date, first_hearing_date, completion_date "
                f"from {truth(built, 'court_cases')} "
                f"where received_date <= date '{landed}'"
            ).fetchall()
            if comparable(first, completion) and case_id not in late_cases
        }
    rows = built.query(
        "select case_id, received_date, first_hearing_date, completion_date, "
        "days_receipt_to_first_hearing, days_first_hearing_to_completion, "
        "days_receipt_to_completion from marts.fct_court_cases"
    )
    marts = {row[0]: row[1:4] for row in rows if row[0] in expected}
    assert len(expected) > 300
    assert marts == expected
    completed = 0
    for _, received, first, completion, to_first, first_to_done, to_done in rows:
        if first is not None:
            assert to_first == (first - received).days
        if completion is not None:
            completed += 1
            assert first_to_done == (completion - first).days
            assert to_done == (completion - received).days
    assert completed > 100


def test_disposals_by_category_equal_truth(built: Warehouse, landed: dt.date) -> None:
    marts = dict(
        built.query(
            "select conformed_disposal_category, count(*) from marts.fct_court_disposals "
            f"where sentence_date <= date '{landed}' group by 1"
        )
    )
    with duckdb.connect() as con:
        expected = dict(
            con.execute(
                "select coalesce(conformed_disposal_category, 'unmapped'), count(*) "
                f"from {truth(built, 'court_disposals')} "
                f"where sentence_date <= date '{landed}' group by 1"
            ).fetchall()
        )
        expected_days = con.execute(
            f"select sum(custodial_days) from {truth(built, 'court_disposals')} "
            f"where sentence_date <= date '{landed}'"
        ).fetchone()[0]
    assert sum(expected.values()) > 300
    assert marts == expected
    assert (
        built.scalar(
            "select sum(custodial_days) from marts.fct_court_disposals "
            f"where sentence_date <= date '{landed}'"
        )
        == expected_days
    )


# ------------------------------------------------------------------ people (linkage enters)


def _linkage_error(built: Warehouse, records_sql: str) -> dict[str, int]:
    """For the source records selected by `records_sql` (system, source_record_id):
    distinct person_keys, distinct true people, and the measured linkage error on them:
    splits (extra clusters a true person's records fall into) and merges (extra true
    people sharing a cluster)."""
    with duckdb.connect(str(built.root / "justice.duckdb"), read_only=True) as con:
        con.execute(
            "create temp table linked as select selected.system, selected.source_record_id, "
            "clusters.person_key, truth.person_id "
            f"from ({records_sql}) as selected "
            "join intermediate.int_person_clusters as clusters "
            "on clusters.system = selected.system "
            "and clusters.source_record_id = selected.source_record_id "
            f"join {truth(built, 'person_records')} as truth "
            "on truth.system = selected.system "
            "and lower(truth.source_record_id) = lower(selected.source_record_id)"
        )
        keys, people, pairs, selected = con.execute(
            "select count(distinct person_key), count(distinct person_id), "
            "count(distinct (person_key, person_id)), count(*) from linked"
        ).fetchone()
        unmatched = con.execute(f"select count(*) from ({records_sql})").fetchone()[0]
    assert selected == unmatched, "every selected record is clustered and in the truth"
    return {"keys": keys, "people": people, "splits": pairs - people, "merges": pairs - keys}


def test_people_in_custody_within_measured_linkage_error(built: Warehouse) -> None:
    """Distinct people with a custody episode: the person_keys of fct_custody_episodes
    against the true people behind the same NOMIS records."""
    error = _linkage_error(
        built,
        "select distinct 'nomis' as system, cast(offender_id as varchar) as source_record_id "
        "from intermediate.int_custody_episodes_derived "
        "where offender_id is not null",  # null: the booking's insert is not delivered yet
    )
    mart_people = built.scalar("select count(distinct person_key) from marts.fct_custody_episodes")
    assert mart_people == error["keys"]
    assert mart_people - error["people"] == error["splits"] - error["merges"]
    tolerance = error["splits"] + error["merges"]
    assert abs(mart_people - error["people"]) <= tolerance
    assert tolerance <= 0.05 * error["people"], error  # linkage good enough to publish


def test_dim_person_counts_people_within_measured_linkage_error(built: Warehouse) -> None:
    error = _linkage_error(
        built, "select system, source_record_id from intermediate.int_person_records"
    )
    people = built.scalar("select count(*) from marts.dim_person")
    records = built.scalar("select sum(source_record_count) from marts.dim_person")
    assert people == error["keys"]
    assert records == built.scalar("select count(*) from marts.fct_person_record_links")
    assert people - error["people"] == error["splits"] - error["merges"]
    assert abs(people - error["people"]) <= error["splits"] + error["merges"]
    assert error["splits"] + error["merges"] <= 0.05 * error["people"], error


def test_dim_person_sex_and_birth_year_match_truth(built: Warehouse) -> None:
    """Where a person_key's records all belong to one true person (no merge), its sex
    and birth year are the true ones for nearly everyone (the rest: records whose dates
    of birth disagree, e.g. transposed or a year out, with no majority)."""
    with duckdb.connect(str(built.root / "justice.duckdb"), read_only=True) as con:
        total, agree_sex, agree_year = con.execute(
            "with linked as (select clusters.person_key, min(truth.person_id) as person_id, "
            "count(distinct truth.person_id) as people "
            "from intermediate.int_person_clusters as clusters "
            f"join {truth(built, 'person_records')} as truth "
            "on truth.system = clusters.system "
            "and lower(truth.source_record_id) = lower(clusters.source_record_id) "
            "group by 1) "
            "select count(*), "
            "count(*) filter (where dim.sex = case people.sex when 'M' then 'male' "
            "else 'female' end), "
            "count(*) filter (where dim.birth_year = year(people.birth_date)) "
            "from marts.dim_person as dim join linked using (person_key) "
            f"join {truth(built, 'people')} as people using (person_id) "
            "where linked.people = 1"
        ).fetchone()
    assert total > 300
    assert agree_sex / total > 0.98
    assert agree_year / total > 0.97


# ------------------------------------------------------------------ personal data


def test_marts_hold_no_identifying_columns(built: Warehouse) -> None:
    columns = {
        name
        for (name,) in built.query(
            "select distinct column_name from information_schema.columns "
            "where table_schema = 'marts'"
        )
    }
    forbidden = {
        "first_name",
        "last_name",
        "birth_date",
        "pnc_number",
        "cro_number",
        "prison_number",
        "crn",
        "postcode",
        "offender_id",
        "defendant_id",
        "subject_id",
        "source_record_id",
        "case_urn",
    }
    assert not columns & forbidden


def test_pii_scan_passes_on_the_built_marts(built: Warehouse) -> None:
    completed = built.justice("check", "--data-only")
    assert "0 finding(s)" in completed.stdout


def test_pii_scan_names_a_mart_holding_a_name_or_a_date_of_birth(built: Warehouse) -> None:
    """Plant personal values in a temporary mart: the scan fails and names it."""
    database = built.root / "justice.duckdb"
    with duckdb.connect(str(database)) as con:
        con.execute(
            "create table marts.zz_planted as select "
            "'  ' || lower(last_name) as note, birth_date as reference_date, "
            "'HMP Leeds' as innocent_text, received_date as innocent_date "
            "from history.int_nomis__offenders_as_of "
            "cross join (select min(received_date) as received_date "
            "from marts.fct_court_cases) where last_name is not null limit 20"
        )
        # one value of each identifier, in a lower case and spaced form
        con.execute(
            "create table marts.zz_planted_ids as select "
            + ", ".join(
                f"(select lower(max({column})) || ' ' from intermediate.int_person_records) "
                f"as {column}_text"
                for column in ("pnc_number", "crn", "postcode", "prison_number")
            )
        )
    try:
        completed = built.justice("check", "--data-only", check=False)
        assert completed.returncode == 1, completed.stdout
        assert "zz_planted.note" in completed.stdout
        assert "(name)" in completed.stdout
        assert "zz_planted.reference_date" in completed.stdout
        assert "zz_planted.innocent" not in completed.stdout
        for column in ("pnc_number", "crn", "postcode", "prison_number"):
            assert f"zz_planted_ids.{column}_text" in completed.stdout
        # the real marts are still clean
        findings = [line for line in completed.stdout.splitlines() if line.startswith("  ")]
        assert len(findings) == 6, completed.stdout
        # the same scan is part of the whole `justice check --data`
        checked = built.justice("check", "--data", check=False)
        assert checked.returncode == 1, checked.stdout
        assert "zz_planted.note" in checked.stdout
    finally:
        with duckdb.connect(str(database)) as con:
            con.execute("drop table marts.zz_planted")
            con.execute("drop table marts.zz_planted_ids")


# ------------------------------------------------------------------ the analyst's question


MONTH_END_QUERY = """
select prison.prison_name, population.prison_code, sum(population.prisoner_count) as people
from marts.fct_prison_population_monthly as population
inner join marts.dim_prison as prison on population.prison_code = prison.prison_code
where population.month_end_date = (
    select max(month_end_date) from marts.fct_prison_population_monthly
)
group by prison.prison_name, population.prison_code
order by people desc
"""


def test_people_in_each_prison_at_the_end_of_last_month(built: Warehouse, landed: dt.date) -> None:
    completed = built.justice("query", MONTH_END_QUERY, "--csv")
    lines = completed.stdout.strip().splitlines()
    assert lines[0] == "prison_name,prison_code,people"
    total = sum(int(line.rsplit(",", 1)[1]) for line in lines[1:])
    last_month_end = landed.replace(day=1) - dt.timedelta(days=1)
    with duckdb.connect() as con:
        expected = con.execute(
            f"select count(*) from {truth(built, 'custody_stays')} "
            "where stay_start_date <= ? and (stay_end_date is null or stay_end_date > ?)",
            [last_month_end, last_month_end],
        ).fetchone()[0]
    assert total == expected


def test_marts_report_nothing_past_the_landed_data(built: Warehouse, landed: dt.date) -> None:
    assert (
        built.scalar("select max(month_end_date) from marts.fct_prison_violence_monthly") <= landed
    )
    assert built.scalar("select max(last_event_date) from marts.dim_person") <= landed
