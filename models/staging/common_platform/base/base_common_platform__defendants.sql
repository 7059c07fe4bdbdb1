with source as (

    select * from {{ source('common_platform', 'defendants') }}
    {{ justice.partitions_to_load('common_platform', 'defendants') }}

),

deduplicated as (

    select distinct * from source

),

renamed as (

    select
        -- cdc
        {{ justice.cdc_columns() }},

        -- ids
        lower(trim(defendant_id)) as defendant_id,
        lower(trim(case_id)) as case_id,
        {{ justice.clean_identifier('pnc_id') }} as pnc_number,

        -- text
        {{ justice.clean_name('first_name') }} as first_name,
        {{ justice.clean_name('last_name') }} as last_name,
        {{ justice.clean_name('address_postcode') }} as postcode,
        {{ justice.clean_code('gender') }} as gender_code,

        -- dates: the feed mixes four formats; an unreadable one becomes null
        {{ justice.parse_date(
            'date_of_birth', ['iso', 'dmy_slash', 'ymd_compact', 'dmy_mon']
        ) }} as birth_date,

        -- nested: one element per offence, codes cleaned
        {{ justice.clean_offences('offences') }} as offences,

        -- validation only (raw_ columns are not staged)
        date_of_birth as raw_date_of_birth

    from deduplicated

),

-- on an incremental run, with the stored rows of the keys the new rows touch
changes as (

    {{ justice.with_stored_rows_of_touched_keys('renamed', ['defendant_id']) }}

),

validated as (

    select
        *,
        {{ justice.source_key(['defendant_id']) }} as source_key,
        {{ justice.quarantine_reason([
            ('defendant_id is null', 'null key: defendant_id'),
            ('case_id is null', 'missing required reference: case_id'),
            (justice.is_unreadable('birth_date', 'raw_date_of_birth'),
                'unreadable date: date_of_birth'),
            justice.conflicting_change_rule(['defendant_id'], nested_columns=['offences']),
        ]) }} as quarantine_reason
    from changes

)

select * from validated
