{#-
    One row per NOMIS incident (not deleted, as known at var('as_of')), with its
    parties counted by role. Violence means an assault or a fight; self-harm,
    disorder and drugs incidents are incidents, not violence.
-#}

with

incidents as (

    select * from {{ ref('int_nomis__incident_cases_as_of') }}

),

parties as (

    select * from {{ ref('int_nomis__incident_case_parties_as_of') }}

),

parties_counted as (

    select
        incident_id,
        count(*) as party_count,
        sum(
            case when participation_role_code = 'PERP' then 1 else 0 end
        ) as perpetrator_count,
        sum(
            case when participation_role_code = 'VICT' then 1 else 0 end
        ) as victim_count,
        sum(
            case when participation_role_code = 'WIT' then 1 else 0 end
        ) as witness_count
    from parties
    group by incident_id

),

incidents_summarised as (

    select
        incidents.incident_id,
        incidents.location_code as prison_code,
        incidents.incident_type_code,
        incidents.incident_type_code in ('ASSAULT', 'FIGHT') as is_violent,
        incidents.incident_date,
        coalesce(parties_counted.party_count, 0) as party_count,
        coalesce(parties_counted.perpetrator_count, 0) as perpetrator_count,
        coalesce(parties_counted.victim_count, 0) as victim_count,
        coalesce(parties_counted.witness_count, 0) as witness_count
    from incidents
    left join parties_counted
        on incidents.incident_id = parties_counted.incident_id

)

select * from incidents_summarised
