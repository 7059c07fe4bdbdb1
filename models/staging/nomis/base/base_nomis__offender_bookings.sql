with source as (

    select * from {{ source('nomis', 'offender_bookings') }}
    {{ justice.partitions_to_load('nomis', 'offender_bookings') }}

),

deduplicated as (

    select distinct * from source

),

renamed as (

    select
        -- cdc
        {{ justice.cdc_columns() }},

        -- ids
        offender_book_id as booking_id,
        offender_id,
        {{ justice.clean_code('agy_loc_id') }} as location_code,

        -- codes
        {{ justice.clean_code('in_out_status') }} as in_out_status,

        -- booleans
        {{ justice.flag_to_boolean('active_flag') }} as is_active,

        -- dates
        cast(booking_begin_date as date) as booking_start_date,
        cast(booking_end_date as date) as booking_end_date,

        -- validation only (raw_ columns are not staged)
        active_flag as raw_active_flag

    from deduplicated

),

-- on an incremental run, with the stored rows of the keys the new rows touch
changes as (

    {{ justice.with_stored_rows_of_touched_keys('renamed', ['booking_id']) }}

),

validated as (

    select
        *,
        {{ justice.source_key(['booking_id']) }} as source_key,
        {{ justice.quarantine_reason([
            ('booking_id is null', 'null key: offender_book_id'),
            ('booking_start_date is null',
                'missing required date: booking_begin_date'),
            (justice.is_unrecognised_flag('is_active', 'raw_active_flag'),
                'unrecognised flag: active_flag'),
            justice.conflicting_change_rule(['booking_id']),
        ]) }} as quarantine_reason
    from changes

)

select * from validated
