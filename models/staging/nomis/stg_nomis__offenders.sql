{{ justice.valid_rows(ref('base_nomis__offenders')) }}
