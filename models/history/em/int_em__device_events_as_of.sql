{{ justice.as_of_state(ref('int_em__device_events_history')) }}
