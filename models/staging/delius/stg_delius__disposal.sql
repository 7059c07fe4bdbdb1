{{ justice.valid_rows(ref('base_delius__disposal')) }}
