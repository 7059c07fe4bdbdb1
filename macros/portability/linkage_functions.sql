{#
    Returns the Levenshtein (edit) distance between two strings as an integer:
    DuckDB `levenshtein`, Trino `levenshtein_distance`.
#}
{% macro edit_distance(left, right) -%}
    {{ return(adapter.dispatch('edit_distance', 'justice')(left, right)) }}
{%- endmacro %}

{% macro default__edit_distance(left, right) -%}
    levenshtein_distance({{ left }}, {{ right }})
{%- endmacro %}

{% macro duckdb__edit_distance(left, right) -%}
    levenshtein({{ left }}, {{ right }})
{%- endmacro %}


{#
    Returns the SHA-256 digest of a string as 64 lower-case hexadecimal characters:
    DuckDB's sha256 returns hex text already; Trino hashes varbinary.
#}
{% macro sha256_hex(text) -%}
    {{ return(adapter.dispatch('sha256_hex', 'justice')(text)) }}
{%- endmacro %}

{% macro default__sha256_hex(text) -%}
    lower(to_hex(sha256(to_utf8({{ text }}))))
{%- endmacro %}

{% macro duckdb__sha256_hex(text) -%}
    sha256({{ text }})
{%- endmacro %}


{#
    Returns a relation reading a local Parquet or CSV file (by its extension).
    Only the local (DuckDB) target reads files; on Athena it is a compile error.
    Used by `justice linkage evaluate --input` to link a benchmark file.
#}
{% macro read_local_file(path) -%}
    {{ return(adapter.dispatch('read_local_file', 'justice')(path)) }}
{%- endmacro %}

{% macro default__read_local_file(path) -%}
    {{ exceptions.raise_compiler_error(
        "read_local_file: reading a local file is only possible on the local target") }}
{%- endmacro %}

{% macro duckdb__read_local_file(path) -%}
    {%- if path.endswith('.csv') -%}
        read_csv('{{ path }}', header = true)
    {%- else -%}
        read_parquet('{{ path }}')
    {%- endif -%}
{%- endmacro %}
