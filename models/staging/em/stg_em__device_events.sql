{{ justice.valid_rows(ref('base_em__device_events')) }}
