{#-
    Every raw row that staging could not make valid, from every source table, with the
    reason. Nothing is dropped silently: raw = staged + quarantined + exact duplicates,
    proved per table by the reconciles_with_source test on each staging model.
    The list below is every table of the lake contract (scripts/justice/lake_schema.py);
    tests/python/test_contract.py fails when they differ.
-#}
{# a view over the incremental base tables: it costs nothing to build #}
{{ justice.quarantined_rows([
    ('nomis', 'offenders'),
    ('nomis', 'offender_bookings'),
    ('nomis', 'offender_external_movements'),
    ('nomis', 'incident_cases'),
    ('nomis', 'incident_case_parties'),
    ('nomis', 'agency_locations'),
    ('delius', 'offender'),
    ('delius', 'event'),
    ('delius', 'disposal'),
    ('delius', 'contact'),
    ('delius', 'r_standard_reference_list'),
    ('common_platform', 'cases'),
    ('common_platform', 'defendants'),
    ('common_platform', 'hearings'),
    ('em', 'subjects'),
    ('em', 'orders'),
    ('em', 'device_events'),
]) }}
