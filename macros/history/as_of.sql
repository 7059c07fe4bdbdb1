{#
    Returns var('as_of') as a validated 'YYYY-MM-DD' string, or none when it is not set
    (everything landed).
#}
{% macro as_of_date() -%}
    {%- set value = var('as_of', none) -%}
    {%- if value is none or (value | string | trim) in ('', 'none', 'None', 'null') -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set text = value | string | trim -%}
    {%- if not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', text) -%}
        {{ exceptions.raise_compiler_error(
            "as_of must be a date like 2026-01-05, not '" ~ text ~ "'") }}
    {%- endif -%}
    {{ return(text) }}
{%- endmacro %}


{#
    Returns the body of an as-of model: the state of a source table as it was known at
    var('as_of'), from its history model `history` (a relation). One row per source key
    that existed (was not deleted) at that moment, holding the version that was current
    in the history as built from the change rows extracted on or before as_of. Without
    as_of, that is each key's current version. Every model downstream of history reads
    current state through this macro, so `--as-of D` re-creates what a build on day D
    produced.
#}
{% macro as_of_state(history) -%}
{#- a view, though it sits in a history folder (incremental tables there) -#}
{{- config(materialized='view', partitioned_by=none) -}}
{%- set as_of = justice.as_of_date() -%}
{%- set columns = justice.star_except(
    history, ['valid_to', 'is_current', 'is_deleted']) -%}
with history as (

    select * from {{ history }}

),
{%- if as_of is none %}

versions_known as (

    select
        *,
        1 as version_rank
    from history
    where is_current

),
{%- else %}

versions_known as (

    select
        *,
        row_number() over (
            partition by source_key order by valid_from desc
        ) as version_rank
    from history
    where extraction_date <= cast('{{ as_of }}' as date)

),
{%- endif %}

state_as_of as (

    select
        {{ columns }}
    from versions_known
    where version_rank = 1 and not is_deleted

)

select * from state_as_of
{%- endmacro %}
