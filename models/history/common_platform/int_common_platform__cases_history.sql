{{ justice.history_versions(
    changes='stg_common_platform__cases',
    key_columns=['case_id']
) }}
