{{ justice.history_versions(
    changes='stg_delius__r_standard_reference_list',
    key_columns=['reference_id']
) }}
