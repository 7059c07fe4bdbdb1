{#-
    One row per event that can put a person in a proven-reoffending cohort (as known
    at var('as_of')): a release from custody (index date = release date) or a
    non-custodial court sentence (index date = sentence date; a case whose offences
    were sentenced without any custodial days). Cautions are recorded by none of the
    four systems, so they never appear.
-#}

with

custody_episodes as (

    select * from {{ ref('int_custody_episodes_derived') }}

),

court_outcomes as (

    select * from {{ ref('int_court_disposals_conformed') }}

),

court_sentences as (

    select
        case_id,
        person_key,
        min(sentence_date) as sentence_date,
        max(
            case
                when custodial_days is not null or is_custodial then 1 else 0
            end
        ) as is_custodial_sentence
    from court_outcomes
    where sentence_date is not null
    group by case_id, person_key

),

index_events as (

    select
        'custody_release' as index_type,
        custody_episode_id as index_event_id,
        person_key,
        release_date as index_date
    from custody_episodes
    where release_date is not null

    union all

    select
        'non_custodial_sentence' as index_type,
        case_id as index_event_id,
        person_key,
        sentence_date as index_date
    from court_sentences
    where is_custodial_sentence = 0

)

select * from index_events
