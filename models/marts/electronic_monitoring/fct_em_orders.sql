{#-
    One row per electronic monitoring order: the person, type, dates, days
    monitored and violations (see the em_order doc block).
-#}

with

orders as (

    select * from {{ ref('int_em_orders_summarised') }}

),

attributes as (

    select * from {{ ref('int_person_attributes_resolved') }}

),

-- the all-systems period, not int_em_reporting_period_derived: the EM
-- feed has quiet days without a change row, and days monitored on an open
-- order run to the day the lake was landed, not to EM's last change
reporting_period as (

    select * from {{ ref('int_reporting_period_derived') }}

),

orders_described as (

    select
        cast(orders.order_id as {{ dbt.type_string() }}) as em_order_id,
        cast(orders.person_key as {{ dbt.type_string() }}) as person_key,
        cast(orders.order_type_code as {{ dbt.type_string() }}) as order_type,
        cast(orders.responsible_organisation as {{ dbt.type_string() }})
            as responsible_organisation,
        cast(orders.order_start_date as date) as order_start_date,
        cast(orders.order_end_date as date) as order_end_date,
        coalesce(
            orders.order_end_date <= reporting_period.reporting_date, false
        ) as is_ended,
        cast(
            {{ dbt.datediff(
                'orders.order_start_date',
                'case when orders.order_end_date is null
                    or orders.order_end_date > reporting_period.reporting_date
                    then reporting_period.reporting_date
                    else orders.order_end_date end',
                'day',
            ) }} as integer
        ) as days_monitored,
        cast(orders.violation_count as integer) as violation_count,
        cast(orders.high_severity_violation_count as integer)
            as high_severity_violation_count,
        orders.violation_count > 0 as has_violation,
        cast(orders.first_violation_date as date) as first_violation_date,
        cast(
            {{ dbt.datediff(
                'orders.order_start_date', 'orders.first_violation_date', 'day',
            ) }} as integer
        ) as days_to_first_violation,
        {{ justice.person_attribute_columns(
            'attributes', age_at='orders.order_start_date'
        ) }}
    from orders
    cross join reporting_period
    left join attributes
        on orders.person_key = attributes.person_key

)

select * from orders_described
