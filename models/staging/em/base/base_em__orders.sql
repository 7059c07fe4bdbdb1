with source as (

    select * from {{ source('em', 'orders') }}
    {{ justice.partitions_to_load('em', 'orders') }}

),

deduplicated as (

    select distinct * from source

),

renamed as (

    select
        -- cdc
        {{ justice.cdc_columns() }},

        -- ids
        {{ justice.clean_identifier('order_id') }} as order_id,
        {{ justice.clean_identifier('subject_id') }} as subject_id,

        -- codes
        {{ justice.clean_code('order_type') }} as order_type_code,

        -- text
        {{ justice.clean_text('responsible_organisation') }}
            as responsible_organisation,

        -- dates
        {{ justice.parse_date('order_start_date', ['dmy_slash', 'iso']) }}
            as order_start_date,
        {{ justice.parse_date('order_end_date', ['dmy_slash', 'iso']) }}
            as order_end_date,

        -- validation only (raw_ columns are not staged)
        order_start_date as raw_order_start_date,
        order_end_date as raw_order_end_date

    from deduplicated

),

-- on an incremental run, with the stored rows of the keys the new rows touch
changes as (

    {{ justice.with_stored_rows_of_touched_keys('renamed', ['order_id']) }}

),

validated as (

    select
        *,
        {{ justice.source_key(['order_id']) }} as source_key,
        {{ justice.quarantine_reason([
            ('order_id is null', 'null key: order_id'),
            (justice.is_unreadable('order_start_date', 'raw_order_start_date'),
                'unreadable date: order_start_date'),
            ('order_start_date is null',
                'missing required date: order_start_date'),
            (justice.is_unreadable('order_end_date', 'raw_order_end_date'),
                'unreadable date: order_end_date'),
            justice.conflicting_change_rule(['order_id']),
        ]) }} as quarantine_reason
    from changes

)

select * from validated
