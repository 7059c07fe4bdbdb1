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
from pathlib import Path

import duckdb
import pytest

from conftest import Warehouse, scaled

LATE_EVENT_MAX_DAYS = 5
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def built(built_small: Warehouse) -> Warehouse:
    return built_small


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
    assert sum(expected.values()) > scaled(100)
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
    assert len(expected) > scaled(100)
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
    assert len(expected) > scaled(300)
    assert marts == expected
    completed = 0
    for _, received, first, completion, to_first, first_to_done, to_done in rows:
        if first is not None:
            assert to_first == (first - received).days
        if completion is not None:
            completed += 1
            assert first_to_done == (completion - first).days
            assert to_done == (completion - received).days
    assert completed > scaled(100)


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
    assert sum(expected.values()) > scaled(300)
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
        # null: the booking's insert is not delivered yet; and the offender's own row may
        # not be (seed 131: its insert lands months after the booking): no record
        # to link, and the episode has no person_key
        "where offender_id is not null and cast(offender_id as varchar) in "
        "(select source_record_id from intermediate.int_person_records where system = 'nomis')",
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
    assert total > scaled(300)
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


# ------------------------------------------------------------------ probation


def test_supervision_periods_equal_truth(
    built: Warehouse, landed: dt.date, settled: dt.date
) -> None:
    """Per Delius disposal: type, sentence date, expected end, termination date and reason,
    exact. Orders start on their sentence date (exact), and so does a disposal whose type
    code the seed does not map (LEG: the mart cannot know it is a licence); a licence
    starts at the release found through linkage, so a licence whose Delius and NOMIS
    records were not linked has no start: every difference is such a record."""
    rows = built.query(
        "select supervision_period_id, supervision_type, sentence_date, expected_end_date, "
        "termination_date, termination_reason, supervision_start_date "
        "from marts.fct_supervision_periods"
    )
    marts = {row[0]: row[1:] for row in rows}
    with duckdb.connect() as con:
        truth_rows = con.execute(
            "select disposal_id, case when disposal_type_code = 'LEG' then 'unmapped' "
            "else supervision_type end, sentence_date, expected_end_date, "
            f"case when termination_date <= date '{landed}' then termination_date end, "
            f"case when termination_date <= date '{landed}' then termination_reason end, "
            "case when disposal_type_code = 'LEG' then sentence_date "
            f"when supervision_start_date <= date '{landed}' then supervision_start_date end, "
            f"termination_date between date '{settled}' + 1 and date '{landed}' as recent "
            f"from {truth(built, 'supervision_periods')} "
            f"where sentence_date <= date '{settled}'"
        ).fetchall()
    expected = {row[0]: row[1:7] for row in truth_rows if not row[7]}
    assert len(expected) > scaled(300)
    assert {"completed", "revoked", "breach", "early_termination"} <= {
        row[4] for row in expected.values()
    }
    compared = {key: marts[key][:5] for key in expected if key in marts}
    assert compared == {key: value[:5] for key, value in expected.items()}
    starts_differ = {key for key, value in expected.items() if marts[key][5] != value[5]}
    assert all(expected[key][0] == "licence" for key in starts_differ)
    assert len(starts_differ) <= 0.02 * len(expected), len(starts_differ)
    assert all(marts[key][5] is None for key in starts_differ)  # release not found


