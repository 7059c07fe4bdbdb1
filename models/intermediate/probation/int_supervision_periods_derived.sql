{#-
    One row per Delius disposal that puts a person under supervision (as known at
    var('as_of')): its supervision type, start, expected end (the disposal's length
    and units from the sentence date), termination date and conformed reason. A
    licence starts when the person is released: the release of the person's custody
    episode received on (or within 31 days after) the sentence date, else of the
    episode the person was already in on the sentence date (remanded in custody before
    sentence, or serving another sentence).
-#}

with

disposals as (

    select * from {{ ref('int_delius__disposal_as_of') }}

),

events as (

    select * from {{ ref('int_delius__event_as_of') }}

),

reference_codes as (

    select * from {{ ref('int_delius__r_standard_reference_list_as_of') }}

),

disposal_types as (

    select * from {{ ref('disposal_type_map') }}

),

person_clusters as (

    select * from {{ ref('int_person_clusters') }}

),

custody_episodes as (

    select * from {{ ref('int_custody_episodes_derived') }}

),

delius_disposal_types as (

    select
        upper(trim(cast(source_code as {{ dbt.type_string() }})))
            as disposal_type_code,
        conformed_disposal_category
    from disposal_types
    where source_system = 'delius'

),

disposals_coded as (

    select
        disposals.disposal_id,
        disposals.event_id,
        events.offender_id,
        person_clusters.person_key,
        disposal_type.code_value as disposal_type_code,
        case
            when delius_disposal_types.conformed_disposal_category = 'custody'
                then 'licence'
            when
                delius_disposal_types.conformed_disposal_category
                = 'suspended_sentence'
                then 'suspended_sentence_order'
            when
                delius_disposal_types.conformed_disposal_category
                = 'community_order'
                then 'community_order'
            when delius_disposal_types.conformed_disposal_category is null
                then 'unmapped'
            else 'other'
        end as supervision_type,
        disposals.disposal_date as sentence_date,
        disposals.disposal_length,
        length_units.code_value as length_units_code,
        disposals.termination_date,
        termination_reason.code_value as termination_reason_code
    from disposals
    -- a disposal of an event not delivered (or soft deleted) is not supervision
    inner join events
        on disposals.event_id = events.event_id
    left join reference_codes as disposal_type
        on disposals.disposal_type_id = disposal_type.reference_id
    left join reference_codes as length_units
        on disposals.length_units_id = length_units.reference_id
    left join reference_codes as termination_reason
        on disposals.termination_reason_id = termination_reason.reference_id
    left join delius_disposal_types
        on disposal_type.code_value = delius_disposal_types.disposal_type_code
    left join person_clusters
        on
            person_clusters.system = 'delius'
            and cast(events.offender_id as {{ dbt.type_string() }})
            = person_clusters.source_record_id

),

licence_releases_ranked as (

    select
        disposals_coded.disposal_id,
        custody_episodes.release_date,
        row_number() over (
            partition by disposals_coded.disposal_id
            order by
                -- received for this sentence first; then one already running
                case
                    when
                        custody_episodes.episode_start_date
                        >= disposals_coded.sentence_date
                        then 0
                    else 1
                end,
                custody_episodes.episode_start_date,
                custody_episodes.custody_episode_id
        ) as episode_rank
    from disposals_coded
    inner join custody_episodes
        on
            disposals_coded.person_key = custody_episodes.person_key
            and {{ dbt.dateadd('day', 31, 'disposals_coded.sentence_date') }}
            >= custody_episodes.episode_start_date
            and (
                -- received on the sentence date or within 31 days after it
                disposals_coded.sentence_date
                <= custody_episodes.episode_start_date
                -- or in custody on the sentence date (remand, another
                -- sentence): released on it (time served) or later, or not yet
                or custody_episodes.release_date is null
                or disposals_coded.sentence_date
                <= custody_episodes.release_date
            )
    where disposals_coded.supervision_type = 'licence'

),

periods as (

    select
        disposals_coded.disposal_id as supervision_period_id,
        disposals_coded.event_id,
        disposals_coded.offender_id,
        disposals_coded.person_key,
        disposals_coded.disposal_type_code,
        disposals_coded.supervision_type,
        disposals_coded.sentence_date,
        case
            when disposals_coded.supervision_type = 'licence'
                then licence_releases_ranked.release_date
            else disposals_coded.sentence_date
        end as supervision_start_date,
        disposals_coded.disposal_length,
        disposals_coded.length_units_code,
        cast(
            case disposals_coded.length_units_code
                when 'D'
                    then {{ dbt.dateadd(
                        'day', 'disposals_coded.disposal_length',
                        'disposals_coded.sentence_date') }}
                when 'W'
                    then {{ dbt.dateadd(
                        'day', '7 * disposals_coded.disposal_length',
                        'disposals_coded.sentence_date') }}
                when 'M'
                    then {{ dbt.dateadd(
                        'month', 'disposals_coded.disposal_length',
                        'disposals_coded.sentence_date') }}
                when 'Y'
                    then {{ dbt.dateadd(
                        'month', '12 * disposals_coded.disposal_length',
                        'disposals_coded.sentence_date') }}
            end as date
        ) as expected_end_date,
        disposals_coded.termination_date,
        disposals_coded.termination_reason_code,
        case disposals_coded.termination_reason_code
            when 'CMP' then 'completed'
            when 'REV' then 'revoked'
            when 'BRE' then 'breach'
            when 'ETG' then 'early_termination'
            when 'TRF' then 'transferred'
            when 'DIE' then 'died'
            else
                case
                    when disposals_coded.termination_date is not null
                        then 'other'
                end
        end as termination_reason
    from disposals_coded
    left join licence_releases_ranked
        on
            disposals_coded.disposal_id = licence_releases_ranked.disposal_id
            and licence_releases_ranked.episode_rank = 1

)

select * from periods
