{#-
    One row per criminal court case, with its timeliness: days from receipt to first
    hearing to completion (see the court_case_timeliness doc block).
-#}

with

cases as (

    select * from {{ ref('int_court_cases_timed') }}

),

cases_measured as (

    select
        cast(case_id as {{ dbt.type_string() }}) as case_id,
        cast(court_code as {{ dbt.type_string() }}) as court_code,
        cast(jurisdiction_code as {{ dbt.type_string() }}) as jurisdiction_code,
        cast(case_status_code as {{ dbt.type_string() }}) as case_status_code,
        cast(received_date as date) as received_date,
        cast(first_hearing_date as date) as first_hearing_date,
        cast(completion_date as date) as completion_date,
        cast(completion_type as {{ dbt.type_string() }}) as completion_type,
        completion_date is not null as is_completed,
        cast(
            {{ dbt.datediff('received_date', 'first_hearing_date', 'day') }}
            as integer
        ) as days_receipt_to_first_hearing,
        cast(
            {{ dbt.datediff('first_hearing_date', 'completion_date', 'day') }}
            as integer
        ) as days_first_hearing_to_completion,
        cast(
            {{ dbt.datediff('received_date', 'completion_date', 'day') }}
            as integer
        ) as days_receipt_to_completion,
        cast(hearing_count as integer) as hearing_count,
        cast(defendant_count as integer) as defendant_count,
        cast(offence_count as integer) as offence_count,
        cast(convicted_offence_count as integer) as convicted_offence_count
    from cases

)

select * from cases_measured