def test_probation_appointments_equal_truth(built: Warehouse, settled: dt.date) -> None:
    """Every appointment up to a few days before the last landed day (outcomes are
    recorded up to 3 days late): attended and complied exact, and the supervision period
    it belongs to is the true one unless two periods of the offender overlap then (as the
    mart sees them: a disposal of an unmapped type, LEG, starts on its sentence date), or
    the true one is a licence whose release linkage did not find (no start, as
    test_supervision_periods_equal_truth allows): then the appointment has no period."""
    last = settled - dt.timedelta(days=3)
    unstarted = {
        row[0]
        for row in built.query(
            "select supervision_period_id from marts.fct_supervision_periods "
            "where supervision_type = 'licence' and supervision_start_date is null"
        )
    }
    marts = {
        row[0]: row[1:]
        for row in built.query(
            "select appointment_id, has_attended, has_complied, supervision_period_id, "
            "appointment_outcome from marts.fct_probation_appointments "
            f"where appointment_date <= date '{last}'"
        )
    }
    with duckdb.connect() as con:
        expected = {
            row[0]: row[1:]
            for row in con.execute(
                "select contact_id, attended = 'Y', "
                "case complied when 'Y' then true when 'N' then false end, disposal_id "
                f"from {truth(built, 'probation_appointments')} "
                f"where contact_date <= date '{last}'"
            ).fetchall()
        }
        periods = (
            "(select *, case when disposal_type_code = 'LEG' then sentence_date "
            "else supervision_start_date end as seen_start "
            f"from {truth(built, 'supervision_periods')})"
        )
        overlapping = {
            row[0]
            for row in con.execute(
                "select distinct a.disposal_id "
                f"from {periods} as a join {periods} as b "
                "on a.offender_id = b.offender_id and a.disposal_id != b.disposal_id "
                "and a.seen_start < coalesce(b.termination_date, date '9999-12-31') "
                "and b.seen_start < coalesce(a.termination_date, date '9999-12-31')"
            ).fetchall()
        }
    assert len(expected) > scaled(1000)
    assert set(marts) == set(expected)
    assert {k: v[:2] for k, v in marts.items()} == {k: v[:2] for k, v in expected.items()}
    wrong_period = {key for key, value in expected.items() if marts[key][2] != value[2]}
    assert not {key for key in wrong_period if expected[key][2] not in overlapping | unstarted}
    assert all(
        marts[key][2] is None for key in wrong_period if expected[key][2] in unstarted - overlapping
    )
    outcomes = {value[3] for value in marts.values()}
    assert {"complied", "failed_to_comply", "failed_to_attend"} <= outcomes


def test_probation_caseload_equals_truth(built: Warehouse, settled: dt.date) -> None:
    """Supervision periods covering each month end: exact for community orders and
    suspended sentence orders (no linkage enters); people per month end within the
    measured linkage error."""
    marts = {
        (month_end, supervision_type): (people, periods)
        for month_end, supervision_type, people, periods in built.query(
            "select month_end_date, supervision_type, sum(people_under_supervision), "
            "sum(supervision_period_count) from marts.fct_probation_caseload_monthly "
            f"where month_end_date <= date '{settled}' group by 1, 2"
        )
    }
    month_ends = sorted({month_end for month_end, _ in marts})
    assert len(month_ends) > 24
    with duckdb.connect() as con:
        con.execute(
            "create table month_ends as select unnest(?::date[]) as month_end_date",
            [month_ends],
        )
        expected = {
            (month_end, supervision_type): (people, periods)
            for month_end, supervision_type, people, periods in con.execute(
                "select month_end_date, supervision_type, count(distinct person_id), "
                f"count(*) from month_ends join {truth(built, 'supervision_periods')} "
                "on supervision_start_date <= month_end_date "
                "and (termination_date is null or termination_date > month_end_date) "
                "where disposal_type_code != 'LEG' group by 1, 2"
            ).fetchall()
        }
    for supervision_type in ("community_order", "suspended_sentence_order"):
        got = {k[0]: v[1] for k, v in marts.items() if k[1] == supervision_type}
        want = {k[0]: v[1] for k, v in expected.items() if k[1] == supervision_type}
        assert got == want, supervision_type
    people = sum(v[0] for k, v in marts.items() if k[1] != "unmapped")
    true_people = sum(v[0] for v in expected.values())
    assert true_people > scaled(1000)
    assert abs(people - true_people) <= 0.02 * true_people


# ------------------------------------------------------------------ electronic monitoring


def test_em_orders_equal_truth(built: Warehouse, landed: dt.date, settled: dt.date) -> None:
    """Per order: type, start, end as the supplier holds it at the landed day, days
    monitored, violations and the first violation, exact (orders with a change in the
    last few landed days, perhaps not extracted yet, left out)."""
    marts = {
        row[0]: row[1:]
        for row in built.query(
            "select em_order_id, order_type, order_start_date, order_end_date, "
            "days_monitored, violation_count, first_violation_date from marts.fct_em_orders"
        )
    }
    with duckdb.connect() as con:
        rows = con.execute(
            "with violations as (select order_id, count(*) as n, min(violation_date) as first "
            f"from {truth(built, 'em_violations')} where violation_date <= date '{landed}' "
            "group by 1) "
            "select orders.order_id, order_type, order_start_date, "
            f"case when order_end_date <= date '{landed}' then order_end_date "
            "else planned_end_date end, "
            f"least(case when order_end_date <= date '{landed}' then order_end_date "
            f"else planned_end_date end, date '{landed}') - order_start_date, "
            "coalesce(violations.n, 0), violations.first, "
            f"order_start_date > date '{settled}' "
            f"or order_end_date between date '{settled}' + 1 and date '{landed}' "
            f"or exists (select 1 from {truth(built, 'em_violations')} as v "
            "where v.order_id = orders.order_id "
            f"and v.violation_date between date '{settled}' + 1 and date '{landed}') "
            f"from {truth(built, 'em_orders')} as orders "
            "left join violations using (order_id) "
            f"where order_start_date <= date '{landed}'"
        ).fetchall()
    expected = {row[0]: row[1:7] for row in rows if not row[7]}
    assert len(expected) > scaled(50)
    assert {key: marts[key] for key in expected if key in marts} == expected


