with source as (

    select * from {{ source('em', 'subjects') }}
    {{ justice.partitions_to_load('em', 'subjects') }}

),

deduplicated as (

    select distinct * from source

),

renamed as (

    select
        -- cdc
        {{ justice.cdc_columns() }},

        -- ids
        {{ justice.clean_identifier('subject_id') }} as subject_id,
        {{ justice.clean_identifier('pnc') }} as pnc_number,
        {{ justice.clean_identifier('noms_number') }} as prison_number,
        {{ justice.clean_identifier('crn') }} as crn,

        -- text: the supplier sends 'SURNAME, Forename'
        {{ justice.clean_name('full_name') }} as full_name,
        {{ justice.clean_name("split_part(full_name, ',', 2)") }} as first_name,
        {{ justice.clean_name("split_part(full_name, ',', 1)") }} as last_name,
        {{ justice.clean_name('postcode') }} as postcode,

        -- dates
        {{ justice.parse_date('dob', ['dmy_slash', 'iso']) }} as birth_date,

        -- validation only (raw_ columns are not staged)
        dob as raw_dob

    from deduplicated

),

-- on an incremental run, with the stored rows of the keys the new rows touch
changes as (

    {{ justice.with_stored_rows_of_touched_keys('renamed', ['subject_id']) }}

),

validated as (

    select
        *,
        {{ justice.source_key(['subject_id']) }} as source_key,
        {{ justice.quarantine_reason([
            ('subject_id is null', 'null key: subject_id'),
            (justice.is_unreadable('birth_date', 'raw_dob'),
                'unreadable date: dob'),
            justice.conflicting_change_rule(['subject_id']),
        ]) }} as quarantine_reason
    from changes

)

select * from validated
