{#-
    One row per source person record with any dated event up to the reporting date:
    the record's first and last event dates across what its system recorded about
    it (NOMIS movements; Delius events and contacts; Common Platform case receipts
    and hearings; EM orders and device events), as known at var('as_of').
-#}

with

nomis_movements as (

    select * from {{ ref('int_nomis__offender_external_movements_as_of') }}

),

nomis_bookings as (

    select * from {{ ref('int_nomis__offender_bookings_as_of') }}

),

delius_events as (

    select * from {{ ref('int_delius__event_as_of') }}

),

delius_contacts as (

    select * from {{ ref('int_delius__contact_as_of') }}

),

court_defendants as (

    select * from {{ ref('int_common_platform__defendants_as_of') }}

),

court_cases as (

    select * from {{ ref('int_common_platform__cases_as_of') }}

),

court_hearings as (

    select * from {{ ref('int_common_platform__hearings_as_of') }}

),

em_orders as (

    select * from {{ ref('int_em__orders_as_of') }}

),

em_device_events as (

    select * from {{ ref('int_em__device_events_as_of') }}

),

reporting_period as (

    select * from {{ ref('int_reporting_period_derived') }}

),

record_events as (

    select
        'nomis' as source_system,
        cast(nomis_bookings.offender_id as {{ dbt.type_string() }})
            as source_record_id,
        nomis_movements.movement_date as event_date
    from nomis_movements
    inner join nomis_bookings
        on nomis_movements.booking_id = nomis_bookings.booking_id

    union all

    select
        'delius' as source_system,
        cast(offender_id as {{ dbt.type_string() }}) as source_record_id,
        referral_date as event_date
    from delius_events

    union all

    select
        'delius' as source_system,
        cast(offender_id as {{ dbt.type_string() }}) as source_record_id,
        contact_date as event_date
    from delius_contacts

    union all

    select
        'common_platform' as source_system,
        court_defendants.defendant_id as source_record_id,
        court_cases.received_date as event_date
    from court_defendants
    inner join court_cases
        on court_defendants.case_id = court_cases.case_id

    union all

    select
        'common_platform' as source_system,
        court_defendants.defendant_id as source_record_id,
        court_hearings.hearing_date as event_date
    from court_defendants
    inner join court_hearings
        on court_defendants.case_id = court_hearings.case_id
    where coalesce(court_hearings.hearing_outcome_code, 'NONE') != 'VACATED'

    union all

    select
        'em' as source_system,
        subject_id as source_record_id,
        order_start_date as event_date
    from em_orders

    union all

    select
        'em' as source_system,
        em_orders.subject_id as source_record_id,
        cast(em_device_events.event_at as date) as event_date
    from em_device_events
    inner join em_orders
        on em_device_events.order_id = em_orders.order_id

),

events_summarised as (

    select
        record_events.source_system,
        record_events.source_record_id,
        min(record_events.event_date) as first_event_date,
        max(record_events.event_date) as last_event_date
    from record_events
    cross join reporting_period
    where record_events.event_date <= reporting_period.reporting_date
    group by record_events.source_system, record_events.source_record_id

)

select * from events_summarised
