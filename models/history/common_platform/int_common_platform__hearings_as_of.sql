{{ justice.as_of_state(ref('int_common_platform__hearings_history')) }}
