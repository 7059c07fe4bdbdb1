{#-
    The period the data covers, as known at var('as_of'): the last extraction date
    any of the busiest tables has reached (every system changes daily), and the last
    complete month. Marts report month ends and rates only up to it.
-#}

with

nomis_movements as (

    select * from {{ ref('int_nomis__offender_external_movements_as_of') }}

),

nomis_bookings as (

    select * from {{ ref('int_nomis__offender_bookings_as_of') }}

),

nomis_incidents as (

    select * from {{ ref('int_nomis__incident_cases_as_of') }}

),

court_cases as (

    select * from {{ ref('int_common_platform__cases_as_of') }}

),

court_hearings as (

    select * from {{ ref('int_common_platform__hearings_as_of') }}

),

court_defendants as (

    select * from {{ ref('int_common_platform__defendants_as_of') }}

),

delius_contacts as (

    select * from {{ ref('int_delius__contact_as_of') }}

),

delius_events as (

    select * from {{ ref('int_delius__event_as_of') }}

),

em_device_events as (

    select * from {{ ref('int_em__device_events_as_of') }}

),

em_orders as (

    select * from {{ ref('int_em__orders_as_of') }}

),

extraction_dates as (

    select max(extraction_date) as last_extraction_date from nomis_movements
    union all
    select max(extraction_date) as last_extraction_date from nomis_bookings
    union all
    select max(extraction_date) as last_extraction_date from nomis_incidents
    union all
    select max(extraction_date) as last_extraction_date from court_cases
    union all
    select max(extraction_date) as last_extraction_date from court_hearings
    union all
    select max(extraction_date) as last_extraction_date from court_defendants
    union all
    select max(extraction_date) as last_extraction_date from delius_contacts
    union all
    select max(extraction_date) as last_extraction_date from delius_events
    union all
    select max(extraction_date) as last_extraction_date from em_device_events
    union all
    select max(extraction_date) as last_extraction_date from em_orders

),

reporting_date as (

    select max(last_extraction_date) as reporting_date
    from extraction_dates

),

reporting_period as (

    select
        reporting_date,
        cast(
            {{ dbt.dateadd(
                'day', -1, dbt.date_trunc('month', dbt.dateadd('day', 1, 'reporting_date'))
            ) }} as date
        ) as last_complete_month_end_date
    from reporting_date

)

select * from reporting_period
