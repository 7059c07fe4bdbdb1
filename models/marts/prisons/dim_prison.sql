{#-
    One row per prison (a NOMIS institution): the establishments of the reference
    seed, named as NOMIS names them now (a renamed prison takes its new name), and any
    institution NOMIS holds that the seed lacks.
-#}

with

establishments as (

    select * from {{ ref('prison_establishments') }}

),

agency_locations as (

    select * from {{ ref('int_nomis__agency_locations_as_of') }}

),

nomis_prisons as (

    select
        location_code,
        location_name,
        is_active
    from agency_locations
    where location_type_code = 'INST'

),

prisons as (

    select
        cast(
            coalesce(establishments.agy_loc_id, nomis_prisons.location_code)
            as {{ dbt.type_string() }}
        ) as prison_code,
        -- the seed's name unless NOMIS has renamed the prison (its names
        -- vary in case, and that is not a rename)
        cast(
            case
                when
                    upper(nomis_prisons.location_name)
                    = upper(establishments.prison_name)
                    then establishments.prison_name
                else
                    coalesce(
                        nomis_prisons.location_name, establishments.prison_name
                    )
            end as {{ dbt.type_string() }}
        ) as prison_name,
        cast(
            coalesce(
                establishments.region, 'unknown'
            ) as {{ dbt.type_string() }}
        ) as region,
        cast(
            coalesce(establishments.sex_estate, 'unknown')
            as {{ dbt.type_string() }}
        ) as sex_estate,
        cast(establishments.operational_capacity as integer)
            as operational_capacity,
        coalesce(nomis_prisons.is_active, true) as is_active,
        establishments.agy_loc_id is not null as is_in_reference_data
    from establishments
    full outer join nomis_prisons
        on establishments.agy_loc_id = nomis_prisons.location_code

)

select * from prisons
