{{ justice.history_versions(
    changes='stg_delius__offender',
    key_columns=['offender_id'],
    changed_at='last_updated_at',
    deleted_flag='is_soft_deleted'
) }}
