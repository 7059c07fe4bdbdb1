{{ justice.as_of_state(ref('int_nomis__incident_cases_history')) }}
