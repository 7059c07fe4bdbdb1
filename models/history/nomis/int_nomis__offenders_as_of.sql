{{ justice.as_of_state(ref('int_nomis__offenders_history')) }}
