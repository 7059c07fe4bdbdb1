{{ justice.valid_rows(ref('base_delius__r_standard_reference_list')) }}
