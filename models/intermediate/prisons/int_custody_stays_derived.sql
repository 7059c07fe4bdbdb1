{#-
    One row per stay of a NOMIS booking in one prison, derived from the movements
    that change where a person is held: a reception (ADM) or a transfer (TRN) starts
    a stay at the prison moved to; the booking's next such movement (a transfer or a
    release, REL) ends it. Stays are half-open, [stay_start_date, stay_end_date): on a
    transfer date the person counts at the receiving prison, on the release date no
    longer in custody. Court trips (CRT) and temporary absences (TAP) do not end a
    stay. When a booking's first such movement is a transfer or a release, there was
    no recorded reception: the stay at the prison moved from is kept, starting at the
    booking's start date (null when that is unknown or later).
-#}

with

movements as (

    select * from {{ ref('int_nomis__offender_external_movements_as_of') }}

),

bookings as (

    select * from {{ ref('int_nomis__offender_bookings_as_of') }}

),

person_clusters as (

    select * from {{ ref('int_person_clusters') }}

),

person_attributes as (

    select * from {{ ref('int_person_attributes_resolved') }}

),

placement_movements as (

    select
        booking_id,
        movement_sequence,
        movement_date,
        movement_type_code,
        movement_reason_code,
        from_location_code,
        to_location_code,
        row_number() over (
            partition by booking_id
            order by movement_date, movement_at, movement_sequence
        ) as placement_number
    from movements
    where movement_type_code in ('ADM', 'TRN', 'REL')

),

placements_with_next as (

    select
        *,
        lead(movement_date) over (
            partition by booking_id order by placement_number
        ) as next_movement_date,
        lead(movement_type_code) over (
            partition by booking_id order by placement_number
        ) as next_movement_type_code,
        lead(movement_reason_code) over (
            partition by booking_id order by placement_number
        ) as next_movement_reason_code
    from placement_movements

),

stays_recorded as (

    select
        booking_id,
        placement_number,
        to_location_code as prison_code,
        movement_date as stay_start_date,
        next_movement_date as stay_end_date,
        movement_type_code as start_movement_type_code,
        next_movement_type_code as end_movement_type_code,
        next_movement_reason_code as end_movement_reason_code,
        true as is_start_recorded
    from placements_with_next
    where movement_type_code in ('ADM', 'TRN')

),

stays_without_reception as (

    select
        placements_with_next.booking_id,
        0 as placement_number,
        placements_with_next.from_location_code as prison_code,
        case
            when
                bookings.booking_start_date
                <= placements_with_next.movement_date
                then bookings.booking_start_date
        end as stay_start_date,
        placements_with_next.movement_date as stay_end_date,
        cast(null as {{ dbt.type_string() }}) as start_movement_type_code,
        placements_with_next.movement_type_code as end_movement_type_code,
        placements_with_next.movement_reason_code as end_movement_reason_code,
        false as is_start_recorded
    from placements_with_next
    left join bookings
        on placements_with_next.booking_id = bookings.booking_id
    where
        placements_with_next.placement_number = 1
        and placements_with_next.movement_type_code in ('TRN', 'REL')

),

stays as (

    select * from stays_recorded
    union all
    select * from stays_without_reception

),

stays_numbered as (

    select
        *,
        row_number() over (
            partition by booking_id order by placement_number
        ) as stay_number,
        lag(end_movement_type_code) over (
            partition by booking_id order by placement_number
        ) as previous_end_movement_type_code
    from stays

),

episodes_marked as (

    -- a reception, a stay without a recorded one, or the first stay after a
    -- release starts an episode
    select
        *,
        case
            when
                start_movement_type_code = 'ADM'
                or not is_start_recorded
                or previous_end_movement_type_code is null
                or previous_end_movement_type_code = 'REL'
                then 1
            else 0
        end as is_episode_start
    from stays_numbered

),

stays_in_episodes as (

    select
        booking_id,
        stay_number,
        sum(is_episode_start) over (
            partition by booking_id
            order by stay_number
            rows between unbounded preceding and current row
        ) as episode_number,
        prison_code,
        stay_start_date,
        stay_end_date,
        start_movement_type_code,
        end_movement_type_code,
        end_movement_reason_code,
        is_start_recorded,
        end_movement_type_code is null as is_open
    from episodes_marked

),

stays_keyed as (

    select
        cast(stays_in_episodes.booking_id as {{ dbt.type_string() }})
        || '-'
        || cast(stays_in_episodes.episode_number as {{ dbt.type_string() }})
        || '-' || cast(stays_in_episodes.stay_number as {{ dbt.type_string() }})
            as custody_stay_id,
        cast(stays_in_episodes.booking_id as {{ dbt.type_string() }})
        || '-'
        || cast(stays_in_episodes.episode_number as {{ dbt.type_string() }})
            as custody_episode_id,
        stays_in_episodes.booking_id,
        bookings.offender_id,
        stays_in_episodes.episode_number,
        stays_in_episodes.stay_number,
        stays_in_episodes.prison_code,
        stays_in_episodes.stay_start_date,
        stays_in_episodes.stay_end_date,
        stays_in_episodes.start_movement_type_code,
        stays_in_episodes.end_movement_type_code,
        stays_in_episodes.end_movement_reason_code,
        stays_in_episodes.is_start_recorded,
        stays_in_episodes.is_open,
        -- the resolved attributes, as in every mart (not the NOMIS record's)
        coalesce(person_attributes.sex, 'unknown') as sex,
        person_attributes.birth_date
    from stays_in_episodes
    left join bookings
        on stays_in_episodes.booking_id = bookings.booking_id
    left join person_clusters
        on
            person_clusters.system = 'nomis'
            and cast(bookings.offender_id as {{ dbt.type_string() }})
            = person_clusters.source_record_id
    left join person_attributes
        on person_clusters.person_key = person_attributes.person_key

)

select * from stays_keyed
