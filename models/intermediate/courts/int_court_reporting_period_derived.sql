{#-
    The period the court data (Common Platform) covers, as known at var('as_of'):
    the last extraction date its tables have reached, and the last complete month.
    Court marts report up to it, and no other system's data moves it.
-#}

{{ justice.reporting_period([
    ref('int_common_platform__cases_as_of'),
    ref('int_common_platform__hearings_as_of'),
    ref('int_common_platform__defendants_as_of'),
]) }}
