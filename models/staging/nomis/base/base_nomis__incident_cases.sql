with source as (

    select * from {{ source('nomis', 'incident_cases') }}
    {{ justice.partitions_to_load('nomis', 'incident_cases') }}

),

deduplicated as (

    select distinct * from source

),

renamed as (

    select
        -- cdc
        {{ justice.cdc_columns() }},

        -- ids
        incident_case_id as incident_id,
        {{ justice.clean_code('agy_loc_id') }} as location_code,
        reported_staff_id,

        -- codes
        {{ justice.clean_code('incident_type') }} as incident_type_code,

        -- dates
        cast(incident_date as date) as incident_date,

        -- timestamps
        cast(incident_time as {{ justice.type_timestamp() }}) as incident_at

    from deduplicated

),

-- on an incremental run, with the stored rows of the keys the new rows touch
changes as (

    {{ justice.with_stored_rows_of_touched_keys('renamed', ['incident_id']) }}

),

validated as (

    select
        *,
        {{ justice.source_key(['incident_id']) }} as source_key,
        {{ justice.quarantine_reason([
            ('incident_id is null', 'null key: incident_case_id'),
            ('incident_date is null', 'missing required date: incident_date'),
            justice.conflicting_change_rule(['incident_id']),
        ]) }} as quarantine_reason
    from changes

)

select * from validated
