{#-
    One row per month end × supervision type × sex × age band with anyone under
    supervision: the people whose supervision period covers the month-end date
    (see the probation_caseload doc block).
-#}

with

periods as (

    select * from {{ ref('fct_supervision_periods') }}

),

attributes as (

    select * from {{ ref('int_person_attributes_resolved') }}

),

month_ends as (

    select * from {{ ref('int_probation_month_ends_derived') }}

),

periods_at_month_end as (

    -- half-open periods: under supervision on d when start <= d < termination
    select
        month_ends.month_end_date,
        periods.supervision_type,
        periods.sex,
        {{ justice.age_band(
            'attributes.birth_date', 'month_ends.month_end_date') }} as age_band,
        coalesce(
            periods.person_key, 'period:' || cast(
                periods.supervision_period_id as {{ dbt.type_string() }}
            )
        ) as person_counted
    from month_ends
    inner join periods
        on
            month_ends.month_end_date >= periods.supervision_start_date
            and month_ends.month_end_date
            < coalesce(periods.termination_date, {{ justice.open_end_date() }})
    left join attributes
        on periods.person_key = attributes.person_key

),

caseload as (

    select
        cast(month_end_date as date) as month_end_date,
        cast(supervision_type as {{ dbt.type_string() }}) as supervision_type,
        cast(sex as {{ dbt.type_string() }}) as sex,
        cast(age_band as {{ dbt.type_string() }}) as age_band,
        cast(count(distinct person_counted) as integer)
            as people_under_supervision,
        cast(count(*) as integer) as supervision_period_count
    from periods_at_month_end
    group by month_end_date, supervision_type, sex, age_band

)

select * from caseload
