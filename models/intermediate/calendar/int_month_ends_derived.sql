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

calendar as (

    select * from {{ ref('dim_date') }}

),

reporting_period as (

    select * from {{ ref('int_reporting_period_derived') }}

),

months as (

    select
        calendar.month_start_date,
        calendar.date_day as month_end_date,
        calendar.days_in_month
    from calendar
    cross join reporting_period
    where
        calendar.is_month_end
        and calendar.date_day <= reporting_period.last_complete_month_end_date
        and calendar.date_day >= (
            select min(record_events.first_event_date) from record_events
        )

)

select * from months
