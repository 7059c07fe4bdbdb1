{#-
    The period the data covers, as known at var('as_of'): the last extraction date
    any of the busiest tables has reached (every system changes daily), and the last
    complete month. Marts report month ends and rates only up to it.
-#}
{%- set tables = [
    'int_nomis__offender_external_movements_as_of',
    'int_nomis__offender_bookings_as_of',
    'int_nomis__incident_cases_as_of',
    'int_common_platform__cases_as_of',
    'int_common_platform__hearings_as_of',
    'int_common_platform__defendants_as_of',
    'int_delius__contact_as_of',
    'int_delius__event_as_of',
    'int_em__device_events_as_of',
    'int_em__orders_as_of',
] -%}

with

{% for table in tables %}
    {{ table | replace('_as_of', '') | replace('int_', '') }} as (

        select max(extraction_date) as last_extraction_date
        from {{ ref(table) }}

    ),

{% endfor %}
extraction_dates as (

    {% for table in tables -%}
        select last_extraction_date
        from {{ table | replace('_as_of', '') | replace('int_', '') }}
        {% if not loop.last %}union all
        {% endif %}
    {%- endfor %}

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
