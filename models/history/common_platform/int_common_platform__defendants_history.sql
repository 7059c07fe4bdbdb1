{{ justice.history_versions(
    changes='stg_common_platform__defendants',
    key_columns=['defendant_id']
) }}
