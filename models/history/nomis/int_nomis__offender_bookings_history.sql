{{ justice.history_versions(
    changes='stg_nomis__offender_bookings',
    key_columns=['booking_id']
) }}
