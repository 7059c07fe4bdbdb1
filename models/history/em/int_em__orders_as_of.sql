{{ justice.as_of_state(ref('int_em__orders_history')) }}
