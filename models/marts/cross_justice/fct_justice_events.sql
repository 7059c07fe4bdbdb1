{#-
    One row per event in a person's journey through the four systems, on one
    timeline per person_key: court disposals (Common Platform), custody receptions
    and releases (NOMIS), supervision starts and ends (Delius) and EM order starts
    and ends, each read from its domain's mart.
-#}

with

court_disposals as (

    select * from {{ ref('fct_court_disposals') }}

),

custody_episodes as (

    select * from {{ ref('fct_custody_episodes') }}

),

supervision_periods as (

    select * from {{ ref('fct_supervision_periods') }}

),

em_orders as (

    select * from {{ ref('fct_em_orders') }}

),

events_unioned as (

    select
        person_key,
        sentence_date as event_date,
        'common_platform' as source_system,
        'court_disposal' as event_type,
        cast(offence_id as {{ dbt.type_string() }}) as source_event_id,
        conformed_disposal_category as event_detail,
        sentence_date as entity_start_date,
        0 as is_end_event
    from court_disposals
    where sentence_date is not null

    union all

    select
        person_key,
        episode_start_date as event_date,
        'nomis' as source_system,
        'custody_reception' as event_type,
        cast(custody_episode_id as {{ dbt.type_string() }}) as source_event_id,
        reception_prison_code as event_detail,
        episode_start_date as entity_start_date,
        0 as is_end_event
    from custody_episodes
    where episode_start_date is not null

    union all

    select
        person_key,
        release_date as event_date,
        'nomis' as source_system,
        'custody_release' as event_type,
        cast(custody_episode_id as {{ dbt.type_string() }}) as source_event_id,
        release_reason_code as event_detail,
        episode_start_date as entity_start_date,
        1 as is_end_event
    from custody_episodes
    where release_date is not null

    union all

    select
        person_key,
        supervision_start_date as event_date,
        'delius' as source_system,
        'supervision_start' as event_type,
        cast(supervision_period_id as {{ dbt.type_string() }})
            as source_event_id,
        supervision_type as event_detail,
        supervision_start_date as entity_start_date,
        0 as is_end_event
    from supervision_periods
    where supervision_start_date is not null

    union all

    select
        person_key,
        termination_date as event_date,
        'delius' as source_system,
        'supervision_end' as event_type,
        cast(supervision_period_id as {{ dbt.type_string() }})
            as source_event_id,
        termination_reason as event_detail,
        coalesce(supervision_start_date, termination_date) as entity_start_date,
        1 as is_end_event
    from supervision_periods
    where termination_date is not null

    union all

    select
        person_key,
        order_start_date as event_date,
        'em' as source_system,
        'em_order_start' as event_type,
        cast(em_order_id as {{ dbt.type_string() }}) as source_event_id,
        order_type as event_detail,
        order_start_date as entity_start_date,
        0 as is_end_event
    from em_orders
    where order_start_date is not null

    union all

    select
        person_key,
        order_end_date as event_date,
        'em' as source_system,
        'em_order_end' as event_type,
        cast(em_order_id as {{ dbt.type_string() }}) as source_event_id,
        order_type as event_detail,
        order_start_date as entity_start_date,
        1 as is_end_event
    from em_orders
    where is_ended

),

events_sequenced as (

    select
        cast(
            event_type || ':' || source_event_id as {{ dbt.type_string() }}
        ) as justice_event_id,
        cast(person_key as {{ dbt.type_string() }}) as person_key,
        cast(event_date as date) as event_date,
        cast(source_system as {{ dbt.type_string() }}) as source_system,
        cast(event_type as {{ dbt.type_string() }}) as event_type,
        cast(event_detail as {{ dbt.type_string() }}) as event_detail,
        cast(
            row_number() over (
                partition by person_key
                -- same day: an earlier-started stay, period or order's events
                -- first (a release before a recall's reception), and a start
                -- before its own end (a licence ended the day it began)
                order by
                    event_date,
                    entity_start_date,
                    is_end_event,
                    event_type,
                    source_event_id
            ) as integer
        ) as person_event_number
    from events_unioned

)

select * from events_sequenced
