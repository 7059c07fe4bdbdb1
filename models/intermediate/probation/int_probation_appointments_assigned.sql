{#-
    One row per Delius contact (not soft deleted, as known at var('as_of')), with
    its contact type and the supervision period it belongs to: Delius records a
    contact against the offender, not the disposal, so it is the offender's period
    whose [start, termination) covers the contact date (the latest started when
    several do).
-#}

with

contacts as (

    select * from {{ ref('int_delius__contact_as_of') }}

),

reference_codes as (

    select * from {{ ref('int_delius__r_standard_reference_list_as_of') }}

),

periods as (

    select * from {{ ref('int_supervision_periods_derived') }}

),

person_clusters as (

    select * from {{ ref('int_person_clusters') }}

),

periods_covering as (

    select
        contacts.contact_id,
        periods.supervision_period_id,
        row_number() over (
            partition by contacts.contact_id
            order by
                periods.supervision_start_date desc,
                periods.supervision_period_id desc
        ) as period_rank
    from contacts
    inner join periods
        on
            contacts.offender_id = periods.offender_id
            and contacts.contact_date >= periods.supervision_start_date
            and (
                periods.termination_date is null
                or contacts.contact_date < periods.termination_date
            )

),

appointments as (

    select
        contacts.contact_id as appointment_id,
        contacts.offender_id,
        person_clusters.person_key,
        periods_covering.supervision_period_id,
        contacts.contact_date as appointment_date,
        contact_type.code_value as contact_type_code,
        contact_type.code_description as contact_type_description,
        contacts.has_attended,
        contacts.has_complied
    from contacts
    left join reference_codes as contact_type
        on contacts.contact_type_id = contact_type.reference_id
    left join periods_covering
        on
            contacts.contact_id = periods_covering.contact_id
            and periods_covering.period_rank = 1
    left join person_clusters
        on
            person_clusters.system = 'delius'
            and cast(contacts.offender_id as {{ dbt.type_string() }})
            = person_clusters.source_record_id

)

select * from appointments
