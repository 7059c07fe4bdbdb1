{{ justice.as_of_state(ref('int_common_platform__defendants_history')) }}
