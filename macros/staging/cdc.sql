{#
    Returns the change-data-capture envelope every staging model carries, renamed to
    business terms: cdc_operation (I, U, D), extracted_at (UTC) and extraction_date
    (the lake partition the row was delivered in).
#}
{% macro cdc_columns() -%}
    {{ justice.clean_code('op') }} as cdc_operation,
    cast(extraction_timestamp as {{ justice.type_timestamp() }}) as extracted_at,
    cast(extraction_date as date) as extraction_date
{%- endmacro %}


{#
    Returns the timestamp type: microsecond precision on both engines (Iceberg on Athena
    stores timestamp(6); DuckDB's timestamp is microseconds already).
#}
{% macro type_timestamp() -%}
    {{ return(adapter.dispatch('type_timestamp', 'justice')()) }}
{%- endmacro %}

{% macro default__type_timestamp() -%}
    timestamp(6)
{%- endmacro %}

{% macro duckdb__type_timestamp() -%}
    timestamp
{%- endmacro %}


{#
    Returns a string identifying a source row by its key columns, joined with '|';
    a null key part shows as '<null>' so a quarantined row can still be found.
#}
{% macro source_key(columns) -%}
    {%- for column in columns -%}
        coalesce(cast({{ column }} as {{ dbt.type_string() }}), '<null>')
        {%- if not loop.last %} || '|' || {% endif -%}
    {%- endfor -%}
{%- endmacro %}
