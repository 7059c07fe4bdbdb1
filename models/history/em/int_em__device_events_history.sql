{{ justice.history_versions(
    changes='stg_em__device_events',
    key_columns=['device_event_id']
) }}
