{#
    Fails when rows were lost between the raw lake and staging: for one source table,
    raw rows must equal staged rows + quarantined rows + removed exact duplicates.
    Returns one row with the four counts when they do not add up.

    A delivery test: it holds for every partition on its own (an exact duplicate has
    its twin in its own partition, since extraction_date is part of the row), so on an
    incremental build it counts only the partitions this build loaded (the load plan;
    `model` arrives filtered the same way by get_where_subquery), and every partition
    when there is no plan (Athena) or on a full refresh.
#}
{% test reconciles_with_source(model, source_relation, quarantine, source_system, source_table) %}

{%- set loaded = justice.planned_partitions_condition(source_system, source_table)
    if execute else none -%}

with raw_delivered as (

    select * from {{ source_relation }}
    {%- if loaded is not none %}
    where {{ loaded }}
    {%- endif %}

),

raw_rows as (

    select count(*) as row_count from raw_delivered

),

distinct_raw_rows as (

    select count(*) as row_count
    from (select distinct * from raw_delivered) as distinct_rows

),

staged_rows as (

    select count(*) as row_count from {{ model }}

),

quarantined_rows as (

    select count(*) as row_count
    from {{ quarantine }}
    where source_system = '{{ source_system }}'
        and source_table = '{{ source_table }}'
        {%- if loaded is not none %}
        and {{ loaded }}
        {%- endif %}

),

reconciled as (

    select
        raw_rows.row_count as raw_row_count,
        staged_rows.row_count as staged_row_count,
        quarantined_rows.row_count as quarantined_row_count,
        raw_rows.row_count - distinct_raw_rows.row_count as duplicate_row_count
    from raw_rows
    cross join distinct_raw_rows
    cross join staged_rows
    cross join quarantined_rows

)

select *
from reconciled
where raw_row_count
    != staged_row_count + quarantined_row_count + duplicate_row_count

{% endtest %}
