{#-
    The month-end spine of the monthly marts: one row per calendar month from the
    month of the first event any system records to the last complete month the data
    covers (as known at var('as_of')). The prison population, the violence rate and
    the probation caseload all report over it, so they cover the same months.
-#}

with

record_events as (

    select * from {{ ref('int_person_record_events_summarised') }}

),

-- the calendar's months, made here rather than read from dim_date: an
-- intermediate never reads a mart (DESIGN.md section 1)
month_spine as (

    {{ dbt.date_spine(
        'month',
        "cast('" ~ var('calendar_start_date') ~ "' as date)",
        "cast('" ~ var('calendar_end_date') ~ "' as date)",
    ) }}

),

calendar as (

    select
        cast(date_month as date) as month_start_date,
        cast(
            {{ dbt.last_day('date_month', 'month') }} as date
        ) as month_end_date
    from month_spine

),

reporting_period as (

    select * from {{ ref('int_reporting_period_derived') }}

),

months as (

    select
        calendar.month_start_date,
        calendar.month_end_date,
        cast(
            extract(day from calendar.month_end_date) as integer
        ) as days_in_month
    from calendar
    cross join reporting_period
    where
        calendar.month_end_date <= reporting_period.last_complete_month_end_date
        and calendar.month_end_date
        >= (select min(record_events.first_event_date) from record_events)

)

select * from months
