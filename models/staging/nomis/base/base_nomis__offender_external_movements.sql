with source as (

    select * from {{ source('nomis', 'offender_external_movements') }}
    {{ justice.partitions_to_load('nomis', 'offender_external_movements') }}

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
        movement_seq as movement_sequence,
        {{ justice.clean_code('from_agy_loc_id') }} as from_location_code,
        {{ justice.clean_code('to_agy_loc_id') }} as to_location_code,

        -- codes
        {{ justice.clean_code('movement_type') }} as movement_type_code,
        {{ justice.clean_code('movement_reason_code') }}
            as movement_reason_code,
        {{ justice.clean_code('direction_code') }} as direction_code,

        -- dates
        cast(movement_date as date) as movement_date,

        -- timestamps
        cast(movement_time as {{ justice.type_timestamp() }}) as movement_at

    from deduplicated

),

-- on an incremental run, with the stored rows of the keys the new rows touch
changes as (

    {{ justice.with_stored_rows_of_touched_keys(
        'renamed', ['booking_id', 'movement_sequence']
    ) }}

),

validated as (

    select
        *,
        {{ justice.source_key(['booking_id', 'movement_sequence']) }}
            as source_key,
        {{ justice.quarantine_reason([
            ('booking_id is null', 'null key: offender_book_id'),
            ('movement_sequence is null', 'null key: movement_seq'),
            ('movement_date is null', 'missing required date: movement_date'),
            justice.conflicting_change_rule(['booking_id', 'movement_sequence']),
        ]) }} as quarantine_reason
    from changes

)

select * from validated
