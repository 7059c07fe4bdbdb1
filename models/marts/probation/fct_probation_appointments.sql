{#-
    One row per probation appointment (a Delius contact): the supervision period it
    belongs to, whether the person attended and complied, and what an unrecorded
    outcome means (see the appointment_outcome doc block).
-#}

with

appointments as (

    select * from {{ ref('int_probation_appointments_assigned') }}

),

reporting_period as (

    select * from {{ ref('int_probation_reporting_period_derived') }}

),

appointments_described as (

    select
        cast(appointments.appointment_id as bigint) as appointment_id,
        cast(appointments.person_key as {{ dbt.type_string() }}) as person_key,
        cast(appointments.supervision_period_id as bigint)
            as supervision_period_id,
        cast(appointments.appointment_date as date) as appointment_date,
        cast(appointments.contact_type_code as {{ dbt.type_string() }})
            as contact_type_code,
        cast(appointments.contact_type_description as {{ dbt.type_string() }})
            as contact_type_description,
        appointments.has_attended,
        appointments.has_complied,
        cast(
            case
                when
                    appointments.appointment_date
                    > reporting_period.reporting_date
                    then 'scheduled'
                when appointments.has_attended is null
                    then 'outcome_not_recorded'
                when not appointments.has_attended then 'failed_to_attend'
                when appointments.has_complied then 'complied'
                when not appointments.has_complied then 'failed_to_comply'
                else 'attended_compliance_not_recorded'
            end as {{ dbt.type_string() }}
        ) as appointment_outcome,
        appointments.has_attended is not null as is_outcome_recorded
    from appointments
    cross join reporting_period

)

select * from appointments_described
