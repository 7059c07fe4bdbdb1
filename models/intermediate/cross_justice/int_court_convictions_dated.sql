{#-
    One row per offence a court has convicted the person of (as known at
    var('as_of')): when it was committed, when it was proven (the conviction date:
    the case's last effective or cracked first, plea or trial hearing, where the
    guilty plea was entered or the verdict given), its category, and whether it is
    a breach of an order or licence rather than a new offence.
-#}

with

offences as (

    select * from {{ ref('int_court_offences_unnested') }}

),

hearings as (

    select * from {{ ref('int_common_platform__hearings_as_of') }}

),

cases as (

    select * from {{ ref('int_common_platform__cases_as_of') }}

),

offence_codes as (

    select * from {{ ref('offence_codes') }}

),

person_clusters as (

    select * from {{ ref('int_person_clusters') }}

),

case_convictions as (

    select
        case_id,
        max(hearing_date) as conviction_date
    from hearings
    where
        hearing_type_code in ('FIRST', 'PLEA', 'TRIAL')
        and hearing_outcome_code in ('EFFECTIVE', 'CRACKED')
    group by case_id

),

convictions as (

    select
        offences.offence_id,
        offences.defendant_id,
        offences.case_id,
        person_clusters.person_key,
        offences.offence_code,
        coalesce(offence_codes.offence_category, 'unmapped')
            as offence_category,
        coalesce(
            offence_codes.offence_category = 'breach of court order or licence',
            false
        ) as is_breach,
        offences.offence_date,
        case_convictions.conviction_date
    from offences
    -- an offence of a case not delivered yet waits for the case
    inner join cases
        on offences.case_id = cases.case_id
    inner join case_convictions
        on offences.case_id = case_convictions.case_id
    left join offence_codes
        on offences.offence_code = offence_codes.offence_code
    left join person_clusters
        on
            person_clusters.system = 'common_platform'
            and offences.defendant_id = person_clusters.source_record_id
    where
        offences.verdict_code = 'GUILTY'
        or (offences.verdict_code is null and offences.plea_code = 'GUILTY')

)

select * from convictions
