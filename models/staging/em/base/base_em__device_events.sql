with source as (

    select * from {{ source('em', 'device_events') }}
    {{ justice.partitions_to_load('em', 'device_events') }}

),

deduplicated as (

    select distinct * from source

),

renamed as (

    select
        -- cdc
        {{ justice.cdc_columns() }},

        -- ids
        {{ justice.clean_identifier('event_id') }} as device_event_id,
        {{ justice.clean_identifier('order_id') }} as order_id,

        -- codes
        {{ justice.clean_code('event_type') }} as event_type_code,
        {{ justice.clean_code('severity') }} as severity_code,

        -- timestamps
        {{ justice.parse_timestamp(
            'event_datetime', ['dmy_slash_hms', 'iso_hms']
        ) }} as event_at,

        -- validation only (raw_ columns are not staged)
        event_datetime as raw_event_datetime

    from deduplicated

),

-- on an incremental run, with the stored rows of the keys the new rows touch
changes as (

    {{ justice.with_stored_rows_of_touched_keys(
        'renamed', ['device_event_id']
    ) }}

),

validated as (

    select
        *,
        {{ justice.source_key(['device_event_id']) }} as source_key,
        {{ justice.quarantine_reason([
            ('device_event_id is null', 'null key: event_id'),
            (justice.is_unreadable('event_at', 'raw_event_datetime'),
                'unreadable timestamp: event_datetime'),
            ('event_at is null', 'missing required timestamp: event_datetime'),
            justice.conflicting_change_rule(['device_event_id']),
        ]) }} as quarantine_reason
    from changes

)

select * from validated
