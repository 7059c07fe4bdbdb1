with source as (

    select * from {{ source('delius', 'event') }}
    {{ justice.partitions_to_load('delius', 'event') }}

),

deduplicated as (

    select distinct * from source

),

renamed as (

    select
        -- cdc
        {{ justice.cdc_columns() }},

        -- ids
        event_id,
        offender_id,
        {{ justice.clean_text('event_number') }} as event_number,

        -- booleans
        {{ justice.flag_to_boolean('active_flag') }} as is_active,
        {{ justice.flag_to_boolean('soft_deleted') }} as is_soft_deleted,

        -- dates
        cast(referral_date as date) as referral_date,

        -- validation only (raw_ columns are not staged)
        active_flag as raw_active_flag,
        soft_deleted as raw_soft_deleted

    from deduplicated

),

-- on an incremental run, with the stored rows of the keys the new rows touch
changes as (

    {{ justice.with_stored_rows_of_touched_keys('renamed', ['event_id']) }}

),

validated as (

    select
        *,
        {{ justice.source_key(['event_id']) }} as source_key,
        {{ justice.quarantine_reason([
            ('event_id is null', 'null key: event_id'),
            ('referral_date is null', 'missing required date: referral_date'),
            (justice.is_unrecognised_flag('is_active', 'raw_active_flag'),
                'unrecognised flag: active_flag'),
            (justice.is_unrecognised_flag('is_soft_deleted', 'raw_soft_deleted'),
                'unrecognised flag: soft_deleted'),
            justice.conflicting_change_rule(['event_id']),
        ]) }} as quarantine_reason
    from changes

)

select * from validated
