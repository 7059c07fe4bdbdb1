with source as (

    select * from {{ source('delius', 'offender') }}
    {{ justice.partitions_to_load('delius', 'offender') }}

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
        {{ justice.clean_code('crn') }} as crn,
        {{ justice.clean_code('pnc_number') }} as pnc_number,
        {{ justice.clean_code('cro_number') }} as cro_number,
        {{ justice.clean_code('noms_number') }} as prison_number,
        gender_id,

        -- text
        {{ justice.clean_name('first_name') }} as first_name,
        {{ justice.clean_name('second_name') }} as second_name,
        {{ justice.clean_name('surname') }} as last_name,

        -- booleans
        {{ justice.flag_to_boolean('soft_deleted') }} as is_soft_deleted,

        -- dates
        cast(date_of_birth_date as date) as birth_date,

        -- timestamps
        cast(last_updated_datetime as {{ justice.type_timestamp() }})
            as last_updated_at,

        -- validation only (raw_ columns are not staged)
        soft_deleted as raw_soft_deleted

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
            (justice.is_unrecognised_flag('is_soft_deleted', 'raw_soft_deleted'),
                'unrecognised flag: soft_deleted'),
            justice.conflicting_change_rule(['offender_id'], changed_at='last_updated_at'),
        ]) }} as quarantine_reason
    from changes

)

select * from validated
