{#
    Returns `column` as a canonical string for hashing. Scalars are cast to a string;
    nested values (lists, structs, maps, such as Common Platform offences) become
    JSON text, because DuckDB and Trino cannot cast them to varchar alike: DuckDB uses
    to_json, Trino json_format(cast(x as json)). `data_type` is the column's type as
    the adapter reports it.
#}
{% macro canonical_string(column, data_type) -%}
    {{ return(adapter.dispatch('canonical_string', 'justice')(column, data_type)) }}
{%- endmacro %}

{% macro is_nested_type(data_type) -%}
    {%- set text = (data_type or '') | lower -%}
    {{ return('[]' in text or text.startswith('struct') or text.startswith('array')
        or text.startswith('row(') or text.startswith('map')) }}
{%- endmacro %}

{% macro default__canonical_string(column, data_type) -%}
    {%- if justice.is_nested_type(data_type) -%}
        json_format(cast({{ column }} as json))
    {%- else -%}
        cast({{ column }} as {{ dbt.type_string() }})
    {%- endif -%}
{%- endmacro %}

{% macro duckdb__canonical_string(column, data_type) -%}
    {%- if justice.is_nested_type(data_type) -%}
        cast(to_json({{ column }}) as {{ dbt.type_string() }})
    {%- else -%}
        cast({{ column }} as {{ dbt.type_string() }})
    {%- endif -%}
{%- endmacro %}
