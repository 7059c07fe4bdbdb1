{#-
    One row per criminal court (Common Platform court code), from the reference
    seed.
-#}

with

courts as (

    select * from {{ ref('courts') }}

),

courts_described as (

    select
        cast(court_code as {{ dbt.type_string() }}) as court_code,
        cast(court_name as {{ dbt.type_string() }}) as court_name,
        cast(court_type as {{ dbt.type_string() }}) as court_type,
        cast(region as {{ dbt.type_string() }}) as region,
        cast(nomis_agy_loc_id as {{ dbt.type_string() }}) as nomis_location_code
    from courts

)

select * from courts_described
