with source as (

    select * from {{ source('nomis', 'incident_case_parties') }}
    {{ justice.partitions_to_load('nomis', 'incident_case_parties') }}

),

deduplicated as (

    select distinct * from source

),

renamed as (

    select
        -- cdc
        {{ justice.cdc_columns() }},

        -- ids
        incident_case_id as incident_id,
        party_seq as party_sequence,
        offender_book_id as booking_id,

        -- codes
        {{ justice.clean_code('participation_role') }}
            as participation_role_code

    from deduplicated

),

-- on an incremental run, with the stored rows of the keys the new rows touch
changes as (

    {{ justice.with_stored_rows_of_touched_keys(
        'renamed', ['incident_id', 'party_sequence']
    ) }}

),

validated as (

    select
        *,
        {{ justice.source_key(['incident_id', 'party_sequence']) }}
            as source_key,
        {{ justice.quarantine_reason([
            ('incident_id is null', 'null key: incident_case_id'),
            ('party_sequence is null', 'null key: party_seq'),
            justice.conflicting_change_rule(['incident_id', 'party_sequence']),
        ]) }} as quarantine_reason
    from changes

)

select * from validated
