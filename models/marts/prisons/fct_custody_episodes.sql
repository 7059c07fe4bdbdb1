{#-
    One row per custody episode: reception to release, across transfers (see
    int_custody_episodes_derived and the custody_episode doc block).
-#}

with

episodes as (

    select * from {{ ref('int_custody_episodes_derived') }}

),

reporting_period as (

    select * from {{ ref('int_prison_reporting_period_derived') }}

),

episodes_described as (

    select
        cast(episodes.custody_episode_id as {{ dbt.type_string() }})
            as custody_episode_id,
        cast(episodes.person_key as {{ dbt.type_string() }}) as person_key,
        cast(episodes.reception_prison_code as {{ dbt.type_string() }})
            as reception_prison_code,
        cast(episodes.last_prison_code as {{ dbt.type_string() }})
            as last_prison_code,
        cast(episodes.episode_start_date as date) as episode_start_date,
        cast(episodes.release_date as date) as release_date,
        cast(episodes.release_reason_code as {{ dbt.type_string() }})
            as release_reason_code,
        episodes.is_reception_recorded,
        episodes.is_in_custody,
        cast(episodes.stay_count as integer) as stay_count,
        cast(episodes.transfer_count as integer) as transfer_count,
        cast(
            {{ dbt.datediff(
                'episodes.episode_start_date',
                'coalesce(episodes.release_date, reporting_period.reporting_date)',
                'day',
            ) }} as integer
        ) as days_in_custody,
        cast(episodes.sex as {{ dbt.type_string() }}) as sex,
        cast(extract(year from episodes.birth_date) as integer) as birth_year,
        cast(
            {{ justice.age_band(
                'episodes.birth_date', 'episodes.episode_start_date') }}
            as {{ dbt.type_string() }}
        ) as age_band_at_reception
    from episodes
    cross join reporting_period

)

select * from episodes_described
