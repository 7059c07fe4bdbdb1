{#-
    One row per custody episode: a person's time in custody from reception to
    release, across transfers between prisons, built from the stays of
    int_custody_stays_derived. An episode without a recorded reception starts at its
    booking's start date (is_reception_recorded false); an episode not yet released is
    open (release_date null).
-#}

with

stays as (

    select * from {{ ref('int_custody_stays_derived') }}

),

person_clusters as (

    select * from {{ ref('int_person_clusters') }}

),

episodes_aggregated as (

    select
        custody_episode_id,
        min(stay_start_date) as episode_start_date,
        count(*) as stay_count,
        sum(
            case when start_movement_type_code = 'TRN' then 1 else 0 end
        ) as transfer_count,
        min(stay_number) as first_stay_number,
        max(stay_number) as last_stay_number
    from stays
    group by custody_episode_id

),

episodes as (

    select
        first_stay.custody_episode_id,
        first_stay.booking_id,
        first_stay.offender_id,
        person_clusters.person_key,
        first_stay.episode_number,
        first_stay.is_start_recorded as is_reception_recorded,
        episodes_aggregated.episode_start_date,
        case
            when last_stay.end_movement_type_code = 'REL'
                then last_stay.stay_end_date
        end as release_date,
        case
            when last_stay.end_movement_type_code = 'REL'
                then last_stay.end_movement_reason_code
        end as release_reason_code,
        first_stay.prison_code as reception_prison_code,
        last_stay.prison_code as last_prison_code,
        episodes_aggregated.stay_count,
        episodes_aggregated.transfer_count,
        last_stay.is_open as is_in_custody,
        first_stay.sex,
        first_stay.birth_date
    from episodes_aggregated
    inner join stays as first_stay
        on
            episodes_aggregated.custody_episode_id
            = first_stay.custody_episode_id
            and episodes_aggregated.first_stay_number = first_stay.stay_number
    inner join stays as last_stay
        on
            episodes_aggregated.custody_episode_id
            = last_stay.custody_episode_id
            and episodes_aggregated.last_stay_number = last_stay.stay_number
    left join person_clusters
        on
            person_clusters.system = 'nomis'
            and cast(first_stay.offender_id as {{ dbt.type_string() }})
            = person_clusters.source_record_id

)

select * from episodes
