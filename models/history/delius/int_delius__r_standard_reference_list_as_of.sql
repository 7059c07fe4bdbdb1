{{ justice.as_of_state(ref('int_delius__r_standard_reference_list_history')) }}
