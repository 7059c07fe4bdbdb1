{#-
    One row per violation of an electronic monitoring order (a curfew violation,
    exclusion zone entry or strap tamper device event): type, severity and days from
    the order's start.
-#}

with

violations as (

    select * from {{ ref('int_em_violations_classified') }}

),

orders as (

    select * from {{ ref('int_em_orders_summarised') }}

),

violations_described as (

    select
        cast(violations.violation_id as {{ dbt.type_string() }})
            as em_violation_id,
        cast(violations.order_id as {{ dbt.type_string() }}) as em_order_id,
        cast(orders.person_key as {{ dbt.type_string() }}) as person_key,
        cast(orders.order_type_code as {{ dbt.type_string() }}) as order_type,
        cast(violations.violation_type_code as {{ dbt.type_string() }})
            as violation_type,
        cast(violations.severity_code as {{ dbt.type_string() }}) as severity,
        cast(violations.violation_date as date) as violation_date,
        cast(
            {{ dbt.datediff(
                'violations.order_start_date', 'violations.violation_date', 'day',
            ) }} as integer
        ) as days_from_order_start
    from violations
    inner join orders
        on violations.order_id = orders.order_id

)

select * from violations_described
