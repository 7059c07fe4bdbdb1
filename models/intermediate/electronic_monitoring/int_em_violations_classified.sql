{#-
    One row per EM device event that is a violation of the order (as known at
    var('as_of'); events deleted as entered in error are gone): curfew violations,
    exclusion zone entries and strap tampers. Fitting, removal and low-battery
    events are not violations.
-#}

with

device_events as (

    select * from {{ ref('int_em__device_events_as_of') }}

),

orders as (

    select * from {{ ref('int_em__orders_as_of') }}

),

violations as (

    select
        device_events.device_event_id as violation_id,
        device_events.order_id,
        orders.subject_id,
        device_events.event_type_code as violation_type_code,
        device_events.severity_code,
        device_events.event_at as violation_at,
        cast(device_events.event_at as date) as violation_date,
        orders.order_start_date
    from device_events
    -- an event of an order not delivered yet waits for the order
    inner join orders
        on device_events.order_id = orders.order_id
    where
        device_events.event_type_code in (
            'CURFEW_VIOLATION', 'EXCLUSION_ZONE_ENTRY', 'STRAP_TAMPER'
        )

)

select * from violations
