with source as (

    select * from {{ source('delius', 'disposal') }}
    {{ justice.partitions_to_load('delius', 'disposal') }}

),

deduplicated as (

    select distinct * from source

),

renamed as (

    select
        -- cdc
        {{ justice.cdc_columns() }},

        -- ids
        disposal_id,
        event_id,
        disposal_type_id,
        length_units as length_units_id,
        termination_reason_id,

        -- numerics
        length as disposal_length,

        -- dates
        cast(disposal_date as date) as disposal_date,
        cast(termination_date as date) as termination_date

    from deduplicated

),

-- on an incremental run, with the stored rows of the keys the new rows touch
changes as (

    {{ justice.with_stored_rows_of_touched_keys('renamed', ['disposal_id']) }}

),

validated as (

    select
        *,
        {{ justice.source_key(['disposal_id']) }} as source_key,
        {{ justice.quarantine_reason([
            ('disposal_id is null', 'null key: disposal_id'),
            ('disposal_date is null', 'missing required date: disposal_date'),
            justice.conflicting_change_rule(['disposal_id']),
        ]) }} as quarantine_reason
    from changes

)

select * from validated
