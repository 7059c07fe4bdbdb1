{{ justice.as_of_state(ref('int_nomis__agency_locations_history')) }}
