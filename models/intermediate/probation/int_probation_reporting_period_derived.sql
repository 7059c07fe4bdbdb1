{#-
    The period the probation data (Delius) covers, as known at var('as_of'): the
    last extraction date its daily-changing tables have reached, and the last
    complete month. Probation marts report up to it, and no other system's data
    moves it.
-#}

{{ justice.reporting_period([
    ref('int_delius__contact_as_of'),
    ref('int_delius__event_as_of'),
]) }}
