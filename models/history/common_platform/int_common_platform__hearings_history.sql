{{ justice.history_versions(
    changes='stg_common_platform__hearings',
    key_columns=['hearing_id']
) }}
