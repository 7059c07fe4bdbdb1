{#-
    One row per person (person_key: a linkage cluster of source person records):
    sex, birth year and age band, the systems the person was seen in, how many
    source records they have, and their first and last event dates. Sex and date of
    birth are the values most of the person's records agree on
    (int_person_attributes_resolved: the one rule every mart uses).
-#}

with

clusters as (

    select * from {{ ref('int_person_clusters') }}

),

records as (

    select * from {{ ref('int_person_records') }}

),

record_events as (

    select * from {{ ref('int_person_record_events_summarised') }}

),

attributes as (

    select * from {{ ref('int_person_attributes_resolved') }}

),

reporting_period as (

    select * from {{ ref('int_reporting_period_derived') }}

),

records_keyed as (

    select
        clusters.person_key,
        clusters.system,
        record_events.first_event_date,
        record_events.last_event_date
    from clusters
    inner join records
        on clusters.record_id = records.record_id
    left join record_events
        on
            clusters.system = record_events.source_system
            and clusters.source_record_id = record_events.source_record_id

),

people_aggregated as (

    select
        person_key,
        count(*) as source_record_count,
        max(case when system = 'nomis' then 1 else 0 end) as seen_in_nomis,
        max(case when system = 'delius' then 1 else 0 end) as seen_in_delius,
        max(case when system = 'common_platform' then 1 else 0 end)
            as seen_in_common_platform,
        max(case when system = 'em' then 1 else 0 end) as seen_in_em,
        min(first_event_date) as first_event_date,
        max(last_event_date) as last_event_date
    from records_keyed
    group by person_key

),

people as (

    select
        cast(people_aggregated.person_key as {{ dbt.type_string() }})
            as person_key,
        cast(attributes.sex as {{ dbt.type_string() }}) as sex,
        cast(attributes.birth_year as integer) as birth_year,
        cast(
            {{ justice.age_band(
                'attributes.birth_date', 'reporting_period.reporting_date') }}
            as {{ dbt.type_string() }}
        ) as age_band,
        cast(
            concat_ws(
                ',',
                case
                    when people_aggregated.seen_in_common_platform = 1
                        then 'common_platform'
                end,
                case
                    when people_aggregated.seen_in_delius = 1
                        then 'delius'
                end,
                case when people_aggregated.seen_in_em = 1 then 'em' end,
                case when people_aggregated.seen_in_nomis = 1 then 'nomis' end
            ) as {{ dbt.type_string() }}
        ) as systems_seen,
        people_aggregated.seen_in_nomis = 1 as is_seen_in_nomis,
        people_aggregated.seen_in_delius = 1 as is_seen_in_delius,
        people_aggregated.seen_in_common_platform = 1
            as is_seen_in_common_platform,
        people_aggregated.seen_in_em = 1 as is_seen_in_em,
        cast(people_aggregated.source_record_count as integer)
            as source_record_count,
        cast(people_aggregated.first_event_date as date) as first_event_date,
        cast(people_aggregated.last_event_date as date) as last_event_date
    from people_aggregated
    cross join reporting_period
    inner join attributes
        on people_aggregated.person_key = attributes.person_key

)

select * from people
