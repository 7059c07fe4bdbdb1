{#-
    One row per EM order (as known at var('as_of')): the person it monitors, its
    dates and its violations counted.
-#}

with

orders as (

    select * from {{ ref('int_em__orders_as_of') }}

),

violations as (

    select * from {{ ref('int_em_violations_classified') }}

),

person_clusters as (

    select * from {{ ref('int_person_clusters') }}

),

violations_aggregated as (

    select
        order_id,
        count(*) as violation_count,
        sum(case when severity_code = 'HIGH' then 1 else 0 end)
            as high_severity_violation_count,
        min(violation_date) as first_violation_date
    from violations
    group by order_id

),

orders_summarised as (

    select
        orders.order_id,
        orders.subject_id,
        person_clusters.person_key,
        orders.order_type_code,
        orders.responsible_organisation,
        orders.order_start_date,
        orders.order_end_date,
        coalesce(violations_aggregated.violation_count, 0) as violation_count,
        coalesce(violations_aggregated.high_severity_violation_count, 0)
            as high_severity_violation_count,
        violations_aggregated.first_violation_date
    from orders
    left join violations_aggregated
        on orders.order_id = violations_aggregated.order_id
    left join person_clusters
        on
            person_clusters.system = 'em'
            and orders.subject_id = person_clusters.source_record_id

)

select * from orders_summarised
