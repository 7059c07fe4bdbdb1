{#
    Returns the format string of the named date format `name` for `engine` (`duckdb`
    or `trino`); fails to compile for an unknown name. Formats are named, not spelt,
    because DuckDB's strptime and Trino's date_parse spell them differently (minutes
    are %M on DuckDB, %i on Trino).
#}
{% macro date_format_spec(name, engine) -%}
    {%- set formats = {
        'iso': {'duckdb': '%Y-%m-%d', 'trino': '%Y-%m-%d'},
        'dmy_slash': {'duckdb': '%d/%m/%Y', 'trino': '%d/%m/%Y'},
        'ymd_compact': {'duckdb': '%Y%m%d', 'trino': '%Y%m%d'},
        'dmy_mon': {'duckdb': '%d-%b-%Y', 'trino': '%d-%b-%Y'},
        'iso_hms': {'duckdb': '%Y-%m-%d %H:%M:%S', 'trino': '%Y-%m-%d %H:%i:%s'},
        'dmy_slash_hms': {'duckdb': '%d/%m/%Y %H:%M:%S', 'trino': '%d/%m/%Y %H:%i:%s'},
    } -%}
    {%- if name not in formats -%}
        {{ exceptions.raise_compiler_error(
            "parse_date: unknown format '" ~ name ~ "'; known: " ~ (formats.keys() | list | join(', '))
        ) }}
    {%- endif -%}
    {{ return(formats[name][engine]) }}
{%- endmacro %}

{#
    Returns the first successful parse of the string `text` as a timestamp, trying
    each named format (see date_format_spec) in order, or null when none fits.
#}
{% macro parse_timestamp(text, formats) -%}
    {{ return(adapter.dispatch('parse_timestamp', 'justice')(text, formats)) }}
{%- endmacro %}

{% macro default__parse_timestamp(text, formats) -%}
    coalesce(
        {%- for name in formats %}
        try(date_parse(trim({{ text }}), '{{ justice.date_format_spec(name, "trino") }}'))
        {%- if not loop.last %},{% endif %}
        {%- endfor %}
    )
{%- endmacro %}

{% macro duckdb__parse_timestamp(text, formats) -%}
    coalesce(
        {%- for name in formats %}
        try_strptime(trim({{ text }}), '{{ justice.date_format_spec(name, "duckdb") }}')
        {%- if not loop.last %},{% endif %}
        {%- endfor %}
    )
{%- endmacro %}

{#
    Returns the first successful parse of the string `text` as a date, trying each
    named format in order (parse_timestamp cast to a date), or null when none fits.
#}
{% macro parse_date(text, formats) -%}
    cast({{ justice.parse_timestamp(text, formats) }} as date)
{%- endmacro %}
