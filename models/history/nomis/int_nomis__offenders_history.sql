{{ justice.history_versions(
    changes='stg_nomis__offenders',
    key_columns=['offender_id'],
    changed_at='modified_at'
) }}
