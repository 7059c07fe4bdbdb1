{{ justice.history_versions(
    changes='stg_em__subjects',
    key_columns=['subject_id']
) }}
