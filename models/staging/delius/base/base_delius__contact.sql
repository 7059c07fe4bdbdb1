with source as (

    select * from {{ source('delius', 'contact') }}
    {{ justice.partitions_to_load('delius', 'contact') }}

),

deduplicated as (

    select distinct * from source

),

renamed as (

    select
        -- cdc
        {{ justice.cdc_columns() }},

        -- ids
        contact_id,
        offender_id,
        contact_type_id,

        -- booleans
        {{ justice.flag_to_boolean('attended') }} as has_attended,
        {{ justice.flag_to_boolean('complied') }} as has_complied,
        {{ justice.flag_to_boolean('soft_deleted') }} as is_soft_deleted,

        -- dates
        cast(contact_date as date) as contact_date,

        -- validation only (raw_ columns are not staged)
        attended as raw_attended,
        complied as raw_complied,
        soft_deleted as raw_soft_deleted

    from deduplicated

),

-- on an incremental run, with the stored rows of the keys the new rows touch
changes as (

    {{ justice.with_stored_rows_of_touched_keys('renamed', ['contact_id']) }}

),

validated as (

    select
        *,
        {{ justice.source_key(['contact_id']) }} as source_key,
        {{ justice.quarantine_reason([
            ('contact_id is null', 'null key: contact_id'),
            ('contact_date is null', 'missing required date: contact_date'),
            (justice.is_unrecognised_flag('has_attended', 'raw_attended'),
                'unrecognised flag: attended'),
            (justice.is_unrecognised_flag('has_complied', 'raw_complied'),
                'unrecognised flag: complied'),
            (justice.is_unrecognised_flag('is_soft_deleted', 'raw_soft_deleted'),
                'unrecognised flag: soft_deleted'),
            justice.conflicting_change_rule(['contact_id']),
        ]) }} as quarantine_reason
    from changes

)

select * from validated
