{#-
    The month-end spine of the monthly probation marts (caseload): one row per
    calendar month up to the last complete month the probation data covers
    (int_probation_reporting_period_derived), as known at var('as_of').
-#}

{{ justice.month_end_spine(ref('int_probation_reporting_period_derived')) }}
