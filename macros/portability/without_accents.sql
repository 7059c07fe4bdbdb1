{#
    Returns `text` with its accents (combining marks) removed: 'Renée' becomes 'Renee',
    'Müller' 'Muller'. Letters that do not decompose (Æ, Ł, ß) are kept as they are.
    DuckDB has strip_accents; Trino decomposes (NFD) and drops the marks.
#}
{% macro without_accents(text) -%}
    {{ return(adapter.dispatch('without_accents', 'justice')(text)) }}
{%- endmacro %}

{% macro default__without_accents(text) -%}
    regexp_replace(normalize({{ text }}, NFD), '\p{Mn}', '')
{%- endmacro %}

{% macro duckdb__without_accents(text) -%}
    strip_accents({{ text }})
{%- endmacro %}
