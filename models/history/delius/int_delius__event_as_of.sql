{{ justice.as_of_state(ref('int_delius__event_history')) }}
