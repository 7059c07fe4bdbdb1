{{ justice.history_versions(
    changes='stg_delius__contact',
    key_columns=['contact_id'],
    deleted_flag='is_soft_deleted'
) }}
