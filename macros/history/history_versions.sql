{#
    Returns the body of a history model: SCD2 versions per source key, rebuilt from
    the change rows of the staging model named `changes`.

    - `key_columns`: the source table's primary key.
    - `changed_at`: the source's own change timestamp column, when it has one
      (NOMIS modify_datetime, Delius last_updated_datetime); it orders the changes
      and is each version's valid_from. Without one, extracted_at is used.
    - `deleted_flag`: a boolean column marking soft deletes (Delius soft_deleted).

    One row per (source_key, valid_from). A version starts where a change gives the key
    a new row image (row_hash over the business columns and the deletion state); a
    re-delivery of an unchanged image starts none. CDC deletes (op D) and soft deletes
    start a version with is_deleted = true, which closes the one before.

    Ordering rules (DESIGN.md section 3; documented in _history__macros.yml):
    - changes are ordered by changed_at, then operation (I, U, D), then extracted_at;
    - an insert belongs at the start of its key's life (between two deletes): a late
      insert takes the earliest change time of that life, where the change already
      known there supersedes it;
    - several changes at the same moment leave one version: the last in that order,
      known from the first delivery of its image (its extracted_at, extraction_date).

    A key with one change row (98-99 % of the rows of the largest tables) has one
    version, open, starting at its change time: it skips the ordering windows, each a
    sort of every row (a million people: hearings history 14.3 s before).
    Incremental runs rebuild the whole version chain of every key touched by the
    partitions this build loads (history_touched_keys: the harness's load plan, new,
    late and rewritten partitions alike), so a late row also corrects the valid_to and
    is_current of versions loaded before. A pre-hook (delete_touched_versions) first
    deletes every stored version of those keys, and the merge on
    (source_key, valid_from) then inserts their chains: delete+insert per touched key,
    so a version a late partition made obsolete is removed, and the stored chain equals
    what a full refresh computes.
#}
{% macro history_versions(changes, key_columns, changed_at=none, deleted_flag=none) -%}
{%- set changes_relation = ref(changes) -%}
{%- set envelope = ['cdc_operation', 'extracted_at', 'extraction_date'] -%}
{%- set excluded = (envelope + key_columns) | map('lower') | list -%}
{%- set business_columns = [] -%}
{%- for column in justice.model_columns(changes) -%}
    {%- if column.name | lower not in excluded -%}
        {%- do business_columns.append(column) -%}
    {%- endif -%}
{%- endfor -%}
{%- set key_expression = justice.source_key(key_columns) -%}
{#- the touched versions are deleted before the merge (delete+insert per key) -#}
{{- config(pre_hook=[
    "{{ justice.delete_touched_versions('" ~ changes ~ "', "
    ~ (key_columns | tojson | replace('"', "'")) ~ ") }}"
]) -}}
with changes as (

    select * from {{ changes_relation }}

),
{%- if is_incremental() %}

keys_changed as (

    {{ justice.history_touched_keys(changes, key_columns) }}

),
{%- endif %}

changes_keyed as (

    select
        {{ key_expression }} as source_key,
        changes.*,
        {% if changed_at -%}
        coalesce({{ changed_at }}, extracted_at) as changed_at,
        {% else -%}
        extracted_at as changed_at,
        {% endif -%}
        (
            cdc_operation = 'D'
            {%- if deleted_flag %}
            or coalesce({{ deleted_flag }}, false)
            {%- endif %}
        ) as is_deleted,
        case cdc_operation
            when 'I' then 0
            when 'U' then 1
            else 2
        end as operation_rank
    from changes
    {%- if is_incremental() %}
    where
        {{ key_expression }} in (select keys_changed.source_key from keys_changed)
    {%- endif %}

),

changes_hashed as (

    select
        *,
        {{ justice.history_row_hash(business_columns) }} as row_hash
    from changes_keyed

),

-- most keys have one change row (98-99 % of the rows of the largest tables): their
-- one version needs none of the ordering below, which sorts every row six times
changes_counted as (

    select
        *,
        count(*) over (partition by source_key) as changes_of_key
    from changes_hashed

),

single_change_versions as (

    {{ justice.history_version_columns(
        key_columns, business_columns,
        valid_from='changed_at',
        valid_to=justice.history_open_end(),
        is_current='true',
    ) }}
    from changes_counted
    where changes_of_key = 1

),

-- the same row image delivered again at the same change time counts once, from its
-- first delivery (that is when it became known)
deliveries_numbered as (

    select
        *,
        row_number() over (
            partition by source_key, changed_at, cdc_operation, row_hash
            order by extracted_at, extraction_date
        ) as delivery_number
    from changes_counted
    where changes_of_key > 1

),

changes_first_delivered as (

    select * from deliveries_numbered
    where delivery_number = 1

),

-- a key's life runs from an insert to a delete: count the deletes before each change
changes_in_lives as (

    select
        *,
        coalesce(sum(case when cdc_operation = 'D' then 1 else 0 end) over (
            partition by source_key
            order by changed_at, operation_rank, extracted_at, row_hash
            rows between unbounded preceding and 1 preceding
        ), 0) as deletes_before
    from changes_first_delivered

),

-- an insert is the start of its life: a late one moves back to the life's first change
changes_effective as (

    select
        *,
        case
            when cdc_operation = 'I'
                then min(changed_at) over (
                    partition by source_key, deletes_before
                )
            else changed_at
        end as valid_from
    from changes_in_lives

),

-- when each image at a moment was last delivered: the image delivered last wins
changes_delivered as (

    select
        *,
        max(extracted_at) over (
            partition by source_key, valid_from, operation_rank, row_hash
        ) as image_last_extracted_at
    from changes_effective

),

-- one change per moment: the last image in the order above, and of its deliveries the
-- first (a late insert moved back to the life's start may be the same image as one
-- delivered days before: the version was known from that first delivery, which the
-- as-of views read)
moments_ranked as (

    select
        *,
        row_number() over (
            partition by source_key, valid_from
            order by
                operation_rank desc,
                image_last_extracted_at desc,
                row_hash desc,
                extracted_at asc,
                extraction_date asc
        ) as moment_rank
    from changes_delivered

),

changes_compared as (

    select
        *,
        lag(row_hash) over (
            partition by source_key order by valid_from
        ) as previous_row_hash
    from moments_ranked
    where moment_rank = 1

),

versions_started as (

    select * from changes_compared
    where previous_row_hash is null or previous_row_hash <> row_hash

),

versions as (

    {{ justice.history_version_columns(
        key_columns, business_columns,
        valid_from='valid_from',
        valid_to='coalesce(lead(valid_from) over (partition by source_key order by valid_from), '
            ~ justice.history_open_end() ~ ')',
        is_current='lead(valid_from) over (partition by source_key order by valid_from) is null',
    ) }}
    from versions_started

    union all

    select * from single_change_versions

)

select * from versions
{%- endmacro %}


{#
    Returns the select list of a history model's versions (keys, validity, lineage,
    business columns), over a relation whose valid_from starts each version, given
    the valid_from, valid_to and is_current expressions: one column order for the keys with one
    change row and for the version chains.
#}
{% macro history_version_columns(
    key_columns, business_columns, valid_from, valid_to, is_current
) -%}
    select
        -- keys
        source_key,
        {%- for column in key_columns %}
        {{ column }},
        {%- endfor %}

        -- validity
        {{ valid_from }} as valid_from,
        {{ valid_to }} as valid_to,
        {{ is_current }} as is_current,
        is_deleted,

        -- lineage: the change that started the version, and when it became known
        cdc_operation,
        extracted_at,
        extraction_date,
        row_hash{% if business_columns %},{% endif %}

        -- business columns
        {%- for column in business_columns %}
        {{ adapter.quote(column.name) if column.name != column.name | lower
            else column.name }}{% if not loop.last %},{% endif %}
        {%- endfor %}
{%- endmacro %}


{#
    Returns the valid_to of an open (current) version: a far-future sentinel, so that
    `valid_from <= t and t < valid_to` needs no null handling.
#}
{% macro history_open_end() -%}
    cast('9999-12-31 00:00:00' as {{ justice.type_timestamp() }})
{%- endmacro %}


{#
    Returns a hash (hex string) of a row image: the business columns, sorted by name,
    each as a canonical string (null as '<null>'), joined with '|', then the deletion
    state. Equal images give equal hashes on either engine.
#}
{% macro history_row_hash(columns) -%}
    {%- set parts = [] -%}
    {%- for column in columns | sort(attribute='name') -%}
        {%- set quoted = adapter.quote(column.name) if column.name != column.name | lower
            else column.name -%}
        {%- do parts.append(
            "coalesce(" ~ justice.canonical_string(quoted, column.data_type)
            ~ ", '<null>')"
        ) -%}
    {%- endfor -%}
    {%- do parts.append("case when is_deleted then 'deleted' else 'live' end") -%}
    {{ dbt.hash(parts | join(" || '|' || ")) }}
{%- endmacro %}