def test_em_violations_equal_truth(built: Warehouse, settled: dt.date) -> None:
    marts = set(
        built.query(
            "select em_violation_id, em_order_id, violation_type, severity, violation_date, "
            "days_from_order_start from marts.fct_em_violations "
            f"where violation_date <= date '{settled}'"
        )
    )
    with duckdb.connect() as con:
        expected = set(
            con.execute(
                "select event_id, v.order_id, violation_type, severity, violation_date, "
                "violation_date - order_start_date "
                f"from {truth(built, 'em_violations')} as v "
                f"join {truth(built, 'em_orders')} as o using (order_id) "
                f"where violation_date <= date '{settled}'"
            ).fetchall()
        )
    assert len(expected) > scaled(100)
    assert marts == expected


# ------------------------------------------------------------------ cross-justice


def test_justice_events_count_every_event_of_the_truth(
    built: Warehouse, landed: dt.date, settled: dt.date
) -> None:
    """Events per type up to the settled day equal the truth's (licence starts: within
    the linkage error of fct_supervision_periods); each person's events are numbered
    1..n in date order."""
    marts = dict(
        built.query(
            "select event_type, count(*) from marts.fct_justice_events "
            f"where event_date <= date '{settled}' group by 1"
        )
    )
    day = f"date '{settled}'"
    with duckdb.connect() as con:
        expected = dict(
            con.execute(
                f"select 'court_disposal', count(*) from {truth(built, 'court_disposals')} "
                f"where sentence_date <= {day} union all "
                "select 'custody_reception', count(distinct offender_book_id) "
                f"from {truth(built, 'custody_stays')} where start_reason = 'ADM' "
                f"and stay_start_date <= {day} union all "
                f"select 'custody_release', count(*) from {truth(built, 'custody_stays')} "
                f"where end_reason = 'REL' and stay_end_date <= {day} union all "
                "select 'supervision_end', count(*) "
                f"from {truth(built, 'supervision_periods')} "
                f"where termination_date <= {day} union all "
                f"select 'em_order_start', count(*) from {truth(built, 'em_orders')} "
                f"where order_start_date <= {day} union all "
                f"select 'em_order_end', count(*) from {truth(built, 'em_orders')} "
                f"where order_end_date <= {day}"
            ).fetchall()
        )
        true_starts = con.execute(
            f"select count(*) from {truth(built, 'supervision_periods')} "
            f"where supervision_start_date <= {day}"
        ).fetchone()[0]
    assert {k: marts.get(k, 0) for k in expected} == expected
    assert abs(marts["supervision_start"] - true_starts) <= 0.02 * true_starts
    assert (
        built.scalar(
            "select count(*) from (select person_key, count(*) as n, "
            "max(person_event_number) as last from marts.fct_justice_events "
            "group by 1) where n != last"
        )
        == 0
    )


def test_every_mart_gives_a_person_the_attributes_of_dim_person(built: Warehouse) -> None:
    """One person, one set of attributes: sex and birth year in every mart that has them
    are dim_person's."""
    for mart in (
        "fct_supervision_periods",
        "fct_em_orders",
        "fct_proven_reoffending",
        "fct_custody_episodes",
    ):
        differing = built.scalar(
            f"select count(*) from marts.{mart} as mart "
            "join marts.dim_person as person using (person_key) "
            "where mart.sex != person.sex "
            "or mart.birth_year is distinct from person.birth_year"
        )
        assert differing == 0, mart


# ------------------------------------------------------------------ proven reoffending

