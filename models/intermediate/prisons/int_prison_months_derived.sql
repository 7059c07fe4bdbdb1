{#-
    The month-end spine of the prison marts: one row per calendar month from the
    month of the first custody stay to the last complete month the data covers (as
    known at var('as_of')). fct_prison_population_monthly and
    fct_prison_violence_monthly both report over it, so they cover the same months.
-#}

with

stays as (

    select * from {{ ref('int_custody_stays_derived') }}

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
        >= (select min(stays.stay_start_date) from stays)

)

select * from months
