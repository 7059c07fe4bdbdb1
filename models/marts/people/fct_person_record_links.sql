{#-
    One row per source person record (a NOMIS offender, Delius offender, Common
    Platform defendant or EM subject record): the person it was linked to and how
    confidently. The record itself appears only as an opaque, salted key.
-#}

with

clusters as (

    select * from {{ ref('int_person_clusters') }}

),

records as (

    select * from {{ ref('int_person_records') }}

),

links as (

    select
        -- salted like person_key over a distinct input ('record:' prefix),
        -- so a record key never equals a person key
        cast(
            {{ justice.person_key("'record:' || clusters.record_id") }}
            as {{ dbt.type_string() }}
        ) as source_record_key,
        cast(clusters.person_key as {{ dbt.type_string() }}) as person_key,
        cast(clusters.system as {{ dbt.type_string() }}) as source_system,
        cast(records.source_table as {{ dbt.type_string() }}) as source_table,
        -- rounded: the last bits of a float sum may differ between runs
        cast(round(clusters.match_probability, 6) as double)
            as match_probability,
        cast(clusters.cluster_size as integer) as person_record_count,
        clusters.cluster_size > 1 as is_linked
    from clusters
    inner join records
        on clusters.record_id = records.record_id

)

select * from links
