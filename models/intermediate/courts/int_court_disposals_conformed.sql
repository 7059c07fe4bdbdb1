{#-
    One row per charged offence that has an outcome (a verdict), with its offence
    category (seed offence_codes) and, when sentenced, its disposal conformed to the
    one category list shared by every system (seed disposal_type_map). Codes missing
    from the seeds get the category 'unmapped', never silently dropped.
-#}

with

offences as (

    select * from {{ ref('int_court_offences_unnested') }}

),

offence_codes as (

    select * from {{ ref('offence_codes') }}

),

cases as (

    select * from {{ ref('int_common_platform__cases_as_of') }}

),

person_clusters as (

    select * from {{ ref('int_person_clusters') }}

),

disposal_types as (

    select * from {{ ref('disposal_type_map') }}

),

court_disposal_types as (

    select
        upper(trim(cast(source_code as {{ dbt.type_string() }})))
            as disposal_code,
        conformed_disposal_category,
        is_custodial
    from disposal_types
    where source_system = 'common_platform'

),

outcomes as (

    select
        offences.offence_id,
        offences.defendant_id,
        person_clusters.person_key,
        offences.case_id,
        offences.offence_code,
        coalesce(offence_codes.offence_category, 'unmapped')
            as offence_category,
        offences.offence_date,
        offences.plea_code,
        offences.verdict_code,
        offences.verdict_code = 'GUILTY' as is_convicted,
        offences.disposal_code,
        case
            when offences.disposal_code is null then null
            else
                coalesce(
                    court_disposal_types.conformed_disposal_category, 'unmapped'
                )
        end as conformed_disposal_category,
        court_disposal_types.is_custodial,
        offences.sentence_date,
        offences.custodial_days
    from offences
    left join offence_codes
        on offences.offence_code = offence_codes.offence_code
    left join court_disposal_types
        on offences.disposal_code = court_disposal_types.disposal_code
    -- an offence of a case not delivered yet waits for the case
    inner join cases
        on offences.case_id = cases.case_id
    left join person_clusters
        on
            person_clusters.system = 'common_platform'
            and offences.defendant_id = person_clusters.source_record_id
    where offences.verdict_code is not null

)

select * from outcomes
