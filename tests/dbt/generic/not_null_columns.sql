{#
    Fails when any of `columns` holds a null: returns one row per such column, its
    name and how many rows hold a null there. One test (one query, one scan of the
    model) for all of a model's required columns instead of one dbt test per column: a
    dbt test costs about 0.1 s of dbt's own work whatever its query, and per-column
    not_null tests were 284 of the build's 521. The counts are read once, beside a list
    of column numbers, so that engines that inline CTEs (Trino) scan the model once too.
    The failure count is the number of null values (fail_calc), so warn_if / error_if
    thresholds read as they would on not_null; a column that is a model's key keeps its
    own not_null beside unique (the primary-key rule of justice lint).
#}
{% test not_null_columns(model, columns) %}
{{ config(fail_calc='coalesce(sum(null_rows), 0)') }}
{%- if columns | length == 0 -%}
    {{ exceptions.raise_compiler_error("not_null_columns: name at least one column") }}
{%- endif %}

with counted as (

    select
    {%- for column in columns %}
        sum(case when {{ column }} is null then 1 else 0 end) as null_rows_{{ loop.index }}{{ ',' if not loop.last }}
    {%- endfor %}
    from {{ model }}

),

per_column as (

    select
        case column_numbers.column_number
        {%- for column in columns %}
            when {{ loop.index }} then '{{ column }}'
        {%- endfor %}
        end as column_name,
        case column_numbers.column_number
        {%- for column in columns %}
            when {{ loop.index }} then counted.null_rows_{{ loop.index }}
        {%- endfor %}
        end as null_rows
    from counted
    cross join (
        values {% for column in columns %}({{ loop.index }}){{ ', ' if not loop.last }}{% endfor %}
    ) as column_numbers (column_number)

)

select column_name, null_rows
from per_column
where null_rows > 0

{% endtest %}
