with source as (

    select * from {{ source('common_platform', 'hearings') }}
    {{ justice.partitions_to_load('common_platform', 'hearings') }}

),

deduplicated as (

    select distinct * from source

),

renamed as (

    select
        -- cdc
        {{ justice.cdc_columns() }},

        -- ids
        lower(trim(hearing_id)) as hearing_id,
        lower(trim(case_id)) as case_id,
        {{ justice.clean_code('court_code') }} as court_code,

        -- codes
        {{ justice.clean_code('hearing_type') }} as hearing_type_code,
        {{ justice.clean_code('hearing_outcome') }} as hearing_outcome_code,

        -- dates
        cast(hearing_date as date) as hearing_date

    from deduplicated

),

-- on an incremental run, with the stored rows of the keys the new rows touch
changes as (

    {{ justice.with_stored_rows_of_touched_keys('renamed', ['hearing_id']) }}

),

validated as (

    select
        *,
        {{ justice.source_key(['hearing_id']) }} as source_key,
        {{ justice.quarantine_reason([
            ('hearing_id is null', 'null key: hearing_id'),
            ('hearing_date is null', 'missing required date: hearing_date'),
            justice.conflicting_change_rule(['hearing_id']),
        ]) }} as quarantine_reason
    from changes

)

select * from validated
