{#-
    One row per person (person_key: a linkage cluster of source person records):
    sex, birth year and age band, the systems the person was seen in, how many
    source records they have, and their first and last event dates. Sex and date of
    birth are the values most of the person's records agree on.
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

reporting_period as (

    select * from {{ ref('int_reporting_period_derived') }}

),

records_keyed as (

    select
        clusters.person_key,
        clusters.system,
        {{ justice.conformed_sex('records.sex') }} as sex,
        records.birth_date,
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

sex_votes as (

    select
        person_key,
        sex,
        row_number() over (
            partition by person_key order by count(*) desc, sex
        ) as vote_rank
    from records_keyed
    where sex != 'unknown'
    group by person_key, sex

),

birth_date_votes as (

    select
        person_key,
        birth_date,
        row_number() over (
            partition by person_key order by count(*) desc, birth_date
        ) as vote_rank
    from records_keyed
    where birth_date is not null
    group by person_key, birth_date

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
        cast(coalesce(sex_votes.sex, 'unknown') as {{ dbt.type_string() }})
            as sex,
        cast(extract(year from birth_date_votes.birth_date) as integer)
            as birth_year,
        cast(
            {{ justice.age_band(
                'birth_date_votes.birth_date', 'reporting_period.reporting_date') }}
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
    left join sex_votes
        on
            people_aggregated.person_key = sex_votes.person_key
            and sex_votes.vote_rank = 1
    left join birth_date_votes
        on
            people_aggregated.person_key = birth_date_votes.person_key
            and birth_date_votes.vote_rank = 1

)

select * from people
