{#-
    One row per court hearing (listed hearings included; hearings deleted as
    entered in error are not), with its outcome: effective, cracked, ineffective or
    vacated.
-#}

with

hearings as (

    select * from {{ ref('int_common_platform__hearings_as_of') }}

),

cases as (

    select * from {{ ref('int_common_platform__cases_as_of') }}

),

hearings_of_known_cases as (

    -- a hearing can arrive before its case (the case's insert delivered
    -- late): it waits until the case is known, so every hearing has its case
    select hearings.*
    from hearings
    inner join cases
        on hearings.case_id = cases.case_id

),

hearings_described as (

    select
        cast(hearing_id as {{ dbt.type_string() }}) as hearing_id,
        cast(case_id as {{ dbt.type_string() }}) as case_id,
        cast(court_code as {{ dbt.type_string() }}) as court_code,
        cast(hearing_date as date) as hearing_date,
        cast(hearing_type_code as {{ dbt.type_string() }}) as hearing_type_code,
        cast(hearing_outcome_code as {{ dbt.type_string() }})
            as hearing_outcome_code,
        hearing_outcome_code is not null as is_outcome_recorded,
        coalesce(hearing_outcome_code = 'EFFECTIVE', false) as is_effective,
        coalesce(hearing_outcome_code = 'CRACKED', false) as is_cracked,
        coalesce(hearing_outcome_code = 'INEFFECTIVE', false) as is_ineffective,
        coalesce(hearing_outcome_code = 'VACATED', false) as is_vacated
    from hearings_of_known_cases

)

select * from hearings_described
