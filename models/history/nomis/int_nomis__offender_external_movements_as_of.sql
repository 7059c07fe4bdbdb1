{{ justice.as_of_state(ref('int_nomis__offender_external_movements_history')) }}
