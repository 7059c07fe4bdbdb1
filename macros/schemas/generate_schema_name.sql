{#
    Returns the schema a node is built in.
    Locally (DuckDB) the folder's schema is used as it is (`staging`, `marts`), so analysts
    write `marts.dim_person`. On Athena every schema is prefixed with the target schema
    (JUSTICE_ATHENA_SCHEMA_PREFIX), so environments sharing a Glue catalog never collide:
    `justice_staging`, `justice_intermediate`.

    Marts are written to an audit area and published only after every test passed
    (write-audit-publish, DESIGN.md section 6): locally the whole build file is the audit
    area (the published marts live in another file), so the schema stays `marts`; on
    Athena they are built in `<prefix>_marts_audit` and renamed into `<prefix>_marts` by
    publish_marts.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- elif target.type == 'duckdb' -%}
        {{ custom_schema_name | trim }}
    {%- elif custom_schema_name | trim == 'marts' -%}
        {{ target.schema }}_marts_audit
    {%- else -%}
        {{ target.schema }}_{{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
