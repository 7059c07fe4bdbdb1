{{ justice.history_versions(
    changes='stg_delius__disposal',
    key_columns=['disposal_id']
) }}
