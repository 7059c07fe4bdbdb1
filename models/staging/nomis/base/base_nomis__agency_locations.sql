with source as (

    select * from {{ source('nomis', 'agency_locations') }}
    {{ justice.partitions_to_load('nomis', 'agency_locations') }}

),

deduplicated as (

    select distinct * from source

),

renamed as (

    select
        -- cdc
        {{ justice.cdc_columns() }},

        -- ids
        {{ justice.clean_code('agy_loc_id') }} as location_code,

        -- text
        {{ justice.clean_text('description') }} as location_name,

        -- codes
        {{ justice.clean_code('agency_location_type') }} as location_type_code,

        -- booleans
        {{ justice.flag_to_boolean('active_flag') }} as is_active,

        -- validation only (raw_ columns are not staged)
        active_flag as raw_active_flag

    from deduplicated

),

-- on an incremental run, with the stored rows of the keys the new rows touch
changes as (

    {{ justice.with_stored_rows_of_touched_keys('renamed', ['location_code']) }}

),

validated as (

    select
        *,
        {{ justice.source_key(['location_code']) }} as source_key,
        {{ justice.quarantine_reason([
            ('location_code is null', 'null key: agy_loc_id'),
            (justice.is_unrecognised_flag('is_active', 'raw_active_flag'),
                'unrecognised flag: active_flag'),
            justice.conflicting_change_rule(['location_code']),
        ]) }} as quarantine_reason
    from changes

)

select * from validated
