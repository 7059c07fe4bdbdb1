{{ justice.history_versions(
    changes='stg_em__orders',
    key_columns=['order_id']
) }}
