{#-
    One row per person (person_key): the sex and date of birth every mart uses for
    the person, resolved by one rule from all of the person's source records: the
    value most of the records with a known value give (ties to the smaller value).
    A record's sex is conformed first (male, female, unknown); 'unknown' and missing
    dates of birth do not vote.
-#}

with

clusters as (

    select * from {{ ref('int_person_clusters') }}

),

records as (

    select * from {{ ref('int_person_records') }}

),

records_keyed as (

    select
        clusters.person_key,
        {{ justice.conformed_sex('records.sex') }} as sex,
        records.birth_date
    from clusters
    inner join records
        on clusters.record_id = records.record_id

),

people as (

    select distinct person_key
    from records_keyed

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

attributes_resolved as (

    select
        people.person_key,
        coalesce(sex_votes.sex, 'unknown') as sex,
        birth_date_votes.birth_date,
        cast(extract(year from birth_date_votes.birth_date) as integer)
            as birth_year
    from people
    left join sex_votes
        on
            people.person_key = sex_votes.person_key
            and sex_votes.vote_rank = 1
    left join birth_date_votes
        on
            people.person_key = birth_date_votes.person_key
            and birth_date_votes.vote_rank = 1

)

select * from attributes_resolved
