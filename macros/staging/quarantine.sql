{#
    Returns the reason a staged row cannot be made valid, or null when it can.
    `rules` is a list of (condition, reason) pairs, checked in order after the CDC
    envelope's own (envelope_rules); the first condition that holds gives the reason.
    Rows with a reason go to stg_quarantine, never silently away. A condition may say
    `__ELIGIBLE__` (a window rule such as conflicting_change_rule): it becomes "none of
    the earlier conditions holds".
#}
{% macro quarantine_reason(rules) -%}
    {%- set earlier = [] -%}
    case
        {%- for condition, reason in justice.envelope_rules() + rules %}
        {%- set eligible = ('not (' ~ earlier | join(' or ') ~ ')') if earlier else 'true' %}
        when {{ condition | replace('__ELIGIBLE__', eligible) }} then '{{ reason }}'
        {%- if '__ELIGIBLE__' not in condition %}
        {%- do earlier.append('coalesce(' ~ condition ~ ', false)') %}
        {%- endif %}
        {%- endfor %}
    end
{%- endmacro %}


{#
    Returns the (condition, reason) rules every change row's CDC envelope must meet
    (DESIGN.md section 2), checked before a table's own: an extraction timestamp, no
    more than a day from the date of the partition the row came in (else a clock or
    labelling fault: history would order the row by a time it was not extracted at,
    and a version known before could vanish). The lake contract checks a CSV's
    timestamps as text; a Parquet file's values are only seen here. An operation that
    is not I, U or D is not quarantined: it means the feed's contract changed, so the
    delivery test on cdc_operation fails and the build stops before publishing.
#}
{% macro envelope_rules() -%}
    {%- set days_from_partition = dbt.datediff(
        'extraction_date', 'cast(extracted_at as date)', 'day') -%}
    {{ return([
        ('extracted_at is null', 'no extraction timestamp'),
        ('abs(' ~ days_from_partition ~ ') > 1',
            'extraction timestamp more than a day from the partition date'),
    ]) }}
{%- endmacro %}


{#
    Returns a condition that holds when a date was given as text (`raw_column` is not
    blank) but `parsed_column` could not be read from it.
#}
{% macro is_unreadable(parsed_column, raw_column) -%}
    {{ return(parsed_column ~ " is null and nullif(trim(" ~ raw_column ~ "), '') is not null") }}
{%- endmacro %}


{#
    Returns a condition that holds when a flag was delivered (`raw_column` is not blank)
    but flag_to_boolean did not recognise it (`parsed_column` is null): 'A', '2' or
    'maybe' would otherwise become a silent null ("not recorded").
#}
{% macro is_unrecognised_flag(parsed_column, raw_column) -%}
    {{ return(parsed_column ~ " is null and nullif(trim(cast(" ~ raw_column ~ " as "
        ~ dbt.type_string() ~ ")), '') is not null") }}
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


{#
    Returns a (condition, reason) rule for `quarantine_reason` that holds for conflicting
    changes: two or more distinct rows for the same key, change time and operation (the
    same change delivered with different values). Both rows are quarantined, because
    neither can be trusted; history would otherwise keep one of them at random. Rows an
    earlier rule already quarantines (a null key, an unreadable date) take no part: the
    condition holds `__ELIGIBLE__`, which quarantine_reason replaces with "no earlier
    rule holds".

    - `key_columns`: the source key (as in the history model);
    - `changed_at`: the column history orders changes by, when the table has one
      (coalesced with extracted_at, as history does);
    - `nested_columns`: list or struct columns (hashed as JSON text, see canonical_string).

    The row image is every column of the model's YAML except the CDC envelope, the
    validation columns and `raw_` columns (a date written two ways is the same date).
#}
{% macro conflicting_change_rule(key_columns, changed_at=none, nested_columns=[]) -%}
    {%- set skipped = ['cdc_operation', 'extracted_at', 'extraction_date', 'source_key',
        'quarantine_reason'] + key_columns -%}
    {%- set parts = [] -%}
    {%- for name in (model.columns or {}).keys() | sort
        if name | lower not in skipped and not (name | lower).startswith('raw_') -%}
        {%- do parts.append("coalesce(" ~ justice.canonical_string(
            name, 'struct' if name in nested_columns else 'text') ~ ", '<null>')") -%}
    {%- endfor -%}
    {%- if parts | length == 0 -%}
        {%- do parts.append("''") -%}
    {%- endif -%}
    {#- only rows no earlier rule quarantines are compared (quarantine_reason fills in
        __ELIGIBLE__): a corrupt copy of a row is not a conflicting change -#}
    {%- set row_image = 'case when __ELIGIBLE__ then '
        ~ dbt.hash(parts | join(" || '|' || ")) ~ ' end' -%}
    {%- set window -%}
        over (
            partition by
                {{ justice.source_key(key_columns) }},
                {{ 'coalesce(' ~ changed_at ~ ', extracted_at)' if changed_at
                    else 'extracted_at' }},
                cdc_operation
        )
    {%- endset -%}
    {%- set condition = 'min(' ~ row_image ~ ') ' ~ window ~ '\n            != max('
        ~ row_image ~ ') ' ~ window -%}
    {{ return((condition, 'conflicting change: same key and change time, different values')) }}
{%- endmacro %}
