{#-
    The record of the person key each source person record had, build after build
    (DESIGN.md section 4): a row whenever a record's key differs from the key the
    record last had (its first key, a changed key, or gone when the record is no
    longer linked). A change is classified against the whole previous assignment:
    merged when the new key gathers records of several old keys, split when the old
    key's records now carry several new keys, both, or re_keyed when one old key
    became one new key (the cluster's smallest record changed).

    Incremental and never rebuilt: `full_refresh=false`, so `--full-refresh` (or a
    rewritten partition, a retrained seed) appends the changes it caused instead of
    wiping what earlier builds recorded. The record is path-dependent by nature (what
    it holds depends on which builds ran), so it is the one model downstream of
    history that a from-scratch build does not reproduce. An `--as-of` build
    re-creates the past and writes nothing here.
-#}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    full_refresh=false,
    on_schema_change='append_new_columns',
) }}

with

clusters as (

    select * from {{ ref('int_person_clusters') }}

),

nomis_offenders as (

    select * from {{ ref('int_nomis__offenders_as_of') }}

),

delius_offenders as (

    select * from {{ ref('int_delius__offender_as_of') }}

),

court_defendants as (

    select * from {{ ref('int_common_platform__defendants_as_of') }}

),

em_subjects as (

    select * from {{ ref('int_em__subjects_as_of') }}

),

{% if is_incremental() %}
recorded as (

    select * from {{ this }}

),

recorded_ranked as (

    select
        record_id,
        person_key,
        row_number() over (
            partition by record_id order by recorded_at desc
        ) as recency
    from recorded

),

-- each record's key as the last build left it (null: no longer linked)
keys_recorded as (

    select
        record_id,
        person_key
    from recorded_ranked
    where recency = 1

),

{% else %}
-- the first build: nothing recorded yet, so every record's key is its first
keys_recorded as (

    select
        record_id,
        person_key
    from clusters
    where 1 = 0

),

{% endif %}
extraction_dates as (

    select max(extraction_date) as last_extraction_date from nomis_offenders
    union all
    select max(extraction_date) as last_extraction_date from delius_offenders
    union all
    select max(extraction_date) as last_extraction_date from court_defendants
    union all
    select max(extraction_date) as last_extraction_date from em_subjects

),

person_data_period as (

    select max(last_extraction_date) as data_through_date
    from extraction_dates

),

keys_compared as (

    select
        coalesce(clusters.record_id, keys_recorded.record_id) as record_id,
        keys_recorded.person_key as previous_person_key,
        clusters.person_key
    from clusters
    full outer join keys_recorded
        on clusters.record_id = keys_recorded.record_id

),

-- the records linked both before and now: what merges and splits are made of
records_kept as (

    select
        previous_person_key,
        person_key
    from keys_compared
    where previous_person_key is not null and person_key is not null

),

old_keys_spread as (

    select
        previous_person_key,
        count(distinct person_key) as new_key_count
    from records_kept
    group by previous_person_key

),

new_keys_gathered as (

    select
        person_key,
        count(distinct previous_person_key) as old_key_count
    from records_kept
    group by person_key

),

keys_changed as (

    select
        keys_compared.record_id,
        keys_compared.person_key,
        keys_compared.previous_person_key,
        case
            when
                keys_compared.previous_person_key is null
                or keys_compared.person_key is null
                then null
            when
                new_keys_gathered.old_key_count > 1
                and old_keys_spread.new_key_count > 1
                then 'merged_and_split'
            when new_keys_gathered.old_key_count > 1 then 'merged'
            when old_keys_spread.new_key_count > 1 then 'split'
            else 're_keyed'
        end as change_reason
    from keys_compared
    left join old_keys_spread
        on
            keys_compared.previous_person_key
            = old_keys_spread.previous_person_key
    left join new_keys_gathered
        on keys_compared.person_key = new_keys_gathered.person_key
    where
        keys_compared.previous_person_key
        is distinct from keys_compared.person_key

),

recorded_now as (

    select
        cast(keys_changed.record_id as {{ dbt.type_string() }}) as record_id,
        cast(keys_changed.person_key as {{ dbt.type_string() }}) as person_key,
        cast(keys_changed.previous_person_key as {{ dbt.type_string() }})
            as previous_person_key,
        cast(keys_changed.change_reason as {{ dbt.type_string() }})
            as change_reason,
        cast(
            '{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}'
            as timestamp(6)
        ) as recorded_at,
        cast('{{ invocation_id }}' as {{ dbt.type_string() }}) as build_id,
        cast(person_data_period.data_through_date as date) as data_through_date
    from keys_changed
    cross join person_data_period
    {%- if justice.as_of_date() is not none %}
    -- an --as-of build re-creates a past publication: it records nothing
    where 1 = 0
    {%- endif %}

)

select * from recorded_now
