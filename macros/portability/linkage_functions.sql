{#
    Returns a condition that holds when the Levenshtein (edit) distance between two
    strings is at most `most`: DuckDB `levenshtein` (which counts bytes), Trino
    `levenshtein_distance` (which counts characters).
    Each edit changes a string's length by at most one, so the lengths (in the unit
    the engine's distance counts) differing by more than `most` already rules the
    pair out, and the distance, the costly part, is only computed for the rest.
    At a million people this takes a third off comparing 45 M candidate pairs.
#}
{% macro edit_distance_within(left, right, most) -%}
    {{ return(adapter.dispatch('edit_distance_within', 'justice')(left, right, most)) }}
{%- endmacro %}

{% macro default__edit_distance_within(left, right, most) -%}
    (abs(length({{ left }}) - length({{ right }})) <= {{ most }}
        and levenshtein_distance({{ left }}, {{ right }}) <= {{ most }})
{%- endmacro %}

{% macro duckdb__edit_distance_within(left, right, most) -%}
    (abs(strlen({{ left }}) - strlen({{ right }})) <= {{ most }}
        and levenshtein({{ left }}, {{ right }}) <= {{ most }})
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


{#
    Returns an aggregate: the value at `fraction` (0-1) of `column`'s values in the
    group, dispatched: DuckDB quantile_disc (exact: one of the values), Trino
    approx_percentile (approximate, as Athena offers).
#}
{% macro percentile_value(column, fraction) -%}
    {{ return(adapter.dispatch('percentile_value', 'justice')(column, fraction)) }}
{%- endmacro %}

{% macro default__percentile_value(column, fraction) -%}
    approx_percentile({{ column }}, {{ fraction }})
{%- endmacro %}

{% macro duckdb__percentile_value(column, fraction) -%}
    quantile_disc({{ column }}, {{ fraction }})
{%- endmacro %}
