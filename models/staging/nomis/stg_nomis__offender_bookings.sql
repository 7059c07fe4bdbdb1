{{ justice.valid_rows(ref('base_nomis__offender_bookings')) }}
