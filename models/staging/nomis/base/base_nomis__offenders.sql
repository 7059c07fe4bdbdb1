with source as (

    select * from {{ source('nomis', 'offenders') }}
    {{ justice.partitions_to_load('nomis', 'offenders') }}

),

deduplicated as (

    select distinct * from source

),

renamed as (

    select
        -- cdc
        {{ justice.cdc_columns() }},

        -- ids
        offender_id,
        {{ justice.clean_code('offender_id_display') }} as prison_number,
        {{ justice.clean_code('pnc_number') }} as pnc_number,
        {{ justice.clean_code('cro_number') }} as cro_number,

        -- text
        {{ justice.clean_name('first_name') }} as first_name,
        {{ justice.clean_name('middle_name') }} as middle_name,
        {{ justice.clean_name('last_name') }} as last_name,
        {{ justice.clean_code('sex_code') }} as sex_code,

        -- dates
        cast(birth_date as date) as birth_date,

        -- timestamps
        cast(create_datetime as {{ justice.type_timestamp() }}) as created_at,
        cast(modify_datetime as {{ justice.type_timestamp() }}) as modified_at

    from deduplicated

),

-- on an incremental run, with the stored rows of the keys the new rows touch
changes as (

    {{ justice.with_stored_rows_of_touched_keys('renamed', ['offender_id']) }}

),

validated as (

    select
        *,
        {{ justice.source_key(['offender_id']) }} as source_key,
        {{ justice.quarantine_reason([
            ('offender_id is null', 'null key: offender_id'),
            justice.conflicting_change_rule(['offender_id'], changed_at='modified_at'),
        ]) }} as quarantine_reason
    from changes

)

select * from validated
