{#-
    One row per incident recorded in a prison (not deleted), with its parties counted.
-#}

with

incidents as (

    select * from {{ ref('int_prison_incidents_summarised') }}

),

incidents_typed as (

    select
        cast(incident_id as bigint) as incident_id,
        cast(prison_code as {{ dbt.type_string() }}) as prison_code,
        cast(incident_date as date) as incident_date,
        cast(incident_type_code as {{ dbt.type_string() }})
            as incident_type_code,
        is_violent,
        cast(party_count as integer) as party_count,
        cast(perpetrator_count as integer) as perpetrator_count,
        cast(victim_count as integer) as victim_count,
        cast(witness_count as integer) as witness_count
    from incidents

)

select * from incidents_typed
