{#-
    The month-end spine of the monthly prison marts (population and violence):
    one row per calendar month up to the last complete month the prison data
    covers (int_prison_reporting_period_derived), as known at var('as_of').
-#}

{{ justice.month_end_spine(ref('int_prison_reporting_period_derived')) }}
