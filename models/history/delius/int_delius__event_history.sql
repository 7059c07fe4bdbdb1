{{ justice.history_versions(
    changes='stg_delius__event',
    key_columns=['event_id'],
    deleted_flag='is_soft_deleted'
) }}