# The Ministry of Justice measure (models/marts/cross_justice/_cross_justice__docs.md),
# written again here independently of the dbt models, over tables `index_events`
# (person_id, index_type, index_date) and `offences` (person_id, offence_date,
# conviction_date; breaches already left out), as of `reporting_date`.
REOFFENDING_SQL = """
with ranked as (
    select person_id, index_type, index_date,
        cast(date_trunc('quarter', index_date) as date) as quarter_start,
        row_number() over (
            partition by person_id, date_trunc('quarter', index_date)
            order by index_date, index_type
        ) as index_rank
    from index_events
),
cohort as (
    select person_id, index_type, index_date, quarter_start,
        cast(quarter_start + interval 3 month - interval 1 day as date) as quarter_end
    from ranked where index_rank = 1
),
reoffences as (
    select cohort.person_id, cohort.quarter_start, count(*) as reoffences,
        min(offences.offence_date) as first_reoffence
    from cohort join offences on offences.person_id = cohort.person_id
        and offences.offence_date > cohort.index_date
        and offences.offence_date <= cohort.index_date + 365
        and offences.conviction_date <= cohort.index_date + interval 18 month
    group by 1, 2
)
select cohort.person_id, cohort.quarter_start, cohort.index_type, cohort.index_date,
    coalesce(reoffences.reoffences, 0) as reoffences,
    reoffences.first_reoffence - cohort.index_date as days_to_first,
    cohort.quarter_end + interval 18 month > $reporting_date as is_provisional
from cohort left join reoffences using (person_id, quarter_start)
where cohort.quarter_end <= $reporting_date
"""


def reoffending_from_truth(lake: Path, reporting_date: dt.date) -> list[tuple]:
    """The measure from the generator's truth: true people, true releases, true
    non-custodial sentences, true offence and conviction dates."""
    day = f"date '{reporting_date}'"

    def source(name: str) -> str:
        return f"read_parquet('{lake / '_truth' / name}/*.parquet')"

    with duckdb.connect() as con:
        con.execute(
            "create table index_events as "
            "select person_id, 'custody_release' as index_type, stay_end_date as index_date "
            f"from {source('custody_stays')} where end_reason = 'REL' "
            f"and stay_end_date <= {day} union all "
            "select person_id, 'non_custodial_sentence', min(sentence_date) "
            f"from {source('court_disposals')} where true_disposal_category != 'custody' "
            f"and sentence_date <= {day} group by person_id, case_id"
        )
        con.execute(
            "create table offences as select person_id, offence_date, conviction_date "
            f"from {source('offences')} where conviction_date <= {day} and not is_breach"
        )
        return con.execute(REOFFENDING_SQL, {"reporting_date": reporting_date}).fetchall()


def reoffending_from_data_by_true_person(
    database: Path, lake: Path, reporting_date: dt.date
) -> list[tuple]:
    """The measure from what the warehouse read (its index events and convictions), with
    each source record's true person in place of person_key: linkage taken out."""
    records = f"read_parquet('{lake / '_truth' / 'person_records'}/*.parquet')"
    with duckdb.connect(str(database), read_only=True) as con:
        con.execute(
            "create temp table index_events as "
            "select records.person_id, events.index_type, events.index_date "
            "from intermediate.int_reoffending_index_events as events "
            "left join intermediate.int_custody_episodes_derived as episodes "
            "on events.index_type = 'custody_release' "
            "and episodes.custody_episode_id = events.index_event_id "
            "left join (select distinct case_id, defendant_id "
            "from intermediate.int_court_disposals_conformed) as cases "
            "on events.index_type = 'non_custodial_sentence' "
            "and cases.case_id = events.index_event_id "
            f"join {records} as records on "
            "(records.system = 'nomis' "
            "and records.source_record_id = cast(episodes.offender_id as varchar)) "
            "or (records.system = 'common_platform' "
            "and lower(records.source_record_id) = lower(cases.defendant_id))"
        )
        con.execute(
            "create temp table offences as "
            "select records.person_id, convictions.offence_date, convictions.conviction_date "
            "from intermediate.int_court_convictions_dated as convictions "
            f"join {records} as records on records.system = 'common_platform' "
            "and lower(records.source_record_id) = lower(convictions.defendant_id) "
            "where not convictions.is_breach"
        )
        return con.execute(REOFFENDING_SQL, {"reporting_date": reporting_date}).fetchall()


def linkage_clean_keys(database: Path, lake: Path) -> dict[str, int]:
    """person_key -> true person for the people linkage got exactly right: all of the
    person's records in one cluster, and nobody else's in it."""
    records = f"read_parquet('{lake / '_truth' / 'person_records'}/*.parquet')"
    with duckdb.connect(str(database), read_only=True) as con:
        return dict(
            con.execute(
                "with linked as (select clusters.person_key, records.person_id "
                "from intermediate.int_person_clusters as clusters "
                f"join {records} as records on records.system = clusters.system "
                "and lower(records.source_record_id) = lower(clusters.source_record_id)), "
                "keys as (select person_key, min(person_id) as person_id "
                "from linked group by 1 having count(distinct person_id) = 1), "
                "people as (select person_id from linked group by 1 "
                "having count(distinct person_key) = 1) "
                "select keys.person_key, keys.person_id from keys join people using (person_id)"
            ).fetchall()
        )


