{#-
    One row per cohort quarter × person: the person's index event (their first
    release from custody or non-custodial court sentence in the quarter), whether
    they committed a proven reoffence, how many, and how soon (see the
    proven_reoffending doc block).
-#}
{%- set age_on_index_date = justice.age_in_years(
    'attributes.birth_date', 'cohort.index_date') -%}

with

index_events as (

    select * from {{ ref('int_reoffending_index_events') }}

),

convictions as (

    select * from {{ ref('int_court_convictions_dated') }}

),

attributes as (

    select * from {{ ref('int_person_attributes_resolved') }}

),

reporting_period as (

    select * from {{ ref('int_reoffending_reporting_period_derived') }}

),

index_events_quartered as (

    select
        person_key,
        index_type,
        index_event_id,
        index_date,
        cast({{ dbt.date_trunc('quarter', 'index_date') }} as date)
            as cohort_quarter_start_date
    from index_events
    where person_key is not null

),

index_events_ranked as (

    select
        person_key,
        index_type,
        index_event_id,
        index_date,
        cohort_quarter_start_date,
        cast(
            {{ dbt.dateadd(
                'day', -1,
                dbt.dateadd('month', 3, 'cohort_quarter_start_date')) }}
            as date
        ) as cohort_quarter_end_date,
        row_number() over (
            partition by person_key, cohort_quarter_start_date
            order by index_date, index_type, index_event_id
        ) as index_rank
    from index_events_quartered

),

cohort as (

    -- complete quarters only; each person's first index event in the quarter
    select
        index_events_ranked.person_key,
        index_events_ranked.index_type,
        index_events_ranked.index_date,
        index_events_ranked.cohort_quarter_start_date,
        index_events_ranked.cohort_quarter_end_date,
        cast(
            {{ dbt.dateadd('day', 365, 'index_events_ranked.index_date') }}
            as date
        ) as follow_up_end_date,
        cast(
            {{ dbt.dateadd('month', 18, 'index_events_ranked.index_date') }}
            as date
        ) as conviction_deadline_date,
        cast(
            {{ dbt.dateadd(
                'month', 18, 'index_events_ranked.cohort_quarter_end_date') }}
            as date
        ) > reporting_period.reporting_date as is_provisional
    from index_events_ranked
    cross join reporting_period
    where
        index_events_ranked.index_rank = 1
        and index_events_ranked.cohort_quarter_end_date
        <= reporting_period.reporting_date

),

proven_reoffences as (

    -- committed after the index date and within 365 days of it, convicted
    -- within 18 months of it; breaches of orders or licences are not offences
    select
        cohort.person_key,
        cohort.cohort_quarter_start_date,
        convictions.offence_id,
        convictions.offence_date
    from cohort
    inner join convictions
        on
            cohort.person_key = convictions.person_key
            and cohort.index_date < convictions.offence_date
            and cohort.follow_up_end_date >= convictions.offence_date
            and cohort.conviction_deadline_date >= convictions.conviction_date
    where not convictions.is_breach

),

reoffences_aggregated as (

    select
        person_key,
        cohort_quarter_start_date,
        count(*) as proven_reoffence_count,
        min(offence_date) as first_reoffence_date
    from proven_reoffences
    group by person_key, cohort_quarter_start_date

),

cohort_measured as (

    select
        cast(
            cast(
                extract(year from cohort.cohort_quarter_start_date)
                as {{ dbt.type_string() }}
            )
            || '-Q'
            || cast(
                extract(quarter from cohort.cohort_quarter_start_date)
                as {{ dbt.type_string() }}
            ) as {{ dbt.type_string() }}
        ) as cohort_quarter,
        cast(cohort.cohort_quarter_start_date as date)
            as cohort_quarter_start_date,
        cast(cohort.cohort_quarter_end_date as date) as cohort_quarter_end_date,
        cast(cohort.person_key as {{ dbt.type_string() }}) as person_key,
        cast(cohort.index_type as {{ dbt.type_string() }}) as index_type,
        cast(cohort.index_date as date) as index_date,
        cast(
            case
                when {{ age_on_index_date }} >= 18 then 'adult'
                when {{ age_on_index_date }} >= 10 then 'juvenile'
                else 'unknown'
            end as {{ dbt.type_string() }}
        ) as age_group,
        {{ justice.person_attribute_columns('attributes') }},
        reoffences_aggregated.person_key is not null as is_reoffender,
        cast(
            coalesce(reoffences_aggregated.proven_reoffence_count, 0) as integer
        ) as proven_reoffence_count,
        cast(reoffences_aggregated.first_reoffence_date as date)
            as first_reoffence_date,
        cast(
            {{ dbt.datediff(
                'cohort.index_date',
                'reoffences_aggregated.first_reoffence_date',
                'day',
            ) }} as integer
        ) as days_to_first_reoffence,
        cast(cohort.follow_up_end_date as date) as follow_up_end_date,
        cast(cohort.conviction_deadline_date as date)
            as conviction_deadline_date,
        cohort.is_provisional
    from cohort
    left join reoffences_aggregated
        on
            cohort.person_key = reoffences_aggregated.person_key
            and cohort.cohort_quarter_start_date
            = reoffences_aggregated.cohort_quarter_start_date
    left join attributes
        on cohort.person_key = attributes.person_key

)

select * from cohort_measured
