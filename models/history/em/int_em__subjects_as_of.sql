{{ justice.as_of_state(ref('int_em__subjects_history')) }}