def reoffending_figures(database: Path, lake: Path, reporting_date: dt.date) -> dict:
    """Per final cohort quarter: (cohort, reoffenders, reoffences) as published, as
    recomputed from the truth, and as recomputed from the data by true person."""

    def totals(rows: list[tuple]) -> dict[dt.date, tuple[int, int, int]]:
        out: dict[dt.date, list[int]] = {}
        for _, quarter, _, _, reoffences, _, provisional in rows:
            if provisional:
                continue
            cell = out.setdefault(quarter, [0, 0, 0])
            cell[0] += 1
            cell[1] += reoffences > 0
            cell[2] += reoffences
        return {quarter: tuple(cell) for quarter, cell in out.items()}

    with duckdb.connect(str(database), read_only=True) as con:
        published = {
            quarter: (cohort, reoffenders, reoffences)
            for quarter, cohort, reoffenders, reoffences in con.execute(
                "select cohort_quarter_start_date, sum(cohort_count), sum(reoffender_count), "
                "sum(proven_reoffence_count) from marts.fct_proven_reoffending_rates "
                "where not is_provisional group by 1"
            ).fetchall()
        }
    return {
        "published": published,
        "truth": totals(reoffending_from_truth(lake, reporting_date)),
        "data_by_true_person": totals(
            reoffending_from_data_by_true_person(database, lake, reporting_date)
        ),
    }


def test_proven_reoffending_inputs_and_rules_equal_truth(built: Warehouse, landed: dt.date) -> None:
    """With linkage taken out (each source record's true person in place of person_key),
    the warehouse's index events and convictions give exactly the true cohort and
    reoffences, person by person, for every final quarter."""
    database = built.root / "justice.duckdb"
    truth_rows = {row for row in reoffending_from_truth(built.lake, landed) if not row[6]}
    data_rows = {
        row
        for row in reoffending_from_data_by_true_person(database, built.lake, landed)
        if not row[6]
    }
    assert len(truth_rows) > scaled(100)
    assert sum(1 for row in truth_rows if row[4] > 0) > scaled(30)
    assert data_rows == truth_rows


def test_proven_reoffending_is_exact_where_linkage_made_no_error(
    built: Warehouse, landed: dt.date
) -> None:
    """For every person linkage got exactly right, their cohort rows (quarter, index
    type and date, reoffences, days to the first) are the truth's, final or provisional
    (provisional ones as far as the landed data goes)."""
    database = built.root / "justice.duckdb"
    clean = linkage_clean_keys(database, built.lake)
    expected = {(row[0], row[1]): row[2:6] for row in reoffending_from_truth(built.lake, landed)}
    marts = built.query(
        "select person_key, cohort_quarter_start_date, index_type, index_date, "
        "proven_reoffence_count, days_to_first_reoffence, age_group "
        "from marts.fct_proven_reoffending"
    )
    compared = 0
    for person_key, quarter, *measured, age_group in marts:
        if person_key not in clean:
            continue
        compared += 1
        assert expected.pop((clean[person_key], quarter)) == tuple(measured)
        # nobody in the simulated world offends under 18; unknown: no date of birth
        assert age_group in ("adult", "unknown")
    assert compared > scaled(100)
    clean_people = set(clean.values())
    assert not {key for key in expected if key[0] in clean_people}


def test_proven_reoffending_rate_within_the_linkage_tolerance(
    built: Warehouse, landed: dt.date
) -> None:
    """The headline rate, with person_key, against the rate with the true person ids,
    over every final quarter: linkage errors may move it, by no more than
    REOFFENDING_RATE_TOLERANCE (percentage points, all final quarters together)."""
    figures = reoffending_figures(built.root / "justice.duckdb", built.lake, landed)
    published, true = figures["published"], figures["truth"]
    assert published.keys() == true.keys()
    assert len(true) >= 8
    assert figures["data_by_true_person"] == true

    def rate(cells: dict) -> float:
        return sum(c[1] for c in cells.values()) / sum(c[0] for c in cells.values())

    assert abs(rate(published) - rate(true)) <= REOFFENDING_RATE_TOLERANCE
    for quarter, (cohort, reoffenders, _) in published.items():
        true_cohort, true_reoffenders, _ = true[quarter]
        assert abs(cohort - true_cohort) <= max(2, 0.03 * true_cohort), quarter
        assert abs(reoffenders - true_reoffenders) <= max(2, 0.05 * true_reoffenders), quarter


# Measured on the default lake (5,000 people) and the test lake; stated in the README.
REOFFENDING_RATE_TOLERANCE = 0.01
