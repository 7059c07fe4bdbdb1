{{ justice.as_of_state(ref('int_nomis__offender_bookings_history')) }}
