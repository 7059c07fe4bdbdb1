{#-
    The period the prison data (NOMIS) covers, as known at var('as_of'): the last
    extraction date its daily-changing tables have reached, and the last complete
    month. Prison marts report up to it, and no other system's data moves it.
-#}

{{ justice.reporting_period([
    ref('int_nomis__offender_external_movements_as_of'),
    ref('int_nomis__offender_bookings_as_of'),
    ref('int_nomis__incident_cases_as_of'),
]) }}
