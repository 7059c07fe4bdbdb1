with source as (

    select * from {{ source('common_platform', 'cases') }}
    {{ justice.partitions_to_load('common_platform', 'cases') }}

),

deduplicated as (

    select distinct * from source

),

renamed as (

    select
        -- cdc
        {{ justice.cdc_columns() }},

        -- ids
        lower(trim(case_id)) as case_id,
        {{ justice.clean_code('case_urn') }} as case_urn,
        {{ justice.clean_code('court_code') }} as court_code,

        -- codes
        {{ justice.clean_code('jurisdiction') }} as jurisdiction_code,
        {{ justice.clean_code('case_status') }} as case_status_code,

        -- dates
        cast(received_date as date) as received_date

    from deduplicated

),

-- on an incremental run, with the stored rows of the keys the new rows touch
changes as (

    {{ justice.with_stored_rows_of_touched_keys('renamed', ['case_id']) }}

),

validated as (

    select
        *,
        {{ justice.source_key(['case_id']) }} as source_key,
        {{ justice.quarantine_reason([
            ('case_id is null', 'null key: case_id'),
            ('received_date is null', 'missing required date: received_date'),
            justice.conflicting_change_rule(['case_id']),
        ]) }} as quarantine_reason
    from changes

)

select * from validated
