{#-
    The period the electronic-monitoring data (the EM supplier's files) covers, as
    known at var('as_of'): the last extraction date its daily-changing tables have
    reached, and the last complete month. EM marts report up to it, and no other
    system's data moves it.
-#}

{{ justice.reporting_period([
    ref('int_em__device_events_as_of'),
    ref('int_em__orders_as_of'),
]) }}
