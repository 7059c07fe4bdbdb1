{#-
    One row per person-key change a build detected: records that had old_person_key
    in the build before now have new_person_key, why (merged, split,
    merged_and_split, re_keyed) and how many records moved, so that a figure
    published with an old key can be followed to the key those records carry now.
    Read from the record kept across builds (int_person_keys_recorded); an --as-of
    build shows the changes detected on data up to that date.
-#}
{%- set as_of = justice.as_of_date() %}

with

keys_recorded as (

    select * from {{ ref('int_person_keys_recorded') }}

),

clusters as (

    select * from {{ ref('int_person_clusters') }}

),

changes_known as (

    select * from keys_recorded
    {%- if as_of is not none %}
    -- an --as-of build shows the changes detected on data up to its date
    where data_through_date <= cast('{{ as_of }}' as date)
    {%- endif %}

),

current_keys as (

    select distinct person_key from clusters

),

changes_counted as (

    select
        build_id,
        recorded_at,
        data_through_date,
        previous_person_key,
        person_key,
        change_reason,
        count(*) as moved_record_count
    from changes_known
    where
        previous_person_key is not null
        and person_key is not null
    group by
        build_id,
        recorded_at,
        data_through_date,
        previous_person_key,
        person_key,
        change_reason

),

changes as (

    select
        cast(changes_counted.previous_person_key as {{ dbt.type_string() }})
            as old_person_key,
        cast(changes_counted.person_key as {{ dbt.type_string() }})
            as new_person_key,
        cast(changes_counted.change_reason as {{ dbt.type_string() }})
            as change_reason,
        cast(changes_counted.moved_record_count as integer)
            as moved_record_count,
        cast(changes_counted.recorded_at as timestamp(6)) as detected_at,
        cast(changes_counted.data_through_date as date) as data_through_date,
        cast(changes_counted.build_id as {{ dbt.type_string() }})
            as detected_build_id,
        current_keys.person_key is not null as is_new_person_key_current
    from changes_counted
    left join current_keys
        on changes_counted.person_key = current_keys.person_key

)

select * from changes
