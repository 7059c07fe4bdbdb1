{#-
    One row per defendant-offence with an outcome (a verdict): the offence category
    and, when sentenced, the conformed disposal category and custodial days.
-#}

with

outcomes as (

    select * from {{ ref('int_court_disposals_conformed') }}

),

outcomes_described as (

    select
        cast(offence_id as {{ dbt.type_string() }}) as offence_id,
        cast(person_key as {{ dbt.type_string() }}) as person_key,
        cast(case_id as {{ dbt.type_string() }}) as case_id,
        cast(offence_code as {{ dbt.type_string() }}) as offence_code,
        cast(offence_category as {{ dbt.type_string() }}) as offence_category,
        cast(offence_date as date) as offence_date,
        cast(plea_code as {{ dbt.type_string() }}) as plea_code,
        cast(verdict_code as {{ dbt.type_string() }}) as verdict_code,
        is_convicted,
        cast(disposal_code as {{ dbt.type_string() }}) as disposal_code,
        cast(conformed_disposal_category as {{ dbt.type_string() }})
            as conformed_disposal_category,
        is_custodial,
        cast(sentence_date as date) as sentence_date,
        cast(custodial_days as integer) as custodial_days
    from outcomes

)

select * from outcomes_described
