{{ justice.history_versions(
    changes='stg_nomis__offender_external_movements',
    key_columns=['booking_id', 'movement_sequence']
) }}
