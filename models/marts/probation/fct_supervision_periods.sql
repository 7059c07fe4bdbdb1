{#-
    One row per supervision period: a Delius community order, suspended sentence
    order or post-release licence (see int_supervision_periods_derived and the
    supervision_period doc block).
-#}

with

periods as (

    select * from {{ ref('int_supervision_periods_derived') }}

),

attributes as (

    select * from {{ ref('int_person_attributes_resolved') }}

),

reporting_period as (

    select * from {{ ref('int_probation_reporting_period_derived') }}

),

periods_described as (

    select
        cast(periods.supervision_period_id as bigint) as supervision_period_id,
        cast(periods.person_key as {{ dbt.type_string() }}) as person_key,
        cast(periods.supervision_type as {{ dbt.type_string() }})
            as supervision_type,
        cast(periods.disposal_type_code as {{ dbt.type_string() }})
            as disposal_type_code,
        cast(periods.sentence_date as date) as sentence_date,
        cast(periods.supervision_start_date as date) as supervision_start_date,
        cast(periods.disposal_length as integer) as sentence_length,
        cast(periods.length_units_code as {{ dbt.type_string() }})
            as sentence_length_units,
        cast(periods.expected_end_date as date) as expected_end_date,
        cast(periods.termination_date as date) as termination_date,
        cast(periods.termination_reason as {{ dbt.type_string() }})
            as termination_reason,
        periods.supervision_start_date is not null
        and periods.supervision_start_date <= reporting_period.reporting_date
        and periods.termination_date is null as is_active,
        cast(
            {{ dbt.datediff(
                'periods.supervision_start_date',
                'coalesce(periods.termination_date, reporting_period.reporting_date)',
                'day',
            ) }} as integer
        ) as days_supervised,
        {{ justice.person_attribute_columns(
            'attributes', age_at='periods.supervision_start_date'
        ) }}
    from periods
    cross join reporting_period
    left join attributes
        on periods.person_key = attributes.person_key

)

select * from periods_described
