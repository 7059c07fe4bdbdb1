with source as (

    select * from {{ source('delius', 'r_standard_reference_list') }}
    {{ justice.partitions_to_load('delius', 'r_standard_reference_list') }}

),

deduplicated as (

    select distinct * from source

),

renamed as (

    select
        -- cdc
        {{ justice.cdc_columns() }},

        -- ids
        standard_reference_list_id as reference_id,

        -- codes
        {{ justice.clean_name('code_set_name') }} as code_set_name,
        {{ justice.clean_code('code_value') }} as code_value,

        -- text
        {{ justice.clean_text('code_description') }} as code_description

    from deduplicated

),

-- on an incremental run, with the stored rows of the keys the new rows touch
changes as (

    {{ justice.with_stored_rows_of_touched_keys('renamed', ['reference_id']) }}

),

validated as (

    select
        *,
        {{ justice.source_key(['reference_id']) }} as source_key,
        {{ justice.quarantine_reason([
            ('reference_id is null', 'null key: standard_reference_list_id'),
            justice.conflicting_change_rule(['reference_id']),
        ]) }} as quarantine_reason
    from changes

)

select * from validated
