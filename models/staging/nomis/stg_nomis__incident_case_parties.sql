{{ justice.valid_rows(ref('base_nomis__incident_case_parties')) }}
