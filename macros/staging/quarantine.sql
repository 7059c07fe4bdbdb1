{#
    Returns the reason a staged row cannot be made valid, or null when it can.
    `rules` is a list of (condition, reason) pairs, checked in order; the first
    condition that holds gives the reason. Rows with a reason go to stg_quarantine,
    never silently away.
#}
{% macro quarantine_reason(rules) -%}
    case
        {%- for condition, reason in rules %}
        when {{ condition }} then '{{ reason }}'
        {%- endfor %}
    end
{%- endmacro %}


{#
    Returns a condition that holds when a date was given as text (`raw_column` is not
    blank) but `parsed_column` could not be read from it.
#}
{% macro is_unreadable(parsed_column, raw_column) -%}
    {{ return(parsed_column ~ " is null and nullif(trim(" ~ raw_column ~ "), '') is not null") }}
{%- endmacro %}


{#
    Returns the body of a staging model: the valid rows of its base model, without the
    validation columns (quarantine_reason, source_key, and any `raw_` column kept only to
    validate a parse). Exact duplicate deliveries were already removed in the base model.
#}
{% macro valid_rows(base_relation) -%}
with validated as (

    select * from {{ base_relation }}

),

valid_rows as (

    select
        {{ justice.star_except(
            base_relation,
            ['quarantine_reason', 'source_key'],
            except_prefix='raw_',
        ) }}
    from validated
    where quarantine_reason is null

)

select * from valid_rows
{%- endmacro %}


{#
    Returns the body of the quarantine model: every row of the named base models that
    failed validation, with where it came from and why. `tables` is a list of
    (system, table) pairs; each base model is base_<system>__<table>.
#}
{% macro quarantined_rows(tables) -%}
{%- for system, table in tables %}
select
    '{{ system }}' as source_system,
    '{{ table }}' as source_table,
    source_key,
    quarantine_reason,
    cdc_operation,
    extraction_date,
    extracted_at
from {{ ref('base_' ~ system ~ '__' ~ table) }}
where quarantine_reason is not null
{% if not loop.last %}
union all
{% endif %}
{%- endfor %}
{%- endmacro %}
