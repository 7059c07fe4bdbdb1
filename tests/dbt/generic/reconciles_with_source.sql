{#
    Fails when rows were lost between the raw lake and staging: for one source table,
    raw rows must equal staged rows + quarantined rows + removed exact duplicates.
    Returns one row with the four counts when they do not add up.
#}
{% test reconciles_with_source(model, source_relation, quarantine, source_system, source_table) %}

with raw_rows as (

    select count(*) as row_count from {{ source_relation }}

),

distinct_raw_rows as (

    select count(*) as row_count
    from (select distinct * from {{ source_relation }}) as distinct_rows

),

staged_rows as (

    select count(*) as row_count from {{ model }}

),

quarantined_rows as (

    select count(*) as row_count
    from {{ quarantine }}
    where source_system = '{{ source_system }}'
        and source_table = '{{ source_table }}'

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
