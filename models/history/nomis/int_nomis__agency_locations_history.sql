{{ justice.history_versions(
    changes='stg_nomis__agency_locations',
    key_columns=['location_code']
) }}
