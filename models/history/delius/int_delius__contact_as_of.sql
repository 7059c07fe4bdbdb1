{{ justice.as_of_state(ref('int_delius__contact_history')) }}
