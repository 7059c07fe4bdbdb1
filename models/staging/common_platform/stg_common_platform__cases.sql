{{ justice.valid_rows(ref('base_common_platform__cases')) }}
