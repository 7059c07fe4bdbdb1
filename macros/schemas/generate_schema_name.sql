{#
    Returns the schema a node is built in.
    Locally (DuckDB) the folder's schema is used as it is (`staging`, `marts`), so analysts
    write `marts.dim_person`. On Athena every schema is prefixed with the target schema
    (JUSTICE_ATHENA_SCHEMA_PREFIX), so environments sharing a Glue catalog never collide:
    `justice_staging`, `justice_marts`.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- elif target.type == 'duckdb' -%}
        {{ custom_schema_name | trim }}
    {%- else -%}
        {{ target.schema }}_{{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
