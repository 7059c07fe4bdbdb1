{#
    Returns a from-clause item that joins each row of `relation` (an alias in scope)
    to the elements of its list-of-structs column `list_column`, one row per element,
    under the alias `element`, so that every engine reads a field as `element.<field>`.
    Rows whose list is empty or null produce no rows (an inner, lateral unnest).
    DuckDB's unnest yields one struct column (named here `element`); Trino's unnest of
    an array of rows yields one column per field, so the fields are named in order.
#}
{% macro unnest_struct_list(relation, list_column, element, fields) -%}
    {{ return(adapter.dispatch('unnest_struct_list', 'justice')(
        relation, list_column, element, fields)) }}
{%- endmacro %}

{% macro default__unnest_struct_list(relation, list_column, element, fields) -%}
    cross join unnest({{ relation }}.{{ list_column }}) as {{ element }} (
        {{ fields | join(', ') }}
    )
{%- endmacro %}

{% macro duckdb__unnest_struct_list(relation, list_column, element, fields) -%}
    cross join unnest({{ relation }}.{{ list_column }}) as {{ element }}_list ({{ element }})
{%- endmacro %}
