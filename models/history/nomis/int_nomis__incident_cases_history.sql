{{ justice.history_versions(
    changes='stg_nomis__incident_cases',
    key_columns=['incident_id']
) }}
