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
        and calendar.date_day >= (select min(stays.stay_start_date) from stays)

)

select * from months
