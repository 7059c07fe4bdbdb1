{{ justice.history_versions(
    changes='stg_nomis__incident_case_parties',
    key_columns=['incident_id', 'party_sequence']
) }}
